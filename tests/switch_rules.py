"""The rules of a switch in stages (clinical rules 7), read from the data files with
tomllib and applied to a schedule's steps: nothing here comes from the planner's models,
engine or safety checks, so a mistake shared by them is still caught.

- Ashton 2002 (slow withdrawal schedules): each stage replaces part of one dose, the
  evening dose first, about 0.5 mg of alprazolam (10 mg of diazepam) a week;
- clinical rules 7: no stage replaces more than a quarter of the day's starting
  equivalent; each is held at least 7 days; the day's equivalent by the named source stays
  within half a product step of the start; the old drug stays at its own times and is
  only ever lowered;
- ASAM 2025: over weeks, not one or two days.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from planner.domain.schedule import DoseStep, Schedule

PROTOCOLS = Path(__file__).resolve().parents[1] / "protocols"
EQUIVALENCES = tomllib.loads((PROTOCOLS / "equivalences.toml").read_text(encoding="utf-8"))
PRODUCTS = tomllib.loads((PROTOCOLS / "products.toml").read_text(encoding="utf-8"))["products"]


def mcg(mg: object) -> Fraction:
    return Fraction(str(mg)) * 1000


def ratio(drug: str, source: str) -> Fraction:
    """mcg of clonazePAM for 1 mcg of ``drug`` by ``source``."""
    figures = {
        d: body["mg_per_10_mg_diazepam"][source] for d, body in EQUIVALENCES["drugs"].items()
    }
    return Fraction(str(figures["clonazepam"])) / Fraction(str(figures[drug]))


def product_step(product: str) -> int:
    """The finest amount a clonazePAM product's daily total moves by (mcg)."""
    pieces = [int(mcg(s["mg"]) / s.get("split", 1)) for s in PRODUCTS[product]["strengths"]]
    return math.gcd(*pieces)


def stage_cap(drug: str, total_mcg: Fraction) -> Fraction:
    """The most of the old drug one stage may replace: a quarter of the day's start, and
    Ashton's 10 mg of diazepam in the drug's own mg."""
    rules = EQUIVALENCES["switching"]
    ashton = mcg(EQUIVALENCES["drugs"][drug]["mg_per_10_mg_diazepam"]["ashton-2002"])
    by_ashton = ashton * Fraction(str(rules["stage_mg_diazepam"])) / 10
    return min(total_mcg * Fraction(str(rules["stage_share_at_most"])) / 100, by_ashton)


def clocks() -> dict[str, dt.time]:
    return {name: time["clock"] for name, time in EQUIVALENCES["times"].items()}


@dataclass(frozen=True)
class Asked:
    """What a switch was asked for, as the test states it."""

    drug: str
    mg: str
    source: str
    product: str
    doses: tuple[tuple[str, str], ...] = ()  # the patient's own, if given
    step_days: int = 7


def stages_of(schedule: Schedule) -> list[DoseStep]:
    """The switch's steps (its first, in phase 'switch'), a review's split undone."""
    stages: list[DoseStep] = []
    for step in schedule.steps:
        if step.phase != "switch":
            break
        same = stages and (step.doses, step.other_doses) == (
            stages[-1].doses,
            stages[-1].other_doses,
        )
        if same:
            stages[-1] = replace(stages[-1], days=stages[-1].days + step.days)
        else:
            stages.append(step)
    return stages


def broken_rules(schedule: Schedule, asked: Asked) -> list[str]:
    """Each rule the schedule breaks, in words; empty where it keeps them all."""
    broken = []
    total = mcg(asked.mg)
    usual = EQUIVALENCES["drugs"][asked.drug]["usual_times"]
    own_times = [name for name, _ in asked.doses] or usual
    exact = total * ratio(asked.drug, asked.source)
    half_step = Fraction(product_step(asked.product), 2)
    cap = stage_cap(asked.drug, total)
    stages = stages_of(schedule)
    if not stages:
        return ["no stage"]
    # Before day 1: the patient's doses, or the label's times adding up to the daily dose.
    if asked.doses:
        regimen = {name: int(mcg(mg)) for name, mg in asked.doses}
    else:
        assert schedule.switch is not None
        regimen = {
            t.name: m for t, m in zip(schedule.switch.times, schedule.switch.regimen, strict=True)
        }
        if sum(regimen.values()) != total or not set(regimen) <= set(usual):
            broken.append(f"the stated regimen {regimen} is not the label's times adding up")
    before = dict(regimen)
    time_of = clocks()
    for number, stage in enumerate(stages, 1):
        now = {d.time.name: d.mcg for d in stage.other_doses}
        if not set(now) <= set(own_times):
            broken.append(f"stage {number}: the old drug at {sorted(set(now) - set(own_times))}")
        lowered = [name for name in before if now.get(name, 0) < before[name]]
        raised = [name for name in now if now[name] > before.get(name, 0)]
        if raised:
            broken.append(f"stage {number}: the old drug raised at {raised}")
        if len(lowered) != 1:
            broken.append(f"stage {number}: {len(lowered)} doses lowered")
        else:
            name = lowered[0]
            latest = max((n for n in before if before[n]), key=time_of.__getitem__)
            if name != latest:
                broken.append(f"stage {number}: {name} lowered before {latest}")
            if before[name] - now.get(name, 0) > cap:
                broken.append(f"stage {number}: {before[name] - now.get(name, 0)} mcg > cap {cap}")
        if stage.days < 7 or stage.days < asked.step_days:
            broken.append(f"stage {number}: held {stage.days} days")
        equivalent = stage.total_mcg + sum(now.values()) * ratio(asked.drug, asked.source)
        if abs(equivalent - exact) > half_step:
            broken.append(f"stage {number}: equivalent {float(equivalent)} vs {float(exact)}")
        before = now
    if any(before.values()):
        broken.append("the old drug is still taken after the last stage")
    # Our own rule: no dose of the day goes with no clonazePAM at all in its place.
    before, replaced = dict(regimen), dict.fromkeys(regimen, 0)
    previous_total = 0
    for stage in stages:
        now = {d.time.name: d.mcg for d in stage.other_doses}
        for name in before:
            if now.get(name, 0) < before[name]:
                replaced[name] += stage.total_mcg - previous_total
        before, previous_total = now, stage.total_mcg
    broken += [
        f"the {name} dose goes with nothing in its place"
        for name, got in replaced.items()
        if not got
    ]
    after = schedule.steps[len([s for s in schedule.steps if s.phase == "switch"]) :]
    if any(step.other_doses for step in after):
        broken.append("the old drug after the switch")
    if after and after[0].phase != "taper" and after[0].total_mcg != stages[-1].total_mcg:
        broken.append("the dose moves the day after the last stage, with no taper asked")
    return broken
