"""How many units of each strength a schedule needs, in all and per supply period.

A half or quarter tablet comes from a whole one: the pieces of one strength taken in a
period are added up (two halves make one tablet) and rounded up to whole units (a lone
half still needs a whole tablet). Each period is counted on its own, since leftover
pieces are not assumed to carry over between prescriptions.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

from planner.schedule import Schedule

DEFAULT_SUPPLY_DAYS = 30


@dataclass(frozen=True)
class StrengthSupply:
    """Whole units of one strength to dispense, and the exact amount taken from them."""

    strength_mcg: int
    units_taken: Fraction
    units_to_dispense: int


@dataclass(frozen=True)
class SupplyPeriod:
    """One prescription period of the schedule and what it needs."""

    first_day: int
    last_day: int
    start: dt.date
    end: dt.date
    strengths: tuple[StrengthSupply, ...]


@dataclass(frozen=True)
class Dispensing:
    """What a schedule needs in all, and per period of ``supply_days``."""

    supply_days: int
    total: tuple[StrengthSupply, ...]
    periods: tuple[SupplyPeriod, ...]


def dispensing_totals(schedule: Schedule, *, supply_days: int = DEFAULT_SUPPLY_DAYS) -> Dispensing:
    """Count the units of each strength the schedule needs; see the module docstring."""
    if supply_days < 1:
        raise ValueError("supply_days must be at least 1")
    per_day: list[dict[int, Fraction]] = []
    dates: list[dt.date] = []
    for date, _, step in schedule.daily():
        taken: dict[int, Fraction] = {}
        for dose in step.doses:
            for unit in dose.units:
                taken[unit.strength_mcg] = taken.get(unit.strength_mcg, Fraction(0)) + unit.count
        per_day.append(taken)
        dates.append(date)
    periods = tuple(
        SupplyPeriod(
            first_day=first + 1,
            last_day=min(first + supply_days, len(per_day)),
            start=dates[first],
            end=dates[min(first + supply_days, len(per_day)) - 1],
            strengths=_supplies(per_day[first : first + supply_days]),
        )
        for first in range(0, len(per_day), supply_days)
    )
    return Dispensing(supply_days=supply_days, total=_supplies(per_day), periods=periods)


def _supplies(days: list[dict[int, Fraction]]) -> tuple[StrengthSupply, ...]:
    summed: dict[int, Fraction] = {}
    for taken in days:
        for strength, count in taken.items():
            summed[strength] = summed.get(strength, Fraction(0)) + count
    return tuple(
        StrengthSupply(strength, summed[strength], math.ceil(summed[strength]))
        for strength in sorted(summed, reverse=True)
    )
