"""Each step of a schedule in plain words for the patient, and as one pharmacy line.

Dose expressions follow the ISMP list: leading zero, no trailing zero, ``mg`` spelled,
times of day in words ("in the morning", "at bedtime"), the drug in tall-man letters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from planner.products import describe_units, describe_units_in_words
from planner.schedule import Dose, DoseStep, Schedule
from planner.units import format_mg


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
    parts = [
        f"{describe_units_in_words(dose.units, step.product)} {dose.time.label}"
        for dose in step.doses
        if dose.mcg
    ]
    taken = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    # After a switch every line names its product: "..., clonazePAM oral drops: take".
    which = f", {step.product.name}" if len(schedule.products) > 1 else ""
    if step.phase == "maintenance":
        # The end of a titration is the dose to go on with, never a day to stop.
        return (
            f"From {long_date(step.start)}{which}: take {taken}. That is "
            f"{format_mg(step.total_mcg)} a day. Keep taking this dose until your prescriber "
            "reviews it; do not stop suddenly."
        )
    return f"{_period(step)}{which}: take {taken}. That is {format_mg(step.total_mcg)} a day."


def _pharmacy_line(schedule: Schedule, step: DoseStep) -> str:
    days = f"Day {step.first_day}" if step.days == 1 else f"Days {step.first_day}-{step.last_day}"
    if step.phase == "maintenance":
        days = f"Day {step.first_day} on, continuing"
    if step.total_mcg == 0:
        return f"{days}: stop {schedule.protocol.drug.tall_man}."
    doses = "; ".join(
        f"{dose.time.label}: {describe_units(dose.units, step.product)}"
        for dose in step.doses
        if dose.mcg
    )
    drug = schedule.protocol.drug.tall_man
    if len(schedule.products) > 1:
        return f"{days}: {step.product.name}: {doses} ({format_mg(step.total_mcg)}/day)."
    return f"{days}: {drug} {doses} ({format_mg(step.total_mcg)}/day)."


def calendar_units(dose: Dose, step: DoseStep) -> str:
    """A dose's units as short words for a calendar day or event: '1 1/2 tablets 0.5 mg'."""
    return describe_units_in_words(dose.units, step.product, brief=True)
