"""A protocol file: population, drug, dose times, titration, cautions and sources."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from planner.core.limits import MAX_CAUTIONS
from planner.errors import FieldValueError
from planner.models.base import (
    MIN_INTERVAL_FLOOR_DAYS,
    RESERVED_TIME_NAMES,
    Clock,
    Count,
    Date,
    FromFiles,
    Frozen,
    Identifier,
    MgPerKg,
    Positive,
    PositiveMg,
    Source,
    Text,
    _exact_number,
    _number_schema,
)
from planner.models.population import Population


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
                raise FieldValueError("is above maximum", field=field)
        if _above(self.start, self.start_limit):
            raise FieldValueError("is above start_limit", field="start")
        if (
            self.maximum.mg_per_day is not None
            and self.step_mg_per_day.max > self.maximum.mg_per_day
        ):
            raise FieldValueError("is above maximum", field="step_mg_per_day.max")
        for name in ("start_range_mg_per_kg_per_day", "maintenance_range_mg_per_kg_per_day"):
            low_high = getattr(self, name)
            if low_high is not None and low_high[0] > low_high[1]:
                raise FieldValueError("must be [low, high]", field=name)
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


class Drug(Frozen):
    """What the protocol says of the drug itself; the engine knows nothing else of it."""

    name: Text = Field(min_length=1)
    tall_man: Text = Field(min_length=1, description="ISMP tall-man lettering for print")
    ceiling_mg_per_day: PositiveMg


class OlderAdults(Frozen):
    """A lower start and slower steps for older adults, only as a cited geriatric source
    gives them (the label says only: start low, observe closely). Used when asked for."""

    from_age: Annotated[Count, Field(ge=50, le=100)] = 65
    start_mg_per_day: PositiveMg
    step_mg_per_day: PositiveMg
    min_interval_days: Annotated[Count, Field(ge=MIN_INTERVAL_FLOOR_DAYS, le=365)]
    source: Identifier


class TaperRules(Frozen):
    """What the protocol asks of every taper beyond the guideline's pace."""

    faster_cuts_need_reason: bool = Field(
        False,
        description="a cut faster than the guideline's pace, a clinician's own steps included, "
        "needs a written reason printed on every output",
    )
    source: Identifier | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Self:
        if self.faster_cuts_need_reason and self.source is None:
            raise FieldValueError(
                "a rule for faster cuts needs the source it comes from", field="source"
            )
        return self


class PrescribingWarning(Frozen):
    """A boxed warning, contraindication or caution from the label or a monograph: on the
    clinician's report and the PDF summary, in the source's own words beside ours."""

    kind: Literal["boxed", "contraindication", "caution"]
    title: Text = Field(min_length=1, max_length=60, description="a few words: 'Renal impairment'")
    text: Text = Field(min_length=1, description="one line for the clinician")
    quote: Text = Field(min_length=1, description="the source's own words")
    source: Identifier

    @property
    def heading(self) -> str:
        """'Boxed warning', 'Contraindication' or 'Caution'."""
        return {"boxed": "Boxed warning"}.get(self.kind, self.kind.capitalize())


class PatientAdvice(Frozen):
    """What every calendar page tells the patient, in the protocol's cited words (never
    the program's): what to do if they feel unwell, and if they miss a dose."""

    unwell: Text = Field(min_length=1)
    missed_dose: Text = Field(min_length=1)
    source: Identifier


class Protocol(FromFiles):
    """One indication and population: how to start, raise, hold and taper the drug."""

    kind: Literal["protocol"]
    id: Identifier
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    title: Text = Field(min_length=1)
    indication: Text = Field(min_length=1)
    condition: Identifier = Field(
        description="the condition treated, as paces name the conditions they were studied in"
    )
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
    prescribing_warnings: tuple[PrescribingWarning, ...] = Field((), max_length=MAX_CAUTIONS)
    taper: TaperRules = Field(default_factory=TaperRules)
    pharmacokinetics: Pharmacokinetics | None = None
    older_adults: OlderAdults | None = None
    patient_advice: PatientAdvice | None = None
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.default_pace not in self.paces:
            raise FieldValueError(
                f"{self.default_pace!r} is not one of its paces", field="default_pace"
            )
        names = [t.name for t in self.dose_times]
        if len(set(names)) != len(names):
            raise FieldValueError("a name is listed twice", field="dose_times")
        clocks = [t.clock for t in self.dose_times]
        if clocks != sorted(clocks):
            raise FieldValueError("list them in the order of the day", field="dose_times")
        if (self.titration.maximum.mg_per_day or 0) > self.drug.ceiling_mg_per_day:
            raise FieldValueError("is above drug.ceiling_mg_per_day", field="titration.maximum")
        if self.pharmacokinetics is not None:
            missing = sorted(set(self.pharmacokinetics.sources) - self.source_ids)
            if missing:
                raise FieldValueError(
                    f"unknown source {', '.join(missing)}", field="pharmacokinetics.sources"
                )
        source = self.population.source
        if source is not None and source not in self.source_ids:
            raise FieldValueError(f"unknown source {source}", field="population.source")
        advice = self.patient_advice
        if advice is not None and advice.source not in self.source_ids:
            raise FieldValueError(f"unknown source {advice.source}", field="patient_advice.source")
        for index, warning in enumerate(self.prescribing_warnings):
            if warning.source not in self.source_ids:
                raise ValueError(
                    f"prescribing_warnings[{index}].source: unknown source {warning.source}"
                )
        if self.taper.source is not None and self.taper.source not in self.source_ids:
            raise FieldValueError(f"unknown source {self.taper.source}", field="taper.source")
        if self.population.otherwise == self.id:
            raise FieldValueError("must name another protocol", field="population.otherwise")
        older = self.older_adults
        if older is not None:
            if older.source not in self.source_ids:
                raise FieldValueError(f"unknown source {older.source}", field="older_adults.source")
            titration = self.titration
            start = titration.start.mg_per_day
            if start is None or older.start_mg_per_day > start:
                raise FieldValueError(
                    "must be below the start dose", field="older_adults.start_mg_per_day"
                )
            if older.step_mg_per_day > titration.step_mg_per_day.max:
                raise FieldValueError(
                    "above the protocol's step", field="older_adults.step_mg_per_day"
                )
            if older.min_interval_days < titration.min_interval_days:
                raise FieldValueError(
                    "shorter than the protocol's", field="older_adults.min_interval_days"
                )
        return self

    @property
    def by_weight(self) -> bool:
        """Whether a patient's weight is needed to turn this protocol into doses."""
        t = self.titration
        return any(a.by_weight for a in (t.start, t.start_limit, t.maximum, t.target) if a)

    @property
    def source_ids(self) -> set[str]:
        return {s.id for s in self.sources}

    def citation(self, source_id: str) -> str:
        """One of the file's sources, in full."""
        return next(s.citation for s in self.sources if s.id == source_id)

    def prescribing_lines(self) -> tuple[str, ...]:
        """Each boxed warning, contraindication and caution as one line for the clinician:
        ours, then the source's own words and the source."""
        return tuple(
            f'{w.heading}: {w.title}. {w.text} "{w.quote}" ({self.citation(w.source)})'
            for w in self.prescribing_warnings
        )

    def prescribing_summary(self) -> str:
        """The boxed warning, contraindications and cautions by title, in one line:
        'Boxed warning: concomitant opioids; ... Contraindications: ...'."""
        kinds = {"boxed": "Boxed warning", "contraindication": "Contraindications"}
        parts = []
        for kind in ("boxed", "contraindication", "caution"):
            titles = [w.title for w in self.prescribing_warnings if w.kind == kind]
            if titles:
                parts.append(f"{kinds.get(kind, 'Cautions')}: {'; '.join(titles)}.")
        return " ".join(parts)


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
