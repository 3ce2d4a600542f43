"""Reading a batch file and planning one row: the same fields as a plan file.

Each row is read as a plan (``schedule`` is ``titration`` or ``taper``) and planned
exactly as ``planner plan`` would. The file is read as a stream, a row at a time, with
every limit checked as it goes; a bad row fails alone, with its row number, column and
reason.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from planner.batch.columns import (
    COLUMNS,
    FIELDS_OF,
    FLAGS,
    KIND_FIELDS,
    NUMBER_LISTS,
    PATIENT_FIELDS,
    PLAN_FIELDS,
    REQUIRED,
    SHARED_FIELDS,
    WHOLE_NUMBERS,
)
from planner.batch.outfolder import check_patient_id
from planner.batch.sharing import SharedPlans
from planner.core.files import check_input
from planner.core.limits import MAX_BATCH_FILE_BYTES, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROW_CHARS
from planner.core.plaintext import control_character, quoted, spreadsheet_cell
from planner.core.units import date_from_text, whole_from_text
from planner.domain.option_text import old_dose_from_text
from planner.domain.protocols import Library, load_library, validate_data
from planner.errors import InputError, PlannerError
from planner.plans import PlanFile, protocol_for, run_plan

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule
    from planner.safety import SafetyReport

SUMMARY_COLUMNS = (
    "row",
    "id",
    "status",
    "protocol",
    "schedule",
    "days",
    "last_day",
    "warnings",
    "error",
)


@dataclass(frozen=True)
class RowResult:
    """One patient's outcome: a schedule, or the reason there is none."""

    row: int
    id: str
    schedule: Schedule | None = None
    report: SafetyReport | None = None  # the checks the schedule passed
    error: str = ""

    def summary(self, raw: Mapping[str, str]) -> list[object]:
        """The summary line; text cells cannot open as spreadsheet formulas."""
        schedule = self.schedule
        cells = {
            "row": self.row,
            "id": self.id,
            "status": "ok" if schedule else "error",
            "protocol": raw.get("protocol", ""),
            "schedule": raw.get("schedule", ""),
            "days": schedule.days if schedule else "",
            "last_day": schedule.end.isoformat() if schedule else "",
            "warnings": " | ".join(schedule.warnings) if schedule else "",
            "error": self.error,
        }
        return [spreadsheet_cell(cells[name]) for name in SUMMARY_COLUMNS]


@dataclass(frozen=True)
class BatchRow:
    """One patient's cells, by column, and the line it stands on (the header is line 1).

    ``problem`` says why the row cannot be read as a plan, and ``problem_column`` which
    cell it is in (if one is); the row then fails alone.
    """

    line: int
    cells: dict[str, str]
    problem: str = ""
    problem_column: str | None = None


def read_rows(path: Path) -> Iterator[BatchRow]:
    """The rows of a batch file, one at a time, with its columns checked; errors name the
    file. Nothing but the current row is held in memory.

    Blank rows (a spreadsheet's trailing ``,,,``) are skipped; a cell with a line break
    (an unterminated quote swallowing the next row) or too many cells fails its row.
    """
    check_input(path, limit=MAX_BATCH_FILE_BYTES, error_type=InputError)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(_bounded_lines(path, stream), strict=True)
        try:
            header = [name.strip() for name in next(reader, [])]
            while header and not header[-1]:  # a spreadsheet's trailing empty columns
                header.pop()
            if not any(header):
                raise InputError(
                    f"{path}: the file is empty; it needs a header row: {', '.join(REQUIRED)}, ..."
                )
            check_header(path, header)
            line = reader.line_num + 1  # where the next row starts (a quoted cell may span)
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield batch_row(header, cells, line)
                line = reader.line_num + 1
        except csv.Error as error:
            reason = str(error)
            if "field larger than field limit" in reason:
                reason = f"a cell is far longer than {MAX_CELL_CHARS} characters"
            raise InputError(f"{path}: row {reader.line_num}: {reason}") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None


def _bounded_lines(path: Path, stream: TextIO) -> Iterator[str]:
    """The file's lines, each read no longer than the row limit allows."""
    number = 0
    while line := stream.readline(MAX_ROW_CHARS + 2):
        number += 1
        if len(line.rstrip("\r\n")) > MAX_ROW_CHARS:
            raise InputError(f"{path}: row {number}: longer than {MAX_ROW_CHARS:,} characters")
        yield line


@dataclass
class BatchScan:
    """A first pass over a batch file: it is sound (or an InputError said why), and what
    the second pass needs to know before it writes anything. It keeps a number per row
    to find an id used twice, and the ids themselves only when they will name folders."""

    rows: int = 0
    ids: list[str] = field(default_factory=list)
    protocols: set[str] = field(default_factory=set)
    switches: bool = False
    drugs: set[str] = field(default_factory=set)  # switched from (their own columns)

    @classmethod
    def of(
        cls, path: Path, *, keep_ids: bool = False, rows: Iterable[BatchRow] | None = None
    ) -> BatchScan:
        """``rows``: the file's rows read another way (a Parquet cohort), else its CSV rows."""
        scan, first_seen = cls(), dict[int, int]()
        for row in read_rows(path) if rows is None else rows:
            scan.rows += 1
            patient = row.cells.get("id", "")
            if patient:
                key = hash(patient.casefold())
                if key in first_seen:
                    raise InputError(
                        f"{path}: row {row.line}: id {quoted(patient)} is used twice (first on "
                        f"row {first_seen[key]}; ids name folders, whatever their case)"
                    )
                first_seen[key] = row.line
            if keep_ids:
                scan.ids.append(patient)
            scan.protocols.add(row.cells.get("protocol", ""))
            scan.switches = scan.switches or bool(row.cells.get("switch_product"))
            if row.cells.get("schedule") == "switch":
                scan.drugs.add(row.cells.get("from_drug", ""))
        if not scan.rows:
            raise InputError(f"{path}: no patients: the file has a header but no rows")
        return scan


def check_header(path: Path, header: list[str]) -> None:
    """The file's columns: known, none twice, the required ones there (any batch format)."""
    if len(header) > MAX_COLUMNS:
        raise InputError(f"{path}: {len(header):,} columns; a batch file has at most {MAX_COLUMNS}")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise InputError(
            f"{path}: unknown column {quoted(unknown[0])}; columns are {', '.join(COLUMNS)}"
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(f"{path}: column {name!r} is given twice")
        seen.add(name)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputError(f"{path}: missing column {missing[0]!r}")


def batch_row(header: list[str], cells: list[str], line: int) -> BatchRow:
    """One row's cells as text, by column, with their limits checked (a bad cell fails the
    row alone); also how ``planner.batch.on_dask`` makes a Parquet record a row."""
    extra = [cell for cell in cells[len(header) :] if cell.strip()]
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
    if extra:
        return BatchRow(
            line, values, f"{len(cells)} cells, but the header has {len(header)} columns"
        )
    for name, value in values.items():
        if len(value) > MAX_CELL_CHARS:
            return BatchRow(line, values, f"longer than {MAX_CELL_CHARS} characters", name)
        if control_character(value) is not None:
            problem = "a line break or control character inside a cell (an unterminated quote?)"
            return BatchRow(line, values, problem, name)
    return BatchRow(line, values)


def plan_row(
    row: BatchRow,
    *,
    source: str,
    folder: Path,
    library: Library,
    shared: SharedPlans | None = None,
) -> RowResult:
    """Plan one row; any error a user can cause becomes the row's reason. With ``shared``,
    a plan built for an earlier row that differs only in its start date is moved to this
    row's start, then reviewed and checked for this row."""
    patient = row.cells.get("id", "")
    try:
        if row.problem:
            raise InputError(row.problem, field=row.problem_column)
        check_patient_id(patient)
        plan = validate_data(
            _plan_fields(row.cells),
            PlanFile,
            source=f"{source}:row {row.line}",
            error_type=InputError,
        )
        if shared is None or plan.revisions:  # a revised plan is re-made version by version
            schedule, report = run_plan(plan, folder=folder, library=library)
        else:
            protocol = protocol_for(plan.protocol, folder=folder, library=library)
            schedule, report = shared.plan(protocol, plan.version(0), library=library)
        return RowResult(row.line, patient, schedule=schedule, report=report)
    except PlannerError as error:
        message = str(error)
        prefix = f"{source}:row {row.line}"
        if error.field is not None and error.source in (None, prefix):  # named as the column
            message = f"{prefix}: {_column(error.field)}: {error.reason}"
        elif not message.startswith(prefix):
            message = f"{prefix}: {message}"
        return RowResult(row.line, patient, error=message)


def _column(location: str) -> str:
    """A plan file's field path as the batch column a user typed it in."""
    kinds = tuple(f"{kind}." for kind in FIELDS_OF)
    field = location.split(".", 1)[1] if location.startswith(kinds) else location
    if field.startswith("patient."):
        return field.removeprefix("patient.")
    if field.startswith("switch_product."):
        return "switch_at_mg_per_day" if "at_or_below" in field else "switch_product"
    if field.startswith("edits"):
        return "pauses/step_backs"
    return field


def plan_rows(
    rows: Iterable[BatchRow], *, source: str, folder: Path, library: Library | None = None
) -> Iterator[RowResult]:
    """Each row planned in turn (row numbers count the header as row 1, as a spreadsheet)."""
    library = library or load_library()
    for row in rows:
        yield plan_row(row, source=source, folder=folder, library=library)


def _plan_fields(raw: Mapping[str, str]) -> dict[str, Any]:
    """A row as the fields of a plan file; empty cells are absent."""
    kind = raw.get("schedule", "")
    if kind not in FIELDS_OF:
        raise InputError(f"must be {', '.join(FIELDS_OF)}, not {kind!r}", field="schedule")
    values = {name: value for name, value in raw.items() if value}
    request: dict[str, Any] = {"start": _date("start", values.get("start", ""))}
    request |= {name: _cell(name, values[name]) for name in SHARED_FIELDS if name in values}
    patient = {
        name: _whole(name, values[name]) if name in WHOLE_NUMBERS else values[name]
        for name in PATIENT_FIELDS
        if name in values
    }
    if patient:
        request["patient"] = patient
    own = FIELDS_OF[kind]
    other = [name for name in KIND_FIELDS if name in values and name not in own]
    if other:
        raise InputError(f"is not a field of a {kind}", field=other[0])
    for name in own:
        if name in values:
            request[name] = _cell(name, values[name])
    if kind == "taper":
        _taper_fields(request)
    if kind == "switch" and "from_doses" in request:  # 'morning=0.5;bedtime=1'
        request["from_doses"] = [_old_dose(item) for item in _items(request["from_doses"])]
    if "protocol" not in values:
        raise InputError("missing: give a bundled protocol id or a .toml path", field="protocol")
    plan = {name: values[name] for name in PLAN_FIELDS if name in values}
    return {"kind": "plan", "protocol": values["protocol"], kind: request, **plan}


def _taper_fields(request: dict[str, Any]) -> None:
    """Turn the taper's flat cells into the plan file's structures, in place."""
    switch, at = request.pop("switch_product", None), request.pop("switch_at_mg_per_day", None)
    if (switch is None) != (at is None):
        raise InputError(
            "give switch_product and switch_at_mg_per_day together", field="switch_product"
        )
    if switch is not None:
        request["switch_product"] = {"product": switch, "at_or_below_mg_per_day": at}
    edits: list[dict[str, Any]] = []
    for item in _items(request.pop("pauses", "")):
        date, _, days = item.partition(":")
        edits.append(
            {"kind": "pause", "date": _date("pauses", date), "days": _whole("pauses", days)}
        )
    for item in _items(request.pop("step_backs", "")):
        edits.append({"kind": "step_back", "date": _date("step_backs", item)})
    if edits:
        request["edits"] = edits


def _cell(name: str, text: str) -> object:
    """A cell as its field's value: whole numbers and flags typed, the rest as text."""
    if name in WHOLE_NUMBERS:
        return _whole(name, text)
    if name in NUMBER_LISTS:  # '0.5;1'
        return _items(text)
    if name in FLAGS:
        if text.lower() not in ("true", "false"):
            raise InputError(f"{quoted(text)} is not true or false", field=name)
        return text.lower() == "true"
    return text


def _old_dose(item: str) -> dict[str, object]:
    try:
        time, mg = old_dose_from_text(item)
    except InputError as error:
        raise InputError(f"{error}", field="from_doses") from None
    return {"time": time, "mg": mg}


def _items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(";") if item.strip()]


def _date(name: str, text: str) -> dt.date:
    try:
        return date_from_text(text)
    except InputError as error:
        raise InputError(f"{error}", field=name) from None


def _whole(name: str, text: str) -> int:
    try:
        return whole_from_text(text)
    except InputError as error:
        raise InputError(f"{error}", field=name) from None
