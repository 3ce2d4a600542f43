"""A Parquet cohort of one large row group through `planner batch` (not a test): peak
memory of the whole process tree (the batch and its workers, or its Dask cluster), to
show that a row group is read in bounded parts.

Run: python benchmarks/parquet_memory.py                  (500,000 rows; a few minutes)
     python benchmarks/parquet_memory.py --rows 2000000 --root /path/to/other/checkout

Every row is a typo (schedule 'titratoin'), so the run measures reading, not planning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pyarrow as pa
import pyarrow.parquet as pq


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants, now."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def run(command: list[str], root: Path) -> tuple[float, int, int]:
    """Seconds, peak resident bytes of the whole tree, exit code."""
    started, peak = time.perf_counter(), 0
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root
    )
    process = psutil.Process(child.pid)
    while child.poll() is None:
        peak = max(peak, tree_rss(process))
        time.sleep(0.1)
    return time.perf_counter() - started, peak, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--root", type=Path, help="the checkout whose planner runs")
    options = parser.parse_args()
    root = (options.root or Path(__file__).parents[1]).resolve()  # python -m runs its planner
    size = options.rows
    table = pa.table(
        {
            "id": [f"p{n}" for n in range(size)],
            "protocol": ["panic-adult"] * size,
            "schedule": ["titratoin"] * size,
            "start": ["2027-01-04"] * size,
            "target_mg_per_day": ["1.5"] * size,
            "weight_kg": ["70"] * size,
        }
    )
    print(
        f"{dt.date.today()}: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}; {root}"
    )
    with tempfile.TemporaryDirectory() as name:
        cohort = Path(name) / "cohort.parquet"
        pq.write_table(table, cohort, row_group_size=size)
        del table
        for extra in ([], ["--dask", "local"]):
            command = [sys.executable, "-m", "planner", "batch", str(cohort), "--workers", "2"]
            command += ["--out", str(Path(name) / f"out{len(extra)}"), *extra]
            seconds, peak, code = run(command, root)
            how = " ".join(extra) or "in process"
            print(
                f"{size:,} rows in one row group, {how}, 2 workers: {seconds:.0f} s, peak "
                f"{peak / 1024**2:,.0f} MB (all processes), exit {code}",
                flush=True,
            )


if __name__ == "__main__":
    main()
