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
from planner.schedule import DoseStep, Schedule, Switch
from planner.units import format_mg, mg_to_mcg


def switch_steps(schedule: Schedule) -> tuple[DoseStep, ...]:
    """The steps of the exchange itself (before any taper)."""
    return tuple(step for step in schedule.steps if step.phase in ("switch", "maintenance"))


def _switch(schedule: Schedule) -> Switch:
    assert schedule.switch is not None  # only switches are checked here
    return schedule.switch


def _one_dose_a_step(schedule: Schedule) -> Failure:
    times = len(schedule.protocol.dose_times)
    steps = switch_steps(schedule)
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
    """In clonazePAM micrograms by the named source: the whole day's equivalent moves by
    no more than the dose exchanged at that step, and no more than rounding to the
    clonazePAM product's steps (half a step) explains."""
    switch = _switch(schedule)
    ratio = load_equivalences().ratio(switch.drug_id, switch.source)
    if ratio != switch.ratio:
        return 1, f"the equivalence used is not {switch.source}'s"
    request = schedule.request
    assert isinstance(request, SwitchRequest)
    old = mg_to_mcg(request.from_mg_per_day)  # the day before day 1: all the old drug
    before = old * ratio
    rounding = Fraction(dose_maker(schedule.product).resolution_mcg, 2)
    for step in switch_steps(schedule):
        now = step.total_mcg + step.other_mcg * ratio
        exchanged = (old - step.other_mcg) * ratio
        moved = abs(now - before)
        if moved > exchanged:
            return step.first_day, (
                f"the day's equivalent moves by {format_mg(round(moved))} of clonazePAM, "
                f"more than the dose exchanged ({format_mg(round(exchanged))})"
            )
        if moved > rounding:
            return step.first_day, (
                f"the day's equivalent moves by {format_mg(round(moved))} of clonazePAM, more "
                f"than rounding to the product's steps allows ({format_mg(round(rounding))})"
            )
        before, old = now, step.other_mcg
    return None


def _old_never_up(schedule: Schedule) -> Failure:
    previous: list[int] | None = None
    for step in switch_steps(schedule):
        now = [dose.other.mcg if dose.other else 0 for dose in step.doses]
        if previous is not None and any(n > p for n, p in zip(now, previous, strict=True)):
            return step.first_day, "the old drug's dose rises"
        previous = now
    last = switch_steps(schedule)[-1]
    if last.other_mcg:
        return last.first_day, "the switch ends with the old drug still taken"
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
