"""A clinic's worth of plans, streamed: rows in, rows out, in bounded memory.

A first pass checks the whole file (so a bad file writes nothing) and notes what the
output columns need; the second plans each row and writes it at once: its days to the
combined CSV, its line to the summary and its own files. Only a row's outcome is held,
never the cohort, so memory stays flat however many patients there are. With
``workers`` above 1 the rows are planned in parallel processes and written in order:
the same bytes as one process.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import signal
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from planner.batch.columns import COLUMNS
from planner.batch.outfolder import SHARED_FILES, OutputFolder, check_patient_id
from planner.batch.rows import (
    SUMMARY_COLUMNS,
    BatchRow,
    BatchScan,
    RowResult,
    plan_row,
    plan_rows,
    read_rows,
)
from planner.batch.sharing import SharedPlans
from planner.batch.workers import chunked, in_order
from planner.domain.protocols import Library, load_equivalences, load_library
from planner.errors import InputError, PlannerError
from planner.plans import protocol_for
from planner.render.csv import csv_lines, encode_row
from planner.render.formats import BATCH_FILES
from planner.render.table import DATE, DAY, MG_PER_KG, NOTE, PHASE, PRODUCT, TOTAL_MG

if TYPE_CHECKING:
    import pandas as pd

    from planner.models import Protocol
    from planner.render.outputs import OutputOptions

# Rows handed to a worker at a time: enough to keep it busy, few enough to stay small.
CHUNK_ROWS = 32


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a batch. A signal during the swap waits for it to end
    (``planner.batch.outfolder``), so OUT holds either the earlier cohort or, with
    ``swapped_in``, the new one whole: never a mix."""

    def __init__(self, signum: int = signal.SIGINT, *, swapped_in: bool = False) -> None:
        super().__init__(signum)
        self.signum, self.swapped_in = signum, swapped_in


@dataclass
class BatchReport:
    """What a batch did, for the exit code and the closing line."""

    total: int = 0
    planned: int = 0
    failed: int = 0  # each was handed to ``on_failure`` as it was found, not kept
    kept_earlier: bool = False  # no row planned: the earlier batch in OUT was left whole
    swapped_in: bool = False  # the new cohort is in OUT, whole


@dataclass(frozen=True)
class Outcome:
    """One row, planned and rendered: what the writer puts in the batch's files."""

    result: RowResult  # without its schedule: the rest is already rendered
    # The row's lines of the combined day-by-day CSV and its line of the summary, as the
    # bytes the writer puts in them (encoded where they are made, by the worker).
    days: bytes
    summary: bytes
    files: list[tuple[str, bytes]]  # the patient's own files, by name inside OUT


@dataclass(frozen=True)
class Job:
    """What every row of one batch is planned and rendered with."""

    source: str
    folder: Path
    columns: list[str]
    outputs: list[str]
    options: OutputOptions
    share_plans: bool = True  # plan once for rows that differ only in their start date


_job: Job | None = None  # the batch a process plans rows for (set before planning)
_shared = SharedPlans()  # this process's plans, shared by the rows of its batches


def _start(job: Job) -> None:
    global _job  # noqa: PLW0603 (one batch per worker process)
    _job = job


def _start_worker(job: Job) -> None:
    """A worker leaves Ctrl-C to the batch, which stops the workers itself, and dies
    quietly on SIGTERM (the batch's own handler, copied by fork, is not for workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _start(job)


def plan_one(row: BatchRow, job: Job | None = None) -> Outcome:
    """Plan and render one row (in this process or a worker). ``job`` passed in, not set
    per process, lets threads of one Dask worker plan rows of different batches."""
    from planner.render.outputs import render_kind

    job = job or _job
    assert job is not None, "call _start(job) first"
    shared = _shared if job.share_plans else None
    result = plan_row(
        row, source=job.source, folder=job.folder, library=load_library(), shared=shared
    )
    schedule, report, days, files = result.schedule, result.report, b"", []
    if schedule is not None and report is not None:
        days = "".join(csv_lines(schedule, job.columns, {"id": result.id})).encode()
        if job.outputs:
            # The row's language (checked with its plan), else the batch's.
            options = replace(job.options, lang=row.cells.get("lang") or job.options.lang)
            files = [
                (f"{result.id}/{BATCH_FILES[kind]}", render_kind(kind, schedule, report, options))
                for kind in job.outputs
            ]
    summary = (encode_row(result.summary(row.cells)) + "\n").encode()
    return Outcome(RowResult(result.row, result.id, error=result.error), days, summary, files)


def plan_outcomes(job: Job, rows: Iterator[BatchRow], workers: int) -> Iterator[Outcome]:
    """Each row's outcome, in the file's order, planned here or by ``workers`` processes."""
    if workers <= 1:
        _start(job)
        yield from map(plan_one, rows)
        return
    chunks = chunked(rows, CHUNK_ROWS)
    for outcomes in in_order(
        chunks, plan_one, workers, start=functools.partial(_start_worker, job)
    ):
        yield from outcomes


def combined_columns(
    protocols: Iterable[Protocol], *, switches: bool, drugs: Iterable[str] = ()
) -> list[str]:
    """``id`` and the daily columns: the dose times of every protocol, in day order;
    mg/kg/day if any protocol doses by weight; the product if any row switches product;
    each drug a row switches from (known to the equivalences file), beside clonazePAM, at
    every time of day the file knows (each patient takes it at their own)."""
    table = load_equivalences()
    known = table.from_drugs if drugs else []
    others = sorted(drug for drug in set(drugs) if drug in known)
    # The drug switched from at any time of day the equivalences file knows, in day order.
    old_times = sorted(table.times, key=lambda name: table.times[name].clock)
    clocks: dict[str, dt.time] = {}
    by_weight = False
    for protocol in protocols:
        by_weight = by_weight or protocol.by_weight
        for time in protocol.dose_times:
            clocks[time.name] = min(time.clock, clocks.get(time.name, time.clock))
    times = sorted(clocks, key=lambda name: (clocks[name], name))  # in the order of the day
    return [
        "id",
        DATE,
        DAY,
        PHASE,
        TOTAL_MG,
        *(f"{drug}_mg" for drug in others),
        *([MG_PER_KG] if by_weight else []),
        *(f"{name}_mg" for name in times),
        *(f"{name}_{drug}_mg" for drug in others for name in old_times),
        *([PRODUCT] if switches else []),
        *(f"{name}_units" for name in times),
        *(f"{name}_{drug}_units" for drug in others for name in old_times),
        NOTE,
    ]


def _protocols(scan: BatchScan, folder: Path, library: Library) -> list[Protocol]:
    """The protocols the rows name that can be read (a row naming another fails alone)."""
    found = []
    for reference in sorted(scan.protocols):
        try:
            found.append(protocol_for(reference, folder=folder, library=library))
        except (PlannerError, ValueError, OSError):  # e.g. a NUL byte: the row says why
            continue
    return found


Tracker = Callable[[Iterator[Outcome], int], Iterable[Outcome]]


class Cohort(typing.Protocol):
    """Rows from elsewhere than a batch CSV (``planner.batch.on_dask``: a Parquet cohort),
    checked and planned into the same writer, so into the same bytes."""

    def scan(self, *, keep_ids: bool) -> BatchScan:
        """The first pass: every check of ``BatchScan.of``, over these rows."""
        ...

    def outcomes(self, job: Job, workers: int) -> Iterator[Outcome]:
        """Each row's ``plan_one`` outcome, in the cohort's order."""
        ...


def run_batch(
    plans_path: Path,
    out: Path,
    *,
    outputs: list[str],
    options: OutputOptions,
    force: bool = False,
    workers: int = 1,
    track: Tracker = lambda outcomes, _: outcomes,
    cohort: Cohort | None = None,
    on_failure: Callable[[RowResult], None] = lambda _: None,
    share_plans: bool = True,
) -> BatchReport:
    """Plan every row and write the combined CSV, the summary and each patient's files.

    Everything is staged inside OUT and swapped in at the end (see ``planner.batch.outfolder``):
    a failed or killed batch leaves the earlier cohort and every user file as they were.
    ``track`` wraps the stream of outcomes (the CLI shows a progress bar with it);
    ``cohort`` reads and plans the rows of ``plans_path`` when it is not a batch CSV;
    ``on_failure`` is told of each row that fails as it is found (none is kept: a file
    of typos takes no more memory than a file of good rows); ``share_plans=False`` plans
    every row alone (``planner.batch.sharing``: the same bytes, only slower).
    """
    if cohort is None:
        scan = BatchScan.of(plans_path, keep_ids=bool(outputs))
    else:
        scan = cohort.scan(keep_ids=bool(outputs))
    if "ics" in outputs:
        from planner.render.ics import resolve_timezone

        resolve_timezone(options.timezone)  # a bad zone is refused before anything is written
    library = load_library()
    protocols = _protocols(scan, plans_path.parent, library)
    columns = combined_columns(protocols, switches=scan.switches, drugs=scan.drugs)
    job = Job(plans_path.name, plans_path.parent, columns, outputs, options, share_plans)
    workers = max(1, min(workers, scan.rows))  # no idle processes for a short batch
    report = BatchReport(total=scan.rows)
    try:
        with OutputFolder.open(out, force=force) as folder:
            _stage(folder, scan, job, workers, track, cohort, report, on_failure)
            if report.planned or not folder.earlier().has_files():
                try:
                    folder.commit()
                finally:
                    report.swapped_in = folder.committed
            else:
                report.kept_earlier = True  # a batch of typos must not wipe the earlier cohort
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM as the CLI raises it
        signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
        raise Interrupted(signum, swapped_in=report.swapped_in) from None
    return report


def _stage(
    folder: OutputFolder,
    scan: BatchScan,
    job: Job,
    workers: int,
    track: Tracker,
    cohort: Cohort | None,
    report: BatchReport,
    on_failure: Callable[[RowResult], None],
) -> None:
    """The second pass: plan every row and stage its files in OUT."""
    columns, outputs, plans_path = job.columns, job.outputs, job.folder / job.source
    folder.check_names(*_names_written(scan.ids, outputs))  # a user's file in the way: stop
    days_path, summary_path = folder.path("all-days.csv"), folder.path("summary.csv")
    days_digest, summary_digest = hashlib.sha256(), hashlib.sha256()  # as the bytes go out
    with days_path.open("wb") as days, summary_path.open("wb") as summary:  # UTF-8, as made
        for stream, digest, header in (
            (days, days_digest, columns),
            (summary, summary_digest, SUMMARY_COLUMNS),
        ):
            stream.write(line := (encode_row(header) + "\n").encode())
            digest.update(line)
        if cohort is None:
            outcomes = plan_outcomes(job, read_rows(plans_path), workers)
        else:
            outcomes = cohort.outcomes(job, workers)
        for outcome in track(outcomes, scan.rows):
            days.write(outcome.days)
            days_digest.update(outcome.days)
            summary.write(outcome.summary)
            summary_digest.update(outcome.summary)
            for name, data in outcome.files:
                folder.path(name).write_bytes(data)
                folder.written(name, hashlib.sha256(data).hexdigest())
            if outcome.result.error:
                report.failed += 1
                on_failure(outcome.result)
            else:
                report.planned += 1
    folder.written("all-days.csv", days_digest.hexdigest())
    folder.written("summary.csv", summary_digest.hexdigest())


def _names_written(ids: list[str], outputs: list[str]) -> tuple[list[str], list[str]]:
    """The folders and files a batch may write: every id that could name a folder."""
    folders, files = [], sorted(SHARED_FILES)
    for patient in ids:
        try:
            check_patient_id(patient)
        except InputError:
            continue
        if outputs:
            folders.append(patient)
            files += [f"{patient}/{BATCH_FILES[name]}" for name in outputs]
    return folders, files


def plan_cohort(
    plans: pd.DataFrame, *, folder: Path | None = None, library: Library | None = None
) -> pd.DataFrame:
    """Plan every row of a DataFrame of plan rows; the combined day-by-day DataFrame.

    Columns as in a batch file (id, protocol, schedule, start, ...). Rows that fail are
    left out and listed in ``result.attrs["failures"]`` as (row, id, error).
    """
    import pandas as pd

    from planner.render.table import daily_frame

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
