"""A clinician's own steps: the clinician sets the speed, and is warned against ASAM's."""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, Literal

from pydantic import Field

from planner.models.base import Days, Percent
from planner.models.paces.rule import PhaseBase
from planner.models.step_limits import PercentLimit, StepLimit


class CustomPhase(PhaseBase):
    """The guideline's pace (ASAM 2025's 25% per 14 days) is the yardstick for the
    warnings, not a limit: the clinician decides the speed."""

    kind: Literal["custom"]
    limit_percent: Percent
    limit_days: Days
    interval_days: Days = Field(1, description="the shortest hold, also before stopping")
    sets_own_speed: ClassVar[bool] = True

    def ideal_next(self, dose_mcg: int, start_mcg: int) -> Fraction:
        raise NotImplementedError("a clinician's own steps are given, never generated")

    def limit(self, start_mcg: int = 0) -> StepLimit:
        return PercentLimit(amount=Fraction(self.limit_percent), per_days=self.limit_days)

    def rate(self, start_mcg: int = 0) -> StepLimit:
        return self.limit()
