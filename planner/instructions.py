"""Each step of a schedule in plain words for the patient, and as one pharmacy line.

Dose expressions follow the ISMP list: leading zero, no trailing zero, ``mg`` spelled,
times of day in words ("in the morning", "at bedtime"), the drug in tall-man letters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from planner.models import DoseTime, Product
from planner.products import UnitCount, describe_units, describe_units_in_words
from planner.schedule import DoseStep, Schedule
from planner.units import format_mg


@dataclass(frozen=True)
class Taken:
    """What is taken at one time of day: an amount of one drug, made of units of one
    product. ``named``: say which drug (during a switch, when there are two)."""

    time: DoseTime
    drug: str
    mcg: int
    units: tuple[UnitCount, ...]
    product: Product
    named: bool


def taken(schedule: Schedule, step: DoseStep) -> list[Taken]:
    """Each time of day with a dose, of clonazePAM or (during a switch) the old drug."""
    named = schedule.switch is not None
    found = []
    for dose in step.doses:
        if dose.mcg:
            drug = schedule.protocol.drug.tall_man
            found.append(Taken(dose.time, drug, dose.mcg, dose.units, step.product, named))
        elif dose.other is not None and dose.other.mcg and schedule.switch is not None:
            switch = schedule.switch
            found.append(
                Taken(
                    dose.time,
                    switch.drug_name,
                    dose.other.mcg,
                    dose.other.units,
                    switch.product,
                    named,
                )
            )
    return found


def dose_words(item: Taken, *, brief: bool = True) -> str:
    """A dose's units as short words for a calendar day or event: '1 1/2 tablets 0.5 mg',
    with the drug named during a switch: 'ALPRAZolam 1 tablet 1 mg'."""
    words = describe_units_in_words(item.units, item.product, brief=brief)
    return f"{item.drug} {words}" if item.named else words


@dataclass(frozen=True)
class StepInstruction:
    """What to do during one step: for the patient, and for the pharmacy label."""

    step: DoseStep
    patient: str
    pharmacy: str


def long_date(date: dt.date) -> str:
    """'Monday 4 January 2027': unambiguous in every country."""
    return f"{date:%A} {date.day} {date:%B %Y}"


def instructions(schedule: Schedule) -> tuple[StepInstruction, ...]:
    """One instruction per step, in the schedule's order."""
    return tuple(
        StepInstruction(step, _patient_line(schedule, step), _pharmacy_line(schedule, step))
        for step in schedule.steps
    )


def _period(step: DoseStep) -> str:
    if step.days == 1:
        return f"On {long_date(step.start)}"
    return f"From {long_date(step.start)} to {long_date(step.end)} ({step.days} days)"


def _patient_line(schedule: Schedule, step: DoseStep) -> str:
    drug = schedule.protocol.drug.tall_man
    if step.total_mcg == 0:
        return f"From {long_date(step.start)}: stop taking {drug}. Do not restart without advice."
    parts = [f"{dose_words(item, brief=False)} {item.time.label}" for item in taken(schedule, step)]
    doses = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    # After a switch every line names its product: "..., clonazePAM oral drops: take".
    which = f", {step.product.name}" if len(schedule.products) > 1 else ""
    if step.phase == "maintenance":
        # The end of a titration is the dose to go on with, never a day to stop.
        return (
            f"From {long_date(step.start)}{which}: take {doses}. That is "
            f"{_daily(schedule, step)} a day. Keep taking this dose until your prescriber "
            "reviews it; do not stop suddenly."
        )
    return f"{_period(step)}{which}: take {doses}. That is {_daily(schedule, step)} a day."


def _pharmacy_line(schedule: Schedule, step: DoseStep) -> str:
    days = f"Day {step.first_day}" if step.days == 1 else f"Days {step.first_day}-{step.last_day}"
    if step.phase == "maintenance":
        days = f"Day {step.first_day} on, continuing"
    if step.total_mcg == 0:
        return f"{days}: stop {schedule.protocol.drug.tall_man}."
    doses = "; ".join(
        f"{item.time.label}: {item.drug + ' ' if item.named else ''}"
        f"{describe_units(item.units, item.product)}"
        for item in taken(schedule, step)
    )
    drug = schedule.protocol.drug.tall_man
    if len(schedule.products) > 1:
        return f"{days}: {step.product.name}: {doses} ({format_mg(step.total_mcg)}/day)."
    if schedule.switch is not None:
        return f"{days}: {doses} ({_daily(schedule, step, per='/day')})."
    return f"{days}: {drug} {doses} ({format_mg(step.total_mcg)}/day)."


def _daily(schedule: Schedule, step: DoseStep, per: str = "") -> str:
    """The day's total, of each drug taken during a switch: '1 mg of clonazePAM and 1 mg
    of ALPRAZolam'."""
    if schedule.switch is None or not step.other_mcg:
        return f"{format_mg(step.total_mcg)}{per}"
    drug, other = schedule.protocol.drug.tall_man, schedule.switch.drug_name
    return (
        f"{format_mg(step.total_mcg)}{per} of {drug} and "
        f"{format_mg(step.other_mcg)}{per} of {other}"
    )
