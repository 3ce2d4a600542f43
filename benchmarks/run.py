"""Speed and memory measurements (not tests): medians of repeated runs on this machine.

Run: python benchmarks/run.py            (about three minutes; 100,000 patients included)
     python benchmarks/run.py --quick    (skips the 100,000-patient batch)
"""

from __future__ import annotations

import compileall
import csv
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import planner
from planner import check_schedule, load_protocol, taper, titrate
from planner.render.pdf import render_pdf
from planner.render.plot import render_plot


def baseline() -> Callable[[], object]:
    """The floor a command-line tool on this stack pays: Python, click and pydantic."""
    return lambda: subprocess.run(
        [sys.executable, "-c", "import click; from pydantic import BaseModel"], check=True
    )


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def command(*args: str) -> Callable[[], object]:
    return lambda: subprocess.run(
        [sys.executable, "-m", "planner", *args], check=True, capture_output=True
    )


def six_month_pdf_and_plot() -> None:
    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 1, 4),
        from_mg_per_day=2,
        pace="hyperbolic",
        product="rivotril-drops",
    )
    assert 150 <= schedule.days <= 230, schedule.days
    report = check_schedule(schedule)
    render_pdf(schedule, report)
    render_plot(schedule, report)


def engine_rate() -> float:
    """90-day schedules built and checked per second, in process (titrations and tapers)."""
    panic = load_protocol("panic-adult")
    start = dt.date(2027, 1, 4)
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < 3:
        titration = titrate(panic, start=start, target_mg_per_day=2, hold_days=81)
        assert titration.days == 90, titration.days
        tapered = taper(panic, start=start, from_mg_per_day="1.75", pace="linear")
        assert 80 <= tapered.days <= 110, tapered.days  # the ASAM cap slows its last steps
        count += 2
    return count / (time.perf_counter() - started)


def write_cohort(path: Path, patients: int, days: int) -> None:
    """Panic-disorder titrations, each held at its target so that it lasts ``days`` days."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "protocol", "schedule", "start", "hold_days"])
        for number in range(patients):
            writer.writerow([f"p{number}", "panic-adult", "titration", "2027-01-04", days - 3])


def batch(patients: int, days: int) -> tuple[float, float]:
    """Seconds and peak MB of ``planner batch`` for a cohort, in a fresh process."""
    folder = Path(tempfile.mkdtemp())
    try:
        write_cohort(folder / "plans.csv", patients, days)
        code = (
            "import resource, sys, time; from pathlib import Path;"
            "from planner.batch import run_batch; from planner.render.outputs import OutputOptions;"
            "t = time.perf_counter();"
            f"run_batch(Path({str(folder / 'plans.csv')!r}), Path({str(folder / 'out')!r}),"
            " outputs=[], options=OutputOptions());"
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        output = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        seconds, peak_kb = output.split()
        return float(seconds), int(peak_kb) / 1024
    finally:
        shutil.rmtree(folder)


def main() -> None:
    quick = "--quick" in sys.argv
    # An installed package has its bytecode compiled; a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module on every run instead.
    compileall.compile_dir(Path(planner.__file__).parent, quiet=1)
    machine = platform.processor() or platform.machine()
    print(f"{dt.date.today()}: {platform.system()} {platform.release()}, {machine}, ", end="")
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print()
    floor = median_seconds(baseline(), 15)
    titration = median_seconds(
        command("titrate", "panic-adult", "--start", "2027-01-04", "--csv", "/dev/null"), 15
    )
    print("| measurement | median |")
    print("|---|---|")
    for name, seconds in [
        ("`python -c 'import click; from pydantic import BaseModel'`", floor),
        ("`planner --help`", median_seconds(command("--help"), 9)),
        ("`planner protocols`", median_seconds(command("protocols"), 9)),
        (f"`planner titrate ... --csv` ({titration / floor:.2f} x the line above)", titration),
        ("PDF + plot of a 6-month taper, in process", median_seconds(six_month_pdf_and_plot, 5)),
    ]:
        print(f"| {name} | {seconds * 1000:.0f} ms |")
    print(f"| engine: 90-day schedules built and checked | {engine_rate():,.0f} a second |")
    print()
    print("| batch to the combined CSV | patients | days each | seconds | peak memory |")
    print("|---|---|---|---|---|")
    sizes = [(1000, 90), (10000, 90)] + ([] if quick else [(100000, 90)])
    sizes += [(1000, 30), (1000, 365), (1000, 3 * 365)]
    for patients, days in sizes:
        seconds, peak = batch(patients, days)
        print(f"| | {patients:,} | {days} | {seconds:.1f} | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
