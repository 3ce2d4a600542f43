"""The checks of a titration: where it starts, and every rise (never down, never sooner
than the interval, never larger than the step); and a child's divided doses and mg/kg."""

from __future__ import annotations

from planner.core.units import format_decimal, format_mg, format_per_kg, mg_to_mcg
from planner.domain.schedule import Schedule
from planner.models import CourseRequest, TitrationRequest
from planner.safety.bounds import Bounds, bounds_for
from planner.safety.common import Change, Check, Failure, changes


def _bounds(schedule: Schedule) -> Bounds:
    return bounds_for(schedule.protocol, schedule.request.patient)


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
    limit = _bounds(schedule).start_limit_mcg
    if not current and limit is not None and first.total_mcg > limit:
        return first.first_day, (
            f"starts at {format_mg(first.total_mcg)}/day, above the start limit of "
            f"{format_mg(limit)}/day"
        )
    return None


def _rises(schedule: Schedule) -> tuple[Change, ...]:
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
    minimum = _bounds(schedule).min_interval_days
    for step, before, held in _rises(schedule):
        if step.total_mcg > before and held < minimum:
            return step.first_day, f"raised after {held} days; the minimum is {minimum}"
    return None


def _increase_size(schedule: Schedule) -> Failure:
    largest = _bounds(schedule).step_max_mcg
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
    """mg/kg/day shown and checked against the protocol's per-kg numbers (a titration's
    start and highest dose) and, for a patient under 18 whose weight is known, the label's
    pediatric numbers on every day of any schedule; all read afresh."""
    bounds = _bounds(schedule)
    weight = bounds.weight_kg
    assert weight is not None
    first = schedule.steps[0].total_mcg
    highest = max(step.total_mcg for step in schedule.steps)
    titration = schedule.kind == "titration"
    starts = titration and not schedule.previous_mcg  # a current dose is not a start
    maxima = [b for b in bounds.maximum_per_kg if titration or b.source != "the protocol"]
    start_limits = [b for b in bounds.start_per_kg if starts]

    def within(schedule: Schedule) -> Failure:
        for limits, total, what in (
            (start_limits, first, "the start"),
            (maxima, highest, "the highest dose"),
        ):
            for bound in limits:
                if bound.exceeded_by(total):
                    day = next(s.first_day for s in schedule.steps if s.total_mcg == total)
                    return day, (
                        f"{what} is {format_per_kg(total, weight)} mg/kg/day, above "
                        f"{format_decimal(bound.mg_per_kg_per_day)} ({bound.source})"
                    )
        return None

    description = (
        f"mg/kg/day for {format_decimal(weight)} kg: starts at {format_per_kg(first, weight)}, "
        f"highest {format_per_kg(highest, weight)}"
    )
    limits = [f"start limit {format_decimal(b.mg_per_kg_per_day)}" for b in start_limits]
    limits += [f"maximum {format_decimal(b.mg_per_kg_per_day)}" for b in maxima]
    if limits:
        description += f" ({', '.join(dict.fromkeys(limits))})"
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
