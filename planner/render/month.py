"""The first calendar month of a schedule, as the web page shows it: each day's doses
in the patient's words, the changes marked in the printed calendar's words (the printed
calendar's month, as data)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.core.i18n import N_, Language, language
from planner.render.instructions import dose_words, exchanged, keeps_on, taken

if TYPE_CHECKING:
    from planner.domain.schedule import DoseStep, Schedule


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


def first_month(schedule: Schedule, *, lang: str = "en") -> CalendarMonth:
    """The month the schedule starts in, weeks from Monday, in ``lang``."""
    words = language(lang)
    year, month = schedule.start.year, schedule.start.month
    days = _days(schedule, words)
    weeks = tuple(
        tuple(days.get(date, CalendarDay(date, date.month == month)) for date in week)
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    )
    title = words.month_title(dt.date(year, month, 1))
    return CalendarMonth(title, tuple(words.weekdays("abbreviated")), weeks)


def change_labels(
    step: DoseStep, *, lang: Language, switches: bool = False, starts: bool = False
) -> list[str]:
    """The words for a day the dose changes, longest first: 'NEW DOSE: 2.5 mg/day', 'NEW:
    2.5 mg/day', 'NEW: 2.5 mg'. Every one names the change and its dose, the same in
    every language (the printed calendar takes the longest that fits its cell). A day a
    dose is switched says SWITCH with no amount: the day's clonazePAM alone would read as
    a change of the whole dose; a review is a review."""
    _ = lang.gettext
    if step.review:
        templates = [N_("REVIEW WITH PRESCRIBER"), N_("REVIEW")]
    elif switches:
        templates = [N_("SWITCH")]
    elif step.edit == "pause":
        templates = [N_("PAUSE: {amount}/day"), N_("PAUSE: {amount}")]
    elif step.edit == "step back":
        templates = [
            N_("STEP BACK: {amount}/day"),
            N_("BACK TO {amount}/day"),
            N_("BACK TO {amount}"),
        ]
    elif starts:
        templates = [N_("START: {amount}/day"), N_("START: {amount}")]
    else:
        templates = [N_("NEW DOSE: {amount}/day"), N_("NEW: {amount}/day"), N_("NEW: {amount}")]
    return [_(template).format(amount=lang.mg(step.total_mcg)) for template in templates]


def _days(schedule: Schedule, lang: Language) -> dict[dt.date, CalendarDay]:
    _ = lang.gettext
    shown: dict[dt.date, CalendarDay] = {}
    previous = schedule.previous_mcg if schedule.kind == "taper" else None
    month = schedule.start.month
    for date, day, step in schedule.daily():
        if date.month != month or date.year != schedule.start.year:
            break
        first = day == step.first_day
        switches = first and bool(exchanged(schedule, step))
        mark = ""
        if step.total_mcg == 0:
            mark = _("STOP")
        elif switches or (first and (step.total_mcg != previous or step.edit or step.review)):
            starts = day == 1 and step.phase == "titration"
            mark = change_labels(step, lang=lang, switches=switches, starts=starts)[0]
        elif day == schedule.days and keeps_on(schedule, step):
            mark = _("KEEP TAKING")
        doses = tuple(
            f"{_(item.time.name.capitalize())}: {dose_words(item, lang=lang)}"
            for item in taken(schedule, step)
        )
        shown[date] = CalendarDay(date, True, day, doses, mark)
        if first:
            previous = step.total_mcg
    return shown
