"""The printable calendar: a clinician summary, then one month grid per page.

Page 1 (and following, for long schedules) is the summary a clinician reviews: patient,
protocol and sources, product, the step table, the safety report, warnings, dispensing
totals, and the instructions for the patient and the pharmacy. Then each calendar month
is a landscape page the patient follows: each day shows its doses by time of day in plain
words with a tick box, and the days the dose changes are marked. Every page carries the
disclaimer, protocol version, program version and the inputs' fingerprint.

Text is never smaller than 8 pt. The PDF is byte-identical for the same inputs
(reportlab's invariant mode: no creation date, fixed document id).
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from planner import __version__
from planner.dispensing import DEFAULT_SUPPLY_DAYS, describe_supply, dispensing_totals
from planner.instructions import instructions, long_date
from planner.products import describe_units_in_words
from planner.provenance import footer, inputs_line, products_line
from planner.units import format_count, format_mg, format_per_kg
from planner.wording import DISCLAIMER

if TYPE_CHECKING:
    from planner.safety import SafetyReport
    from planner.schedule import Dose, DoseStep, Schedule

Paper = Literal["letter", "a4"]
PAPER_SIZES = {"letter": LETTER, "a4": A4}
MARGIN = 0.5 * inch
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
SMALLEST_PT = 8
CHANGE_FILL = colors.HexColor("#fff4c2")
STOP_FILL = colors.HexColor("#f6d5d5")
GRID = colors.HexColor("#555555")
LEADING = 9.5  # between lines of 8 pt text in a day cell
DOSE_GAP = 1.5  # between two doses in a day cell
FIRST_DOSE_OFFSET = 26  # from the top of a day cell to the first dose line
PRODUCT_LINE = 10  # the product's name at the foot of a cell, in a schedule of two products
MIN_ROW_HEIGHT = 56.0  # a week's row: room for the day number and the Stop note
HEADER_HEIGHT = 48  # month name, patient line and weekday names above the grid
MUTED = colors.HexColor("#666666")

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5, alignment=TA_LEFT)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=SMALLEST_PT, leading=10)
HEADING = ParagraphStyle(
    "heading", parent=BODY, fontName=BOLD, fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=3
)
TITLE = ParagraphStyle("title", parent=BODY, fontName=BOLD, fontSize=17, leading=21)
WARNING = ParagraphStyle("warning", parent=BODY, textColor=colors.HexColor("#8a1c1c"))


def render_pdf(
    schedule: Schedule,
    report: SafetyReport,
    *,
    paper: Paper = "letter",
    patient: str | None = None,
    supply_days: int = DEFAULT_SUPPLY_DAYS,
) -> bytes:
    """The summary pages and one calendar page per month, as PDF bytes."""
    size = PAPER_SIZES[paper]
    buffer = io.BytesIO()
    footer_line = footer(schedule)
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
    story: list[Flowable] = _summary(schedule, report, patient, supply_days)
    story.append(NextPageTemplate("month"))
    grid_width = month_frame.width - month_frame.leftPadding - month_frame.rightPadding
    grid_height = month_frame.height - month_frame.topPadding - month_frame.bottomPadding
    for year, month in _months(schedule.start, schedule.end):
        for page in month_pages(schedule, year, month, grid_width, grid_height - HEADER_HEIGHT):
            story.append(PageBreak())
            story.append(MonthGrid(schedule, page, patient))
    document.build(story)
    return buffer.getvalue()


def _draw_footer(text: str, width: float) -> Any:
    def draw(canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setStrokeColor(MUTED)
        canvas.line(MARGIN, MARGIN + 10, width - MARGIN, MARGIN + 10)
        canvas.setFont(FONT, SMALLEST_PT)
        canvas.setFillColor(colors.black)
        canvas.drawString(MARGIN, MARGIN, text)
        canvas.drawRightString(width - MARGIN, MARGIN, f"Page {document.page}")
        canvas.restoreState()

    return draw


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- The summary ------------------------------------------------------------------------


def _summary(
    schedule: Schedule, report: SafetyReport, patient: str | None, supply_days: int
) -> list[Flowable]:
    protocol = schedule.protocol
    story: list[Flowable] = [
        Paragraph(f"{protocol.drug.tall_man} {schedule.kind} schedule: clinician summary", TITLE),
        Paragraph(f"<b>{DISCLAIMER}</b> Review every dose before it is given to a patient.", BODY),
        Spacer(1, 6),
        _facts_table(schedule, patient),
        Paragraph("Dose steps", HEADING),
        _steps_table(schedule),
        Paragraph("Safety checks", HEADING),
        _report_table(report),
    ]
    if schedule.warnings:
        story.append(Paragraph("Warnings", HEADING))
        story += [Paragraph(f"&bull; {_escape(text)}", WARNING) for text in schedule.warnings]
    if schedule.notes:
        story.append(Paragraph("Notes", HEADING))
        story += [Paragraph(f"&bull; {_escape(text)}", BODY) for text in schedule.notes]
    story.append(Paragraph(f"Dispensing totals (supply periods of {supply_days} days)", HEADING))
    story.append(_dispensing_table(schedule, supply_days))
    story.append(Paragraph("Instructions for the patient", HEADING))
    story += [Paragraph(_escape(line.patient), BODY) for line in instructions(schedule)]
    story.append(Paragraph("Pharmacy directions", HEADING))
    story += [Paragraph(_escape(line.pharmacy), BODY) for line in instructions(schedule)]
    return story


def _facts_table(schedule: Schedule, patient: str | None) -> Table:
    protocol = schedule.protocol
    sources = "<br/>".join(_escape(source.citation) for source in protocol.sources)
    rows = [
        ("Patient", _escape(patient) if patient else "_" * 40),
        ("Protocol", f"{_escape(protocol.title)} ({protocol.id}, version {protocol.version})"),
        ("Sources", sources),
        ("Product", _escape(products_line(schedule))),
        ("Start date", long_date(schedule.start)),
        ("Last day", long_date(schedule.end)),
        ("Inputs", _escape(inputs_line(schedule))),
    ]
    if schedule.pace is not None:
        rows.append(("Taper pace", f"{schedule.pace.id}: {_escape(schedule.pace.title)}"))
    source = getattr(schedule.request, "source", None)
    if source:
        rows.append(("Steps from", _escape(source)))
    table = Table(
        [[Paragraph(f"<b>{label}</b>", BODY), Paragraph(value, BODY)] for label, value in rows],
        colWidths=[1.1 * inch, None],
    )
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    )
    return table


def _steps_table(schedule: Schedule) -> Table:
    times = schedule.protocol.dose_times
    header = ["From", "To", "Days", "Daily total", *(t.name.capitalize() for t in times)]
    rows: list[list[Any]] = [[Paragraph(f"<b>{cell}</b>", SMALL) for cell in header]]
    for step in schedule.steps:
        rows.append(
            [
                Paragraph(step.start.isoformat(), SMALL),
                Paragraph(step.end.isoformat(), SMALL),
                Paragraph(str(step.days), SMALL),
                Paragraph(_total_cell(step, schedule.weight_kg), SMALL),
                *(
                    Paragraph(
                        f"{format_mg(dose.mcg)}: {_escape(calendar_units(dose, step))}"
                        if dose.mcg
                        else "-",
                        SMALL,
                    )
                    for dose in step.doses
                ),
            ]
        )
    total_width = 1.05 * inch if schedule.weight_kg else 0.75 * inch  # room for mg/kg/day
    fixed = [0.8 * inch, 0.8 * inch, 0.45 * inch, total_width]
    table = Table(rows, colWidths=[*fixed, *([None] * len(times))], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _total_cell(step: DoseStep, weight_kg: Decimal | None) -> str:
    """The daily total in bold; under it mg/kg/day (weight-based) and any clinician's edit."""
    if step.total_mcg == 0:
        return "<b>Stop</b>"
    per_kg = f"<br/>{format_per_kg(step.total_mcg, weight_kg)} mg/kg/day" if weight_kg else ""
    edit = f"<br/><i>{step.edit}</i>" if step.edit else ""
    return f"<b>{format_mg(step.total_mcg)}</b>{per_kg}{edit}"


def _report_table(report: SafetyReport) -> Table:
    rows = [
        [
            Paragraph("<b>pass</b>" if result.passed else "<b>FAIL</b>", SMALL),
            Paragraph(
                _escape(
                    result.description
                    + ("" if result.passed else f" (day {result.day}: {result.detail})")
                ),
                SMALL,
            ),
        ]
        for result in report.results
    ]
    table = Table(rows, colWidths=[0.5 * inch, None])
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return table


def _dispensing_table(schedule: Schedule, supply_days: int) -> Table:
    supply = dispensing_totals(schedule, supply_days=supply_days)
    rows: list[list[Any]] = [
        [Paragraph(f"<b>{c}</b>", SMALL) for c in ("Period", "Days", "To dispense")]
    ]

    named = len(schedule.products) > 1

    def amounts(strengths: tuple[Any, ...]) -> str:
        return (
            "; ".join(
                f"{describe_supply(s, named=named)} (taken: {format_count(s.units_taken)})"
                for s in strengths
            )
            or "none"
        )

    for period in supply.periods:
        rows.append(
            [
                Paragraph(f"{period.start.isoformat()} to {period.end.isoformat()}", SMALL),
                Paragraph(f"{period.first_day}-{period.last_day}", SMALL),
                Paragraph(amounts(period.strengths), SMALL),
            ]
        )
    rows.append(
        [
            Paragraph("<b>Whole schedule</b>", SMALL),
            Paragraph(f"1-{schedule.days}", SMALL),
            Paragraph(f"<b>{amounts(supply.total)}</b>", SMALL),
        ]
    )
    table = Table(rows, colWidths=[1.9 * inch, 0.7 * inch, None], repeatRows=1)
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return table


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- The month pages ----------------------------------------------------------------------


def calendar_units(dose: Dose, step: DoseStep) -> str:
    """A dose's units as short plain words for a calendar cell: '1 1/2 tablets 0.5 mg'."""
    return describe_units_in_words(dose.units, step.product, brief=True)


@dataclass(frozen=True)
class DayCell:
    """What one calendar day shows."""

    step: DoseStep
    changes: bool
    last: bool


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
        lines = dose_lines(schedule, cell.step, column - 18)
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
        who, who_size = _fit(who, FONT, 10, room)
        lines = [who, *_wrap(f"{' then '.join(used)}. Tick each dose when taken.", FONT, 9, room)]
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
                _wrap("No more doses. Do not restart without advice.", FONT, SMALLEST_PT, width - 8)
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
                x + 4, y + 4, _fit(step.product.label, FONT, SMALLEST_PT, width - 8)[0]
            )
            canvas.setFillColor(colors.black)
        for lines in dose_lines(self.schedule, step, width - 18):
            canvas.setStrokeColor(colors.black)
            canvas.setFillColor(colors.black)
            canvas.rect(x + 4, line_y - 1, 7, 7, stroke=1, fill=0)
            for line in lines:
                canvas.drawString(x + 14, line_y, line)
                line_y -= LEADING
            line_y -= DOSE_GAP


def dose_lines(schedule: Schedule, step: DoseStep, width: float) -> list[list[str]]:
    """The wrapped text of each dose taken on a day: 'Morning: 1 1/2 tablets 0.5 mg'."""
    return [
        _wrap(
            f"{dose.time.name.capitalize()}: {calendar_units(dose, step)}",
            FONT,
            SMALLEST_PT,
            width,
        )
        for dose in step.doses
        if dose.mcg
    ]


def _draw_change_label(
    canvas: Canvas, step: DoseStep, x: float, baseline: float, width: float, *, day_width: float
) -> None:
    """'NEW DOSE: 2.5 mg/day' beside the day number, shortened until it fits the cell."""
    amount = format_mg(step.total_mcg)
    if step.edit == "pause":
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


def _fit(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """One line within ``width``: smaller type down to 8 pt, then cut short with an
    ellipsis (the summary page shows the whole text)."""
    while size > 8 and stringWidth(text, font, size) > width:
        size -= 1
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…", size


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap that never separates a number from its unit ('0.5 mg')."""
    words = text.replace(" mg", "\x00mg").split(" ")
    lines: list[str] = []
    for word in words:
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and stringWidth(candidate.replace("\x00", " "), font, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return [line.replace("\x00", " ") for line in lines]


def _day_cells(schedule: Schedule) -> dict[dt.date, DayCell]:
    cells: dict[dt.date, DayCell] = {}
    previous = schedule.previous_mcg if schedule.kind == "taper" else None
    for date, day, step in schedule.daily():
        first = day == step.first_day
        changes = first and (step.total_mcg != previous or bool(step.edit))
        cells[date] = DayCell(step=step, changes=changes, last=day == schedule.days)
        if first:
            previous = step.total_mcg
    return cells
