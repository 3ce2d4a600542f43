"""A clinic's worth of plans: one CSV row per patient, the same fields as a plan file.

Each row is read as a plan (``schedule`` is ``titration`` or ``taper``) and planned
exactly as ``planner plan`` would, so a row's outputs are the same bytes as running it
alone. A bad row does not stop the batch: it is reported with its row number, field and
reason. The combined day-by-day CSV is written as it goes, so memory stays flat however
many patients there are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from planner.errors import InputError, PlannerError
from planner.files import read_input
from planner.limits import MAX_BATCH_FILE_BYTES, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROW_CHARS
from planner.outfolder import SHARED_FILES, OutputFolder, check_patient_id
from planner.plaintext import control_character
from planner.plans import PlanFile, run_plan
from planner.protocols import Library, load_library, validate_data
from planner.render.csv import csv_lines, encode_row, spreadsheet_cell
from planner.table import DATE, DAY, MG_PER_KG, NOTE, PHASE, PRODUCT, TOTAL_MG
from planner.units import date_from_text, whole_from_text

if TYPE_CHECKING:
    import pandas as pd

    from planner.render.outputs import OutputOptions
    from planner.schedule import Schedule

REQUIRED = ("id", "protocol", "schedule", "start")
TITRATION_FIELDS = ("target_mg_per_day", "step_mg_per_day", "interval_days", "hold_days")
TAPER_FIELDS = (
    "from_mg_per_day",
    "pace",
    "switch_product",
    "switch_at_mg_per_day",
    "ec50_mg_per_day",
    "pauses",
    "step_backs",
)
PATIENT_FIELDS = ("weight_kg", "age_years")
SHARED_FIELDS = ("product", "off_label_reason")
COLUMNS = (*REQUIRED, *PATIENT_FIELDS, *SHARED_FIELDS, *TITRATION_FIELDS, *TAPER_FIELDS)
WHOLE_NUMBERS = frozenset({"age_years", "interval_days", "hold_days"})
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


@dataclass
class BatchReport:
    """What a batch did, for the summary file and the exit code."""

    results: list[RowResult] = field(default_factory=list)
    kept_earlier: bool = False  # no row planned: the earlier batch in OUT was left whole

    @property
    def failed(self) -> list[RowResult]:
        return [result for result in self.results if result.schedule is None]


@dataclass(frozen=True)
class BatchRow:
    """One patient's cells, by column, and the line it stands on (the header is line 1).

    ``problem`` says why the row cannot be read as a plan; the row then fails alone.
    """

    line: int
    cells: dict[str, str]
    problem: str = ""


def read_rows(path: Path) -> list[BatchRow]:
    """The rows of a batch file, with its columns checked; errors name the file.

    Blank rows (a spreadsheet's trailing ``,,,``) are skipped; a cell with a line break
    (an unterminated quote swallowing the next row) or too many cells fails its row.
    """
    data = read_input(path, limit=MAX_BATCH_FILE_BYTES, error_type=InputError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    too_long = re.search(f"[^\n]{{{MAX_ROW_CHARS + 1}}}", text)
    if too_long:
        line = text.count("\n", 0, too_long.start()) + 1
        raise InputError(f"{path}: row {line}: longer than {MAX_ROW_CHARS:,} characters")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        while header and not header[-1]:  # a spreadsheet's trailing empty columns
            header.pop()
        if not any(header):
            raise InputError(
                f"{path}: the file is empty; it needs a header row: {', '.join(REQUIRED)}, ..."
            )
        _check_header(path, header)
        rows = []
        line = reader.line_num + 1  # where the next row starts (a quoted cell may span lines)
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_batch_row(header, cells, line))
            line = reader.line_num + 1
    except csv.Error as error:
        reason = str(error)
        if "field larger than field limit" in reason:
            reason = f"a cell is far longer than {MAX_CELL_CHARS} characters"
        raise InputError(f"{path}: row {reader.line_num}: {reason}") from None
    if not rows:
        raise InputError(f"{path}: no patients: the file has a header but no rows")
    seen: dict[str, str] = {}
    for row in rows:
        patient = row.cells.get("id", "")
        if patient and patient.casefold() in seen:
            raise InputError(
                f"{path}: row {row.line}: id {_shown(patient)} is used twice "
                f"(as {_shown(seen[patient.casefold()])}; ids name folders, whatever their case)"
            )
        seen[patient.casefold()] = patient
    return rows


def _check_header(path: Path, header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise InputError(f"{path}: {len(header):,} columns; a batch file has at most {MAX_COLUMNS}")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise InputError(
            f"{path}: unknown column {_shown(unknown[0])}; columns are {', '.join(COLUMNS)}"
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(f"{path}: column {name!r} is given twice")
        seen.add(name)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputError(f"{path}: missing column {missing[0]!r}")


def _batch_row(header: list[str], cells: list[str], line: int) -> BatchRow:
    extra = [cell for cell in cells[len(header) :] if cell.strip()]
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
    problem = ""
    if extra:
        problem = f"{len(cells)} cells, but the header has {len(header)} columns"
    for name, value in values.items():
        if len(value) > MAX_CELL_CHARS:
            problem = problem or f"{name}: longer than {MAX_CELL_CHARS} characters"
        elif control_character(value) is not None:
            problem = problem or (
                f"{name}: a line break or control character inside a cell (an unterminated quote?)"
            )
    return BatchRow(line, values, problem)


def _shown(text: str) -> str:
    """A user's text quoted in a message, cut short if long."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


def plan_row(row: BatchRow, *, source: str, folder: Path, library: Library) -> RowResult:
    """Plan one row; any error a user can cause becomes the row's reason."""
    patient = row.cells.get("id", "")
    try:
        if row.problem:
            raise InputError(row.problem)
        check_patient_id(patient)
        plan = validate_data(
            _plan_fields(row.cells),
            PlanFile,
            source=f"{source}:row {row.line}",
            error_type=InputError,
        )
        schedule = run_plan(plan, folder=folder, library=library)
        return RowResult(row.line, patient, schedule=schedule)
    except PlannerError as error:
        message = str(error)
        prefix = f"{source}:row {row.line}"
        if message.startswith(f"{prefix}::"):  # a plan field, named as the batch column
            location, _, reason = message.removeprefix(f"{prefix}::").partition(": ")
            message = f"{prefix}: {_column(location)}: {reason}"
        elif not message.startswith(prefix):
            message = f"{prefix}: {_column_in(message)}"
        return RowResult(row.line, patient, error=message)


def _column(location: str) -> str:
    """A plan file's field path as the batch column a user typed it in."""
    field = location.split(".", 1)[1] if location.startswith(("titration.", "taper.")) else location
    if field.startswith("patient."):
        return field.removeprefix("patient.")
    if field.startswith("switch_product."):
        return "switch_at_mg_per_day" if "at_or_below" in field else "switch_product"
    if field.startswith("edits"):
        return "pauses/step_backs"
    return field


def _column_in(message: str) -> str:
    """A message that starts with a field path ('patient.weight_kg: ...'), by column."""
    location, colon, reason = message.partition(": ")
    if colon and re.fullmatch(r"[a-z_]+(?:\.[a-z_]+|\[\d+\])*", location):
        return f"{_column(location)}: {reason}"
    return message


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
    if kind not in ("titration", "taper"):
        raise InputError(f"schedule: must be titration or taper, not {kind!r}")
    values = {name: value for name, value in raw.items() if value}
    request: dict[str, Any] = {"start": _date("start", values.get("start", ""))}
    request |= {name: values[name] for name in SHARED_FIELDS if name in values}
    patient = {
        name: _whole(name, values[name]) if name in WHOLE_NUMBERS else values[name]
        for name in PATIENT_FIELDS
        if name in values
    }
    if patient:
        request["patient"] = patient
    own = TITRATION_FIELDS if kind == "titration" else TAPER_FIELDS
    other = [
        name
        for name in (TAPER_FIELDS if kind == "titration" else TITRATION_FIELDS)
        if name in values
    ]
    if other:
        raise InputError(f"{other[0]}: is not a field of a {kind}")
    for name in own:
        if name in values:
            request[name] = _whole(name, values[name]) if name in WHOLE_NUMBERS else values[name]
    if kind == "taper":
        _taper_fields(request)
    return {"kind": "plan", "protocol": values["protocol"], kind: request}


def _taper_fields(request: dict[str, Any]) -> None:
    """Turn the taper's flat cells into the plan file's structures, in place."""
    switch, at = request.pop("switch_product", None), request.pop("switch_at_mg_per_day", None)
    if (switch is None) != (at is None):
        raise InputError("switch_product: give switch_product and switch_at_mg_per_day together")
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


def _items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(";") if item.strip()]


def _date(name: str, text: str) -> dt.date:
    try:
        return date_from_text(text)
    except InputError as error:
        raise InputError(f"{name}: {error}") from None


def _whole(name: str, text: str) -> int:
    try:
        return whole_from_text(text)
    except InputError as error:
        raise InputError(f"{name}: {error}") from None


def combined_columns(schedules: Iterable[Schedule]) -> list[str]:
    """``id`` and the daily columns; the dose times of every protocol, in day order."""
    clocks: dict[str, dt.time] = {}
    by_weight = switched = False
    for schedule in schedules:
        by_weight = by_weight or schedule.weight_kg is not None
        switched = switched or len(schedule.products) > 1
        for time in schedule.protocol.dose_times:
            clocks[time.name] = min(time.clock, clocks.get(time.name, time.clock))
    times = sorted(clocks, key=lambda name: (clocks[name], name))  # in the order of the day
    return [
        "id",
        DATE,
        DAY,
        PHASE,
        TOTAL_MG,
        *([MG_PER_KG] if by_weight else []),
        *(f"{name}_mg" for name in times),
        *([PRODUCT] if switched else []),
        *(f"{name}_units" for name in times),
        NOTE,
    ]


def write_combined(results: Iterable[RowResult], columns: list[str], stream: TextIO) -> None:
    """The day-by-day rows of every planned patient, with an ``id`` column first."""
    stream.write(encode_row(columns) + "\n")
    for result in results:
        if result.schedule is not None:
            stream.writelines(csv_lines(result.schedule, columns, {"id": result.id}))


def plan_cohort(
    plans: pd.DataFrame, *, folder: Path | None = None, library: Library | None = None
) -> pd.DataFrame:
    """Plan every row of a DataFrame of plan rows; the combined day-by-day DataFrame.

    Columns as in a batch file (id, protocol, schedule, start, ...). Rows that fail are
    left out and listed in ``result.attrs["failures"]`` as (row, id, error).
    """
    import pandas as pd

    from planner.table import daily_frame

    text = plans.astype(object).where(plans.notna(), "").astype(str)
    records = [
        BatchRow(line, {str(k): v.strip() for k, v in record.items()})
        for line, record in enumerate(text.to_dict("records"), start=2)
    ]
    unknown = sorted(set(records[0].cells) - set(COLUMNS)) if records else []
    if unknown:
        raise InputError(f"unknown column {unknown[0]!r}; columns are {', '.join(COLUMNS)}")
    results = list(plan_rows(records, source="plans", folder=folder or Path.cwd(), library=library))
    planned = [r for r in results if r.schedule is not None]
    frames = []
    for result in planned:
        assert result.schedule is not None
        frame = daily_frame(result.schedule)
        frame.insert(0, "id", result.id)
        frames.append(frame)
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["id"])
    combined.attrs["failures"] = [(r.row, r.id, r.error) for r in results if r.schedule is None]
    return combined


Tracker = Callable[[Iterator[RowResult], int], Iterable[RowResult]]
OUTPUT_FILES = {
    "csv": "schedule.csv",
    "pdf": "calendar.pdf",
    "plot": "plot.png",
    "ics": "doses.ics",
}


def run_batch(
    plans_path: Path,
    out: Path,
    *,
    outputs: list[str],
    options: OutputOptions,
    force: bool = False,
    track: Tracker = lambda results, _: results,
) -> BatchReport:
    """Plan every row, then write the combined CSV, the summary and each patient's files.

    Everything is staged inside OUT and swapped in at the end (see ``planner.outfolder``):
    a failed or killed batch leaves the earlier cohort and every user file as they were.
    ``track`` wraps the stream of results (the CLI shows a progress bar with it).
    """
    import dataclasses

    from planner.render.outputs import render_outputs, write_outputs
    from planner.safety import check_schedule

    rows = read_rows(plans_path)
    if "ics" in outputs:
        from planner.render.ics import resolve_timezone

        resolve_timezone(options.timezone)  # a bad zone is refused before anything is written
    report = BatchReport()
    with OutputFolder.open(out, force=force) as folder:
        folder.check_names(*_names_written(rows, outputs))  # a user's file in the way: stop now
        planned = plan_rows(rows, source=plans_path.name, folder=plans_path.parent)
        report.results.extend(track(planned, len(rows)))
        schedules = [r.schedule for r in report.results if r.schedule is not None]
        with folder.path("all-days.csv").open("w", encoding="utf-8", newline="") as stream:
            write_combined(report.results, combined_columns(schedules), stream)
        with folder.path("summary.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(SUMMARY_COLUMNS)
            for row, result in zip(rows, report.results, strict=True):
                writer.writerow(result.summary(row.cells))
        for result in report.results:
            if result.schedule is None or not outputs:
                continue
            files = {name: folder.path(f"{result.id}/{OUTPUT_FILES[name]}") for name in outputs}
            patient = dataclasses.replace(
                options,
                csv=files.get("csv"),
                pdf=files.get("pdf"),
                plot=files.get("plot"),
                ics=files.get("ics"),
            )
            write_outputs(render_outputs(result.schedule, check_schedule(result.schedule), patient))
        if any(result.schedule for result in report.results) or not folder.earlier().files:
            folder.commit()
        else:
            report.kept_earlier = True  # a batch of typos must not wipe the earlier cohort
    return report


def _names_written(rows: list[BatchRow], outputs: list[str]) -> tuple[list[str], list[str]]:
    """The folders and files a batch may write: every id that could name a folder."""
    folders, files = [], sorted(SHARED_FILES)
    for row in rows:
        patient = row.cells.get("id", "")
        try:
            check_patient_id(patient)
        except InputError:
            continue
        if outputs:
            folders.append(patient)
            files += [f"{patient}/{OUTPUT_FILES[name]}" for name in outputs]
    return folders, files
