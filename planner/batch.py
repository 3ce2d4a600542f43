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
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from planner.errors import InputError, OutputError, PlannerError
from planner.plans import PlanFile, run_plan
from planner.protocols import Library, load_library, validate_data
from planner.render.csv import csv_rows
from planner.table import DATE, DAY, NOTE, PHASE, TOTAL_MG

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
COLUMNS = (*REQUIRED, *PATIENT_FIELDS, "product", *TITRATION_FIELDS, *TAPER_FIELDS)
WHOLE_NUMBERS = frozenset({"age_years", "interval_days", "hold_days"})
SHARED_FILES = frozenset({"all-days.csv", "summary.csv"})
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
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

    def summary(self, raw: Mapping[str, str]) -> dict[str, object]:
        schedule = self.schedule
        return {
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


@dataclass
class BatchReport:
    """What a batch did, for the summary file and the exit code."""

    results: list[RowResult] = field(default_factory=list)

    @property
    def failed(self) -> list[RowResult]:
        return [result for result in self.results if result.schedule is None]


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a batch file, with its columns checked; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if not header:
        raise InputError(
            f"{path}: the file is empty; it needs a header row: {', '.join(REQUIRED)}, ..."
        )
    unknown = sorted(set(header) - set(COLUMNS))
    if unknown:
        raise InputError(f"{path}: unknown column {unknown[0]!r}; columns are {', '.join(COLUMNS)}")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputError(f"{path}: missing column {missing[0]!r}")
    rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    if not rows:
        raise InputError(f"{path}: no patients: the file has a header but no rows")
    ids = [row["id"] for row in rows]
    seen: set[str] = set()
    for number, patient in enumerate(ids, start=2):
        if patient in seen:
            raise InputError(f"{path}: row {number}: id {patient!r} is used twice")
        seen.add(patient)
    return rows


def plan_row(
    raw: Mapping[str, str], *, row: int, source: str, folder: Path, library: Library
) -> RowResult:
    """Plan one row; any error a user can cause becomes the row's reason."""
    patient = raw.get("id", "")
    try:
        if not SAFE_ID.match(patient):
            raise InputError("id: use letters, digits, '.', '_' or '-' (it names a folder)")
        if patient.lower() in SHARED_FILES:
            raise InputError(f"id: {patient!r} is the name of a file the batch writes")
        plan = validate_data(
            _plan_fields(raw), PlanFile, source=f"{source}:row {row}", error_type=InputError
        )
        return RowResult(row, patient, schedule=run_plan(plan, folder=folder, library=library))
    except PlannerError as error:
        message = str(error)
        if not message.startswith(f"{source}:row"):
            message = f"{source}:row {row}: {message}"
        return RowResult(row, patient, error=message)


def plan_rows(
    rows: Iterable[Mapping[str, str]], *, source: str, folder: Path, library: Library | None = None
) -> Iterator[RowResult]:
    """Each row planned in turn (row numbers count the header as row 1, as a spreadsheet)."""
    library = library or load_library()
    for row, raw in enumerate(rows, start=2):
        yield plan_row(raw, row=row, source=source, folder=folder, library=library)


def _plan_fields(raw: Mapping[str, str]) -> dict[str, Any]:
    """A row as the fields of a plan file; empty cells are absent."""
    kind = raw.get("schedule", "")
    if kind not in ("titration", "taper"):
        raise InputError(f"schedule: must be titration or taper, not {kind!r}")
    values = {name: value for name, value in raw.items() if value}
    request: dict[str, Any] = {"start": _date("start", values.get("start", ""))}
    if "product" in values:
        request["product"] = values["product"]
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
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{name}: {text!r} is not a date as YYYY-MM-DD") from None


def _whole(name: str, text: str) -> int:
    """A whole number; '31.0' (how a spreadsheet or pandas may write 31) is accepted."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise InputError(f"{name}: {text!r} is not a whole number") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise InputError(f"{name}: {text!r} is not a whole number")
    return int(value)


def combined_columns(schedules: Iterable[Schedule]) -> list[str]:
    """``id`` and the daily columns; dose times of every protocol, in order of first use."""
    times: dict[str, None] = {}
    for schedule in schedules:
        for time in schedule.protocol.dose_times:
            times.setdefault(time.name)
    return [
        "id",
        DATE,
        DAY,
        PHASE,
        TOTAL_MG,
        *(f"{name}_mg" for name in times),
        *(f"{name}_units" for name in times),
        NOTE,
    ]


def write_combined(results: Iterable[RowResult], columns: list[str], stream: TextIO) -> None:
    """The day-by-day rows of every planned patient, with an ``id`` column first."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for result in results:
        if result.schedule is not None:
            writer.writerows(csv_rows(result.schedule, columns, {"id": result.id}))


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
    records = [{str(k): v for k, v in record.items()} for record in text.to_dict("records")]
    unknown = sorted(set(records[0]) - set(COLUMNS)) if records else []
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

    ``track`` wraps the stream of results (the CLI shows a progress bar with it).
    """
    import dataclasses

    from planner.render import atomic_stream, write_atomic
    from planner.render.outputs import render_outputs, write_outputs
    from planner.safety import check_schedule

    rows = read_rows(plans_path)
    if "ics" in outputs:
        from planner.render.ics import resolve_timezone

        resolve_timezone(options.timezone)  # a bad zone is refused before anything is written
    if out.exists() and any(out.iterdir()) and not force:
        raise OutputError(f"{out} already holds files; give --force to write into it")
    if not out.parent.is_dir():
        raise OutputError(f"cannot write {out}: folder {out.parent} does not exist")
    report = BatchReport()
    planned = plan_rows(rows, source=plans_path.name, folder=plans_path.parent)
    report.results.extend(track(planned, len(rows)))
    out.mkdir(exist_ok=True)
    schedules = [r.schedule for r in report.results if r.schedule is not None]
    with atomic_stream(out / "all-days.csv") as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        write_combined(report.results, combined_columns(schedules), text)
        text.flush()
        text.detach()
    summary = io.StringIO()
    writer = csv.DictWriter(summary, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row, result in zip(rows, report.results, strict=True):
        writer.writerow(result.summary(row))
    write_atomic(out / "summary.csv", summary.getvalue().encode("utf-8"))
    for result in report.results:
        folder = out / result.id
        if folder.is_dir():  # --force: an earlier run's files must not outlive this one
            shutil.rmtree(folder)
        if result.schedule is None or not outputs:
            continue
        folder.mkdir()
        files = {name: folder / OUTPUT_FILES[name] for name in outputs}
        patient = dataclasses.replace(
            options,
            csv=files.get("csv"),
            pdf=files.get("pdf"),
            plot=files.get("plot"),
            ics=files.get("ics"),
        )
        write_outputs(render_outputs(result.schedule, check_schedule(result.schedule), patient))
    return report
