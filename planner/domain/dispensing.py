"""How many units of each strength a schedule needs, in all and per supply period.

A half or quarter tablet comes from a whole one: the pieces of one strength taken in a
period are added up (two halves make one tablet) and rounded up to whole units (a lone
half still needs a whole tablet). Each period is counted on its own, since leftover
pieces are not assumed to carry over between prescriptions. Strengths are listed in one
order in every period (products as the schedule uses them, each largest first), so a
pharmacist reads the same line of each period for the same strength. Where the products
file gives a pack size, the units are also counted in whole packs or bottles.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from planner.core.units import format_decimal, format_mg
from planner.domain.schedule import Schedule
from planner.models import Product

DEFAULT_SUPPLY_DAYS = 30
Unit = tuple[Product, int]  # a product and one of its strengths, in mcg


@dataclass(frozen=True)
class StrengthSupply:
    """Whole units of one strength of a product to dispense, and the amount taken."""

    product: Product
    strength_mcg: int
    units_taken: Fraction
    units_to_dispense: int

    @property
    def packs(self) -> int | None:
        """Whole packs (or bottles) holding the units to dispense; None without a pack size."""
        per_pack = self.product.units_per_pack
        return math.ceil(self.units_to_dispense / per_pack) if per_pack else None


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
    per_day: list[dict[Unit, Fraction]] = []
    dates: list[dt.date] = []
    switched = (schedule.switch.product,) if schedule.switch is not None else ()
    order = {product.id: rank for rank, product in enumerate((*schedule.products, *switched))}
    for date, _, step in schedule.daily():
        taken: dict[Unit, Fraction] = {}
        for dose in step.doses:
            for unit in dose.units:
                key = (step.product, unit.strength_mcg)
                taken[key] = taken.get(key, Fraction(0)) + unit.count
        if schedule.switch is not None:
            for other in step.other_doses:  # the old drug, during a switch
                for unit in other.units:
                    key = (schedule.switch.product, unit.strength_mcg)
                    taken[key] = taken.get(key, Fraction(0)) + unit.count
        per_day.append(taken)
        dates.append(date)
    periods = tuple(
        SupplyPeriod(
            first_day=first + 1,
            last_day=min(first + supply_days, len(per_day)),
            start=dates[first],
            end=dates[min(first + supply_days, len(per_day)) - 1],
            strengths=_supplies(per_day[first : first + supply_days], order),
        )
        for first in range(0, len(per_day), supply_days)
    )
    return Dispensing(supply_days=supply_days, total=_supplies(per_day, order), periods=periods)


def _supplies(
    days: list[dict[Unit, Fraction]], order: dict[str, int]
) -> tuple[StrengthSupply, ...]:
    summed: dict[Unit, Fraction] = {}
    for taken in days:
        for key, count in taken.items():
            summed[key] = summed.get(key, Fraction(0)) + count
    ranked = sorted(summed.items(), key=lambda item: (order.get(item[0][0].id, 0), -item[0][1]))
    return tuple(
        StrengthSupply(product, strength, count, math.ceil(count))
        for (product, strength), count in ranked
    )


def describe_supply(supply: StrengthSupply, *, named: bool = False) -> str:
    """'190 x 0.5 mg tablets'; ``named`` (a schedule of more than one product) adds which
    product: '110 x 0.1 mg drops (4.4 mL) of Rivotril drops'."""
    product = supply.product
    noun = product.unit if supply.units_to_dispense == 1 else product.unit_plural
    text = f"{supply.units_to_dispense} x {format_mg(supply.strength_mcg)} {noun}"
    if product.units_per_ml:
        millilitres = Fraction(supply.units_to_dispense, product.units_per_ml)
        text += f" ({format_decimal(Decimal(math.ceil(millilitres * 10)) / 10)} mL)"
    if supply.packs is not None:
        text += f" = {_packs(supply.packs, product)}"
    return f"{text} of {product.label}" if named else text


def _packs(packs: int, product: Product) -> str:
    """'2 bottles of 100' or '1 bottle of 10 mL'."""
    noun = product.pack_name if packs == 1 else f"{product.pack_name}s"
    size = f"{product.bottle_ml} mL" if product.bottle_ml else str(product.pack_units)
    return f"{packs} {noun} of {size}"
