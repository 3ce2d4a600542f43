"""A batch of typo rows through `planner batch` (not a test): seconds and peak memory,
to show that failed rows are written as they are found, not kept.

Run: python benchmarks/failures.py                  (2.5 million rows, about two minutes)
     python benchmarks/failures.py --rows 100000 --root /path/to/other/checkout
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--root", type=Path, help="the checkout whose planner runs")
    options = parser.parse_args()
    root = (options.root or Path(__file__).parents[1]).resolve()  # python -m runs its planner
    with tempfile.TemporaryDirectory() as name:
        plans = Path(name) / "plans.csv"
        with plans.open("w") as handle:
            handle.write("id,protocol,schedule,start\n")
            for start in range(0, options.rows, 10_000):
                end = min(start + 10_000, options.rows)
                handle.write(
                    "".join(f"p{n},panic-adult,titratoin,2027-01-04\n" for n in range(start, end))
                )
        size = plans.stat().st_size
        command = [sys.executable, "-m", "planner", "batch", str(plans), "--out"]
        command += [str(Path(name) / "out"), "--workers", str(options.workers)]
        started = time.perf_counter()
        child = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 1:  # every row failed
            sys.exit(f"{' '.join(command)} ended with {os.waitstatus_to_exitcode(status)}")
    print(
        f"{dt.date.today()}: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(
        f"{options.rows:,} typo rows ({size / 1e6:.0f} MB), {options.workers} workers: "
        f"{seconds:.0f} s, peak {usage.ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
