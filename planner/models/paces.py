"""The paces file: taper phases by family, their step limits and rates, and paces."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal, Self

from pydantic import (
    Field,
    model_validator,
)

from planner.models.base import (
    Days,
    Frozen,
    Identifier,
    Mg,
    Percent,
    PositiveMg,
    Source,
    Text,
    _cited,
)
from planner.models.step_limits import MgLimit, OccupancyLimit, PercentLimit, StepLimit
from planner.units import mg_to_mcg

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
            cap = PercentLimit(amount=Fraction(self.limit_percent), per_days=per_days)
        step = Fraction(mg_to_mcg(self.step_mg_per_day))
        return MgLimit(amount=step, per_days=self.interval_days, cap=cap)

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
        return MgLimit(amount=self.step_mcg(start_mcg), per_days=self.interval_days)

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
        return PercentLimit(amount=Fraction(percent), per_days=per_days)

    def rate(self, start_mcg: int = 0) -> StepLimit:
        """The pace's own step per interval: steps larger than it are held longer."""
        return PercentLimit(amount=Fraction(self.step_percent), per_days=self.interval_days)

    @model_validator(mode="after")
    def _step_within_limit(self) -> Self:
        limit = self.limit()
        if Fraction(self.step_percent) / self.interval_days > limit.amount / limit.per_days:
            raise ValueError(
                f"{self.step_percent}% every {self.interval_days} days is faster than "
                f"the limit of {self.limit_percent}% per {limit.per_days} days"
            )
        return self


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
        return OccupancyLimit(
            amount=Fraction(points),
            per_days=per_days,
            ec50_mcg=mg_to_mcg(self.ec50_mg_per_day),
            cap=PercentLimit(amount=Fraction(self.limit_percent), per_days=per_days),
        )

    def rate(self, start_mcg: int = 0) -> OccupancyLimit:
        return OccupancyLimit(
            amount=Fraction(self.occupancy_step_points),
            per_days=self.interval_days,
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
        return PercentLimit(amount=Fraction(self.limit_percent), per_days=self.limit_days)

    def rate(self, start_mcg: int = 0) -> StepLimit:
        return self.limit()


Phase = Annotated[
    LinearPhase | PercentOfStartPhase | ProportionalPhase | HyperbolicPhase | CustomPhase,
    Field(discriminator="kind"),
]
TaperPhase = LinearPhase | PercentOfStartPhase | ProportionalPhase | HyperbolicPhase | CustomPhase
PHASE_KINDS = frozenset({"linear", "percent_of_start", "proportional", "hyperbolic", "custom"})


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
