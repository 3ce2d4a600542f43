"""The checks of a switch to clonazePAM (clinical rules 7), each reading the request and
the equivalences file afresh, never the switch the engine attached:

- the old drug is taken at the patient's own times (the request's, or its label's usual
  divided schedule), only ever lowered, and ends at zero when the switch does;
- each stage lowers one dose of the day, the latest first, by no more than a quarter of
  the day's starting equivalent (nor Ashton's 10 mg of diazepam), and is held a week;
- at every stage the day's equivalent, by the named source, is within half a step of
  the clonazePAM product of where it started.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

from planner.core.units import format_mg, mg_to_mcg
from planner.domain.products import dose_maker
from planner.domain.protocols import load_equivalences
from planner.domain.schedule import DoseStep, Schedule
from planner.models import DoseTime, EquivalenceTable, SwitchRequest
from planner.safety.bounds import smallest_dose, whole_product
from planner.safety.common import Check, Failure

NO_EXCHANGE = "the schedule does not begin with a stage of the switch"


def switch_steps(schedule: Schedule) -> tuple[DoseStep, ...]:
    """The steps of the switch itself: the schedule's first steps in its switch phase."""
    exchange = []
    for step in schedule.steps:
        if step.phase != "switch":
            break
        exchange.append(step)
    return tuple(exchange)


def _stages(schedule: Schedule) -> list[DoseStep]:
    """The switch's stages: its steps, a review's split undone (the same doses go on)."""
    stages: list[DoseStep] = []
    for step in switch_steps(schedule):
        if stages and (step.doses, step.other_doses) == (stages[-1].doses, stages[-1].other_doses):
            stages[-1] = replace(stages[-1], days=stages[-1].days + step.days)
        else:
            stages.append(step)
    return stages


def _regimen(schedule: Schedule, table: EquivalenceTable) -> dict[DoseTime, int] | str:
    """The old drug before day 1: the request's doses, read afresh; or, where the request
    gives none, the regimen the schedule states, held to the file (the drug's usual times
    of day, doses its product makes, adding up to the request's daily dose); or why not."""
    request = schedule.request
    assert isinstance(request, SwitchRequest)
    if request.from_drug not in table.from_drugs:
        return "the request names no drug of the equivalences file"
    if request.from_doses:
        if any(dose.time not in table.times for dose in request.from_doses):
            return "the request names a time of day the equivalences file does not"
        return {table.dose_time(d.time): mg_to_mcg(d.mg) for d in request.from_doses}
    drug = table.drugs[request.from_drug]
    product = drug.product(request.from_product or next(iter(drug.products)))
    stated = schedule.switch
    if stated is None:
        return "the schedule states no regimen of the old drug"
    usual = {table.dose_time(time) for time in drug.usual_times}
    regimen = dict(zip(stated.times, stated.regimen, strict=True))
    if not set(regimen) <= usual:
        return "the old drug's regimen is not at its label's usual times of day"
    if sum(regimen.values()) != mg_to_mcg(request.from_mg_per_day):
        return "the old drug's regimen does not add up to the daily dose asked for"
    if not all(amount > 0 and dose_maker(product).can_make(amount) for amount in regimen.values()):
        return "the old drug's regimen has a dose its product does not make"
    return regimen


def _old_at_its_times(schedule: Schedule) -> Failure:
    """The old drug only at its own times of day, only ever lowered, ended with the switch."""
    table = load_equivalences()
    regimen = _regimen(schedule, table)
    if isinstance(regimen, str):
        return 1, regimen
    stages = _stages(schedule)
    if not stages:
        return 1, NO_EXCHANGE
    before = dict(regimen)
    for step in schedule.steps:
        now = {dose.time: dose.mcg for dose in step.other_doses}
        strange = [time.name for time in now if time not in regimen]
        if strange:
            return step.first_day, f"the old drug at {strange[0]}, not a time the patient takes it"
        raised = [time.name for time in now if now[time] > before.get(time, 0)]
        if raised:
            return step.first_day, f"the old drug's {raised[0]} dose rises"
        before = now
    if stages[-1].other_mcg:
        return stages[-1].first_day, "the switch ends with the old drug still taken"
    return None


def _one_dose_a_stage(schedule: Schedule) -> Failure:
    """Each stage lowers one dose of the day, the latest still taken, by at most the
    stage's cap, and is held at least the file's days (a week)."""
    table = load_equivalences()
    regimen = _regimen(schedule, table)
    if isinstance(regimen, str):
        return 1, regimen
    request = schedule.request
    assert isinstance(request, SwitchRequest)
    rules = table.switching
    total = sum(regimen.values())
    ashton = table.drugs[request.from_drug].mg_per_10_mg_diazepam["ashton-2002"]
    by_ashton = Fraction(mg_to_mcg(ashton) * mg_to_mcg(rules.stage_mg_diazepam), 10_000)
    cap = min(total * Fraction(rules.stage_share_at_most) / 100, by_ashton)
    before = dict(regimen)
    stages = _stages(schedule)
    if not stages:
        return 1, NO_EXCHANGE
    for stage in stages:
        now = {dose.time: dose.mcg for dose in stage.other_doses}
        lowered = [time for time in before if now.get(time, 0) < before[time]]
        if len(lowered) != 1:
            return stage.first_day, f"{len(lowered)} doses of the day are lowered at once"
        time = lowered[0]
        if time != max((t for t in before if before[t]), key=lambda t: t.clock):
            return stage.first_day, "a dose is exchanged before a later dose of the day"
        part = before[time] - now.get(time, 0)
        if part > cap:
            return stage.first_day, (
                f"{format_mg(part)} of the old drug exchanged at once; a stage replaces at "
                f"most {format_mg(math.floor(cap))} ({rules.stage_share_at_most}% of the "
                "day's equivalent, or Ashton's 10 mg of diazepam)"
            )
        if stage.days < rules.stage_days_at_least:
            return stage.first_day, (
                f"a stage of {stage.days} days; each is held at least {rules.stage_days_at_least}"
            )
        before = now
    return None


def _equivalent_steady(schedule: Schedule) -> Failure:
    """By the source the request names, read afresh: at every stage the day's equivalent
    (clonazePAM plus the old drug left) is within half a step of the clonazePAM product
    of the equivalent the patient started on."""
    table = load_equivalences()
    request = schedule.request
    assert isinstance(request, SwitchRequest)
    source = request.equivalence or table.default_source
    if request.from_drug not in table.from_drugs or source not in table.figure_sources:
        return 1, "the request names no drug and source of the equivalences file"
    ratio = table.ratio(request.from_drug, source)
    exact = mg_to_mcg(request.from_mg_per_day) * ratio
    stages = _stages(schedule)
    if not stages:
        return 1, NO_EXCHANGE
    for stage in stages:
        step = dose_maker(whole_product(stage.product)).resolution_mcg
        now = stage.total_mcg + stage.other_mcg * ratio
        if abs(now - exact) > Fraction(step, 2):
            return stage.first_day, (
                f"the day's equivalent is {format_mg(round(now))} of clonazePAM by {source}, "
                f"more than half a step ({format_mg(step)}) from the "
                f"{format_mg(round(exact))} the patient started on"
            )
        if smallest_dose(stage.product) > step and stage.total_mcg % step:
            return stage.first_day, "a clonazePAM total the product does not make"
    return None


SWITCH: tuple[Check, ...] = (
    (
        "old_drug_at_its_times",
        "the old drug at the patient's own times, only ever lowered, and ended by the switch",
        _old_at_its_times,
    ),
    (
        "one_dose_a_stage",
        "each stage lowers one dose, the latest first, by at most a quarter of the day "
        "(Ashton's 10 mg of diazepam), held at least a week",
        _one_dose_a_stage,
    ),
    (
        "equivalent_steady",
        "the day's equivalent by the named source within half a product step at every stage",
        _equivalent_steady,
    ),
)
