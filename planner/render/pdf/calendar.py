"""The month pages a patient follows: each day's doses in plain words, with tick boxes."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from planner.units import format_mg

if TYPE_CHECKING:
    from planner.schedule import DoseStep, Schedule

from planner.instructions import Taken, dose_words, taken
from planner.render.pdf.style import (
    BOLD,
    CHANGE_FILL,
    DOSE_GAP,
    FIRST_DOSE_OFFSET,
    FONT,
    GRID,
    HEADER_HEIGHT,
    LEADING,
    MIN_ROW_HEIGHT,
    MUTED,
    PRODUCT_LINE,
    SMALLEST_PT,
    STOP_FILL,
    fit_line,
    wrap_words,
)


@dataclass(frozen=True)
class DayCell:
    """What one calendar day shows."""

    step: DoseStep
    changes: bool
    last: bool
    taken: tuple[Taken, ...]  # each dose of the day, of either drug during a switch


@dataclass(frozen=True)
class MonthPage:
    """The weeks of one month that share a page, and the height of each week's row."""

    year: int
    month: int
    weeks: tuple[tuple[dt.date, ...], ...]
    row_heights: tuple[float, ...]
    continued: bool


def month_pages(
    schedule: Schedule, year: int, month: int, width: float, height: float
) -> list[MonthPage]:
    """Lay out a month: each week's row as tall as its fullest day needs, the spare
    height shared out; a month whose weeks cannot all fit is continued on a second page."""
    cells = _day_cells(schedule)
    column = width / 7
    weeks = [
        tuple(week) for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    needs = [_row_need(schedule, cells, week, month, column) for week in weeks]
    pages: list[list[int]] = [[]]
    for index, need in enumerate(needs):
        if pages[-1] and sum(needs[i] for i in pages[-1]) + need > height:
            pages.append([])
        pages[-1].append(index)
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
            )
        )
    return laid_out


def _row_need(
    schedule: Schedule,
    cells: dict[dt.date, DayCell],
    week: tuple[dt.date, ...],
    month: int,
    column: float,
) -> float:
    need = MIN_ROW_HEIGHT
    for date in week:
        cell = cells.get(date)
        if cell is None or date.month != month or cell.step.total_mcg == 0:
            continue
        lines = dose_lines(cell.taken, column - 18)
        label = PRODUCT_LINE if len(schedule.products) > 1 else 0
        doses = sum(len(d) * LEADING + DOSE_GAP for d in lines)
        need = max(need, FIRST_DOSE_OFFSET + doses + 2 + label)
    return need


class MonthGrid(Flowable):
    """One month (or part of one) as a 7-column grid, Monday first, filling the frame."""

    def __init__(self, schedule: Schedule, page: MonthPage, patient: str | None) -> None:
        super().__init__()
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
        month_name = dt.date(page.year, page.month, 1).strftime("%B %Y")
        canvas.setFont(BOLD, 18)
        canvas.drawString(0, top - 18, month_name + (" (continued)" if page.continued else ""))
        who = f"Patient: {self.patient}" if self.patient else "Patient: ______________________"
        # Right of the month name: the patient, then the products of this page, wrapped.
        room = self.width - stringWidth(month_name + " (continued)", BOLD, 18) - 24
        in_month = (cell for date, cell in self.cells.items() if date.month == page.month)
        used = list(dict.fromkeys(cell.step.product.name for cell in in_month))
        who, who_size = fit_line(who, FONT, 10, room)
        lines = [
            who,
            *wrap_words(f"{' then '.join(used)}. Tick each dose when taken.", FONT, 9, room),
        ]
        for number, line in enumerate(lines[:3]):
            canvas.setFont(FONT, who_size if number == 0 else 9)
            canvas.drawRightString(self.width, top - 9 - 11 * number, line)
        column = self.width / 7
        canvas.setFont(BOLD, 9)
        for index, name in enumerate(calendar.day_name):
            canvas.drawCentredString(column * index + column / 2, top - HEADER_HEIGHT + 4, name)
        y = top - HEADER_HEIGHT
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
        canvas.setFillColor(colors.black if cell else MUTED)
        canvas.setFont(BOLD, 11)
        canvas.drawString(x + 4, y + height - 13, str(date.day))
        if cell is None:
            return
        step = cell.step
        if step.total_mcg == 0:
            canvas.setFont(BOLD, 12)
            canvas.drawString(x + 4, y + height - 30, "Stop")
            canvas.setFont(FONT, SMALLEST_PT)
            for number, line in enumerate(
                wrap_words(
                    "No more doses. Do not restart without advice.", FONT, SMALLEST_PT, width - 8
                )
            ):
                canvas.drawString(x + 4, y + height - 42 - 9.5 * number, line)
            return
        if cell.changes:
            _draw_change_label(
                canvas,
                step,
                x,
                y + height - 13,
                width,
                day_width=stringWidth(str(date.day), BOLD, 11),
            )
        elif cell.last and step.phase == "maintenance":
            # A titration's last printed day is not a day to stop.
            canvas.setFont(BOLD, SMALLEST_PT)
            canvas.drawRightString(x + width - 4, y + height - 13, "KEEP TAKING")
        line_y = y + height - FIRST_DOSE_OFFSET
        canvas.setFont(FONT, SMALLEST_PT)
        if len(self.schedule.products) > 1:  # after a switch, every day names its product
            canvas.setFillColor(MUTED)
            canvas.drawString(
                x + 4, y + 4, fit_line(step.product.label, FONT, SMALLEST_PT, width - 8)[0]
            )
            canvas.setFillColor(colors.black)
        for lines in dose_lines(cell.taken, width - 18):
            canvas.setStrokeColor(colors.black)
            canvas.setFillColor(colors.black)
            canvas.rect(x + 4, line_y - 1, 7, 7, stroke=1, fill=0)
            for line in lines:
                canvas.drawString(x + 14, line_y, line)
                line_y -= LEADING
            line_y -= DOSE_GAP


def dose_lines(doses: tuple[Taken, ...], width: float) -> list[list[str]]:
    """The wrapped text of each dose taken on a day: 'Morning: 1 1/2 tablets 0.5 mg'."""
    return [
        wrap_words(f"{dose.time.name.capitalize()}: {dose_words(dose)}", FONT, SMALLEST_PT, width)
        for dose in doses
    ]


def _draw_change_label(
    canvas: Canvas, step: DoseStep, x: float, baseline: float, width: float, *, day_width: float
) -> None:
    """'NEW DOSE: 2.5 mg/day' beside the day number, shortened until it fits the cell."""
    amount = format_mg(step.total_mcg)
    if step.review:
        labels = ["REVIEW WITH PRESCRIBER", "REVIEW"]
    elif step.phase == "switch":
        labels = [f"SWITCH: {amount}/day", "SWITCH"]
    elif step.edit == "pause":
        labels = [f"PAUSE: {amount}/day", f"PAUSE: {amount}", "PAUSE"]
    elif step.edit == "step back":
        labels = [f"STEP BACK: {amount}/day", f"BACK TO {amount}/day", f"BACK TO {amount}"]
    elif step.first_day == 1 and step.phase == "titration":
        labels = [f"START: {amount}/day", f"START: {amount}"]
    else:
        labels = [f"NEW DOSE: {amount}/day", f"NEW: {amount}/day", f"NEW: {amount}"]
    room = width - day_width - 14
    fitting = [label for label in labels if stringWidth(label, BOLD, SMALLEST_PT) <= room]
    label = fitting[0] if fitting else labels[-1]
    canvas.setFont(BOLD, SMALLEST_PT)
    canvas.drawRightString(x + width - 4, baseline, label)


def _day_cells(schedule: Schedule) -> dict[dt.date, DayCell]:
    cells: dict[dt.date, DayCell] = {}
    previous = schedule.dose_before_mcg
    for date, day, step in schedule.daily():
        first = day == step.first_day
        changes = first and (step.total_mcg != previous or bool(step.edit) or step.review)
        doses = tuple(taken(schedule, step))
        cells[date] = DayCell(step=step, changes=changes, last=day == schedule.days, taken=doses)
        if first:
            previous = step.total_mcg
    return cells
