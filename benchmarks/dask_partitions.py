"""`planner batch --dask` on a varied Parquet cohort (not a test): per-chunk throughput,
and a projection to 5 million patients on N workers.

It writes benchmarks/cohort.py's varied cohort (fixed seed; doses as text, as the planner
asks) to Parquet in equal partitions, plans it with the Dask path on a LocalCluster of 1
and 2 worker processes (``run_batch`` with a ``ParquetCohort``, in this process, writing
the combined CSV and the summary), and reads from Dask's task stream how long each chunk
of rows (``MAX_PARQUET_READ_ROWS``) took on its worker.

Run: python benchmarks/dask_partitions.py           (20,000 patients, 10 partitions; ~1 min)
     python benchmarks/dask_partitions.py --patients 4000 --partitions 8 --workers 1,2
The projection is arithmetic on the measured per-worker throughput, assuming it adds up
linearly over workers; it is not a measurement of a larger cluster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from cohort import cohort
from distributed import Client, LocalCluster, get_task_stream

from planner.batch import run_batch
from planner.batch.columns import COLUMNS
from planner.batch.on_dask import parquet_cohort
from planner.core.limits import MAX_PARQUET_READ_ROWS
from planner.domain.protocols import load_library
from planner.render.outputs import OutputOptions

TARGET = 5_000_000
PROJECTED_WORKERS = (1, 2, 8, 32, 128)


def write_parquet(folder: Path, size: int, partitions: int) -> Path:
    """The cohort as a folder of ``partitions`` files, every cell the text a CSV holds."""
    rows = cohort(size)
    table = pa.table({name: [_text(row.get(name)) for row in rows] for name in COLUMNS})
    path = folder / "cohort.parquet"
    path.mkdir()
    each = size // partitions
    for number in range(partitions):
        pq.write_table(table.slice(number * each, each), path / f"part.{number:03d}.parquet")
    return path


def _text(value: Any) -> str | None:
    return None if value is None else str(value)  # str(0.25) is the '0.25' a CSV holds


def measure(path: Path, out: Path, workers: int) -> tuple[float, float, list[float], float, int]:
    """Wall seconds of the whole batch; this process's CPU seconds (the client's reading,
    first pass and writer, and the local scheduler); each chunk's planning seconds on its
    worker (MAX_PARQUET_READ_ROWS rows); the workers' seconds on every task; rows planned."""
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm)  # a worker's first partition would otherwise pay for the imports
        with get_task_stream(client) as stream:
            started, used = time.perf_counter(), time.process_time()
            address = str(cluster.scheduler_address)
            with parquet_cohort(path, scheduler=address, workers=workers) as rows:
                report = run_batch(path, out, outputs=[], options=OutputOptions(), cohort=rows)
            seconds, used = time.perf_counter() - started, time.process_time() - used
    tasks = [(str(task["key"]), _computing(task)) for task in stream.data]
    planning = [spent for key, spent in tasks if key.startswith("_plan_records")]
    return seconds, used, planning, sum(spent for _, spent in tasks), report.planned


def _warm() -> None:
    """What a worker's first row would pay for: the imports and reading the protocols."""
    for name in ("planner.batch.on_dask", "planner.render.outputs"):
        importlib.import_module(name)
    load_library()


def _computing(task: dict[str, Any]) -> float:
    return sum(
        float(part["stop"] - part["start"])
        for part in task["startstops"]
        if part["action"] == "compute"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--partitions", type=int, default=10)
    parser.add_argument("--workers", default="1,2", help="LocalCluster sizes, comma-separated")
    options = parser.parse_args()
    each = options.patients // options.partitions
    size = each * options.partitions
    machine = platform.processor() or platform.machine()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"{dt.date.today()}: {platform.system()} {platform.release()}, {machine}, {cpus} CPUs,"
        f" Python {platform.python_version()}, dask {importlib.metadata.version('dask')}"
    )
    print(f"{size:,} varied patients in {options.partitions} Parquet partitions of {each:,}")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Load average before the run (1, 5, 15 min): {load}; other work slows every figure")
    print()
    print(
        "| workers | seconds, whole batch | patients/s overall | planning one chunk of"
        f" {MAX_PARQUET_READ_ROWS:,} (median s) | patients/s per chunk, planning | patients/s"
        " per worker, all its work | client CPU s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    rates: list[float] = []
    client: list[float] = []
    with tempfile.TemporaryDirectory() as name:
        path = write_parquet(Path(name), size, options.partitions)
        for run, workers in enumerate(int(count) for count in options.workers.split(",")):
            seconds, used, planning, busy, planned = measure(
                path, Path(name) / f"out{run}", workers
            )
            median = statistics.median(planning)
            rates.append(size / busy)
            client.append(size / used)
            print(
                f"| {workers} | {seconds:.1f} | {size / seconds:,.0f} | {median:.2f} "
                f"| {MAX_PARQUET_READ_ROWS / median:,.0f} | {size / busy:,.0f} | {used:.1f} |",
                flush=True,
            )
            if planned * 20 < size * 19:
                print(f"- only {planned:,} of {size:,} planned")
    rate = min(rates)
    print()
    print(
        f"Projected, not measured: {TARGET:,} patients at {rate:,.0f} patients/s per worker"
        " (the slower measured rate of all worker work: planning and rendering),"
        " assuming it adds up linearly over workers and the client (first pass and the one"
        " writer) keeps up:"
    )
    print()
    print("| workers | projected time |")
    print("|---:|---:|")
    for workers in PROJECTED_WORKERS:
        print(f"| {workers} | {_duration(TARGET / (rate * workers))} |")
    ceiling = min(client)
    print()
    print(
        f"The client does not keep up for ever: it used a CPU second for every {ceiling:,.0f}"
        " patients (reading, first pass, sending, receiving, writing; the local scheduler"
        " too), so however"
        f" many workers, {TARGET:,} patients take at least {_duration(TARGET / ceiling)}"
        " (projected the same way)."
    )


def _duration(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"


if __name__ == "__main__":
    main()
