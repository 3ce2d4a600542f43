"""What shapes a patient's calendar pages beyond the schedule: the language, the print
size, the clock times asked for, and the box of advice from the protocol on every page.

Large print sets the doses in 12 pt rather than 8, so a page holds two or three weeks
rather than a month; rows are never cut, only moved whole to the next page, and the weeks
of a month are shared evenly between its pages (no page holds one short week).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from planner.core.i18n import ENGLISH, Language
from planner.domain.products import short
from planner.render.instructions import product_notes
from planner.render.pdf.style import BOLD, FONT, GRID, MUTED, wrap_words

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule


@dataclass(frozen=True)
class Sizes:
    """Type sizes and spacing of a calendar page, in points."""

    text: float = 8  # dose lines and notes: never smaller
    leading: float = 9.5
    dose_gap: float = 1.5
    first_dose: float = 26  # from a cell's top to its first dose line
    product_line: float = 10  # a product's name at a cell's foot (two products)
    min_row: float = 56  # room for the day number and the Stop note
    day: float = 11
    stop: float = 12
    tick: float = 7
    title: float = 18
    header: float = 9  # weekday names, the products line
    patient: float = 10
    header_height: float = 48  # month name, patient line and weekday names
    scale: float = 1  # the width of a cell's letters: DejaVu Sans is wide; 0.9 is as Arial
    pad: float = 4  # a cell's text from its edges
    tick_gap: float = 3  # between a tick box and its dose

    @property
    def dose_x(self) -> float:
        """A dose's text from its cell's left edge, right of its tick box."""
        return self.pad + self.tick + self.tick_gap


REGULAR = Sizes()
LARGE = Sizes(
    text=12,
    leading=14,
    dose_gap=3,
    first_dose=36,
    product_line=16,
    min_row=84,
    day=17,
    stop=17,
    tick=10,
    title=26,
    header=13,
    patient=14,
    header_height=66,
)


def fits(sizes: Sizes) -> tuple[Sizes, ...]:
    """The spacings a month is tried in, loosest first: the print size's own, then
    tighter lines, gaps and margins in the same type, then the cells' letters narrower
    (never shorter): a month on one page is easier to follow than one shared by two."""
    text = sizes.text
    tight = replace(
        sizes,
        leading=text * 1.125,
        dose_gap=text / 8,
        first_dose=sizes.day + 2 + text + 3,
        min_row=sizes.day + 2 + text + 8,  # a week of days outside the schedule
        header_height=sizes.header_height - sizes.header / 2,
        pad=sizes.pad * 3 / 4,
        tick_gap=sizes.tick_gap * 2 / 3,
    )
    narrower = (replace(tight, scale=scale) for scale in (0.9, 0.85, 0.8))
    return sizes, tight, *narrower


@dataclass(frozen=True)
class Look:
    """How one patient's calendar is printed."""

    lang: Language = ENGLISH
    sizes: Sizes = REGULAR
    clocks: dict[str, dt.time] = field(default_factory=dict)  # only the times asked for

    def time_label(self, name: str) -> str:
        """'Morning', or 'Morning 07:30' when the time was given, in the calendar's short
        words where the language has them ('Al dormir' for 'Al acostarse')."""
        label = short(self.lang, name.capitalize())
        clock = self.clocks.get(name)
        return f"{label} {clock:%H:%M}" if clock else label


BOX_PADDING = 5


@dataclass(frozen=True)
class AdviceBox:
    """The protocol's advice (and the product's note) in columns under the grid."""

    columns: tuple[tuple[str, tuple[str, ...]], ...]  # heading, wrapped lines
    source: str
    height: float

    def draw(self, canvas: Canvas, width: float, sizes: Sizes, bottom: float = 0) -> None:
        """Full width, framed, its foot ``bottom`` points above the flowable's."""
        canvas.saveState()
        canvas.translate(0, bottom)
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.8)
        canvas.rect(0, 0, width, self.height, stroke=1, fill=0)
        column = width / len(self.columns)
        top = self.height - BOX_PADDING - sizes.text
        for index, (heading, lines) in enumerate(self.columns):
            x = index * column + BOX_PADDING
            canvas.setFillColor(colors.black)
            canvas.setFont(BOLD, sizes.text)
            canvas.drawString(x, top, heading)
            canvas.setFont(FONT, sizes.text)
            for number, line in enumerate(lines, start=1):
                canvas.drawString(x, top - sizes.leading * number, line)
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, sizes.text)
        canvas.drawRightString(width - BOX_PADDING, BOX_PADDING, self.source)
        canvas.restoreState()


def advice_box(schedule: Schedule, look: Look, width: float) -> AdviceBox | None:
    """The box for this schedule, or None when its protocol gives no advice."""
    advice = schedule.protocol.patient_advice
    if advice is None:
        return None
    _ = look.lang.gettext
    texts = [
        (_("If you feel unwell"), _(advice.unwell)),
        (_("If you miss a dose"), _(advice.missed_dose)),
    ]
    notes = product_notes(schedule, look.lang)
    if notes:
        texts.append((_("Your medicine"), " ".join(notes)))
    source = _("Source: {source}").format(source=advice.source)
    room = width / len(texts) - 2 * BOX_PADDING
    sizes = look.sizes
    columns = tuple(
        (heading, tuple(wrap_words(text, FONT, sizes.text, room))) for heading, text in texts
    )
    lines = max(len(wrapped) for _heading, wrapped in columns) + 2  # heading, source
    return AdviceBox(columns, source, lines * sizes.leading + 2 * BOX_PADDING + 2)


def balanced(needs: list[float], height: float, days: list[int] | None = None) -> list[list[int]]:
    """The weeks (by index) of each page: as few pages as fit, the weeks shared as evenly
    as those pages allow, and the spare room on the page whose weeks hold the most days
    of the month, so no page holds one short week (the 29th to the 31st) alone."""
    pages = _pack(needs, height)
    capacity = height
    while capacity > max(needs) and len(_pack(needs, capacity - 1)) == len(pages):
        capacity -= 1
    forward = _pack(needs, capacity)
    backward = [
        [len(needs) - 1 - i for i in reversed(page)] for page in _pack(needs[::-1], capacity)
    ]
    days = days or [7] * len(needs)

    def fewest_days(layout: list[list[int]]) -> int:
        return min(sum(days[i] for i in page) for page in layout)

    return max([forward, backward[::-1]], key=fewest_days)  # forward when they tie


def _pack(needs: list[float], height: float) -> list[list[int]]:
    pages: list[list[int]] = [[]]
    for index, need in enumerate(needs):
        if pages[-1] and sum(needs[i] for i in pages[-1]) + need > height:
            pages.append([])
        pages[-1].append(index)
    return pages
