"""Schedules as pandas DataFrames: tidy (one row per dose taken) and daily (one row a day).

Column names live here and nowhere else. Doses become floats only at this edge, from
exact micrograms, so every value is the nearest float to an exact decimal of mg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from planner.products import describe_units

if TYPE_CHECKING:
    from planner.schedule import Schedule

DATE = "date"
DAY = "day"
PHASE = "phase"
TOTAL_MG = "total_mg"
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
    names = [t.name for t in schedule.protocol.dose_times]
    return [
        DATE,
        DAY,
        PHASE,
        TOTAL_MG,
        *(dose_column(n) for n in names),
        *(units_column(n) for n in names),
        NOTE,
    ]


def daily_frame(schedule: Schedule) -> pd.DataFrame:
    """One row per day: date, day, phase, total_mg, ``<time>_mg``, ``<time>_units``, note.

    The note is on the first day of each step (what changes that day).
    """
    rows = []
    for date, day, step in schedule.daily():
        row: dict[str, object] = {
            DATE: date,
            DAY: day,
            PHASE: step.phase,
            TOTAL_MG: step.total_mcg / 1000,
        }
        for dose in step.doses:
            row[dose_column(dose.time.name)] = dose.mcg / 1000
            row[units_column(dose.time.name)] = describe_units(dose.units, step.product)
        row[NOTE] = step.note if day == step.first_day else ""
        rows.append(row)
    frame = pd.DataFrame(rows, columns=daily_columns(schedule))
    frame[DATE] = pd.to_datetime(frame[DATE])
    return frame


def to_frame(schedule: Schedule) -> pd.DataFrame:
    """Tidy: one row per dose taken (date, day, phase, time, clock, dose_mg, units)."""
    rows = [
        {
            DATE: date,
            DAY: day,
            PHASE: step.phase,
            TIME: dose.time.name,
            CLOCK: dose.time.clock.isoformat(timespec="minutes"),
            DOSE_MG: dose.mcg / 1000,
            UNITS: describe_units(dose.units, step.product),
        }
        for date, day, step in schedule.daily()
        for dose in step.doses
        if dose.mcg
    ]
    frame = pd.DataFrame(rows, columns=[DATE, DAY, PHASE, TIME, CLOCK, DOSE_MG, UNITS])
    frame[DATE] = pd.to_datetime(frame[DATE])
    return frame
