"""One million uniform patients through `planner batch` (not a test): seconds and peak
memory, to show that memory does not grow with the cohort.

Run: python benchmarks/million.py                 (about four minutes on 2 cores)
     python benchmarks/million.py --patients 100000 --workers 1
"""

from __future__ import annotations

import argparse
import csv
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
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        plans = Path(name) / "plans.csv"
        with plans.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "protocol", "schedule", "start", "hold_days"])
            for number in range(options.patients):
                writer.writerow([f"p{number}", "panic-adult", "titration", "2027-01-04", 87])
        command = [sys.executable, "-m", "planner", "batch", str(plans), "--out"]
        command += [str(Path(name) / "out"), "--workers", str(options.workers)]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(command)} failed")
    print(
        f"{dt.date.today()}: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(
        f"{options.patients:,} uniform patients (90 days each), {options.workers} workers: "
        f"{seconds:.0f} s, peak {usage.ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
