"""The paces file: paces, each a list of phases of one family or another.

Each family of phase is one module (``linear``, ``percent_of_start``, ``proportional``,
``hyperbolic``, ``custom``) implementing ``PhaseRule``; the taper engine and the safety
check use only that interface.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal, Self, get_args

from pydantic import Field, model_validator

from planner.core.memo import remembered_by_identity
from planner.core.units import format_decimal
from planner.errors import FieldValueError
from planner.models.base import Frozen, Identifier, Source, Text, _cited
from planner.models.paces.custom import CustomPhase
from planner.models.paces.hyperbolic import HyperbolicPhase
from planner.models.paces.linear import LinearPhase
from planner.models.paces.percent_of_start import PercentOfStartPhase
from planner.models.paces.proportional import ProportionalPhase
from planner.models.paces.rule import PhaseRule

__all__ = [
    "FAMILIES",
    "PHASE_KINDS",
    "CustomPhase",
    "HyperbolicPhase",
    "LinearPhase",
    "Pace",
    "PaceBody",
    "PaceCatalog",
    "PacePopulation",
    "PercentOfStartPhase",
    "Phase",
    "PhaseRule",
    "ProportionalPhase",
    "TaperPhase",
]

Phase = Annotated[
    LinearPhase | PercentOfStartPhase | ProportionalPhase | HyperbolicPhase | CustomPhase,
    Field(discriminator="kind"),
]
TaperPhase = LinearPhase | PercentOfStartPhase | ProportionalPhase | HyperbolicPhase | CustomPhase
FAMILIES = (LinearPhase, PercentOfStartPhase, ProportionalPhase, HyperbolicPhase, CustomPhase)
PHASE_KINDS = frozenset(get_args(family.model_fields["kind"].annotation)[0] for family in FAMILIES)


class PacePopulation(Frozen):
    """Whom the pace's source studied, and so which protocols may offer it: a published
    pace is used only where its source studied it (clinical rules 7)."""

    studied: Text = Field(min_length=1, description="as the source describes its patients")
    source: Identifier
    conditions: tuple[Identifier, ...] = Field(
        (), description="offered only by protocols for these conditions (none: any condition)"
    )
    excluded_conditions: tuple[Identifier, ...] = Field(
        (), description="never offered by protocols for these conditions"
    )
    adults_only: bool = Field(
        False, description="offered only by protocols whose population is 18 years and over"
    )

    def misfit(self, condition: str, admits_minors: bool) -> str:
        """Why a protocol for ``condition`` may not offer the pace ('' if it may)."""
        if self.conditions and condition not in self.conditions:
            return f"it was studied in {self.studied}, not for {condition}"
        if condition in self.excluded_conditions:
            return f"it was studied in {self.studied}, and is not for {condition}"
        if self.adults_only and admits_minors:
            return f"it was studied in {self.studied}, and the protocol admits patients under 18"
        return ""


class PaceBody(Frozen):
    """A taper pace as written: phases applied in order, each down to its ``until``.

    A graded pace keeps every phase within the guideline's pace (checked against the
    guideline file when the library is read); a published one runs at its source's
    speed, and where its source would stop above the smallest dose the product makes,
    the taper goes on at the guideline's pace (clinical rules 7).
    """

    title: Text = Field(min_length=1)
    phases: tuple[Phase, ...] = Field(min_length=1)
    sources: tuple[Identifier, ...] = Field(min_length=1)
    population: PacePopulation
    warnings: tuple[Text, ...] = ()
    published: bool = Field(
        False,
        description="reproduces a published schedule at its own speed; otherwise every phase "
        "keeps within the guideline's 25% per 14 days",
    )

    @model_validator(mode="after")
    def _phases_descend(self) -> Self:
        if not self.phases[-1].runs_to_zero:
            raise FieldValueError("the last phase must run down to zero (no until)", field="phases")
        for earlier, later in zip(self.phases, self.phases[1:], strict=False):
            if earlier.runs_to_zero:
                raise FieldValueError("only the last phase may run down to zero", field="phases")
            if later.until_mg_per_day > earlier.until_mg_per_day:
                raise FieldValueError(
                    "each phase must end at a lower dose than the one before", field="phases"
                )
        return self


class Pace(PaceBody):
    """A named taper pace, as chosen with ``--pace``."""

    id: Identifier

    @classmethod
    def custom(cls, max_percent: Decimal, per_days: int) -> Pace:
        """A clinician's own steps, each compared with the guideline's pace (``max_percent``
        per ``per_days``): the clinician decides the speed."""
        phase = CustomPhase(kind="custom", limit_percent=max_percent, limit_days=per_days)
        return cls(
            id="custom",
            published=True,  # the clinician's own schedule runs at its own speed
            title=(
                f"Custom steps: the clinician's own, each compared with "
                f"{phase.limit_percent}% of the dose per {phase.limit_days} days (ASAM 2025)"
            ),
            phases=(phase,),
            sources=("clinician",),
            population=PacePopulation(studied="the clinician's own patient", source="clinician"),
        )

    def with_ec50(self, ec50_mg_per_day: Decimal | None) -> Pace:
        """The pace with its hyperbolic phases' illustrative EC50 replaced, as asked; the
        pace itself where none is asked. ``FieldValueError`` where it has no hyperbolic phase."""
        if ec50_mg_per_day is None:
            return self
        hyperbolic = [p for p in self.phases if isinstance(p, HyperbolicPhase)]
        if not hyperbolic:
            raise FieldValueError(
                f"applies only to hyperbolic paces; {self.id} has no hyperbolic phase",
                field="ec50_mg_per_day",
            )
        phases = tuple(
            p.model_copy(update={"ec50_mg_per_day": ec50_mg_per_day}) if p in hyperbolic else p
            for p in self.phases
        )
        return self.model_copy(
            update={
                "phases": phases,
                "title": f"{self.title}; EC50 set to {format_decimal(ec50_mg_per_day)} mg/day",
            }
        )

    def phase_at(self, dose_mcg: int, start_mcg: int) -> TaperPhase:
        """The phase that reduces ``dose_mcg``: the first whose end is below it."""
        if len(self.phases) == 1:
            return self.phases[0]
        return _phase_at(self.phases, dose_mcg, start_mcg)


@remembered_by_identity(1 << 14)
def _phase_at(phases: tuple[TaperPhase, ...], dose_mcg: int, start_mcg: int) -> TaperPhase:
    """The first of ``phases`` whose end is below ``dose_mcg``, else the last. Remembered:
    the taper and its check ask it of every step, a clinic's tapers of the same doses."""
    for phase in phases:
        if dose_mcg > phase.end_mcg(start_mcg):
            return phase
    return phases[-1]


class PaceCatalog(Frozen):
    """The paces file: every taper pace, by id."""

    kind: Literal["paces"]
    version: Text = Field(min_length=1)
    paces: dict[Identifier, PaceBody] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_cited(self) -> Self:
        cited = [s for p in self.paces.values() for s in (*p.sources, p.population.source)]
        _cited(self.sources, cited)
        for pace_id, pace in self.paces.items():
            if any(isinstance(phase, CustomPhase) for phase in pace.phases):
                raise ValueError(
                    f"paces.{pace_id}.phases: custom steps belong in a plan file (custom_steps)"
                )
        return self

    def outrunning(self, max_percent: Decimal, per_days: int) -> str:
        """The first phase of a graded pace that may cut faster than ``max_percent`` per
        ``per_days`` (the guideline's pace), as ``paces.ID.phases[i]: reason`` ('' if none);
        only a published schedule runs at its own speed."""
        for pace_id, pace in self.paces.items():
            if pace.published:
                continue
            for index, phase in enumerate(pace.phases):
                cap = phase.percent_cap()
                if cap is None or Fraction(cap[0]) / cap[1] > Fraction(max_percent) / per_days:
                    return (
                        f"paces.{pace_id}.phases[{index}]: must cap each cut at {max_percent}% "
                        f"per {per_days} days (the guideline's pace): give limit_percent and "
                        "limit_days, or mark the pace published"
                    )
        return ""

    def get(self, pace_id: str) -> Pace:
        """The pace under its id: its body was validated with the file, not again."""
        return Pace.model_construct(id=pace_id, **dict(self.paces[pace_id]))
