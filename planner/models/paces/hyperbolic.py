"""Equal steps in receptor occupancy, D / (D + EC50): steps shrink as the dose falls."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic import Field

from planner.core.units import mg_to_mcg
from planner.models.base import Days, Percent, PositiveMg
from planner.models.paces.rule import PhaseBase
from planner.models.step_limits import OccupancyLimit, PercentLimit, StepLimit


class HyperbolicPhase(PhaseBase):
    """Equal steps in receptor occupancy, never more than ``limit_percent`` of the dose.

    There is no published EC50 for clonazepam: ``ec50_mg_per_day`` (the daily dose giving
    half occupancy at steady state) is an illustrative, visible assumption.
    """

    kind: Literal["hyperbolic"]
    occupancy_step_points: Percent
    ec50_mg_per_day: PositiveMg
    limit_points: Percent | None = None
    limit_days: Days | None = None
    limit_percent: Percent = Field(
        Decimal(25),
        description="never more than this % of the dose per limit_days, whatever the EC50",
    )

    def ideal_next(self, dose_mcg: int, start_mcg: int) -> Fraction:
        rate = self.rate(start_mcg)
        target = rate.occupancy(dose_mcg) - Fraction(self.occupancy_step_points) / 100
        return rate.dose_for(target) if target > 0 else Fraction(0)

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

    def percent_cap(self) -> tuple[Decimal, int]:
        return self.limit_percent, self.limit_days or self.interval_days
