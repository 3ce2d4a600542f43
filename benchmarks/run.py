"""Speed measurements (not tests): medians of repeated runs on this machine.

Run: python benchmarks/run.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from planner import check_schedule, load_protocol, taper
from planner.render.pdf import render_pdf
from planner.render.plot import render_plot


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def six_month_pdf_and_plot() -> None:
    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 1, 4), from_mg_per_day=2, product="us-odt"
    )
    assert 150 <= schedule.days <= 230, schedule.days
    report = check_schedule(schedule)
    render_pdf(schedule, report)
    render_plot(schedule, report)


def command(*args: str) -> Callable[[], object]:
    return lambda: subprocess.run(
        [sys.executable, "-m", "planner", *args], check=True, capture_output=True
    )


def main() -> None:
    rows = [
        ("PDF + plot of a 6-month taper, in process", median_seconds(six_month_pdf_and_plot, 5)),
        ("planner --help", median_seconds(command("--help"), 7)),
        ("planner protocols", median_seconds(command("protocols"), 7)),
        (
            "planner titrate ... --csv, end to end",
            median_seconds(
                command("titrate", "panic-adult", "--start", "2027-01-04", "--csv", "/dev/null"), 5
            ),
        ),
    ]
    print("| measurement | median |")
    print("|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
