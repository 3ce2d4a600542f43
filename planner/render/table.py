"""Schedules as tables: daily rows (one a day) and tidy rows (one per dose taken).

``daily_rows`` keeps doses exact (``Decimal`` mg) and needs no pandas, so the CSV writer
stays fast; ``daily_frame`` and ``to_frame`` give pandas DataFrames, where doses become
floats at this edge only. Column names live here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from planner.core.units import mcg_to_mg, per_kg
from planner.domain.products import describe_units

if TYPE_CHECKING:
    import pandas as pd

    from planner.domain.schedule import DoseStep, Schedule, Switch

DATE = "date"
DAY = "day"
PHASE = "phase"
TOTAL_MG = "total_mg"
MG_PER_KG = "mg_per_kg_per_day"  # weight-based schedules only
PRODUCT = "product"  # schedules of more than one product only
TIME = "time"
CLOCK = "clock"
DOSE_MG = "dose_mg"
UNITS = "units"
NOTE = "note"


def dose_column(time_name: str) -> str:
    return f"{time_name}_mg"


def units_column(time_name: str) -> str:
    return f"{time_name}_units"


def daily_columns(schedule: Schedule) -> list[str]:
    """The day-by-day table's columns; during a switch the old drug's beside clonazePAM's,
    at its own times of day: ``alprazolam_mg`` after ``total_mg``, then
    ``afternoon_alprazolam_mg`` (and its units) after clonazePAM's doses."""
    names = [t.name for t in schedule.protocol.dose_times]
    switch = schedule.switch
    other = switch.drug_id if switch is not None else None
    old_names = [f"{t.name}_{other}" for t in switch.times] if switch is not None else []
    return [
        DATE,
        DAY,
        PHASE,
        TOTAL_MG,
        *([f"{other}_mg"] if other else []),
        *([MG_PER_KG] if schedule.weight_kg is not None else []),
        *(dose_column(n) for n in names),
        *(dose_column(n) for n in old_names),
        *([PRODUCT] if len(schedule.products) > 1 else []),
        *(units_column(n) for n in names),
        *(units_column(n) for n in old_names),
        NOTE,
    ]


def step_values(
    step: DoseStep, weight_kg: Decimal | None = None, switch: Switch | None = None
) -> dict[str, object]:
    """What every day of a step shares: phase, total (and mg/kg/day for a weight-based
    schedule), and each dose with its units.

    Worked out once a step, not once a day: long schedules have hundreds of days.
    """
    values: dict[str, object] = {PHASE: step.phase, TOTAL_MG: mcg_to_mg(step.total_mcg)}
    if weight_kg is not None:
        values[MG_PER_KG] = per_kg(step.total_mcg, weight_kg)
    values[PRODUCT] = step.product.name if step.total_mcg else ""
    for dose in step.doses:
        values[dose_column(dose.time.name)] = mcg_to_mg(dose.mcg)
        values[units_column(dose.time.name)] = describe_units(dose.units, step.product)
    if switch is not None:
        values[f"{switch.drug_id}_mg"] = mcg_to_mg(step.other_mcg)
        taken = {dose.time.name: dose for dose in step.other_doses}
        for time in switch.times:
            name, other = f"{time.name}_{switch.drug_id}", taken.get(time.name)
            values[dose_column(name)] = mcg_to_mg(other.mcg if other else 0)
            values[units_column(name)] = (
                describe_units(other.units, switch.product) if other else ""
            )
    return values


def daily_rows(schedule: Schedule) -> list[dict[str, object]]:
    """One row per day: date, day, phase, total_mg, ``<time>_mg``, ``<time>_units``, note.

    Doses are exact ``Decimal`` mg. The note is on the first day of each step (what
    changes that day).
    """
    rows = []
    for step in schedule.steps:
        same = step_values(step, schedule.weight_kg, schedule.switch)
        for offset in range(step.days):
            rows.append(
                {
                    DATE: step.start + dt.timedelta(days=offset),
                    DAY: step.first_day + offset,
                    **same,
                    NOTE: "" if offset else step.note,
                }
            )
    return rows


def daily_frame(schedule: Schedule) -> pd.DataFrame:
    """``daily_rows`` as a DataFrame: dates as datetime64, doses in mg as floats."""
    import pandas as pd

    columns = daily_columns(schedule)
    frame = pd.DataFrame(daily_rows(schedule), columns=columns)
    frame[DATE] = pd.to_datetime(frame[DATE])
    for column in columns:
        if column.endswith("_mg") or column == MG_PER_KG:
            frame[column] = frame[column].map(float)
    return frame


DRUG = "drug"


def to_frame(schedule: Schedule) -> pd.DataFrame:
    """Tidy: one row per dose taken (date, day, phase, drug, time, clock, dose_mg, units):
    during a switch, the old drug's doses at its own times too."""
    import pandas as pd

    switch = schedule.switch
    rows = []
    for date, day, step in schedule.daily():
        doses = [
            (schedule.protocol.drug.tall_man, dose.time, dose.mcg, dose.units, step.product)
            for dose in step.doses
            if dose.mcg
        ]
        if switch is not None:
            doses += [
                (switch.drug_name, dose.time, dose.mcg, dose.units, switch.product)
                for dose in step.other_doses
            ]
        for drug, time, mcg, units, product in sorted(doses, key=lambda d: d[1].clock):
            rows.append(
                {
                    DATE: date,
                    DAY: day,
                    PHASE: step.phase,
                    DRUG: drug,
                    TIME: time.name,
                    CLOCK: time.clock.isoformat(timespec="minutes"),
                    DOSE_MG: mcg / 1000,
                    UNITS: describe_units(units, product),
                }
            )
    columns = [DATE, DAY, PHASE, DRUG, TIME, CLOCK, DOSE_MG, UNITS]
    frame = pd.DataFrame(rows, columns=columns)
    frame[DATE] = pd.to_datetime(frame[DATE])
    return frame
