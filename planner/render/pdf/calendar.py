"""The month pages a patient follows: each day's doses in plain words, with tick boxes,
and under the grid the protocol's advice (if you feel unwell, if you miss a dose).

A month is one page in every language: each week's row is as tall as its fullest day
needs, and where a month's weeks do not fit at the print size's spacing, tighter spacing
is tried (never smaller type); only a month that still cannot fit is shared between
pages. A day the dose changes always says so in words ('NEW: 1,5 mg'): beside the day
number where the words fit, else on a line of their own under it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule

from planner.render.pdf.cells import DayCell, cell_text, day_cells, say
from planner.render.pdf.materials import AdviceBox, Look, advice_box, balanced, fits
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
HEADER_LINES = 3  # lines right of the month's name that its header's height holds


@dataclass(frozen=True)
class MonthPage:
    """The weeks of one month that share a page, the height of each week's row, the
    header's lines and the sizes the page is set in."""

    year: int
    month: int
    weeks: tuple[tuple[dt.date, ...], ...]
    row_heights: tuple[float, ...]
    continued: bool
    look: Look
    header: tuple[tuple[str, float], ...]  # the patient, the products, the tick instruction
    header_height: float
    advice: AdviceBox | None = None  # under the grid, on every page


def month_pages(
    schedule: Schedule,
    year: int,
    month: int,
    width: float,
    height: float,
    look: Look | None = None,
    patient: str | None = None,
) -> list[MonthPage]:
    """Lay out a month under its header: each week's row as tall as its fullest day
    needs, the spare height shared out, the advice box at the foot. The print size's
    spacing first, then tighter, until the month fits one page; a month that fits at
    none is shared evenly between as few pages as any spacing gives, in the loosest."""
    look = look or Look()
    cells = day_cells(schedule)
    weeks = [
        tuple(week) for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    best: list[MonthPage] = []
    for sizes in fits(look.sizes):
        pages = _lay_out(schedule, cells, year, month, weeks, width, height,
                         replace(look, sizes=sizes), patient)  # fmt: skip
        if not best or _worse(best, height) > _worse(pages, height):
            best = pages
        if len(best) == 1 and not _worse(best, height)[0]:
            break
    return best


def _worse(pages: list[MonthPage], height: float) -> tuple[bool, int]:
    """What counts against a layout: a week too tall for any page, then more pages."""
    overflows = any(
        page.header_height + sum(page.row_heights)
        + (page.advice.height + BOX_GAP if page.advice else 0) > height
        for page in pages
    )  # fmt: skip
    return overflows, len(pages)


def _lay_out(
    schedule: Schedule,
    cells: dict[dt.date, DayCell],
    year: int,
    month: int,
    weeks: list[tuple[dt.date, ...]],
    width: float,
    height: float,
    look: Look,
    patient: str | None,
) -> list[MonthPage]:
    sizes = look.sizes
    column = width / 7
    header = header_lines(schedule, cells, dt.date(year, month, 1), patient, look, width)
    header_height = sizes.header_height + max(0, len(header) - HEADER_LINES) * (sizes.header + 2)
    advice = advice_box(schedule, look, width)
    height -= header_height + (advice.height + BOX_GAP if advice else 0)
    named = len(schedule.products) > 1
    needs = [
        max(
            [sizes.min_row]
            + [
                cell_text(cells[date], date, column, look, named=named).need(sizes)
                for date in week
                if date.month == month and date in cells
            ]
        )
        for week in weeks
    ]
    pages = balanced(needs, height, [sum(d.month == month for d in week) for week in weeks])
    laid_out = []
    for number, indexes in enumerate(pages):
        spare = max(height - sum(needs[i] for i in indexes), 0) / len(indexes)
        # A month on one page fills it; one shared between pages keeps its cells at most a
        # quarter empty, the advice box under the grid (a short page, not empty cells).
        stretch = [spare if len(pages) == 1 else min(spare, needs[i] / 3) for i in indexes]
        laid_out.append(
            MonthPage(
                year=year,
                month=month,
                weeks=tuple(weeks[i] for i in indexes),
                row_heights=tuple(
                    needs[i] + more for i, more in zip(indexes, stretch, strict=True)
                ),
                continued=number > 0,
                look=look,
                header=tuple(header),
                header_height=header_height,
                advice=advice,
            )
        )
    return laid_out


def header_lines(
    schedule: Schedule,
    cells: dict[dt.date, DayCell],
    first: dt.date,
    patient: str | None,
    look: Look,
    width: float,
) -> list[tuple[str, float]]:
    """Right of the month's name, with their sizes: the patient (in smaller type where a
    long name needs it), then every product taken this month (during a switch the old
    drug's too) and the tick instruction, wrapped, never cut."""
    _ = look.lang.gettext
    sizes = look.sizes
    title = look.lang.month_title(first) + _(" (continued)")
    room = width - stringWidth(title, BOLD, sizes.title) - 24
    in_month = (
        cell for date, cell in cells.items() if (date.year, date.month) == (first.year, first.month)
    )
    used = list(
        dict.fromkeys(
            _(product.name)
            for cell in in_month
            for product in [item.product for item in cell.taken] or [cell.step.product]
        )
    )
    who = _("Patient: {name}").format(name=patient or "______________________")
    tick = _("{products}. Tick each dose when taken.").format(products=_(" then ").join(used))
    lines = wrap_words(tick, FONT, sizes.header, room)
    return [fit_line(who, FONT, sizes.patient, room), *((line, sizes.header) for line in lines)]


class MonthGrid(Flowable):
    """One month (or part of one) as a 7-column grid, Monday first, filling the frame."""

    def __init__(self, schedule: Schedule, page: MonthPage) -> None:
        super().__init__()
        self.look = page.look
        self.sizes = page.look.sizes
        self.schedule = schedule
        self.page = page
        self.cells = day_cells(schedule)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = available_width, available_height
        return available_width, available_height

    def draw(self) -> None:
        canvas: Canvas = self.canv
        page = self.page
        top = self.height
        _ = self.look.lang.gettext
        sizes = self.sizes
        month_name = self.look.lang.month_title(dt.date(page.year, page.month, 1))
        canvas.setFont(BOLD, sizes.title)
        title = month_name + (_(" (continued)") if page.continued else "")
        canvas.drawString(0, top - sizes.title, title)
        # Right of the month name: the patient, then the products of this page, wrapped.
        for number, (line, size) in enumerate(page.header):
            canvas.setFont(FONT, size)
            canvas.drawRightString(
                self.width, top - sizes.header - (sizes.header + 2) * number, line
            )
        column = self.width / 7
        canvas.setFont(BOLD, sizes.header)
        header = top - page.header_height
        for index, name in enumerate(self.look.lang.weekdays()):
            canvas.drawCentredString(column * index + column / 2, header + 4, name)
        y = header
        if page.advice is not None:  # under the grid: at the foot, unless the grid is short
            grid_foot = header - sum(page.row_heights) - BOX_GAP - page.advice.height
            page.advice.draw(canvas, self.width, sizes, max(grid_foot, 0))
        for week, row_height in zip(page.weeks, page.row_heights, strict=True):
            y -= row_height
            for day_index, date in enumerate(week):
                self._draw_cell(canvas, date, column * day_index, y, column, row_height)

    def _draw_cell(
        self, canvas: Canvas, date: dt.date, x: float, y: float, width: float, height: float
    ) -> None:
        in_month = date.month == self.page.month
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
        canvas.drawString(x + sizes.pad, day_line, str(date.day))
        if cell is None:
            return
        named = len(self.schedule.products) > 1  # after a switch, every day names its product
        text = cell_text(cell, date, width, self.look, named=named)
        if text.stop:
            canvas.setFont(BOLD, sizes.stop)
            stop_line = day_line - sizes.stop - 5
            canvas.drawString(x + sizes.pad, stop_line, self.look.lang.gettext("Stop"))
            for number, line in enumerate(text.stop):
                note = stop_line - sizes.text - 4 - sizes.leading * number
                say(canvas, x + sizes.pad, note, line, FONT, sizes)
            return
        for number, line in enumerate(text.mark):
            if text.beside:
                width_pt = stringWidth(line, BOLD, sizes.text) * sizes.scale
                say(canvas, x + width - sizes.pad - width_pt, day_line, line, BOLD, sizes)
            else:
                say(
                    canvas,
                    x + sizes.pad,
                    day_line - (sizes.text + 4) * (number + 1),
                    line,
                    BOLD,
                    sizes,
                )
        line_y = y + height - sizes.first_dose - text.under(sizes)
        if text.product:
            canvas.setFillColor(MUTED)
            label = fit_line(text.product, FONT, sizes.text, (width - 2 * sizes.pad) / sizes.scale)[
                0
            ]
            say(canvas, x + sizes.pad, y + sizes.pad, label, FONT, sizes)
            canvas.setFillColor(colors.black)
        for lines in text.doses:
            canvas.setStrokeColor(colors.black)
            canvas.setFillColor(colors.black)
            canvas.rect(x + sizes.pad, line_y - 1, sizes.tick, sizes.tick, stroke=1, fill=0)
            for line in lines:
                say(canvas, x + sizes.dose_x, line_y, line, FONT, sizes)
                line_y -= sizes.leading
            line_y -= sizes.dose_gap
