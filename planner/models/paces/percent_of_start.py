"""A share of the starting dose every interval: equal mg steps fixed at the start."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from planner.models.base import Percent
from planner.models.paces.rule import EndsAtShareOfStart
from planner.models.step_limits import MgLimit, StepLimit


class PercentOfStartPhase(EndsAtShareOfStart):
    """A share of the dose the taper started from, every ``interval_days``
    (Deprescribing.org: 25%, then 12.5% near the end)."""

    kind: Literal["percent_of_start"]
    step_percent: Percent

    def step_mcg(self, start_mcg: int) -> Fraction:
        return Fraction(self.step_percent) * start_mcg / 100

    def ideal_next(self, dose_mcg: int, start_mcg: int) -> Fraction:
        return dose_mcg - self.step_mcg(start_mcg)

    def limit(self, start_mcg: int) -> StepLimit:
        return MgLimit(amount=self.step_mcg(start_mcg), per_days=self.interval_days)

    def rate(self, start_mcg: int) -> StepLimit:
        return self.limit(start_mcg)
