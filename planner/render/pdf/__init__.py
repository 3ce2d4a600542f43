"""The printable calendar: a clinician summary, then one month grid per page.

Page 1 (and following, for long schedules) is the summary a clinician reviews: patient,
protocol and sources, product, the step table, the safety report, warnings, dispensing
totals, and the instructions for the patient and the pharmacy. Then each calendar month
is a landscape page the patient follows: each day shows its doses by time of day in plain
words with a tick box, and the days the dose changes are marked. Every page carries the
disclaimer, protocol version, program version and the inputs' fingerprint.

Text is never smaller than 8 pt, in embedded DejaVu Sans (any script a name is written
in); a month too full for one page at the print size's spacing is set tighter, then in
narrower letters (never shorter), before it is shared between pages. The PDF is
byte-identical for the same inputs (reportlab's invariant mode: no creation date, fixed
document id; the font subsets hold glyphs in order of first use).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
)

from planner import __version__
from planner.core.i18n import language
from planner.core.wording import DISCLAIMER
from planner.domain.dispensing import DEFAULT_SUPPLY_DAYS
from planner.domain.provenance import footer
from planner.render.pdf.calendar import MonthGrid, month_pages
from planner.render.pdf.materials import LARGE, REGULAR, Look
from planner.render.pdf.style import (
    FONT,
    LEADING,
    MARGIN,
    MUTED,
    PAPER_SIZES,
    SMALLEST_PT,
    Paper,
    register_fonts,
    wrap_sentences,
)
from planner.render.pdf.summary import summary_story

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule
    from planner.domain.symptoms import SymptomLog
    from planner.safety import SafetyReport

__all__ = ["Paper", "render_pdf"]


def render_pdf(
    schedule: Schedule,
    report: SafetyReport,
    *,
    paper: Paper = "letter",
    patient: str | None = None,
    supply_days: int = DEFAULT_SUPPLY_DAYS,
    lang: str = "en",
    clocks: dict[str, dt.time] | None = None,
    large_print: bool = False,
    symptoms: SymptomLog | None = None,
) -> bytes:
    """The summary pages and one calendar page per month (or more, in large print), as
    PDF bytes; the calendar and the patient's instructions in ``lang``, the clinician's
    summary in English, with ``symptoms``' scores beside the dose; ``clocks``, the times
    of day asked for, shown on the calendar."""
    register_fonts()
    words = language(lang)
    look = Look(words, LARGE if large_print else REGULAR, clocks or {})
    size = PAPER_SIZES[paper]
    buffer = io.BytesIO()
    footer_line = " ".join(filter(None, (footer(schedule), words.review_note())))
    portrait_frame = Frame(
        MARGIN, MARGIN + 16, size[0] - 2 * MARGIN, size[1] - 2 * MARGIN - 16, id="summary"
    )
    wide = landscape(size)
    month_frame = Frame(
        MARGIN, MARGIN + 16, wide[0] - 2 * MARGIN, wide[1] - 2 * MARGIN - 16, id="month"
    )
    document = BaseDocTemplate(
        buffer,
        pagesize=size,
        invariant=1,
        initialFontName=FONT,  # else every page begins in Helvetica, unembedded
        title=f"{schedule.protocol.drug.tall_man} {schedule.kind} schedule",
        author="dose-planner",
        creator=f"dose-planner {__version__}",
        subject=DISCLAIMER,
        pageTemplates=[
            PageTemplate(
                "summary",
                [portrait_frame],
                pagesize=size,
                onPage=_draw_footer(footer_line, size[0]),
            ),
            PageTemplate(
                "month", [month_frame], pagesize=wide, onPage=_draw_footer(footer_line, wide[0])
            ),
        ],
    )
    story: list[Flowable] = summary_story(
        schedule, report, patient, supply_days, words, symptoms=symptoms
    )
    story.append(NextPageTemplate("month"))
    grid_width = month_frame.width - month_frame.leftPadding - month_frame.rightPadding
    grid_height = month_frame.height - month_frame.topPadding - month_frame.bottomPadding
    for year, month in _months(schedule.start, schedule.end):
        for page in month_pages(schedule, year, month, grid_width, grid_height, look, patient):
            story.append(PageBreak())
            story.append(MonthGrid(schedule, page))
    document.build(story)
    return buffer.getvalue()


def _draw_footer(text: str, width: float) -> Any:
    def draw(canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setStrokeColor(MUTED)
        canvas.line(MARGIN, MARGIN + 10, width - MARGIN, MARGIN + 10)
        canvas.setFont(FONT, SMALLEST_PT)
        canvas.setFillColor(colors.black)
        number = f"Page {document.page}"
        room = width - 2 * MARGIN - stringWidth(number, FONT, SMALLEST_PT) - 12
        # A footer too long for its line goes on in the margin below, never under the number.
        for index, line in enumerate(wrap_sentences(text, FONT, SMALLEST_PT, room)):
            canvas.drawString(MARGIN, MARGIN - LEADING * index, line)
        canvas.drawRightString(width - MARGIN, MARGIN, number)
        canvas.restoreState()

    return draw


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
