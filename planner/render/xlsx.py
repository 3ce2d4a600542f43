"""A workbook: the day-by-day sheet, the step sheet, and an About sheet with provenance."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl.utils import get_column_letter

from planner.products import describe_units
from planner.provenance import provenance
from planner.table import daily_frame

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from planner.safety import SafetyReport
    from planner.schedule import Schedule

# Fixed workbook dates, so the same inputs give the same file.
WORKBOOK_DATE = dt.datetime(2000, 1, 1)


def step_frame(schedule: Schedule) -> pd.DataFrame:
    """One row per dose step: dates, days, phase, total and each dose with its units."""
    rows = []
    for step in schedule.steps:
        row: dict[str, object] = {
            "from": step.start,
            "to": step.end,
            "first_day": step.first_day,
            "days": step.days,
            "phase": step.phase,
            "total_mg": step.total_mcg / 1000,
        }
        for dose in step.doses:
            row[f"{dose.time.name}_mg"] = dose.mcg / 1000
            row[f"{dose.time.name}_units"] = describe_units(dose.units, step.product)
        row["note"] = step.note
        rows.append(row)
    return pd.DataFrame(rows)


def render_xlsx(schedule: Schedule, report: SafetyReport) -> bytes:
    """Sheets 'Daily', 'Steps' and 'About' (provenance, checks, warnings, notes)."""
    about = [*provenance(schedule)]
    about += [
        ("Safety check", f"{'pass' if r.passed else 'FAIL'}: {r.description}")
        for r in report.results
    ]
    about += [("Warning", text) for text in schedule.warnings]
    about += [("Note", text) for text in schedule.notes]
    daily = daily_frame(schedule)
    daily["date"] = daily["date"].dt.date
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        daily.to_excel(writer, sheet_name="Daily", index=False)
        step_frame(schedule).to_excel(writer, sheet_name="Steps", index=False)
        pd.DataFrame(about, columns=["item", "value"]).to_excel(
            writer, sheet_name="About", index=False
        )
        book = writer.book
        book.properties.creator = "dose-planner"
        book.properties.created = WORKBOOK_DATE
        book.properties.modified = WORKBOOK_DATE
        for sheet in book.worksheets:
            _text_as_text(sheet)
            for index, column in enumerate(sheet.columns, start=1):
                width = max(len(str(cell.value or "")) for cell in column)
                letter = get_column_letter(index)
                sheet.column_dimensions[letter].width = min(max(width + 2, 10), 80)
    return _fixed_times(buffer.getvalue())


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
