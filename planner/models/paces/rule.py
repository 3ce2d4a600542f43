"""What every phase of a taper pace answers: the plug-in point for a new family.

A pace is a list of phases; each phase belongs to one family (fixed mg, percent of the
current dose, percent of the starting dose, occupancy, or a clinician's own steps) and
is one small class in its own module. The taper engine and the independent safety
check ask a phase only what ``PhaseRule`` names, never which family it is. Adding a
family is adding a class here, its entry in ``FAMILIES`` and a paces.toml entry.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import ClassVar, Protocol

from planner.core.units import mg_to_mcg
from planner.models.base import Days, Frozen, Mg, Percent
from planner.models.step_limits import StepLimit


class PhaseRule(Protocol):
    """One phase of a pace: from this daily dose, what next, and how long first."""

    sets_own_speed: ClassVar[bool]  # a clinician's own steps: warned about, not held to

    @property
    def interval_days(self) -> int:
        """The shortest hold of a dose in this phase, also before stopping."""
        ...

    def ideal_next(self, dose_mcg: int, start_mcg: int) -> Fraction:
        """The dose the phase aims at after ``dose_mcg`` (before the product rounds it)."""
        ...

    def limit(self, start_mcg: int) -> StepLimit:
        """The most the phase may cut per window: the safety check holds it to this."""
        ...

    def rate(self, start_mcg: int) -> StepLimit:
        """The phase's own speed: a step larger than it is held longer in proportion."""
        ...

    def end_mcg(self, start_mcg: int) -> Fraction:
        """The daily dose at which the phase hands over to the next one."""
        ...

    @property
    def runs_to_zero(self) -> bool:
        """Whether the phase runs down to zero (only a pace's last phase does)."""
        ...

    def percent_cap(self) -> tuple[Decimal, int] | None:
        """The most the phase cuts, as a % of the current dose per so many days, if bounded."""
        ...


class PhaseBase(Frozen):
    """What most phases share: an end in mg/day (0: down to zero), no percent cap, and a
    speed the pace sets."""

    interval_days: Days
    until_mg_per_day: Mg = Decimal(0)
    sets_own_speed: ClassVar[bool] = False

    def end_mcg(self, start_mcg: int) -> Fraction:
        return Fraction(mg_to_mcg(self.until_mg_per_day))

    @property
    def runs_to_zero(self) -> bool:
        return self.until_mg_per_day == 0

    def percent_cap(self) -> tuple[Decimal, int] | None:
        return None


class EndsAtShareOfStart(PhaseBase):
    """A phase that may end at a share of the dose the taper began from instead."""

    until_percent_of_start: Percent | None = None

    def end_mcg(self, start_mcg: int) -> Fraction:
        if self.until_percent_of_start is None:
            return super().end_mcg(start_mcg)
        return Fraction(self.until_percent_of_start) * start_mcg / 100

    @property
    def runs_to_zero(self) -> bool:
        return self.until_percent_of_start is None and super().runs_to_zero
