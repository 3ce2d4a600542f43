"""The checks of a taper: never up but a step back, never faster than the pace, and an
end from the smallest dose (or, for a partial taper, at its floor, held)."""

from __future__ import annotations

import functools

from planner.core.units import format_mg, mg_to_mcg
from planner.domain.products import dose_maker
from planner.domain.schedule import Schedule
from planner.models import (
    PARTIAL_TAPER_HOLD_DAYS,
    CourseRequest,
    Pace,
    PhaseRule,
    Product,
    TaperRequest,
    Target,
)
from planner.safety.bounds import guideline, pace_of, smallest_dose, source_stops
from planner.safety.common import Check, Failure, changes, days_held_last, recorded

ENDS_AT_ZERO = "ends_at_zero_from_smallest"


def _never_up(schedule: Schedule) -> Failure:
    """A taper only rises where a clinician stepped back, and never above where it began."""
    request = schedule.request
    if isinstance(request, TaperRequest) and schedule.previous_mcg != mg_to_mcg(
        request.from_mg_per_day
    ):
        return 1, "the dose taken before day 1 is not the one the request gives"
    for step, before, _ in changes(schedule):
        # A step back, or a dose the patient took (recorded at a revision), may rise, but
        # never above where the taper began.
        back = step.edit == "step back" or recorded(schedule, step)
        if step.total_mcg > before and not (back and step.total_mcg <= schedule.previous_mcg):
            return (
                step.first_day,
                f"goes up from {format_mg(before)} to {format_mg(step.total_mcg)}",
            )
    return None


def _taper_steps_within_pace(schedule: Schedule) -> Failure:
    """Every reduction keeps the pace's limit as a rate over the days held, and no single
    reduction is larger than the limit allows in one window, unless it is the smallest
    step the product can make. The pace is the one the request names, read afresh from
    the paces file. Where a published source would stop from a dose above the smallest
    the product gives, the cut is the planner's, and keeps the guideline's pace. Stopping
    is checked by ``ends_at_zero_from_smallest``."""
    pace = pace_of(schedule)
    if pace is None:
        return 1, "the request names no pace of the paces file"
    return within_pace(schedule, pace)


def within_pace(schedule: Schedule, pace: Pace) -> Failure:
    """``schedule``'s cuts held to ``pace`` (see ``_taper_steps_within_pace``)."""
    bound = guideline().taper_pace
    start = schedule.previous_mcg
    previous_product = schedule.product
    for step, before, held in changes(schedule):
        products = (previous_product, step.product)
        previous_product = step.product
        if step.total_mcg >= before:
            continue
        phase = pace.phase_at(before, start)
        if step.total_mcg == 0:
            if held < phase.interval_days:
                return (
                    step.first_day,
                    f"stopped after {held} days; the pace holds {phase.interval_days}",
                )
            continue
        if phase.sets_own_speed:  # a clinician's own steps (warned about, not held)
            continue
        if recorded(schedule, step):  # the patient's dose, reported by the guideline check
            continue
        if source_stops(pace, phase, before, start, smallest_dose(products[0])):
            if not bound.allows(before, step.total_mcg, held):
                return step.first_day, (
                    f"{format_mg(before)} to {format_mg(step.total_mcg)}/day after {held} days: "
                    f"{pace.id}'s source stops from {format_mg(before)}/day, so the cut is the "
                    f"planner's, and faster than the guideline's {bound.describe()}"
                )
            continue
        resolution = max(map(_resolution, products))
        failure = _cut_failure(phase, start, before, step.total_mcg, held, resolution)
        if failure is not None:
            return step.first_day, failure
    return None


@functools.lru_cache(maxsize=1 << 16)
def _cut_failure(
    phase: PhaseRule, start: int, before: int, after: int, held: int, resolution: int
) -> str | None:
    """Why cutting ``before`` to ``after`` after ``held`` days outruns the phase, if it
    does. Remembered: a clinic's patients share their cuts."""
    limit = phase.limit(start)
    for bound, name in ((limit, "limit"), (phase.rate(start), "rate")):
        if not bound.allows(before, after, held):
            return (
                f"{format_mg(before)} to {format_mg(after)}/day after {held} days "
                f"is faster than the pace's {name} of {bound.describe()}"
            )
    single = limit.allows(before, after, limit.per_days)
    if not single and before - after > resolution:
        return (
            f"{format_mg(before)} to {format_mg(after)}/day in one step is larger "
            f"than the pace's limit of {limit.describe()}, and larger than the product's "
            "smallest step"
        )
    return None


def _resolution(product: Product) -> int:
    """The smallest step between two daily totals a product can give."""
    return dose_maker(product).resolution_mcg


def _ends_at_zero_from_smallest(schedule: Schedule) -> Failure:
    last = schedule.steps[-1]
    if last.total_mcg != 0:
        return last.first_day, f"ends at {format_mg(last.total_mcg)}/day, not zero"
    before_step = schedule.steps[-2] if len(schedule.steps) > 1 else None
    before = before_step.total_mcg if before_step else schedule.previous_mcg
    # Worked out afresh from the product of the last dose, never taken from the schedule's
    # own limits; strengths on hand are held to the whole product's smallest dose.
    product = before_step.product if before_step else schedule.product
    smallest = smallest_dose(product)
    if before > smallest:
        return last.first_day, (
            f"stops from {format_mg(before)}/day; the last dose must be the smallest the "
            f"product gives ({format_mg(smallest)})"
        )
    return None


def floor_mcg(schedule: Schedule) -> int:
    """A partial taper's lower maintenance dose, as asked for (0: a taper to zero); the
    last new end dose a revision gives, where one does."""
    request = schedule.request
    if isinstance(request, TaperRequest):
        targets = [edit.mg_per_day for edit in request.edits if isinstance(edit, Target)]
        return mg_to_mcg(targets[-1] if targets else request.to_mg_per_day)
    if isinstance(request, CourseRequest):
        return mg_to_mcg(request.to_mg_per_day)
    return 0


def _floor_hold(schedule: Schedule) -> int:
    """How long the request asks a partial taper's floor to be held."""
    request = schedule.request
    if isinstance(request, TaperRequest):
        return request.held_days
    if isinstance(request, CourseRequest):
        hold = request.taper_hold_days
        return hold if hold is not None else PARTIAL_TAPER_HOLD_DAYS
    return 1


def ends_at_floor(floor: int) -> Check:
    """A partial taper comes down to its floor and holds it: never below, never a stop."""

    def holds(schedule: Schedule) -> Failure:
        for step in schedule.steps:
            if step.total_mcg < floor:
                return step.first_day, (
                    f"{format_mg(step.total_mcg)}/day is below the floor of {format_mg(floor)}/day"
                )
        last = schedule.steps[-1]
        if last.total_mcg != floor:
            return last.first_day, f"ends at {format_mg(last.total_mcg)}/day, not the floor"
        held = days_held_last(schedule.steps)
        asked = _floor_hold(schedule)
        if held < asked:
            return last.first_day, f"holds the floor {held} days; {asked} were asked for"
        return None

    description = f"comes down to {format_mg(floor)}/day and holds it: never lower, never a stop"
    return ("ends_at_floor", description, holds)


TAPER: tuple[Check, ...] = (
    ("never_up", "a taper never raises the dose", _never_up),
    (
        "taper_step_within_pace",
        "no reduction faster than the pace allows",
        _taper_steps_within_pace,
    ),
    (
        ENDS_AT_ZERO,
        "ends at zero, from the smallest dose",
        _ends_at_zero_from_smallest,
    ),
)
