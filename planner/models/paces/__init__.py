"""The paces file: paces, each a list of phases of one family or another.

Each family of phase is one module (``linear``, ``percent_of_start``, ``proportional``,
``hyperbolic``, ``custom``) implementing ``PhaseRule``; the taper engine and the safety
check use only that interface.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self, get_args

from pydantic import Field, model_validator

from planner.models.base import Frozen, Identifier, Source, Text, _cited
from planner.models.paces.custom import CustomPhase
from planner.models.paces.hyperbolic import HyperbolicPhase
from planner.models.paces.linear import LinearPhase
from planner.models.paces.percent_of_start import PercentOfStartPhase
from planner.models.paces.proportional import ProportionalPhase
from planner.models.paces.rule import ASAM_LIMIT_DAYS, ASAM_LIMIT_PERCENT, PhaseRule

__all__ = [
    "ASAM_LIMIT_DAYS",
    "ASAM_LIMIT_PERCENT",
    "FAMILIES",
    "PHASE_KINDS",
    "CustomPhase",
    "HyperbolicPhase",
    "LinearPhase",
    "Pace",
    "PaceBody",
    "PaceCatalog",
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
            cap = phase.percent_cap()
            if cap is None or cap[0] / cap[1] > ASAM_LIMIT_PERCENT / ASAM_LIMIT_DAYS:
                raise ValueError(
                    f"phases[{index}]: a graded pace must cap each cut at 25% per 14 days "
                    "(ASAM 2025): give limit_percent and limit_days, or mark it published"
                )
        return self

    @model_validator(mode="after")
    def _phases_descend(self) -> Self:
        if not self.phases[-1].runs_to_zero:
            raise ValueError("phases: the last phase must run down to zero (no until)")
        for earlier, later in zip(self.phases, self.phases[1:], strict=False):
            if earlier.runs_to_zero:
                raise ValueError("phases: only the last phase may run down to zero")
            if later.until_mg_per_day > earlier.until_mg_per_day:
                raise ValueError("phases: each phase must end at a lower dose than the one before")
        return self


class Pace(PaceBody):
    """A named taper pace, as chosen with ``--pace``."""

    id: Identifier

    def phase_at(self, dose_mcg: int, start_mcg: int) -> TaperPhase:
        """The phase that reduces ``dose_mcg``: the first whose end is below it."""
        if len(self.phases) == 1:
            return self.phases[0]
        for phase in self.phases:
            if dose_mcg > phase.end_mcg(start_mcg):
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
        """The pace under its id: its body was validated with the file, not again."""
        return Pace.model_construct(id=pace_id, **dict(self.paces[pace_id]))
