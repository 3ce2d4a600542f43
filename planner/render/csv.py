"""The day-by-day table as CSV: a commented provenance header, then one row a day.

The header lines start with ``#`` (read them past with ``pandas.read_csv(comment="#")``);
dates are ISO, doses in mg as exact decimals, and there is no index column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from planner.provenance import provenance
from planner.table import DATE, DAY, NOTE, daily_columns, step_values

if TYPE_CHECKING:
    from planner.safety import SafetyReport
    from planner.schedule import Schedule


def render_csv(schedule: Schedule, report: SafetyReport) -> bytes:
    """UTF-8 CSV of ``daily_frame`` under a ``#`` header with provenance and warnings."""
    header = [f"# {schedule.protocol.drug.tall_man} {schedule.kind} schedule, day by day"]
    header += [f"# {label}: {value}" for label, value in provenance(schedule)]
    passed = sum(result.passed for result in report.results)
    header.append(f"# Safety checks: {passed} of {len(report.results)} passed")
    header += [f"# Warning: {text}" for text in schedule.warnings]
    header += [f"# Note: {text}" for text in schedule.notes]
    buffer = io.StringIO()
    columns = daily_columns(schedule)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(csv_rows(schedule, columns))
    return ("\n".join(header) + "\n" + buffer.getvalue()).encode("utf-8")


def csv_rows(
    schedule: Schedule, columns: list[str], fixed: dict[str, str] | None = None
) -> Iterator[list[object]]:
    """Each day's cells in ``columns`` order, with ``fixed`` cells (a patient id) added.

    A step's shared cells are formatted once and copied for each of its days.
    """
    date_at, day_at, note_at = columns.index(DATE), columns.index(DAY), columns.index(NOTE)
    for step in schedule.steps:
        fixed_cells = {key: spreadsheet_cell(value) for key, value in (fixed or {}).items()}
        values = step_values(step, schedule.weight_kg)
        same = {key: csv_cell(value) for key, value in values.items()} | fixed_cells
        template = [same.get(column, "") for column in columns]
        note = spreadsheet_cell(step.note)
        for offset in range(step.days):
            row = template.copy()
            row[date_at] = (step.start + dt.timedelta(days=offset)).isoformat()
            row[day_at] = step.first_day + offset
            row[note_at] = "" if offset else note
            yield row


def csv_cell(value: object) -> object:
    """ISO dates, and mg as exact decimals without trailing zeros (0.125, 1)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return spreadsheet_cell(value)


# OWASP, CSV injection: a cell starting with one of these opens as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, made inert with a leading quote.

    Only text is changed: numbers and dates are written from typed values, never text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
