"""How fast a pace may cut, as a rate: one small class per measure of a cut.

A limit allows ``amount`` per ``per_days``; holding a dose longer allows a larger cut in
proportion. The measure is the class: mg/day (``MgLimit``), percent of the current dose
(``PercentLimit``) or points of receptor occupancy (``OccupancyLimit``). ``cap`` is a
second limit that applies too (a hyperbolic pace is also capped in percent of the dose).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from planner.core.units import format_decimal, format_mg


@dataclass(frozen=True, kw_only=True)
class StepLimit(ABC):
    """The largest reduction a pace allows per ``per_days``, as a rate."""

    amount: Fraction
    per_days: int
    cap: StepLimit | None = None

    @abstractmethod
    def size(self, from_mcg: int, to_mcg: int) -> Fraction:
        """How large a reduction is, in this limit's measure."""

    @abstractmethod
    def drop(self, from_mcg: int, allowed: Fraction) -> Fraction:
        """The reduction in mcg from ``from_mcg`` that measures ``allowed``."""

    @abstractmethod
    def measure(self, number: str) -> str:
        """An amount of this measure in words: '0.25 mg', '10% of the dose'."""

    def allowance(self, held_days: int) -> Fraction:
        if held_days == self.per_days:
            return self.amount
        return self.amount * held_days / self.per_days

    def allows(self, from_mcg: int, to_mcg: int, held_days: int) -> bool:
        """Whether reducing ``from_mcg`` to ``to_mcg`` after ``held_days`` keeps to the limit."""
        within = self.size(from_mcg, to_mcg) <= self.allowance(held_days)
        return within and (self.cap is None or self.cap.allows(from_mcg, to_mcg, held_days))

    def days_for(self, from_mcg: int, to_mcg: int) -> int:
        """The fewest days ``from_mcg`` must be held for a reduction to ``to_mcg``."""
        days = math.ceil(self.size(from_mcg, to_mcg) * self.per_days / self.amount)
        return days if self.cap is None else max(days, self.cap.days_for(from_mcg, to_mcg))

    def max_drop(self, from_mcg: int, held_days: int) -> Fraction:
        """The largest reduction from ``from_mcg`` after holding it ``held_days`` days."""
        drop = self.drop(from_mcg, self.allowance(held_days))
        return drop if self.cap is None else min(drop, self.cap.max_drop(from_mcg, held_days))

    def describe(self) -> str:
        return f"{self.measure(f'{float(self.amount):g}')} per {self.per_days} days"


@dataclass(frozen=True, kw_only=True)
class MgLimit(StepLimit):
    """A cut in mg/day (micrograms inside): linear paces and shares of the start."""

    def size(self, from_mcg: int, to_mcg: int) -> Fraction:
        return Fraction(from_mcg - to_mcg)

    def drop(self, from_mcg: int, allowed: Fraction) -> Fraction:
        return allowed

    def measure(self, number: str) -> str:
        """The limit in mg, whatever ``number`` says: a share of the start can be a
        fraction of a microgram (25% of 1.75 mg is 0.4375 mg), shown to 0.1 microgram."""
        if self.amount.denominator == 1:
            return format_mg(int(self.amount))
        exact = Decimal(self.amount.numerator) / self.amount.denominator / 1000
        return f"{format_decimal(exact.quantize(Decimal('0.0001')))} mg"


@dataclass(frozen=True, kw_only=True)
class PercentLimit(StepLimit):
    """A cut in percent of the current dose: proportional paces, ASAM's cap."""

    def size(self, from_mcg: int, to_mcg: int) -> Fraction:
        return Fraction(100 * (from_mcg - to_mcg), from_mcg)

    def drop(self, from_mcg: int, allowed: Fraction) -> Fraction:
        return from_mcg * allowed / 100

    def measure(self, number: str) -> str:
        return f"{number}% of the dose"


@dataclass(frozen=True, kw_only=True)
class OccupancyLimit(StepLimit):
    """A cut in points of receptor occupancy, D / (D + EC50) at steady state."""

    ec50_mcg: int

    def occupancy(self, dose_mcg: int | Fraction) -> Fraction:
        """Receptor occupancy at steady state on ``dose_mcg``/day."""
        return Fraction(dose_mcg) / (dose_mcg + self.ec50_mcg)

    def dose_for(self, occupancy: Fraction) -> Fraction:
        """The daily dose giving ``occupancy`` at steady state."""
        return self.ec50_mcg * occupancy / (1 - occupancy)

    def size(self, from_mcg: int, to_mcg: int) -> Fraction:
        return 100 * (self.occupancy(from_mcg) - self.occupancy(to_mcg))

    def drop(self, from_mcg: int, allowed: Fraction) -> Fraction:
        lowest = self.occupancy(from_mcg) - allowed / 100
        return Fraction(from_mcg) if lowest <= 0 else from_mcg - self.dose_for(lowest)

    def measure(self, number: str) -> str:
        return f"{number} points of receptor occupancy"
