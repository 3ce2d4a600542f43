"""Where an edit falls among a taper's levels, and what a revision at a visit may ask:
the dose to step back to, a new end dose, the dose the patient has taken."""

from __future__ import annotations

import datetime as dt

from planner.core.units import format_mg, mg_to_mcg
from planner.errors import DoseError, InputError
from planner.models import Taken, Target
from planner.planning.engine import Level
from planner.planning.taper_choices import TaperProducts


def locate(levels: list[Level], day: int, date: dt.date) -> tuple[int, int]:
    """The level taken on ``day`` and how many days into it ``day`` falls."""
    first = 1
    for index, level in enumerate(levels):
        if first <= day < first + level.days:
            if level.total == 0:
                break
            return index, day - first
        first += level.days
    raise InputError(
        f"{date}: the taper has no dose on that day to pause, step back or revise", field="edits"
    )


def dose_before(levels: list[Level], index: int, current: int) -> int:
    """The last higher dose before ``levels[index]``: where a step back returns to."""
    dose = levels[index].total
    for level in reversed(levels[:index]):
        if level.total > dose:
            return level.total
    if current > dose:
        return current
    raise InputError(
        f"nothing to step back to: {format_mg(dose)}/day is the first dose", field="edits"
    )


def new_end_dose(edit: Target, dose: int, products: TaperProducts) -> int:
    """A revision's new end dose: at or below the day's dose, and one the product makes."""
    floor = mg_to_mcg(edit.mg_per_day)
    if floor > dose:
        raise InputError(
            f"{format_mg(floor)}/day is above the {format_mg(dose)}/day taken on "
            f"{edit.date}; a taper's new end dose is at or below the day's dose",
            field="edits",
        )
    if floor and not products.for_level(floor).can_make_daily(floor):
        maker = products.for_level(floor)
        raise DoseError(
            f"{format_mg(floor)}/day cannot be made exactly with {maker.product.name}; "
            f"its doses go in steps of {format_mg(maker.resolution_mcg)}",
            field="edits",
        )
    return floor


def dose_taken(
    edit: Taken, levels: list[Level], index: int, current: int, floor: int, products: TaperProducts
) -> int:
    """The dose the patient has taken: one the product makes, not below the taper's
    end dose, and at most one step above the day's planned dose."""
    taken, planned = mg_to_mcg(edit.mg_per_day), levels[index].total
    maker = products.for_level(taken)
    if not maker.can_make_daily(taken):
        raise DoseError(
            f"{format_mg(taken)}/day cannot be made exactly with {maker.product.name}; "
            f"its doses go in steps of {format_mg(maker.resolution_mcg)}",
            field="edits",
        )
    if taken == planned:
        raise InputError(
            f"{format_mg(taken)}/day is the dose planned for {edit.date}; nothing to revise",
            field="edits",
        )
    if taken < floor:
        raise InputError(
            f"{format_mg(taken)}/day is below the taper's end dose of {format_mg(floor)}/day",
            field="edits",
        )
    if taken > planned and taken > dose_before(levels, index, current):
        raise InputError(
            f"{format_mg(taken)}/day is more than a step above the {format_mg(planned)}/day "
            f"planned for {edit.date}",
            field="edits",
        )
    return taken
