"""Schedules as short text tables, so expected schedules read like a clinician's sheet."""

from __future__ import annotations

import dataclasses

from planner.core.units import format_count, format_mg
from planner.domain.products import UnitCount
from planner.domain.schedule import DoseStep, Schedule


def levels(schedule: Schedule) -> list[DoseStep]:
    """The steps as planned, with each review's split undone: a review (every 3 months)
    starts a step of its own on every output, at the same doses as the step before it."""
    merged: list[DoseStep] = []
    for step in schedule.steps:
        before = merged[-1] if merged else None
        same = before is not None and (step.doses, step.phase, step.product) == (
            before.doses,
            before.phase,
            before.product,
        )
        if before is not None and step.review and same:
            merged[-1] = dataclasses.replace(before, days=before.days + step.days)
        else:
            merged.append(step)
    return merged


def step_table(schedule: Schedule) -> str:
    """One line per level held (``levels``): first day, days held, phase, daily total,
    dose at each time."""
    lines = []
    for step in levels(schedule):
        doses = " | ".join(format_mg(d.mcg) if d.mcg else "-" for d in step.doses)
        lines.append(
            f"day {step.first_day:>3}  {step.days:>2} days  {step.phase:<11}  "
            f"{format_mg(step.total_mcg):>8}  {doses}"
        )
    return "\n".join(lines)


def units_table(schedule: Schedule) -> str:
    """One line per step: the units that make each dose, as '1 1/2 x 0.5'."""
    return "\n".join(
        " | ".join(_units(d.units) or "-" for d in step.doses) for step in schedule.steps
    )


def _units(units: tuple[UnitCount, ...]) -> str:
    return " + ".join(f"{format_count(u.count)} x {format_mg(u.strength_mcg)}" for u in units)
