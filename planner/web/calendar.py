"""The patient's calendar as a page to print: each month of the schedule on a page of its
own, each day's doses in the patient's words with a box to tick, the days the dose
changes marked, the protocol's advice and the review line at the foot.

Its days are the PDF calendar's own cells (``planner.render.pdf.calendar``): the same
doses of the same days, the same changes, in the same words and language; only the
layout is the browser's, so it prints from any browser without the PDF.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.domain.provenance import footer
from planner.render.instructions import dose_words, product_notes
from planner.render.month import change_labels
from planner.render.pdf.cells import DayCell, day_cells
from planner.render.pdf.materials import Look
from planner.render.pdf.style import MIXED_NUMBER

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule
    from planner.render.outputs import OutputOptions


@dataclass(frozen=True)
class Day:
    """One square of a month: its date, and what the patient does that day."""

    date: dt.date
    in_month: bool
    weekday: str
    doses: tuple[str, ...] = ()  # 'Morning: 1 1/2 tablets 0.5 mg', each with a box to tick
    mark: str = ""  # 'NEW DOSE: 1.5 mg/day', 'KEEP TAKING'
    look: str = ""  # 'change', 'stop', 'none' (no dose: before the start, after the end)
    product: str = ""  # after a switch of product, every day names its own


@dataclass(frozen=True)
class Month:
    title: str  # 'March 2027', 'Marzo de 2027'
    products: str  # 'clonazePAM tablets (US, Klonopin). Tick each dose when taken.'
    weeks: tuple[tuple[Day, ...], ...]


@dataclass(frozen=True)
class PatientCalendar:
    """The whole printout, every word already in the patient's language."""

    lang: str
    patient: str  # 'Patient: Zoë Example', or a line to write the name on
    weekdays: tuple[str, ...]
    months: tuple[Month, ...]
    stop: tuple[str, str]  # the stop day's heading and its words
    advice: tuple[tuple[str, str], ...]  # heading, text: the protocol's, on every page
    source: str
    footer: str  # the disclaimer, protocol, program version and fingerprint
    paper: str = "letter"  # the printed page, as the PDF's: letter or a4
    large_print: bool = False  # the PDF's large type: fewer weeks a printed page


def patient_calendar(schedule: Schedule, options: OutputOptions) -> PatientCalendar:
    """The calendar the PDF prints for ``schedule`` with these options, as data for a page."""
    from planner.core.i18n import language

    words = language(options.lang)
    _ = words.gettext
    look = Look(words, clocks=options.clocks)
    cells = day_cells(schedule)
    names = tuple(words.weekdays())
    months = tuple(
        _month(schedule, cells, year, month, look, names)
        for year, month in _months(schedule.start, schedule.end)
    )
    advice = schedule.protocol.patient_advice
    said: list[tuple[str, str]] = []
    source = ""
    if advice is not None:
        said = [(_("If you feel unwell"), _(advice.unwell))]
        said.append((_("If you miss a dose"), _(advice.missed_dose)))
        source = _("Source: {source}").format(source=advice.source)
    notes = product_notes(schedule, words)
    if notes:
        said.append((_("Your medicine"), " ".join(notes)))
    return PatientCalendar(
        lang=options.lang,
        patient=_("Patient: {name}").format(name=options.patient or "______________________"),
        weekdays=names,
        months=months,
        stop=(_("Stop"), _("No more doses. Do not restart without advice.")),
        advice=tuple(said),
        source=source,
        footer=" ".join(filter(None, (footer(schedule), words.review_note()))),
        paper=options.paper,
        large_print=options.large_print,
    )


def _month(
    schedule: Schedule,
    cells: dict[dt.date, DayCell],
    year: int,
    month: int,
    look: Look,
    names: tuple[str, ...],
) -> Month:
    _ = look.lang.gettext
    in_month = [cell for date, cell in cells.items() if (date.year, date.month) == (year, month)]
    # Every product taken this month, as the PDF's header names them: the old drug's too.
    used = dict.fromkeys(
        _(product.name)
        for cell in in_month
        for product in [item.product for item in cell.taken] or [cell.step.product]
    )
    products = _("{products}. Tick each dose when taken.").format(products=_(" then ").join(used))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return Month(
        title=look.lang.month_title(dt.date(year, month, 1)),
        products=products,
        weeks=tuple(
            tuple(_day(schedule, cells, date, month, look, names) for date in week)
            for week in weeks
        ),
    )


def _day(
    schedule: Schedule,
    cells: dict[dt.date, DayCell],
    date: dt.date,
    month: int,
    look: Look,
    names: tuple[str, ...],
) -> Day:
    weekday = names[date.weekday()]
    cell = cells.get(date)
    if date.month != month:
        return Day(date, False, weekday)
    if cell is None:
        return Day(date, True, weekday, look="none")
    step = cell.step
    if step.total_mcg == 0:
        return Day(date, True, weekday, look="stop")
    _ = look.lang.gettext
    mark = ""
    if cell.changes:
        starts = step.first_day == 1 and step.phase == "titration"
        mark = change_labels(step, lang=look.lang, switches=cell.switches, starts=starts)[0]
    elif cell.keeps_on:
        mark = _("KEEP TAKING")
    doses = tuple(
        _unbroken(f"{look.time_label(item.time.name)}: {dose_words(item, lang=look.lang)}")
        for item in cell.taken
    )
    product = _(step.product.label) if len(schedule.products) > 1 else ""
    return Day(
        date, True, weekday, doses, _unbroken(mark), "change" if cell.changes else "", product
    )


def _unbroken(text: str) -> str:
    """Words that never break where they would misread ('1 1/2' read as 1, '0.5' parted
    from its 'mg'), as the PDF keeps them together."""
    return MIXED_NUMBER.sub("\\1\u00a0\\2", text).replace(" mg", "\u00a0mg")


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """Each (year, month) from the start's to the end's."""
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [(index // 12, index % 12 + 1) for index in range(first, last + 1)]
