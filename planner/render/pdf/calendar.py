"""The month pages a patient follows: each day's doses in plain words, with tick boxes,
and under the grid the protocol's advice (if you feel unwell, if you miss a dose)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from planner.core.i18n import N_, Language

if TYPE_CHECKING:
    from planner.domain.schedule import DoseStep, Schedule

from planner.render.instructions import Taken, dose_words, exchanged, keeps_on, taken
from planner.render.pdf.materials import REGULAR, AdviceBox, Look, advice_box, balanced
from planner.render.pdf.style import (
    BOLD,
    CHANGE_FILL,
    FONT,
    GRID,
    MUTED,
    STOP_FILL,
    fit_line,
    wrap_words,
)

BOX_GAP = 6  # between the grid and the advice box


@dataclass(frozen=True)
class DayCell:
    """What one calendar day shows."""

    step: DoseStep
    changes: bool
    taken: tuple[Taken, ...]  # each dose of the day, of either drug during a switch
    switches: bool = False  # a dose of the old drug becomes clonazePAM today
    keeps_on: bool = False  # the last day of a held dose: keep taking it after


@dataclass(frozen=True)
class MonthPage:
    """The weeks of one month that share a page, and the height of each week's row."""

    year: int
    month: int
    weeks: tuple[tuple[dt.date, ...], ...]
    row_heights: tuple[float, ...]
    continued: bool
    advice: AdviceBox | None = None  # under the grid, on every page


def month_pages(
    schedule: Schedule,
    year: int,
    month: int,
    width: float,
    height: float,
    look: Look | None = None,
) -> list[MonthPage]:
    """Lay out a month under its header: each week's row as tall as its fullest day
    needs, the spare height shared out, the advice box at the foot; a month whose weeks
    cannot all fit is continued on more pages, the weeks shared evenly between them."""
    look = look or Look()
    cells = _day_cells(schedule)
    column = width / 7
    weeks = [
        tuple(week) for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    advice = advice_box(schedule, look, width)
    height -= look.sizes.header_height + (advice.height + BOX_GAP if advice else 0)
    needs = [_row_need(schedule, cells, week, month, column, look) for week in weeks]
    pages = balanced(needs, height, [sum(d.month == month for d in week) for week in weeks])
    laid_out = []
    for number, indexes in enumerate(pages):
        spare = (height - sum(needs[i] for i in indexes)) / len(indexes)
        laid_out.append(
            MonthPage(
                year=year,
                month=month,
                weeks=tuple(weeks[i] for i in indexes),
                row_heights=tuple(needs[i] + max(spare, 0) for i in indexes),
                continued=number > 0,
                advice=advice,
            )
        )
    return laid_out


def _row_need(
    schedule: Schedule,
    cells: dict[dt.date, DayCell],
    week: tuple[dt.date, ...],
    month: int,
    column: float,
    look: Look,
) -> float:
    sizes = look.sizes
    need = sizes.min_row
    for date in week:
        cell = cells.get(date)
        if cell is None or date.month != month or cell.step.total_mcg == 0:
            continue
        lines = dose_lines(cell.taken, column - 11 - sizes.tick, look)
        label = sizes.product_line if len(schedule.products) > 1 else 0
        doses = sum(len(d) * sizes.leading + sizes.dose_gap for d in lines)
        need = max(need, sizes.first_dose + doses + 2 + label)
    return need


class MonthGrid(Flowable):
    """One month (or part of one) as a 7-column grid, Monday first, filling the frame."""

    def __init__(
        self, schedule: Schedule, page: MonthPage, patient: str | None, look: Look | None = None
    ) -> None:
        super().__init__()
        self.look = look or Look()
        self.lang = self.look.lang
        self.sizes = self.look.sizes
        self.schedule = schedule
        self.page = page
        self.month = page.month
        self.patient = patient
        self.cells = _day_cells(schedule)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = available_width, available_height
        return available_width, available_height

    def draw(self) -> None:
        canvas: Canvas = self.canv
        page = self.page
        top = self.height
        _ = self.lang.gettext
        sizes = self.sizes
        month_name = self.lang.month_title(dt.date(page.year, page.month, 1))
        continued = _(" (continued)")
        canvas.setFont(BOLD, sizes.title)
        canvas.drawString(0, top - sizes.title, month_name + (continued if page.continued else ""))
        who = _("Patient: {name}").format(name=self.patient or "______________________")
        # Right of the month name: the patient, then the products of this page, wrapped.
        room = self.width - stringWidth(month_name + continued, BOLD, sizes.title) - 24
        in_month = (cell for date, cell in self.cells.items() if date.month == page.month)
        # Every product taken this month: during a switch the old drug's too.
        used = list(
            dict.fromkeys(
                _(product.name)
                for cell in in_month
                for product in [item.product for item in cell.taken] or [cell.step.product]
            )
        )
        who, who_size = fit_line(who, FONT, sizes.patient, room)
        tick = _("{products}. Tick each dose when taken.").format(products=_(" then ").join(used))
        lines = [who, *wrap_words(tick, FONT, sizes.header, room)]
        for number, line in enumerate(lines[:3]):
            canvas.setFont(FONT, who_size if number == 0 else sizes.header)
            canvas.drawRightString(
                self.width, top - sizes.header - (sizes.header + 2) * number, line
            )
        column = self.width / 7
        canvas.setFont(BOLD, sizes.header)
        header = top - sizes.header_height
        for index, name in enumerate(self.lang.weekdays()):
            canvas.drawCentredString(column * index + column / 2, header + 4, name)
        if page.advice is not None:
            page.advice.draw(canvas, self.width, sizes)
        y = header
        for week, row_height in zip(page.weeks, page.row_heights, strict=True):
            y -= row_height
            for day_index, date in enumerate(week):
                self._draw_cell(canvas, date, column * day_index, y, column, row_height)

    def _draw_cell(
        self, canvas: Canvas, date: dt.date, x: float, y: float, width: float, height: float
    ) -> None:
        in_month = date.month == self.month
        cell = self.cells.get(date) if in_month else None
        if cell is not None and (cell.changes or cell.step.total_mcg == 0):
            canvas.setFillColor(STOP_FILL if cell.step.total_mcg == 0 else CHANGE_FILL)
            canvas.rect(x, y, width, height, stroke=0, fill=1)
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.6)
        canvas.rect(x, y, width, height, stroke=1, fill=0)
        if not in_month:
            return
        sizes = self.sizes
        canvas.setFillColor(colors.black if cell else MUTED)
        canvas.setFont(BOLD, sizes.day)
        day_line = y + height - sizes.day - 2
        canvas.drawString(x + 4, day_line, str(date.day))
        if cell is None:
            return
        step = cell.step
        _ = self.lang.gettext
        if step.total_mcg == 0:
            canvas.setFont(BOLD, sizes.stop)
            stop_line = day_line - sizes.stop - 5
            canvas.drawString(x + 4, stop_line, _("Stop"))
            canvas.setFont(FONT, sizes.text)
            words = _("No more doses. Do not restart without advice.")
            for number, line in enumerate(wrap_words(words, FONT, sizes.text, width - 8)):
                canvas.drawString(x + 4, stop_line - 12 - sizes.leading * number, line)
            return
        if cell.changes:
            _draw_change_label(
                canvas,
                step,
                x,
                day_line,
                width,
                day_width=stringWidth(str(date.day), BOLD, sizes.day),
                lang=self.lang,
                size=sizes.text,
                switches=cell.switches,
            )
        elif cell.keeps_on:
            # The last printed day of a held dose is not a day to stop.
            canvas.setFont(BOLD, sizes.text)
            canvas.drawRightString(x + width - 4, day_line, _("KEEP TAKING"))
        line_y = y + height - sizes.first_dose
        canvas.setFont(FONT, sizes.text)
        if len(self.schedule.products) > 1:  # after a switch, every day names its product
            canvas.setFillColor(MUTED)
            label = fit_line(_(step.product.label), FONT, sizes.text, width - 8)[0]
            canvas.drawString(x + 4, y + 4, label)
            canvas.setFillColor(colors.black)
        for lines in dose_lines(cell.taken, width - 11 - sizes.tick, self.look):
            canvas.setStrokeColor(colors.black)
            canvas.setFillColor(colors.black)
            canvas.rect(x + 4, line_y - 1, sizes.tick, sizes.tick, stroke=1, fill=0)
            for line in lines:
                canvas.drawString(x + 7 + sizes.tick, line_y, line)
                line_y -= sizes.leading
            line_y -= sizes.dose_gap


def dose_lines(doses: tuple[Taken, ...], width: float, look: Look) -> list[list[str]]:
    """The wrapped text of each dose taken on a day: 'Morning: 1 1/2 tablets 0.5 mg', or
    'Morning 07:30: ...' when the time was given."""
    return [
        wrap_words(
            f"{look.time_label(dose.time.name)}: {dose_words(dose, lang=look.lang)}",
            FONT,
            look.sizes.text,
            width,
        )
        for dose in doses
    ]


def _draw_change_label(
    canvas: Canvas,
    step: DoseStep,
    x: float,
    baseline: float,
    width: float,
    *,
    day_width: float,
    lang: Language,
    size: float = REGULAR.text,
    switches: bool = False,
) -> None:
    """'NEW DOSE: 2.5 mg/day' beside the day number, shortened until it fits the cell.

    A day a dose is switched says SWITCH with no amount: the day's clonazePAM alone
    would read as a change of the whole dose; the cell names each drug's dose."""
    _ = lang.gettext
    amount = lang.mg(step.total_mcg)
    if step.review:
        templates = [N_("REVIEW WITH PRESCRIBER"), N_("REVIEW")]
    elif switches:
        templates = [N_("SWITCH")]
    elif step.edit == "pause":
        templates = [N_("PAUSE: {amount}/day"), N_("PAUSE: {amount}"), N_("PAUSE")]
    elif step.edit == "step back":
        templates = [
            N_("STEP BACK: {amount}/day"),
            N_("BACK TO {amount}/day"),
            N_("BACK TO {amount}"),
        ]
    elif step.first_day == 1 and step.phase == "titration":
        templates = [N_("START: {amount}/day"), N_("START: {amount}")]
    else:
        templates = [N_("NEW DOSE: {amount}/day"), N_("NEW: {amount}/day"), N_("NEW: {amount}")]
    labels = [_(template).format(amount=amount) for template in templates]
    room = width - day_width - 14
    # The dose alone, where no wording fits: never a dose cut short (the cell's colour
    # says the dose changes). Never clonazePAM's amount alone on a day a dose is switched.
    alone = () if switches else (amount,)
    fitting = [label for label in (*labels, *alone) if stringWidth(label, BOLD, size) <= room]
    if not fitting and size > REGULAR.text:  # large print: a line of its own, never smaller
        baseline, room = baseline - size - 3, width - 8
        shorter = [*labels, *alone]  # the cell's colour says it changes; the dose, to what
        fitting = [label for label in shorter if stringWidth(label, BOLD, size) <= room]
    label, size = (fitting[0], size) if fitting else fit_line(labels[-1], BOLD, size, room)
    canvas.setFont(BOLD, size)
    canvas.drawRightString(x + width - 4, baseline, label)


def _day_cells(schedule: Schedule) -> dict[dt.date, DayCell]:
    cells: dict[dt.date, DayCell] = {}
    previous = schedule.dose_before_mcg
    for date, day, step in schedule.daily():
        first = day == step.first_day
        switches = first and bool(exchanged(schedule, step))
        changes = first and (
            step.total_mcg != previous or bool(step.edit) or step.review or switches
        )
        cells[date] = DayCell(
            step=step,
            changes=changes,
            taken=tuple(taken(schedule, step)),
            switches=switches,
            keeps_on=day == schedule.days and keeps_on(schedule, step),
        )
        if first:
            previous = step.total_mcg
    return cells
