"""The day-by-day table as CSV: a commented provenance header, then one row a day.

The header lines start with ``#`` (read them past with ``pandas.read_csv(comment="#")``);
dates are ISO, doses in mg as exact decimals, and there is no index column.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from planner.core.plaintext import csv_comment, spreadsheet_cell
from planner.domain.provenance import provenance
from planner.domain.schedule import DoseStep
from planner.domain.symptoms import symptom_note
from planner.render.table import DATE, DAY, NOTE, daily_columns, step_values

if TYPE_CHECKING:
    from planner.domain.schedule import DoseStep, Schedule, Switch
    from planner.domain.symptoms import SymptomLog
    from planner.safety import SafetyReport


def render_csv(
    schedule: Schedule, report: SafetyReport, *, symptoms: SymptomLog | None = None
) -> bytes:
    """UTF-8 CSV of ``daily_frame`` under a ``#`` header with provenance and warnings,
    each header line a label and one quoted cell (``csv_comment``); with ``symptoms``,
    the note on a score that rose over the last two visits among the notes."""
    header = [f"# {schedule.protocol.drug.tall_man} {schedule.kind} schedule (day by day)"]
    header += [csv_comment(label, value) for label, value in provenance(schedule)]
    header.append(csv_comment("Safety checks", report.summary))
    header += [csv_comment("Exceeded by choice", result.line) for result in report.exceeded]
    header += [csv_comment("Warning", text) for text in schedule.warnings]
    header += [csv_comment("Note", text) for text in schedule.notes]
    note = symptom_note(symptoms, schedule) if symptoms is not None else ""
    header += [csv_comment("Note", note)] if note else []
    columns = daily_columns(schedule)
    body = "".join(csv_lines(schedule, columns))
    return ("\n".join(header) + "\n" + encode_row(columns) + "\n" + body).encode("utf-8")


def encode_row(cells: Sequence[object]) -> str:
    """Cells as one CSV line (without its line ending), quoted as the csv module quotes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()[:-1]


def csv_lines(
    schedule: Schedule, columns: list[str], fixed: dict[str, str] | None = None
) -> Iterator[str]:
    """Each day as a CSV line in ``columns`` order, with ``fixed`` cells (a patient id),
    a step's lines at a time.

    A step's shared cells are encoded once; a day adds only its date, number and (on a
    step's first day) the note. ``columns`` has ``date`` and ``day`` side by side and
    ``note`` last, as every day-by-day table here does.
    """
    date_at, day_at, note_at = columns.index(DATE), columns.index(DAY), columns.index(NOTE)
    assert day_at == date_at + 1 and note_at == len(columns) - 1
    fixed_cells = {key: spreadsheet_cell(value) for key, value in (fixed or {}).items()}
    head = encode_row([fixed_cells.get(column, "") for column in columns[:date_at]]) + ","
    head = head if date_at else ""
    shared = tuple(columns[day_at + 1 : note_at])
    for step in schedule.steps:
        unplaced = replace(step, start=dt.date.min, first_day=1, days=1, note="", edit="")
        middle = _step_cells(unplaced, schedule.weight_kg, schedule.switch, shared)
        note = encode_row([spreadsheet_cell(step.note)]) if step.note else ""
        ordinal, first = step.start.toordinal(), step.first_day
        later = "".join(
            f"{head}{_iso_date(ordinal + offset)},{first + offset},{middle},\n"
            for offset in range(1, step.days)
        )
        yield f"{head}{_iso_date(ordinal)},{first},{middle},{note}\n{later}"


@functools.lru_cache(maxsize=1 << 14)
def _step_cells(
    step: DoseStep, weight_kg: Decimal | None, switch: Switch | None, columns: tuple[str, ...]
) -> str:
    """The cells every day of a step shares, encoded once for a step taken out of time
    (no date, day or note): patients share their steps."""
    values = {key: csv_cell(value) for key, value in step_values(step, weight_kg, switch).items()}
    return encode_row([values.get(column, "") for column in columns])


@functools.cache
def _iso_date(ordinal: int) -> str:
    """A day's ISO date, worked out once: a clinic's schedules share their calendar."""
    return dt.date.fromordinal(ordinal).isoformat()


def csv_cell(value: object) -> object:
    """ISO dates, and mg as exact decimals without trailing zeros (0.125, 1)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return spreadsheet_cell(value)
