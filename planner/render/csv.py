"""The day-by-day table as CSV: a commented provenance header, then one row a day.

The header lines start with ``#`` (read them past with ``pandas.read_csv(comment="#")``);
dates are ISO, doses in mg as exact decimals, and there is no index column.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import operator
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from planner.core.memo import remembered_by_identity
from planner.core.plaintext import csv_comment, spreadsheet_cell
from planner.domain.provenance import provenance
from planner.domain.schedule import DoseStep
from planner.domain.symptoms import symptom_note
from planner.render.table import DATE, DAY, NOTE, daily_columns, step_values

if TYPE_CHECKING:
    from planner.domain.schedule import Dose, DoseStep, OtherDose, PhaseName, Schedule, Switch
    from planner.domain.symptoms import SymptomLog
    from planner.models import Product
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
    weight, switch = schedule.weight_kg, schedule.switch
    for step in schedule.steps:
        middle = _step_cells(
            step.doses, step.product, step.phase, step.total_mcg, step.other_doses, weight,
            switch, shared,
        )  # fmt: skip
        note = _note_cell(step.note) if step.note else ""
        dates, first = _iso_dates(step.start.toordinal(), step.days), step.first_day
        line = f"{head}{dates[0]},{first},{middle},{note}\n"
        if step.days > 1:
            # Every later day: HEAD DATE ,DAY ,MIDDLE,\n, joined in C, not formatted a day
            # at a time (a cohort's combined CSV has millions of days).
            tail = f",{middle},\n"
            days = map(operator.add, dates[1:], _day_texts(first + 1, step.days - 1))
            line += head + (tail + head).join(days) + tail
        yield line


@remembered_by_identity(1 << 14, objects=2)
def _step_cells(
    doses: tuple[Dose, ...],
    product: Product,
    phase: PhaseName,
    total_mcg: int,
    other_doses: tuple[OtherDose, ...],
    weight_kg: Decimal | None,
    switch: Switch | None,
    columns: tuple[str, ...],
) -> str:
    """The cells every day of a step shares (its doses, product, phase and totals: no
    date, day or note), encoded once: patients share their steps."""
    step = DoseStep(
        start=dt.date.min, first_day=1, days=1, total_mcg=total_mcg, doses=doses,
        phase=phase, product=product, other_doses=other_doses,
    )  # fmt: skip
    values = {key: csv_cell(value) for key, value in step_values(step, weight_kg, switch).items()}
    return encode_row([values.get(column, "") for column in columns])


@functools.lru_cache(maxsize=1 << 12)
def _note_cell(note: str) -> str:
    """A step's note as its CSV cell (the same few notes recur in every schedule)."""
    return encode_row([spreadsheet_cell(note)])


DATES_A_BLOCK = 512
_LAST_ORDINAL = dt.date.max.toordinal()


@functools.lru_cache(maxsize=64)
def _date_block(block: int) -> tuple[str, ...]:
    """The ISO dates of ordinals ``block * DATES_A_BLOCK`` on, worked out once: a clinic's
    schedules share their calendar (ordinal 0 is no date: its place holds '')."""
    first = block * DATES_A_BLOCK
    ordinals = range(first, min(first + DATES_A_BLOCK, _LAST_ORDINAL + 1))
    return tuple(dt.date.fromordinal(o).isoformat() if o else "" for o in ordinals)


def _iso_dates(ordinal: int, count: int) -> tuple[str, ...]:
    """The ISO dates of ``count`` days from the day of ``ordinal``."""
    block, at = divmod(ordinal, DATES_A_BLOCK)
    dates = _date_block(block)[at : at + count]
    while len(dates) < count:
        block += 1
        dates += _date_block(block)[: count - len(dates)]
    return dates


_DAY_TEXTS: list[str] = [""]  # ",1", ",2", ...: a day number as it follows a date


def _day_texts(first: int, count: int) -> list[str]:
    """',first', ',first + 1', ... for ``count`` days."""
    while len(_DAY_TEXTS) < first + count:
        _DAY_TEXTS.append(f",{len(_DAY_TEXTS)}")
    return _DAY_TEXTS[first : first + count]


def csv_cell(value: object) -> object:
    """ISO dates, and mg as exact decimals without trailing zeros (0.125, 1)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return spreadsheet_cell(value)
