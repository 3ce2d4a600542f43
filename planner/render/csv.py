"""The day-by-day table as CSV: a commented provenance header, then one row a day.

The header lines start with ``#`` (read them past with ``pandas.read_csv(comment="#")``);
dates are ISO, doses in mg as exact decimals, and there is no index column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import TYPE_CHECKING

from planner.provenance import provenance
from planner.table import daily_columns, daily_rows

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
    writer = csv.DictWriter(buffer, fieldnames=daily_columns(schedule), lineterminator="\n")
    writer.writeheader()
    for row in daily_rows(schedule):
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return ("\n".join(header) + "\n" + buffer.getvalue()).encode("utf-8")


def csv_cell(value: object) -> object:
    """ISO dates, and mg as exact decimals without trailing zeros (0.125, 1)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
