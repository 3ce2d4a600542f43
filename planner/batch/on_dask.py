"""A Parquet cohort as a batch: planned in this process, or beyond one machine on Dask.

The cohort (a ``.parquet`` file, or a folder of them) is read here with pyarrow, part by
part in their natural order (``part.2`` before ``part.10``), at most
``MAX_PARQUET_READ_ROWS`` records at a time however large a file's row groups, and each
record becomes the ``BatchRow`` a batch CSV of it would give, numbered as a spreadsheet
counts rows (the header is row 1) across parts. Its columns are the **union of every
part's**: a part without a column has it empty, as a CSV cell left blank would be, so a
column that only a later part has (``target_mg_per_day``) is read, never dropped. The
same first pass checks the rows (``BatchScan``), the same ``plan_one`` plans them, and
their outcomes come back in the cohort's order to the same writer (``run_batch``): OUT
holds the bytes a CSV of the same rows gives. On a Dask cluster, the rows are sent to
the workers in those bounded chunks, a few per worker thread in flight, so memory stays
bounded on the client as on the workers.

Column types: text, whole numbers and decimals are read exactly; a date may be a date or
timestamp column (a timestamp at midnight, in its own zone, is that date; another time
fails its row) or ISO text. **Binary floating-point columns are refused**, in one line
and before any row is read, rather than turned into text: the planner takes no float
anywhere (``planner.models.base``), and a float has already lost the decimal that was
typed, so even its shortest text is a guess (``0.1 + 0.2`` prints as
``0.30000000000000004``); a wrong guess in a weight would plan without a word. Storing a
column as text or decimal costs one line of pandas; a silently wrong dose costs more.

On a cluster, every worker needs this planner (the same version: it is printed in the
outputs) and any protocol file a row names, at the same paths; the cohort itself is read
by the client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import os
import re
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.batch import Job, Outcome, plan_one, plan_outcomes
from planner.batch.columns import COLUMNS
from planner.batch.rows import BatchRow, BatchScan, batch_row, check_header
from planner.core.limits import MAX_COLUMNS, MAX_PARQUET_READ_ROWS
from planner.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa
    from distributed import Client

INSTALL = "pip install 'dose-planner[dask]'"
SUFFIXES = (".parquet", ".pq")
LOCAL = "local"
IN_FLIGHT_PER_THREAD = 2  # chunks of rows queued for each worker thread: busy, yet bounded
CONNECT_TIMEOUT = "10s"
# All the first pass keeps of a row.
SCAN_COLUMNS = ("id", "protocol", "switch_product", "schedule", "from_drug")
READ_BUFFER_BYTES = 1 << 20  # pages are read through a buffer this size, not whole groups
Record = tuple[int, tuple[str, ...]]  # a record's line and its cells as text


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def require_dask(*, cluster: bool = True) -> None:
    """One line saying how to install the extra, never an ImportError."""
    names = ("pyarrow", "dask", "distributed") if cluster else ("pyarrow",)
    try:
        for name in names:
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
    require_dask(cluster=scheduler is not None)
    parts, header = _parts(path)
    if scheduler is None:
        yield ParquetCohort(path, parts, header)
        return
    with _client(scheduler, workers=workers) as client:
        yield ParquetCohort(path, parts, header, client=client)


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


@dataclass(frozen=True)
class Part:
    """One Parquet file of the cohort, and its columns."""

    path: Path
    columns: tuple[str, ...]


def _parts(path: Path) -> tuple[list[Part], list[str]]:
    """The cohort's files in order, each with its columns checked; and the union of their
    columns, in the order first seen."""
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError(f"{path}: no such file")
    files = _files(path)
    if not files:
        raise InputError(f"{path}: not a Parquet file or folder (no Parquet files in it)")
    parts, header = [], dict[str, None]()
    for file in files:
        try:
            schema = pq.read_schema(file)
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            shown = path if file == path else file
            raise InputError(f"{shown}: not a Parquet file or folder ({_reason(error)})") from None
        if len(schema.names) > MAX_COLUMNS or set(schema.names) - set(COLUMNS):
            check_header(path if file == path else file, list(schema.names))  # names the part
        for column in schema:
            _check_type(path if file == path else file, column.name, column.type)
        parts.append(Part(file, tuple(schema.names)))
        header |= dict.fromkeys(schema.names)
    check_header(path, list(header))
    return parts, list(header)


def _files(path: Path) -> list[Path]:
    """A file, or a folder's files as dask and pyarrow find them (not hidden, nor ``_``
    metadata), in natural order: part.2 before part.10."""
    if not path.is_dir():
        return [path]
    found = []
    for root, folders, files in os.walk(path):
        folders[:] = [name for name in folders if not name.startswith(("_", "."))]
        found += [Path(root, name) for name in files if not name.startswith(("_", "."))]
    return sorted(found, key=lambda file: _natural(str(file.relative_to(path))))


def _natural(name: str) -> list[tuple[int, str]]:
    return [
        (int(piece), "") if piece.isdigit() else (-1, piece) for piece in re.split(r"(\d+)", name)
    ]


def _check_type(path: Path, name: str, kind: pa.DataType) -> None:
    """Text, whole numbers, decimals, dates and timestamps are exact; floats are not."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):  # a pandas category
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
    if any(test(kind) for test in exact):
        return
    if pa.types.is_floating(kind):
        raise InputError(
            f"{path}: column {name!r} holds binary floating-point numbers, which cannot "
            "carry a dose exactly; store it as text (as typed) or as a decimal column"
        )
    raise InputError(
        f"{path}: column {name!r} is of type {kind}; store it as text, whole "
        "numbers, decimals or dates"
    )


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ParquetCohort:
    """A Parquet cohort's rows for ``run_batch`` (a ``planner.batch.Cohort``)."""

    def __init__(
        self, path: Path, parts: list[Part], header: list[str], *, client: Client | None = None
    ) -> None:
        self.path, self.parts, self.header, self.client = path, parts, header, client

    def scan(self, *, keep_ids: bool) -> BatchScan:
        """The first pass reads only the columns it keeps, and checks no cell (each row's
        cells are checked where it is planned)."""
        wanted = [name for name in self.header if name in SCAN_COLUMNS]
        rows = (
            BatchRow(line, {name: cell.strip() for name, cell in zip(wanted, cells, strict=True)})
            for line, cells in self.records(wanted)
        )
        return BatchScan.of(self.path, keep_ids=keep_ids, rows=rows)

    def outcomes(self, job: Job, workers: int) -> Iterator[Outcome]:
        """In this process (and ``workers`` processes, as a CSV), or on the cluster, where
        the records go as they were read and become rows on the workers."""
        if self.client is None:
            return plan_outcomes(job, self.rows(self.header), workers)
        records = self.records(self.header)
        chunks = iter(lambda: list(islice(records, MAX_PARQUET_READ_ROWS)), [])
        return (outcome for outcomes in self._on_cluster(chunks, job) for outcome in outcomes)

    def rows(self, columns: list[str]) -> Iterator[BatchRow]:
        """Every record as a row of ``columns``, its cells checked as a CSV's are."""
        for line, cells in self.records(columns):
            yield batch_row(columns, list(cells), line)

    def records(self, columns: list[str]) -> Iterator[Record]:
        """Every record's cells in ``columns`` (empty where its part lacks one), numbered
        across parts; blank records are counted, then skipped, as a CSV's blank lines."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        line = 2
        for part in self.parts:
            present = [name for name in columns if name in part.columns]
            try:
                reader = pq.ParquetFile(part.path, pre_buffer=False, buffer_size=READ_BUFFER_BYTES)
                with contextlib.closing(reader):
                    batches = reader.iter_batches(
                        batch_size=MAX_PARQUET_READ_ROWS, columns=present, use_threads=False
                    )
                    for batch in batches:
                        yield from _records(batch, columns, line)
                        line += batch.num_rows
            except (OSError, pa.ArrowException) as error:  # the cohort changed meanwhile
                raise InputError(f"{part.path}: cannot be read ({_reason(error)})") from None

    def _on_cluster(self, chunks: Iterable[list[Record]], job: Job) -> Iterator[list[Outcome]]:
        """Each chunk's outcomes in order, at most a few per worker thread in flight."""
        assert self.client is not None
        window = IN_FLIGHT_PER_THREAD * max(1, sum(self.client.nthreads().values()))
        pending: deque[Any] = deque()
        try:
            for chunk in chunks:
                task = self.client.submit(_plan_records, self.header, chunk, job, pure=False)
                pending.append(task)
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # a stopped batch leaves no work queued (unless the cluster is gone)
            if pending and self.client.status == "running":
                self.client.cancel(list(pending))


def _records(batch: pa.RecordBatch, columns: list[str], first_line: int) -> Iterator[Record]:
    """A batch's records as the cells of ``columns``, as a CSV holds them (blank ones
    skipped), each with its line."""
    names = batch.schema.names
    blank = [""] * batch.num_rows
    cells = [
        [_text(value) for value in batch.column(names.index(name)).to_pylist()]
        if name in names
        else blank
        for name in columns
    ]
    for offset, record in enumerate(zip(*cells, strict=True)):
        if any(cell.strip() for cell in record):
            yield first_line + offset, record


def _text(value: object) -> str:
    """A value of a checked column as the text of a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # a pandas Timestamp, in its own zone
        midnight = value.time() == dt.time() and getattr(value, "nanosecond", 0) == 0
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # never an exponent: 10, not 1E+1
    return str(value)  # text and whole numbers


def _plan_records(header: list[str], records: list[Record], job: Job) -> list[Outcome]:
    """A worker makes one chunk of records rows and plans them with ``plan_one``."""
    return [plan_one(batch_row(header, list(cells), line), job) for line, cells in records]
