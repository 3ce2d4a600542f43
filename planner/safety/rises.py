"""The checks of a titration: where it starts, and every rise (never down, never sooner
than the interval, never larger than the step); and a child's divided doses and mg/kg."""

from __future__ import annotations

from decimal import Decimal

from planner.models import CourseRequest, TitrationRequest
from planner.safety.common import Check, Failure, changes
from planner.schedule import DoseStep, Schedule
from planner.units import format_decimal, format_mg, format_per_kg, mg_to_mcg


def _start_within_limit(schedule: Schedule) -> Failure:
    current = schedule.previous_mcg
    request = schedule.request
    if isinstance(request, TitrationRequest | CourseRequest):
        asked = request.from_mg_per_day
        if current != (mg_to_mcg(asked) if asked is not None else 0):
            return 1, "the dose taken before day 1 is not the one the request gives"
    if current and schedule.steps[0].total_mcg != current:
        return 1, (
            f"starts at {format_mg(schedule.steps[0].total_mcg)}/day, not at the current "
            f"dose of {format_mg(current)}/day"
        )
    # The first dose taken, even after a day without one (the engine never plans that).
    first = next((step for step in schedule.steps if step.total_mcg), schedule.steps[0])
    if not current and first.total_mcg > schedule.limits.start_limit_mcg:
        return first.first_day, (
            f"starts at {format_mg(first.total_mcg)}/day, above the start limit of "
            f"{format_mg(schedule.limits.start_limit_mcg)}/day"
        )
    return None


def _rises(schedule: Schedule) -> list[tuple[DoseStep, int, int]]:
    """The changes a titration's rise checks read: from a current dose every one, the
    first included; from nothing, all but the first dose (the start limit checks it)."""
    found = changes(schedule)
    return found if schedule.previous_mcg else found[1:]


def _never_down(schedule: Schedule) -> Failure:
    for step, before, _ in _rises(schedule):
        if step.total_mcg < before:
            return (
                step.first_day,
                f"goes down from {format_mg(before)} to {format_mg(step.total_mcg)}",
            )
    return None


def _increase_interval(schedule: Schedule) -> Failure:
    minimum = schedule.limits.min_interval_days
    for step, before, held in _rises(schedule):
        if step.total_mcg > before and held < minimum:
            return step.first_day, f"raised after {held} days; the minimum is {minimum}"
    return None


def _increase_size(schedule: Schedule) -> Failure:
    largest = schedule.limits.step_max_mcg
    for step, before, _ in _rises(schedule):
        if step.total_mcg - before > largest:
            return step.first_day, (
                f"raised by {format_mg(step.total_mcg - before)}/day; the largest step is "
                f"{format_mg(largest)}/day"
            )
    return None


def divided_check(schedule: Schedule) -> Check:
    """Label (pediatric): every day in 2 or 3 doses, the largest at bedtime."""
    need = schedule.protocol.titration.min_doses_per_day

    def divided(schedule: Schedule) -> Failure:
        for step in schedule.steps:
            given = [dose.mcg for dose in step.doses if dose.mcg]
            if len(given) < need:
                return step.first_day, f"{len(given)} doses a day; the protocol asks for {need}"
            if step.doses[-1].mcg != max(given):
                return step.first_day, "the largest dose is not the last of the day"
        return None

    description = f"every day in at least {need} doses, the largest at bedtime"
    return ("divided_doses", description, divided)


def per_kg_check(schedule: Schedule) -> Check:
    """mg/kg/day shown and checked against the protocol's per-kg numbers, read afresh."""
    weight = schedule.weight_kg
    assert weight is not None
    titration = schedule.protocol.titration
    first = schedule.steps[0].total_mcg
    highest = max(step.total_mcg for step in schedule.steps)

    def within(schedule: Schedule) -> Failure:
        if schedule.kind != "titration":  # a taper comes down from the patient's dose
            return None
        start_limit = None if schedule.previous_mcg else titration.start_limit.mg_per_kg_per_day
        for amount, total, what in (
            (start_limit, first, "the start"),  # a current dose is not a start
            (titration.maximum.mg_per_kg_per_day, highest, "the highest dose"),
        ):
            if amount is not None and Decimal(total) > amount * weight * 1000:
                day = next(s.first_day for s in schedule.steps if s.total_mcg == total)
                return day, f"{what} is {format_per_kg(total, weight)} mg/kg/day, above {amount}"
        return None

    description = (
        f"mg/kg/day for {format_decimal(weight)} kg: starts at {format_per_kg(first, weight)}, "
        f"highest {format_per_kg(highest, weight)}"
    )
    limits = [
        f"{what} {format_decimal(amount)}"
        for what, amount in (
            ("start limit", titration.start_limit.mg_per_kg_per_day),
            ("maximum", titration.maximum.mg_per_kg_per_day),
        )
        if amount is not None and schedule.kind == "titration"
    ]
    if limits:
        description += f" ({', '.join(limits)})"
    return ("per_kg_within_limits", description, within)


TITRATION: tuple[Check, ...] = (
    (
        "start_within_limit",
        "the first dose is within the protocol's start limit",
        _start_within_limit,
    ),
    ("never_down", "a titration never lowers the dose", _never_down),
    ("increase_interval", "no increase sooner than the minimum interval", _increase_interval),
    ("increase_size", "no increase larger than the protocol's step", _increase_size),
)
FROM_CURRENT: Check = (
    "starts_at_current_dose",
    "starts at the dose the patient takes, kept one interval before the first rise",
    _start_within_limit,
)
