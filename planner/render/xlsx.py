"""A workbook: the day-by-day sheet, the step sheet, and an About sheet with provenance."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl.utils import get_column_letter

from planner.core.i18n import language
from planner.domain.dispensing import describe_supply, dispensing_totals
from planner.domain.provenance import provenance
from planner.render.table import DATE, DAY, NOTE, daily_columns, daily_frame, step_values

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from planner.domain.schedule import Schedule
    from planner.safety import SafetyReport

# Fixed workbook dates, so the same inputs give the same file.
WORKBOOK_DATE = dt.datetime(2000, 1, 1)
DAY_FORMAT = "yyyy-mm-dd"
# Excel's General shows 0.125, 0.5 and 1 as they are (ISMP: leading zero, no trailing
# zero); a fixed pattern would print "1." or "1.000".
DOSE_FORMAT = "General"


def step_frame(schedule: Schedule) -> pd.DataFrame:
    """One row per dose step: dates, days, then the day-by-day table's columns (phase,
    totals, each dose of each drug with its units) and the note."""
    shared = [c for c in daily_columns(schedule) if c not in (DATE, DAY, NOTE)]
    rows = []
    for step in schedule.steps:
        values = step_values(step, schedule.weight_kg, schedule.switch)
        row: dict[str, object] = {
            "from": step.start,
            "to": step.end,
            "first_day": step.first_day,
            "days": step.days,
        }
        for column in shared:
            value = values.get(column, "")
            row[column] = float(value) if isinstance(value, Decimal) else value
        row[NOTE] = step.note
        rows.append(row)
    return pd.DataFrame(rows)


def dispensing_frame(schedule: Schedule) -> pd.DataFrame:
    """What to dispense: each supply period, then the whole schedule, by strength."""
    supply = dispensing_totals(schedule)
    periods = [
        (f"days {p.first_day}-{p.last_day}", p.start, p.end, p.strengths) for p in supply.periods
    ]
    periods.append(("whole schedule", schedule.start, schedule.end, supply.total))
    rows = [
        {
            "period": period,
            "from": start,
            "to": end,
            "product": strength.product.name,
            "strength_mg": strength.strength_mcg / 1000,
            "units_to_dispense": strength.units_to_dispense,
            "units_taken": float(strength.units_taken),
            "dispense": describe_supply(strength),
        }
        for period, start, end, strengths in periods
        for strength in strengths
    ]
    return pd.DataFrame(rows)


def render_xlsx(schedule: Schedule, report: SafetyReport, *, lang: str = "en") -> bytes:
    """Sheets 'Daily', 'Steps', 'Dispensing' and 'About' (provenance, checks, warnings,
    notes); the sheets' names in ``lang``, their columns in English (machine-readable)."""
    _ = language(lang).gettext
    about = [*provenance(schedule)]
    about += [("Safety checks", report.summary)]
    about += [("Safety check", f"{r.mark}: {r.line}") for r in report.results]
    about += [("Warning", text) for text in schedule.warnings]
    about += [("Note", text) for text in schedule.notes]
    daily = daily_frame(schedule)
    daily["date"] = daily["date"].dt.date
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        daily.to_excel(writer, sheet_name=_("Daily"), index=False)
        step_frame(schedule).to_excel(writer, sheet_name=_("Steps"), index=False)
        dispensing_frame(schedule).to_excel(writer, sheet_name=_("Dispensing"), index=False)
        pd.DataFrame(about, columns=["item", "value"]).to_excel(
            writer, sheet_name=_("About"), index=False
        )
        book = writer.book
        book.properties.creator = "dose-planner"
        book.properties.created = WORKBOOK_DATE
        book.properties.modified = WORKBOOK_DATE
        for sheet in book.worksheets:
            _text_as_text(sheet)
            _formatted(sheet)
    return _fixed_times(buffer.getvalue())


def _formatted(sheet: Worksheet) -> None:
    """A header that stays in view and filters, ISO dates, doses as plain decimals, and
    columns wide enough for their text."""
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(sheet.columns, start=1):
        cells = list(column)
        for cell in cells[1:]:
            if isinstance(cell.value, dt.date | dt.datetime):
                cell.number_format = DAY_FORMAT
            elif isinstance(cell.value, float):
                cell.number_format = DOSE_FORMAT
        width = max(len(str(cell.value or "")) for cell in cells)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(width + 2, 10), 80)


def _text_as_text(sheet: Worksheet) -> None:
    """Every text cell stays text: '=HYPERLINK(...)' from a protocol file is never a formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _fixed_times(workbook: bytes) -> bytes:
    """The workbook with every time in it fixed (openpyxl stamps the zip entries and the
    'modified' property with the time of saving), so the same inputs give the same bytes."""
    stamp = WORKBOOK_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            info = zipfile.ZipInfo(entry.filename, date_time=WORKBOOK_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return fixed.getvalue()
