"""The first calendar month of a schedule, as the web page shows it: each day's doses
in the patient's words, the changes marked (the printed calendar's month, as data)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.core.units import format_mg
from planner.render.instructions import dose_words, exchanged, keeps_on, taken

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule


@dataclass(frozen=True)
class CalendarDay:
    """One day of the month grid; ``doses`` is empty outside the schedule."""

    date: dt.date
    in_month: bool
    day: int | None = None  # the schedule's day number, 1-based
    doses: tuple[str, ...] = ()
    mark: str = ""  # 'START: 0.5 mg/day', 'NEW DOSE: 1 mg/day', 'SWITCH', 'REVIEW', 'STOP'...


@dataclass(frozen=True)
class CalendarMonth:
    title: str  # 'January 2027'
    weekdays: tuple[str, ...]
    weeks: tuple[tuple[CalendarDay, ...], ...]


def first_month(schedule: Schedule) -> CalendarMonth:
    """The month the schedule starts in, weeks from Monday."""
    year, month = schedule.start.year, schedule.start.month
    days = _days(schedule)
    weeks = tuple(
        tuple(days.get(date, CalendarDay(date, date.month == month)) for date in week)
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    )
    weekdays = tuple(calendar.day_abbr[index] for index in range(7))
    return CalendarMonth(f"{calendar.month_name[month]} {year}", weekdays, weeks)


def _days(schedule: Schedule) -> dict[dt.date, CalendarDay]:
    shown: dict[dt.date, CalendarDay] = {}
    previous = schedule.previous_mcg if schedule.kind == "taper" else None
    month = schedule.start.month
    for date, day, step in schedule.daily():
        if date.month != month or date.year != schedule.start.year:
            break
        first = day == step.first_day
        amount = f"{format_mg(step.total_mcg)}/day"
        mark = ""
        if step.total_mcg == 0:
            mark = "STOP"
        elif first and exchanged(schedule, step):
            # A dose switched today: never clonazePAM's amount alone, as the calendar says.
            mark = "SWITCH"
        elif first and (step.total_mcg != previous or step.edit):
            if step.edit:
                mark = f"{step.edit.upper()}: {amount}"
            elif day == 1 and step.phase == "titration":
                mark = f"START: {amount}"
            else:
                mark = f"NEW DOSE: {amount}"
        elif first and step.review:
            mark = "REVIEW WITH PRESCRIBER"
        elif day == schedule.days and keeps_on(schedule, step):
            mark = "KEEP TAKING"
        doses = tuple(
            f"{item.time.name.capitalize()}: {dose_words(item)}" for item in taken(schedule, step)
        )
        shown[date] = CalendarDay(date, True, day, doses, mark)
        if first:
            previous = step.total_mcg
    return shown
