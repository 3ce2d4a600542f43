"""The checks of a switch to clonazePAM: one dose of the day exchanged per step, each
step held at least Ashton's week, the diazepam-equivalent total steady (never moving by
more than the dose exchanged), the old drug never raised, and the equivalence the one
its named source gives (read afresh from the equivalences file)."""

from __future__ import annotations

from fractions import Fraction

from planner.models import SWITCH_STEP_DAYS, SwitchRequest
from planner.products import dose_maker
from planner.protocols import load_equivalences
from planner.safety.common import Check, Failure
from planner.schedule import DoseStep, Schedule
from planner.units import format_mg, mg_to_mcg

NO_EXCHANGE = "the schedule does not begin with the exchange of a dose"


def switch_steps(schedule: Schedule) -> tuple[DoseStep, ...]:
    """The steps of the exchange itself: the schedule's first steps, up to any taper."""
    exchange = []
    for step in schedule.steps:
        if step.phase not in ("switch", "maintenance"):
            break
        exchange.append(step)
    return tuple(exchange)


def _one_dose_a_step(schedule: Schedule) -> Failure:
    times = len(schedule.protocol.dose_times)
    steps = switch_steps(schedule)
    if not steps:
        return 1, NO_EXCHANGE
    # Before day 1 the old drug was taken at every time of day the first step gives a
    # dose of either drug (a small dose may leave a time of day without one).
    taking_old = [dose.mcg > 0 or dose.other is not None for dose in steps[0].doses]
    for step in steps:
        now = [dose.other is not None and dose.other.mcg > 0 for dose in step.doses]
        changed = [i for i in range(times) if now[i] != taking_old[i]]
        if any(now[i] and not taking_old[i] for i in changed):
            return step.first_day, "the old drug comes back at a time of day it had left"
        if len(changed) != 1:
            return step.first_day, f"{len(changed)} doses of the day change drug at once"
        latest = max(i for i in range(times) if taking_old[i])
        if changed[0] != latest:  # Ashton: the evening dose first, then the earlier ones
            return step.first_day, "a dose is exchanged before a later dose of the day"
        both = [d.time.name for d in step.doses if d.mcg and d.other is not None]
        if both:
            return step.first_day, f"both drugs at the {both[0]} dose"
        taking_old = now
    return None


def _held_a_week(schedule: Schedule) -> Failure:
    for step in switch_steps(schedule):
        if step.days < SWITCH_STEP_DAYS:
            return step.first_day, (
                f"a step of {step.days} days; each is held at least {SWITCH_STEP_DAYS}"
            )
    return None


def _equivalent_steady(schedule: Schedule) -> Failure:
    """By the source the request names, read afresh: the day's equivalent moves by no
    more than the dose exchanged at each step, and by less than one of the clonazePAM
    product's steps (the rounding of that dose); the switch ends within half a step of
    the exact equivalent of the day's old dose."""
    request = schedule.request
    assert isinstance(request, SwitchRequest)
    table = load_equivalences()
    source = request.equivalence or table.default_source
    if request.from_drug not in table.from_drugs or source not in table.figure_sources:
        return 1, "the request names no drug and source of the equivalences file"
    ratio = table.ratio(request.from_drug, source)
    switch = schedule.switch
    if switch is None or (switch.drug_id, switch.source, switch.ratio) != (
        request.from_drug,
        source,
        ratio,
    ):
        return 1, f"the equivalence used is not {source}'s for {request.from_drug}"
    step_mcg = dose_maker(schedule.product).resolution_mcg
    old = mg_to_mcg(request.from_mg_per_day)  # the day before day 1: all the old drug
    exact = before = old * ratio
    steps = switch_steps(schedule)
    if not steps:
        return 1, NO_EXCHANGE
    for step in steps:
        now = step.total_mcg + step.other_mcg * ratio
        exchanged = (old - step.other_mcg) * ratio
        moved = abs(now - before)
        if moved > exchanged or moved >= step_mcg:
            return step.first_day, (
                f"the day's equivalent moves by {format_mg(round(moved))} of clonazePAM, more "
                f"than the dose exchanged ({format_mg(round(exchanged))}) or its rounding"
            )
        before, old = now, step.other_mcg
    if abs(steps[-1].total_mcg - exact) > Fraction(step_mcg, 2):
        return steps[-1].first_day, (
            f"the switch ends on {format_mg(steps[-1].total_mcg)}/day, not the nearest the "
            f"product makes to {source}'s {format_mg(round(exact))}/day"
        )
    return None


def _old_never_up(schedule: Schedule) -> Failure:
    previous: list[int] | None = None
    for step in switch_steps(schedule):
        now = [dose.other.mcg if dose.other else 0 for dose in step.doses]
        if previous is not None and any(n > p for n, p in zip(now, previous, strict=True)):
            return step.first_day, "the old drug's dose rises"
        previous = now
    exchange = switch_steps(schedule)
    if not exchange:
        return 1, NO_EXCHANGE
    if exchange[-1].other_mcg:
        return exchange[-1].first_day, "the switch ends with the old drug still taken"
    later = next((s for s in schedule.steps[len(exchange) :] if s.other_mcg), None)
    if later is not None:
        return later.first_day, "the old drug is taken again after the switch"
    return None


SWITCH: tuple[Check, ...] = (
    ("one_dose_a_step", "one dose of the day changes drug per step, never back", _one_dose_a_step),
    ("held_a_week", f"each step is held at least {SWITCH_STEP_DAYS} days (Ashton)", _held_a_week),
    (
        "equivalent_steady",
        "the day's equivalent by the named source moves by no more than the dose exchanged",
        _equivalent_steady,
    ),
    ("old_drug_never_up", "the old drug is only ever lowered, and ends at zero", _old_never_up),
)
