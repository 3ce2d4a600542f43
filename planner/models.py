"""The validated boundary: protocol, product and pace files, and the patient inputs.

Each model is frozen and forbids unknown keys, so a misspelled field in a reviewed
protocol file is an error rather than a silently ignored setting. Doses are exact
``Decimal`` milligrams here; the engine converts them to integer micrograms.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from planner.errors import DoseError, InputError
from planner.limits import MAX_CAUTIONS, MAX_EDITS, MAX_TEXT_CHARS
from planner.plaintext import control_character
from planner.units import format_decimal, format_mg, mg_to_mcg, number_from_text

# A dose time "total" would write total_mg twice in the day-by-day table.
RESERVED_TIME_NAMES = frozenset({"total", "date", "day", "phase", "note", "dose", "id"})

# Label: "should not be increased more often than once every three days"; the issue
# makes it a floor that no protocol file may lower.
MIN_INTERVAL_FLOOR_DAYS = 3

IDENTIFIER = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def _exact_number(value: Any) -> Any:
    """Accept TOML integers and decimals (read as Decimal); refuse floats, text and booleans."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"must be a number, not {type(value).__name__} {value!r}")
    return value


def _exact_number_or_text(value: Any) -> Any:
    """Patient inputs may also come as text ('0.5'), which is exact; floats are not."""
    if isinstance(value, str):
        try:
            return number_from_text(value)
        except InputError as error:
            raise ValueError(f"must be a number: {error}") from None
    return _exact_number(value)


def _whole_micrograms(value: Decimal) -> Decimal:
    try:
        mg_to_mcg(value)
    except DoseError:
        raise ValueError(f"{value} mg is not a whole number of micrograms") from None
    return value


def _one_line(value: str) -> str:
    """Text printed on one line of a page, a CSV cell or a calendar event: no line break
    or control character can start a new line, cell or event there."""
    char = control_character(value)
    if char is not None:
        raise ValueError(f"a line break or control character (U+{ord(char):04X}) in one-line text")
    return value


def _identifier(value: str) -> str:
    if not IDENTIFIER.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits and single - or _")
    return value


def _number_schema(**bounds: int) -> WithJsonSchema:
    """Protocol files hold numbers, never text: say so in the JSON Schema, whatever
    pydantic's default for Decimal is (it has varied between releases)."""
    return WithJsonSchema({"type": "number", **bounds})


Mg = Annotated[
    Decimal,
    BeforeValidator(_exact_number),
    Field(ge=0, le=1000),
    AfterValidator(_whole_micrograms),
    _number_schema(minimum=0, maximum=1000),
]
PositiveMg = Annotated[Mg, Field(gt=0), _number_schema(exclusiveMinimum=0, maximum=1000)]
MgPerKg = Annotated[
    Decimal,
    BeforeValidator(_exact_number),
    Field(gt=0, le=10),
    _number_schema(exclusiveMinimum=0, maximum=10),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(_exact_number),
    Field(gt=0, le=100),
    _number_schema(exclusiveMinimum=0, maximum=100),
]
Count = Annotated[int, Strict()]
Days = Annotated[Count, Field(ge=1, le=3650)]
Date = Annotated[dt.date, Strict()]
# Schedules start in a sensible era; far dates are typos, and near 9999 they overflow.
StartDate = Annotated[Date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]
Clock = Annotated[dt.time, Strict()]
Identifier = Annotated[str, AfterValidator(_identifier)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(_one_line)]

InputMg = Annotated[
    Decimal,
    BeforeValidator(_exact_number_or_text),
    Field(ge=0, le=1000),
    AfterValidator(_whole_micrograms),
]
WeightKg = Annotated[Decimal, BeforeValidator(_exact_number_or_text), Field(ge=Decimal("0.5"))]


class Frozen(BaseModel):
    """Shared settings: immutable, and no unknown keys; scalar types are strict one by one.

    Lists from TOML are accepted as tuples; numbers, dates and times are not coerced from
    text (see ``Count``, ``Date``, ``Clock`` and the dose types).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Frozen):
    """A citation that a protocol's numbers come from."""

    id: Identifier
    citation: Text = Field(min_length=1)
    url: Text | None = None


def _cited(sources: tuple[Source, ...], cited: list[str]) -> None:
    known = {s.id for s in sources}
    missing = sorted(set(cited) - known)
    if missing:
        raise ValueError(f"cites unknown source {', '.join(missing)}; add it to [[sources]]")


# --- Products ---------------------------------------------------------------------


class Strength(Frozen):
    """One strength of a product, and into how many equal parts it may be split."""

    mg: PositiveMg
    split: Literal[1, 2, 4] = Field(
        1, description="1 = whole units only, 2 = scored in halves, 4 = halves or quarters"
    )

    @property
    def mcg(self) -> int:
        return mg_to_mcg(self.mg)

    @model_validator(mode="after")
    def _parts_are_exact(self) -> Self:
        if self.mcg % self.split:
            raise ValueError(f"{self.mg} mg cannot be split into {self.split} exact parts")
        return self


class ProductBody(Frozen):
    """A product as written in the products file, where its id is the table name."""

    name: Text = Field(min_length=1)
    short_name: Annotated[Text, Field(min_length=1, max_length=24)] | None = Field(
        None, description="for a calendar cell where products change: 'Rivotril drops'"
    )
    region: Text = Field(min_length=1)
    unit: Text = Field(min_length=1, description="what a patient counts: tablet, drop")
    unit_plural: Text = Field(min_length=1)
    strengths: tuple[Strength, ...] = Field(min_length=1)
    units_per_ml: Annotated[Count, Field(ge=1, le=1000)] | None = Field(
        None, description="for a liquid: how many units (drops) make 1 mL, for dispensing"
    )
    note: Text = ""
    sources: tuple[Identifier, ...] = ()

    @property
    def label(self) -> str:
        """The short name where space is tight, else the name."""
        return self.short_name or self.name

    @model_validator(mode="after")
    def _strengths_unique(self) -> Self:
        values = [s.mcg for s in self.strengths]
        if len(set(values)) != len(values):
            raise ValueError("strengths: a strength is listed twice")
        return self


class Product(ProductBody):
    """A dosage form with the strengths that exist; every dose is made only of these."""

    id: Identifier


class ProductCatalog(Frozen):
    """The products file: every product the protocols may name."""

    kind: Literal["products"]
    version: Text = Field(min_length=1)
    products: dict[Identifier, ProductBody] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_cited(self) -> Self:
        _cited(self.sources, [s for p in self.products.values() for s in p.sources])
        return self

    def get(self, product_id: str) -> Product:
        return Product(id=product_id, **dict(self.products[product_id]))


# --- Taper paces --------------------------------------------------------------------


# ASAM 2025: a graded taper typically should not exceed 25% every 2 weeks.
ASAM_LIMIT_PERCENT, ASAM_LIMIT_DAYS = Decimal(25), 14


class LinearPhase(Frozen):
    """A fixed reduction in mg/day every ``interval_days`` (the label example is one).

    ``limit_percent`` per ``limit_days`` also caps each cut as a share of the dose, so
    equal mg steps slow down near the end (a graded pace needs it).
    """

    kind: Literal["linear"]
    step_mg_per_day: PositiveMg
    interval_days: Days
    limit_percent: Percent | None = None
    limit_days: Days | None = None
    until_mg_per_day: Mg = Decimal(0)

    def limit(self, start_mcg: int) -> StepLimit:
        cap = None
        if self.limit_percent is not None:
            per_days = self.limit_days or self.interval_days
            cap = StepLimit(Fraction(self.limit_percent), per_days, "percent")
        step = Fraction(mg_to_mcg(self.step_mg_per_day))
        return StepLimit(step, self.interval_days, "mcg", cap=cap)

    def rate(self, start_mcg: int) -> StepLimit:
        """The pace's own step per interval (its limit too, for a linear pace)."""
        return self.limit(start_mcg)


class PercentOfStartPhase(Frozen):
    """A share of the dose the taper started from, every ``interval_days``: equal mg
    steps fixed at the start (Deprescribing.org: 25%, then 12.5% near the end)."""

    kind: Literal["percent_of_start"]
    step_percent: Percent
    interval_days: Days
    until_mg_per_day: Mg = Decimal(0)
    until_percent_of_start: Percent | None = None

    def step_mcg(self, start_mcg: int) -> Fraction:
        return Fraction(self.step_percent) * start_mcg / 100

    def limit(self, start_mcg: int) -> StepLimit:
        return StepLimit(self.step_mcg(start_mcg), self.interval_days, "mcg")

    def rate(self, start_mcg: int) -> StepLimit:
        return self.limit(start_mcg)


class ProportionalPhase(Frozen):
    """A percentage of the current dose every ``interval_days``, never above its limit."""

    kind: Literal["proportional"]
    step_percent: Percent
    interval_days: Days
    limit_percent: Percent | None = Field(
        None, description="the largest reduction allowed per limit_days (default: the step)"
    )
    limit_days: Days | None = None
    until_mg_per_day: Mg = Decimal(0)
    until_percent_of_start: Percent | None = None

    def limit(self, start_mcg: int = 0) -> StepLimit:
        percent = self.limit_percent if self.limit_percent is not None else self.step_percent
        per_days = self.limit_days if self.limit_days is not None else self.interval_days
        return StepLimit(Fraction(percent), per_days, "percent")

    def rate(self, start_mcg: int = 0) -> StepLimit:
        """The pace's own step per interval: steps larger than it are held longer."""
        return StepLimit(Fraction(self.step_percent), self.interval_days, "percent")

    @model_validator(mode="after")
    def _step_within_limit(self) -> Self:
        limit = self.limit()
        if Fraction(self.step_percent) / self.interval_days > limit.amount / limit.per_days:
            raise ValueError(
                f"{self.step_percent}% every {self.interval_days} days is faster than "
                f"the limit of {self.limit_percent}% per {limit.per_days} days"
            )
        return self


@dataclass(frozen=True)
class StepLimit:
    """The largest reduction a pace allows per ``per_days``, as a rate.

    ``measure`` is in mg/day (linear paces), in percent of the current dose
    (proportional), or in percentage points of receptor occupancy (hyperbolic, which
    needs ``ec50_mcg``). Holding a dose longer allows a proportionally larger step.
    """

    amount: Fraction
    per_days: int
    measure: Literal["mcg", "percent", "occupancy"]
    ec50_mcg: int | None = None
    cap: StepLimit | None = None  # a second limit that also applies (hyperbolic: % of dose)

    def size(self, from_mcg: int, to_mcg: int) -> Fraction:
        """How large a reduction is, in this limit's measure."""
        if self.measure == "mcg":
            return Fraction(from_mcg - to_mcg)
        if self.measure == "percent":
            return Fraction(100 * (from_mcg - to_mcg), from_mcg)
        return 100 * (self.occupancy(from_mcg) - self.occupancy(to_mcg))

    def allowance(self, held_days: int) -> Fraction:
        if held_days == self.per_days:
            return self.amount
        return self.amount * held_days / self.per_days

    def allows(self, from_mcg: int, to_mcg: int, held_days: int) -> bool:
        """Whether reducing ``from_mcg`` to ``to_mcg`` after ``held_days`` keeps to the limit."""
        within = self.size(from_mcg, to_mcg) <= self.allowance(held_days)
        return within and (self.cap is None or self.cap.allows(from_mcg, to_mcg, held_days))

    def days_for(self, from_mcg: int, to_mcg: int) -> int:
        """The fewest days ``from_mcg`` must be held for a reduction to ``to_mcg``."""
        days = math.ceil(self.size(from_mcg, to_mcg) * self.per_days / self.amount)
        return days if self.cap is None else max(days, self.cap.days_for(from_mcg, to_mcg))

    def max_drop(self, from_mcg: int, held_days: int) -> Fraction:
        """The largest reduction from ``from_mcg`` after holding it ``held_days`` days."""
        allowed = self.allowance(held_days)
        if self.measure == "mcg":
            drop = allowed
        elif self.measure == "percent":
            drop = from_mcg * allowed / 100
        else:
            lowest = self.occupancy(from_mcg) - allowed / 100
            drop = Fraction(from_mcg) if lowest <= 0 else from_mcg - self.dose_for(lowest)
        return drop if self.cap is None else min(drop, self.cap.max_drop(from_mcg, held_days))

    def occupancy(self, dose_mcg: int | Fraction) -> Fraction:
        """Receptor occupancy at steady state on ``dose_mcg``/day: D / (D + EC50)."""
        assert self.ec50_mcg is not None
        return Fraction(dose_mcg) / (dose_mcg + self.ec50_mcg)

    def dose_for(self, occupancy: Fraction) -> Fraction:
        """The daily dose giving ``occupancy`` at steady state."""
        assert self.ec50_mcg is not None
        return self.ec50_mcg * occupancy / (1 - occupancy)

    def describe(self) -> str:
        number = f"{float(self.amount):g}"
        amount = {
            "mcg": format_mg(int(self.amount)) if self.amount.denominator == 1 else number,
            "percent": f"{number}% of the dose",
            "occupancy": f"{number} points of receptor occupancy",
        }[self.measure]
        return f"{amount} per {self.per_days} days"


class HyperbolicPhase(Frozen):
    """Equal steps in receptor occupancy, D / (D + EC50): steps shrink as the dose falls.

    There is no published EC50 for clonazepam: ``ec50_mg_per_day`` (the daily dose giving
    half occupancy at steady state) is an illustrative, visible assumption.
    """

    kind: Literal["hyperbolic"]
    occupancy_step_points: Percent
    interval_days: Days
    ec50_mg_per_day: PositiveMg
    limit_points: Percent | None = None
    limit_days: Days | None = None
    limit_percent: Percent = Field(
        Decimal(25),
        description="never more than this % of the dose per limit_days, whatever the EC50",
    )
    until_mg_per_day: Mg = Decimal(0)

    def limit(self, start_mcg: int = 0) -> StepLimit:
        points = self.limit_points if self.limit_points is not None else self.occupancy_step_points
        per_days = self.limit_days or self.interval_days
        return StepLimit(
            amount=Fraction(points),
            per_days=per_days,
            measure="occupancy",
            ec50_mcg=mg_to_mcg(self.ec50_mg_per_day),
            cap=StepLimit(Fraction(self.limit_percent), per_days, "percent"),
        )

    def rate(self, start_mcg: int = 0) -> StepLimit:
        return StepLimit(
            Fraction(self.occupancy_step_points),
            self.interval_days,
            "occupancy",
            ec50_mcg=mg_to_mcg(self.ec50_mg_per_day),
        )


class CustomPhase(Frozen):
    """A clinician's own steps: the clinician sets the speed. ASAM 2025's 25% per 14 days
    is the yardstick for the warnings, not a limit."""

    kind: Literal["custom"]
    limit_percent: Percent = ASAM_LIMIT_PERCENT
    limit_days: Days = ASAM_LIMIT_DAYS
    interval_days: Days = Field(1, description="the shortest hold, also before stopping")
    until_mg_per_day: Mg = Decimal(0)

    def limit(self, start_mcg: int = 0) -> StepLimit:
        return StepLimit(Fraction(self.limit_percent), self.limit_days, "percent")

    def rate(self, start_mcg: int = 0) -> StepLimit:
        return self.limit()


Phase = Annotated[
    LinearPhase | PercentOfStartPhase | ProportionalPhase | HyperbolicPhase | CustomPhase,
    Field(discriminator="kind"),
]
TaperPhase = LinearPhase | PercentOfStartPhase | ProportionalPhase | HyperbolicPhase | CustomPhase
PHASE_KINDS = frozenset({"linear", "percent_of_start", "proportional", "hyperbolic", "custom"})
EDIT_KINDS = frozenset({"pause", "step_back"})


class PaceBody(Frozen):
    """A taper pace as written: phases applied in order, each down to its ``until``."""

    title: Text = Field(min_length=1)
    phases: tuple[Phase, ...] = Field(min_length=1)
    sources: tuple[Identifier, ...] = Field(min_length=1)
    warnings: tuple[Text, ...] = ()
    published: bool = Field(
        False,
        description="reproduces a published schedule at its own speed; otherwise every phase "
        "keeps within ASAM 2025's 25% per 14 days",
    )

    @model_validator(mode="after")
    def _graded_within_asam(self) -> Self:
        """A graded pace never outruns ASAM 2025's 25% per 2 weeks; only a published
        schedule may (and says so)."""
        if self.published:
            return self
        for index, phase in enumerate(self.phases):
            cap = _percent_cap(phase)
            if cap is None or cap[0] / cap[1] > ASAM_LIMIT_PERCENT / ASAM_LIMIT_DAYS:
                raise ValueError(
                    f"phases[{index}]: a graded pace must cap each cut at 25% per 14 days "
                    "(ASAM 2025): give limit_percent and limit_days, or mark it published"
                )
        return self

    @model_validator(mode="after")
    def _phases_descend(self) -> Self:
        if self.phases[-1].until_mg_per_day != 0 or _has_percent_end(self.phases[-1]):
            raise ValueError("phases: the last phase must run down to zero (no until)")
        for earlier, later in zip(self.phases, self.phases[1:], strict=False):
            if not _has_percent_end(earlier) and earlier.until_mg_per_day == 0:
                raise ValueError("phases: only the last phase may run down to zero")
            if later.until_mg_per_day > earlier.until_mg_per_day:
                raise ValueError("phases: each phase must end at a lower dose than the one before")
        return self


def _has_percent_end(phase: TaperPhase) -> bool:
    return (
        isinstance(phase, ProportionalPhase | PercentOfStartPhase)
        and phase.until_percent_of_start is not None
    )


def _percent_cap(phase: TaperPhase) -> tuple[Decimal, int] | None:
    """The most a phase cuts, as a % of the current dose per so many days, if bounded."""
    if isinstance(phase, ProportionalPhase):
        percent = phase.limit_percent if phase.limit_percent is not None else phase.step_percent
        return percent, phase.limit_days or phase.interval_days
    if isinstance(phase, HyperbolicPhase):
        return phase.limit_percent, phase.limit_days or phase.interval_days
    if isinstance(phase, LinearPhase) and phase.limit_percent is not None:
        return phase.limit_percent, phase.limit_days or phase.interval_days
    return None


def phase_end_mcg(phase: TaperPhase, start_mcg: int) -> Fraction:
    """The daily dose at which ``phase`` hands over to the next one."""
    if _has_percent_end(phase):
        assert isinstance(phase, ProportionalPhase | PercentOfStartPhase)
        assert phase.until_percent_of_start is not None
        return Fraction(phase.until_percent_of_start) * start_mcg / 100
    return Fraction(mg_to_mcg(phase.until_mg_per_day))


class Pace(PaceBody):
    """A named taper pace, as chosen with ``--pace``."""

    id: Identifier

    def phase_at(self, dose_mcg: int, start_mcg: int) -> TaperPhase:
        """The phase that reduces ``dose_mcg``: the first whose end is below it."""
        if len(self.phases) == 1:
            return self.phases[0]
        for phase in self.phases:
            if dose_mcg > phase_end_mcg(phase, start_mcg):
                return phase
        return self.phases[-1]


class PaceCatalog(Frozen):
    """The paces file: every taper pace, by id."""

    kind: Literal["paces"]
    version: Text = Field(min_length=1)
    paces: dict[Identifier, PaceBody] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_cited(self) -> Self:
        _cited(self.sources, [s for p in self.paces.values() for s in p.sources])
        for pace_id, pace in self.paces.items():
            if any(isinstance(phase, CustomPhase) for phase in pace.phases):
                raise ValueError(
                    f"paces.{pace_id}.phases: custom steps belong in a plan file (custom_steps)"
                )
        return self

    def get(self, pace_id: str) -> Pace:
        return Pace(id=pace_id, **dict(self.paces[pace_id]))


# --- Protocols --------------------------------------------------------------------


class DailyAmount(Frozen):
    """A daily dose given in mg/day, in mg/kg/day, or both (then the lower applies)."""

    mg_per_day: PositiveMg | None = None
    mg_per_kg_per_day: MgPerKg | None = None

    @model_validator(mode="after")
    def _one_given(self) -> Self:
        if self.mg_per_day is None and self.mg_per_kg_per_day is None:
            raise ValueError("give mg_per_day, mg_per_kg_per_day, or both")
        return self

    @property
    def by_weight(self) -> bool:
        return self.mg_per_kg_per_day is not None


class StepRange(Frozen):
    """The size of one titration increase in mg/day: the default used and its bounds."""

    default: PositiveMg
    min: PositiveMg | None = Field(
        None, description="the smallest step; none: any step the product makes, up to max"
    )
    max: PositiveMg

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not (self.min or 0) <= self.default <= self.max:
            raise ValueError("the step must satisfy min <= default <= max")
        return self


class Titration(Frozen):
    """How a protocol starts and raises the dose (label, section 1 of the clinical rules)."""

    start: DailyAmount
    start_limit: DailyAmount
    step_mg_per_day: StepRange
    min_interval_days: Annotated[Count, Field(ge=MIN_INTERVAL_FLOOR_DAYS, le=365)]
    start_range_mg_per_kg_per_day: tuple[MgPerKg, MgPerKg] | None = Field(
        None, description="where a weight-based start dose should lie (never above start_limit)"
    )
    target: DailyAmount | None = None
    maintenance_range_mg_per_kg_per_day: tuple[MgPerKg, MgPerKg] | None = Field(
        None,
        description="where a weight-based held dose lies: the default target is rounded into it",
    )
    maximum: DailyAmount
    hold_days: Annotated[Count, Field(ge=0, le=3650)] = 14
    min_doses_per_day: Annotated[Count, Field(ge=1, le=6)] = Field(
        1, description="every titration day is divided into at least this many doses"
    )

    @model_validator(mode="after")
    def _within_maximum(self) -> Self:
        for field, amount in (
            ("start", self.start),
            ("start_limit", self.start_limit),
            ("target", self.target),
        ):
            if amount is not None and _above(amount, self.maximum):
                raise ValueError(f"{field}: is above maximum")
        if _above(self.start, self.start_limit):
            raise ValueError("start: is above start_limit")
        if (
            self.maximum.mg_per_day is not None
            and self.step_mg_per_day.max > self.maximum.mg_per_day
        ):
            raise ValueError("step_mg_per_day.max: is above maximum")
        for name in ("start_range_mg_per_kg_per_day", "maintenance_range_mg_per_kg_per_day"):
            low_high = getattr(self, name)
            if low_high is not None and low_high[0] > low_high[1]:
                raise ValueError(f"{name}: must be [low, high]")
        return self


class DoseTime(Frozen):
    """A time of day a dose is taken; its name becomes the ``<name>_mg`` CSV column."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$", max_length=20)]
    clock: Clock
    label: Text = Field(min_length=1, description="as a patient reads it: 'in the morning'")

    @field_validator("name")
    @classmethod
    def _not_a_table_column(cls, name: str) -> str:
        if name in RESERVED_TIME_NAMES:
            raise ValueError(f"{name!r} is taken by a table column; name the time otherwise")
        return name


class Caution(Frozen):
    """A warning printed with every matching schedule and kept in its outputs."""

    applies: Literal["always", "titration", "taper", "age_below", "age_at_least", "weight_above"]
    threshold: Annotated[Decimal, BeforeValidator(_exact_number), _number_schema()] | None = None
    text: Text = Field(min_length=1)

    @model_validator(mode="after")
    def _threshold_when_needed(self) -> Self:
        needs = self.applies in ("age_below", "age_at_least", "weight_above")
        if needs != (self.threshold is not None):
            raise ValueError(f"'{self.applies}' {'needs' if needs else 'takes no'} threshold")
        return self


Positive = Annotated[
    Decimal, BeforeValidator(_exact_number), Field(gt=0), _number_schema(exclusiveMinimum=0)
]


class Pharmacokinetics(Frozen):
    """One-compartment model parameters, for the educational concentration view only."""

    bioavailability: Annotated[Positive, Field(le=1)]
    absorption_half_life_minutes: Positive
    volume_l_per_kg: Positive
    elimination_half_life_hours: Positive
    therapeutic_range_ng_per_ml: tuple[Positive, Positive]
    toxic_above_ng_per_ml: Positive
    sources: tuple[Identifier, ...] = Field(min_length=1)
    note: Text = ""


class Bound(Frozen):
    """One bound of a population on age or weight: ``at_most`` (<=) or ``above`` (>)."""

    at_most: Positive | None = None
    above: Positive | None = None

    @model_validator(mode="after")
    def _one_given(self) -> Self:
        if (self.at_most is None) == (self.above is None):
            raise ValueError("give at_most or above")
        return self

    def holds(self, value: Decimal | int) -> bool:
        return value <= self.at_most if self.at_most is not None else value > (self.above or 0)

    def describe(self, unit: str) -> str:
        if self.at_most is not None:
            return f"up to {format_decimal(self.at_most)} {unit}"
        return f"over {format_decimal(self.above or Decimal(0))} {unit}"


class Population(Frozen):
    """Who the protocol is for, as the label bounds it. A patient outside it is refused
    (naming ``otherwise``, the protocol that fits), unless a clinician records a reason."""

    description: Text = Field(min_length=1)
    age_years: Bound | None = None
    weight_kg: Bound | None = None
    combine: Literal["all", "any"] = Field(
        "all", description="all: every bound must hold; any: one is enough"
    )
    otherwise: Identifier | None = Field(None, description="the protocol for everyone else")
    source: Identifier | None = None

    @model_validator(mode="after")
    def _source_for_bounds(self) -> Self:
        bounded = self.age_years is not None or self.weight_kg is not None
        if bounded and self.source is None:
            raise ValueError("source: bounds on age or weight need the source they come from")
        return self


class Drug(Frozen):
    """What the protocol says of the drug itself; the engine knows nothing else of it."""

    name: Text = Field(min_length=1)
    tall_man: Text = Field(min_length=1, description="ISMP tall-man lettering for print")
    ceiling_mg_per_day: PositiveMg


class Protocol(Frozen):
    """One indication and population: how to start, raise, hold and taper the drug."""

    kind: Literal["protocol"]
    id: Identifier
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    title: Text = Field(min_length=1)
    indication: Text = Field(min_length=1)
    population: Population
    reviewed: Date
    drug: Drug
    default_product: Identifier
    default_pace: Identifier
    paces: tuple[Identifier, ...] = Field(
        min_length=1, description="the taper paces this protocol offers; the default among them"
    )
    dose_times: tuple[DoseTime, ...] = Field(min_length=1, max_length=6)
    titration: Titration
    cautions: tuple[Caution, ...] = Field((), max_length=MAX_CAUTIONS)
    pharmacokinetics: Pharmacokinetics | None = None
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.default_pace not in self.paces:
            raise ValueError(f"default_pace: {self.default_pace!r} is not one of its paces")
        names = [t.name for t in self.dose_times]
        if len(set(names)) != len(names):
            raise ValueError("dose_times: a name is listed twice")
        clocks = [t.clock for t in self.dose_times]
        if clocks != sorted(clocks):
            raise ValueError("dose_times: list them in the order of the day")
        if (self.titration.maximum.mg_per_day or 0) > self.drug.ceiling_mg_per_day:
            raise ValueError("titration.maximum: is above drug.ceiling_mg_per_day")
        if self.pharmacokinetics is not None:
            missing = sorted(set(self.pharmacokinetics.sources) - self.source_ids)
            if missing:
                raise ValueError(f"pharmacokinetics.sources: unknown source {', '.join(missing)}")
        source = self.population.source
        if source is not None and source not in self.source_ids:
            raise ValueError(f"population.source: unknown source {source}")
        if self.population.otherwise == self.id:
            raise ValueError("population.otherwise: must name another protocol")
        return self

    @property
    def by_weight(self) -> bool:
        """Whether a patient's weight is needed to turn this protocol into doses."""
        t = self.titration
        return any(a.by_weight for a in (t.start, t.start_limit, t.maximum, t.target) if a)

    @property
    def source_ids(self) -> set[str]:
        return {s.id for s in self.sources}


def _above(amount: DailyAmount, limit: DailyAmount) -> bool:
    """Whether ``amount`` exceeds ``limit`` in a unit they share."""
    per_day = (
        amount.mg_per_day is not None
        and limit.mg_per_day is not None
        and amount.mg_per_day > limit.mg_per_day
    )
    per_kg = (
        amount.mg_per_kg_per_day is not None
        and limit.mg_per_kg_per_day is not None
        and amount.mg_per_kg_per_day > limit.mg_per_kg_per_day
    )
    return per_day or per_kg


# --- Patient inputs ----------------------------------------------------------------


OffLabelReason = Annotated[
    Text,
    Field(
        min_length=3,
        max_length=500,
        description="why a patient outside the protocol's population is planned for (printed)",
    ),
]


class PatientInputs(Frozen):
    """What is known of the patient; weight is required only by weight-based protocols."""

    weight_kg: WeightKg | None = Field(None, le=Decimal(300))
    age_years: Annotated[Count, Field(ge=0, le=120)] | None = None


class TitrationRequest(Frozen):
    """Ask for a titration: start date, patient, and optional overrides of the protocol."""

    start: StartDate
    patient: PatientInputs = PatientInputs()
    product: Identifier | None = None
    target_mg_per_day: InputMg | None = Field(None, gt=0)
    step_mg_per_day: InputMg | None = Field(None, gt=0)
    interval_days: Annotated[Count, Field(ge=1, le=365)] | None = None
    hold_days: Annotated[Count, Field(ge=0, le=3650)] | None = None
    off_label_reason: OffLabelReason | None = None


class Pause(Frozen):
    """Hold the dose taken on ``date`` for ``days`` more days; every later step moves."""

    kind: Literal["pause"]
    date: Date
    days: Days


class StepBack(Frozen):
    """From ``date``, return to the previous (higher) dose, then reduce more slowly."""

    kind: Literal["step_back"]
    date: Date


Edit = Annotated[Pause | StepBack, Field(discriminator="kind")]


class ProductSwitch(Frozen):
    """Change product partway, once the daily dose is at or below a threshold."""

    at_or_below_mg_per_day: Annotated[InputMg, Field(gt=0)]
    product: Identifier


class CustomStep(Frozen):
    """One step of a clinician's own taper: a daily dose held for some days."""

    mg_per_day: Annotated[InputMg, Field(gt=0)]
    days: Days


class TaperRequest(Frozen):
    """Ask for a taper from the current daily dose to zero at a named pace."""

    start: StartDate
    from_mg_per_day: InputMg = Field(gt=0)
    patient: PatientInputs = PatientInputs()
    product: Identifier | None = None
    pace: Identifier | None = None
    switch_product: ProductSwitch | None = None
    custom_steps: tuple[CustomStep, ...] = Field((), max_length=MAX_EDITS)
    edits: tuple[Edit, ...] = Field((), max_length=MAX_EDITS)
    ec50_mg_per_day: Annotated[InputMg, Field(ge=Decimal("0.01"), le=100)] | None = None
    off_label_reason: OffLabelReason | None = None
    source: Annotated[Text, Field(min_length=3, max_length=500)] | None = Field(
        None, description="where custom steps come from (a citation); printed on every output"
    )
    slow_down_factor: Annotated[
        Decimal, BeforeValidator(_exact_number_or_text), Field(gt=1, le=4)
    ] = Decimal("1.5")

    @model_validator(mode="after")
    def _custom_or_pace(self) -> Self:
        if self.custom_steps and self.pace not in (None, "custom"):
            raise ValueError("pace: give a pace or custom_steps, not both")
        if self.pace == "custom" and not self.custom_steps:
            raise ValueError("custom_steps: the custom pace needs its steps")
        dates = [edit.date for edit in self.edits]
        twice = sorted({date for date in dates if dates.count(date) > 1})
        if twice:
            raise ValueError(f"edits: two edits on the same date, {twice[0]}; give one a day")
        return self

    @field_validator("edits")
    @classmethod
    def _edits_in_date_order(cls, edits: tuple[Edit, ...]) -> tuple[Edit, ...]:
        """Edits apply in date order, whatever order they were given in."""
        return tuple(sorted(edits, key=lambda edit: edit.date))
