"""A fixed reduction in mg/day every interval (the label's example is one)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Literal

from planner.core.units import mg_to_mcg
from planner.models.base import Days, Percent, PositiveMg
from planner.models.paces.rule import PhaseBase
from planner.models.step_limits import MgLimit, PercentLimit, StepLimit


class LinearPhase(PhaseBase):
    """A fixed reduction in mg/day every ``interval_days``.

    ``limit_percent`` per ``limit_days`` also caps each cut as a share of the dose, so
    equal mg steps slow down near the end (a graded pace needs it).
    """

    kind: Literal["linear"]
    step_mg_per_day: PositiveMg
    limit_percent: Percent | None = None
    limit_days: Days | None = None

    def ideal_next(self, dose_mcg: int, start_mcg: int) -> Fraction:
        return Fraction(dose_mcg - mg_to_mcg(self.step_mg_per_day))

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

    def percent_cap(self) -> tuple[Decimal, int] | None:
        if self.limit_percent is None:
            return None
        return self.limit_percent, self.limit_days or self.interval_days
