"""A Parquet cohort as a batch: planned in this process, or beyond one machine on Dask.

The rows are read with dask.dataframe, a partition at a time, and made into the same
``BatchRow`` cells a batch CSV gives, numbered as a spreadsheet counts rows (the header is
row 1) across partitions. The same first pass checks them (``BatchScan``), the same
``plan_one`` plans them, and their outcomes come back in the cohort's order to the same
writer (``run_batch``): OUT holds the bytes a CSV of the same rows gives. A bounded number
of partitions is in flight, so memory stays bounded on the client as on the workers.

Column types: text, whole numbers and decimals are read exactly; a date may be a date or
timestamp column (a timestamp at midnight, in its own zone, is that date; another time
fails its row) or ISO text. **Binary floating-point columns are refused**, in one line
and before any row is read, rather than turned into text: the planner takes no float
anywhere (``planner.models.base``), and a float has already lost the decimal that was
typed, so even its shortest text is a guess (``0.1 + 0.2`` prints as
``0.30000000000000004``); a wrong guess in a weight would plan without a word. Storing a
column as text or decimal costs one line of pandas; a silently wrong dose costs more.

On a cluster, every worker needs this planner (the same version: it is printed in the
outputs), the Parquet path and any protocol file a row names, at the same paths.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import itertools
import logging
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.batch import Job, Outcome, plan_one, plan_outcomes
from planner.batch_rows import BatchRow, BatchScan, batch_row, check_header
from planner.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from dask.dataframe import DataFrame
    from dask.delayed import Delayed
    from distributed import Client

INSTALL = "pip install 'dose-planner[dask]'"
SUFFIXES = (".parquet", ".pq")
LOCAL = "local"
IN_FLIGHT_PER_THREAD = 2  # partitions queued for each worker thread: busy, yet bounded
CONNECT_TIMEOUT = "10s"
# All the first pass keeps of a row.
SCAN_COLUMNS = ("id", "protocol", "switch_product", "schedule", "from_drug")


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def require_dask() -> None:
    """One line saying how to install the extra, never an ImportError."""
    try:
        for name in ("dask.dataframe", "distributed", "pyarrow"):
            importlib.import_module(name)
    except ImportError:
        raise InputError(f"a Parquet cohort or --dask needs the dask extra: {INSTALL}") from None


@contextlib.contextmanager
def parquet_cohort(path: Path, *, scheduler: str | None, workers: int) -> Iterator[ParquetCohort]:
    """The cohort at ``path``, planned on ``scheduler``'s cluster (``local``: ``workers``
    processes here; or an address such as ``tcp://host:8786``), or without one in this
    process like a CSV. The file is checked before any cluster is started."""
    if not is_parquet(path):
        raise InputError(f"{path}: --dask plans a Parquet cohort (a .parquet file or folder)")
    require_dask()
    frame = _read(path)
    if scheduler is None:
        yield ParquetCohort(path, frame)
        return
    with _client(scheduler, workers=workers) as client:
        yield ParquetCohort(path, frame, client=client)


@contextlib.contextmanager
def _client(scheduler: str, *, workers: int) -> Iterator[Client]:
    """Planning is Python (it holds the GIL), so a local cluster runs one process a worker."""
    from distributed import Client, LocalCluster

    if scheduler == LOCAL:
        with _ignoring_ctrl_c():  # the workers inherit it: Ctrl-C is the batch's to handle
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never a warning that 8787 is taken
                silence_logs=logging.CRITICAL,  # a stopped batch is one line, not a log
            )
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as error:  # a TimeoutError is an OSError
        reason = _reason(error)
        raise InputError(
            f"--dask: cannot reach a Dask scheduler at {scheduler}: {reason}"
        ) from None
    with client:
        yield client


@contextlib.contextmanager
def _ignoring_ctrl_c() -> Iterator[None]:
    """Processes started meanwhile ignore Ctrl-C (an ignored signal survives exec), as the
    batch's own worker pool does: no worker prints a traceback when the batch stops."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _read(path: Path) -> DataFrame:
    """The cohort's partitions, lazily, once its columns and their types are checked."""
    import dask.dataframe as dd

    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        frame: DataFrame = dd.read_parquet(path, dtype_backend="pyarrow")
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"{path}: not a Parquet file or folder ({_reason(error)})") from None
    check_header(path, [str(name) for name in frame.columns])
    for name, dtype in frame.dtypes.items():
        _check_type(path, str(name), dtype)
    return frame


def _check_type(path: Path, name: str, dtype: Any) -> None:
    """Text, whole numbers, decimals, dates and timestamps are exact; floats are not."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(dtype, pd.StringDtype):
        return
    kind = dtype.pyarrow_dtype if isinstance(dtype, pd.ArrowDtype) else None
    if kind is not None and pa.types.is_dictionary(kind):  # a pandas category
        kind = kind.value_type
    exact = (
        pa.types.is_string,
        pa.types.is_large_string,
        pa.types.is_string_view,
        pa.types.is_integer,
        pa.types.is_decimal,
        pa.types.is_date,
        pa.types.is_timestamp,
        pa.types.is_null,
    )
    if kind is not None and any(test(kind) for test in exact):
        return
    if kind is not None and pa.types.is_floating(kind):
        raise InputError(
            f"{path}: column {name!r} holds binary floating-point numbers, which cannot "
            "carry a dose exactly; store it as text (as typed) or as a decimal column"
        )
    raise InputError(
        f"{path}: column {name!r} is of type {kind or dtype}; store it as text, whole "
        "numbers, decimals or dates"
    )


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ParquetCohort:
    """A Parquet cohort's rows for ``run_batch`` (a ``planner.batch.Cohort``)."""

    def __init__(self, path: Path, frame: DataFrame, *, client: Client | None = None) -> None:
        self.path, self.frame, self.client = path, frame, client
        self.lengths: list[int] = []  # records in each partition, blank ones included

    def scan(self, *, keep_ids: bool) -> BatchScan:
        return BatchScan.of(self.path, keep_ids=keep_ids, rows=self._scanned())

    def _scanned(self) -> Iterator[BatchRow]:
        """The first pass's rows, numbered across partitions (each partition is read where
        it is planned, and sends back only the cells the pass keeps)."""
        from dask.delayed import delayed

        self.lengths, first = [], 2
        tasks = (delayed(_scan_partition)(part) for part in self.frame.to_delayed())
        for length, rows in self._in_order(tasks):
            yield from (replace(row, line=first + row.line) for row in rows)
            self.lengths.append(length)
            first += length

    def outcomes(self, job: Job, workers: int) -> Iterator[Outcome]:
        """In this process (and ``workers`` processes, as a CSV), or on the cluster."""
        from dask.delayed import delayed

        parts = self.frame.to_delayed()
        assert len(parts) == len(self.lengths), "scan the cohort first"
        firsts = itertools.accumulate(self.lengths, initial=2)
        if self.client is None:
            frames = self._in_order(parts)
            pairs = zip(frames, firsts, strict=False)
            rows = (row for frame, first in pairs for row in _rows(frame, first))
            return plan_outcomes(job, rows, workers)
        pairs = zip(parts, firsts, strict=False)
        tasks = (delayed(_plan_partition)(part, first, job) for part, first in pairs)
        return (outcome for outcomes in self._in_order(tasks) for outcome in outcomes)

    def _in_order(self, tasks: Iterable[Delayed]) -> Iterator[Any]:
        """Each task's result in order, at most a few per worker thread in flight."""
        from pyarrow import ArrowException

        try:
            if self.client is None:
                for task in tasks:
                    yield task.compute(scheduler="sync")
                return
            window = IN_FLIGHT_PER_THREAD * max(1, sum(self.client.nthreads().values()))
            pending: deque[Any] = deque()
            try:
                for task in tasks:
                    pending.append(self.client.compute(task))
                    if len(pending) >= window:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:  # a stopped batch leaves no work queued (unless the cluster is gone)
                if pending and self.client.status == "running":
                    self.client.cancel(list(pending))
        except (OSError, ArrowException) as error:  # the cohort changed, or a worker lost it
            reason = _reason(error)
            raise InputError(f"{self.path}: a partition could not be read ({reason})") from None


def _rows(frame: pd.DataFrame, first_line: int) -> Iterator[BatchRow]:
    """A partition's records as batch rows, as a CSV of them reads (blank ones skipped)."""
    header = [str(name) for name in frame.columns]
    columns = [
        [_text(value) if present else "" for value, present in zip(values, mask, strict=True)]
        for values, mask in (
            (frame[name].tolist(), frame[name].notna().tolist()) for name in frame.columns
        )
    ]
    for offset, cells in enumerate(zip(*columns, strict=True)):
        if any(cell.strip() for cell in cells):
            yield batch_row(header, list(cells), first_line + offset)


def _text(value: object) -> str:
    """A value of a checked column as the text of a CSV cell."""
    if isinstance(value, dt.datetime):  # a pandas Timestamp, in its own zone
        midnight = value.time() == dt.time() and getattr(value, "nanosecond", 0) == 0
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # never an exponent: 10, not 1E+1
    return str(value)  # text and whole numbers


def _scan_partition(frame: pd.DataFrame) -> tuple[int, list[BatchRow]]:
    """(records, the rows' kept cells numbered from 0): a worker's share of the first pass."""
    rows = [
        BatchRow(row.line, {name: row.cells.get(name, "") for name in SCAN_COLUMNS})
        for row in _rows(frame, 0)
    ]
    return len(frame), rows


def _plan_partition(frame: pd.DataFrame, first_line: int, job: Job) -> list[Outcome]:
    """A worker plans one partition with the batch's own ``plan_one``."""
    return [plan_one(row, job) for row in _rows(frame, first_line)]
