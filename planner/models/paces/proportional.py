"""A percentage of the current dose every interval: steps shrink as the dose falls."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Literal, Self

from pydantic import Field, model_validator

from planner.models.base import Days, Percent
from planner.models.paces.rule import EndsAtShareOfStart
from planner.models.step_limits import PercentLimit, StepLimit


class ProportionalPhase(EndsAtShareOfStart):
    """A percentage of the current dose every ``interval_days``, never above its limit."""

    kind: Literal["proportional"]
    step_percent: Percent
    limit_percent: Percent | None = Field(
        None, description="the largest reduction allowed per limit_days (default: the step)"
    )
    limit_days: Days | None = None

    def ideal_next(self, dose_mcg: int, start_mcg: int) -> Fraction:
        return dose_mcg * (1 - Fraction(self.step_percent) / 100)

    def limit(self, start_mcg: int = 0) -> StepLimit:
        percent, per_days = self._limit()
        return PercentLimit(amount=Fraction(percent), per_days=per_days)

    def rate(self, start_mcg: int = 0) -> StepLimit:
        """The pace's own step per interval: steps larger than it are held longer."""
        return PercentLimit(amount=Fraction(self.step_percent), per_days=self.interval_days)

    def percent_cap(self) -> tuple[Decimal, int]:
        return self._limit()

    def _limit(self) -> tuple[Decimal, int]:
        percent = self.limit_percent if self.limit_percent is not None else self.step_percent
        per_days = self.limit_days if self.limit_days is not None else self.interval_days
        return percent, per_days

    @model_validator(mode="after")
    def _step_within_limit(self) -> Self:
        limit = self.limit()
        if Fraction(self.step_percent) / self.interval_days > limit.amount / limit.per_days:
            raise ValueError(
                f"{self.step_percent}% every {self.interval_days} days is faster than "
                f"the limit of {self.limit_percent}% per {limit.per_days} days"
            )
        return self
