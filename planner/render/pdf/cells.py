"""One calendar day's cell: what it shows (its doses, the mark of a change, the stop),
its words wrapped to its width, the height they need, and how a line of them is set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from planner.render.instructions import Taken, dose_words, exchanged, keeps_on, taken
from planner.render.month import change_labels
from planner.render.pdf.materials import Look, Sizes
from planner.render.pdf.style import BOLD, FONT, wrap_words

if TYPE_CHECKING:
    from planner.domain.schedule import DoseStep, Schedule


@dataclass(frozen=True)
class DayCell:
    """What one calendar day shows."""

    step: DoseStep
    changes: bool
    taken: tuple[Taken, ...]  # each dose of the day, of either drug during a switch
    switches: bool = False  # a dose of the old drug becomes clonazePAM today
    keeps_on: bool = False  # the last day of a held dose: keep taking it after


@dataclass(frozen=True)
class CellText:
    """One day's words wrapped to its cell: the mark beside the day number or on lines
    of their own under it, each dose's lines, or the stop and its note."""

    mark: tuple[str, ...] = ()
    beside: bool = True  # the mark is one line on the day number's line
    doses: tuple[tuple[str, ...], ...] = ()
    stop: tuple[str, ...] = ()  # the note under 'Stop', on the day the schedule stops
    product: str = ""  # at the cell's foot when the schedule uses two products

    def under(self, sizes: Sizes) -> float:
        """The height the mark's own lines take under the day number."""
        return 0 if self.beside else len(self.mark) * (sizes.text + 4)

    def need(self, sizes: Sizes) -> float:
        if self.stop:  # 'Stop' under the day number, then the note
            notes = (len(self.stop) - 1) * sizes.leading
            return sizes.day + 2 + sizes.stop + 5 + sizes.text + 4 + notes + 4
        lines = sum(len(dose) for dose in self.doses)
        doses = lines * sizes.leading + len(self.doses) * sizes.dose_gap
        label = sizes.product_line if self.product else 0
        return sizes.first_dose + self.under(sizes) + doses + 2 + label


def cell_text(cell: DayCell, date: dt.date, width: float, look: Look, *, named: bool) -> CellText:
    """One day's words, wrapped to a cell ``width`` wide; ``named``, the product too (the
    schedule uses two)."""
    _ = look.lang.gettext
    sizes = look.sizes
    step = cell.step
    room = (width - 2 * sizes.pad) / sizes.scale  # in the cell's letters, as wide as they are set
    if step.total_mcg == 0:
        note = _("No more doses. Do not restart without advice.")
        return CellText(stop=tuple(wrap_words(note, FONT, sizes.text, room)))
    if cell.changes:
        starts = step.first_day == 1 and step.phase == "titration"
        marks = change_labels(step, lang=look.lang, switches=cell.switches, starts=starts)
    else:
        marks = [_("KEEP TAKING")] if cell.keeps_on else []
    beside = (width - stringWidth(str(date.day), BOLD, sizes.day) - 3 * sizes.pad - 2) / sizes.scale
    fitting = [mark for mark in marks if stringWidth(mark, BOLD, sizes.text) <= beside]
    if fitting or not marks:
        mark, on_line = tuple(fitting[:1]), True
    else:  # lines of their own, the whole width: never a word dropped or cut short
        own = [mark for mark in marks if stringWidth(mark, BOLD, sizes.text) <= room]
        lines = own[:1] or wrap_words(marks[-1], BOLD, sizes.text, room)
        mark, on_line = tuple(lines), False
    doses = dose_lines(cell.taken, (width - sizes.dose_x - sizes.pad) / sizes.scale, look)
    return CellText(
        mark=mark,
        beside=on_line,
        doses=tuple(tuple(lines) for lines in doses),
        product=_(step.product.label) if named else "",
    )


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


def day_cells(schedule: Schedule) -> dict[dt.date, DayCell]:
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


def say(canvas: Canvas, x: float, y: float, text: str, font: str, sizes: Sizes) -> None:
    """A line of a cell's text, its letters as wide as the page's sizes set them."""
    if sizes.scale == 1:
        canvas.setFont(font, sizes.text)
        canvas.drawString(x, y, text)
        return
    words = canvas.beginText(x, y)
    words.setFont(font, sizes.text)
    words.setHorizScale(sizes.scale * 100)
    words.textOut(text)
    canvas.drawText(words)
