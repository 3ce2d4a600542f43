"""`planner batch` on a varied cohort (not a test): seconds and peak memory of the child,
each beside its floor, and where one worker's time goes.

The README's batch figures came from a uniform cohort (one titration, repeated). This
generates a varied one with a fixed seed: start dates over 2027; panic-adult titrations
to 0.5..4 mg/day; seizure-pediatric titrations at 10..30 kg; tapers from 0.5..4 mg/day
at every pace each protocol offers and every product, some with a product switch, an
EC50, a pause or a step back. It then runs `python -m planner batch` on it in a fresh
process.

The floor beside each batch is a child that reads the same cohort CSV and writes the
same bytes the batch wrote (its combined CSV and summary), without planning: what
reading and writing cost in Python on this machine. The split (``--split``) runs one
worker in process and times its stages: start-up, reading the file (both passes),
validating rows into requests, planning (building, moving shared plans, reviews),
checking (every schedule's safety check) and writing (the CSV text, the files, the
manifest and the swap). The goals are issue 22's: 25,000 patients in under 5 s (the
median of the runs), the 25,000/5,000 time ratio under 6, memory flat.

Run: python benchmarks/cohort.py                   (sizes 1000,5000,25000 with 1 and 2 workers)
     python benchmarks/cohort.py --quick           (sizes 500,2000; under 10 seconds)
     python benchmarks/cohort.py --sizes 5000,25000 --repeat 3 --workers 2 --csv-size 0 --api 0
Seconds are wall time of the whole child, interpreter start-up included. It measures the
`planner` that Python imports: set PYTHONPATH to measure another checkout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner import check_schedule, load_protocol, taper, titrate
from planner.batch.columns import COLUMNS
from planner.errors import PlannerError

PRODUCTS = ["", "us-tablet", "us-tablet-scored", "us-odt", "rivotril-tablet", "rivotril-drops"]
PACES = ["asam", "hyperbolic", "label", "linear", "nardi-2010", "proportional", "two-phase"]
# The paces the seizure protocol offers, as its file says (two-phase, label and Nardi
# 2010 were studied in insomnia and panic, not seizures), in the order of PACES.
SEIZURE_PACES = [pace for pace in PACES if pace in load_protocol("seizure-adult").paces]
SLOW_PACES = {"asam", "hyperbolic", "proportional", "two-phase"}  # 29 days or more


def patient(rng: random.Random, number: int) -> dict[str, Any]:
    """One row: 30% panic titrations, 15% paediatric titrations, 55% tapers."""
    start = dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(365))
    row: dict[str, Any] = {"id": f"p{number:06d}", "start": start}
    kind = rng.random()
    if kind < 0.30:
        row.update(protocol="panic-adult", schedule="titration", age_years=rng.randint(18, 80))
        row.update(product=rng.choice(PRODUCTS), target_mg_per_day=rng.randint(2, 16) / 4)
        row.update(step_mg_per_day=rng.choice(["", 0.25, 0.5]), hold_days=rng.choice(["", 7, 28]))
        row["interval_days"] = rng.choice(["", 3, 7])
    elif kind < 0.45:
        row.update(protocol="seizure-pediatric", schedule="titration", age_years=rng.randint(1, 10))
        row.update(weight_kg=rng.randint(100, 300) / 10, product=rng.choice(["", "rivotril-drops"]))
    else:
        protocol = rng.choice(["panic-adult", "seizure-adult"])
        offered = PACES if protocol == "panic-adult" else SEIZURE_PACES
        pace, product = rng.choice(offered), rng.choice(PRODUCTS)
        row.update(protocol=protocol, schedule="taper", pace=pace, product=product)
        row.update(age_years=rng.randint(18, 80), weight_kg=rng.randint(45, 110))
        # drops give 0.1 mg steps, so their doses must be multiples of 0.5 as well as 0.25
        dose = rng.randint(1, 8) / 2 if product == "rivotril-drops" else rng.randint(2, 16) / 4
        row["from_mg_per_day"] = dose
        if product not in ("", "rivotril-drops") and dose > 1 and rng.random() < 0.1:
            row.update(switch_product="rivotril-drops", switch_at_mg_per_day=0.5)
        if pace == "hyperbolic" and rng.random() < 0.3:
            row["ec50_mg_per_day"] = rng.choice([0.5, 2])
        if pace in SLOW_PACES and rng.random() < 0.1:
            row["pauses"] = f"{start + dt.timedelta(days=20)}:{rng.choice([7, 14])}"
        if pace in SLOW_PACES and rng.random() < 0.05:
            row["step_backs"] = str(start + dt.timedelta(days=40))
    return {name: value for name, value in row.items() if value != ""}


def cohort(size: int) -> list[dict[str, Any]]:
    rng = random.Random(2026)
    return [patient(rng, number) for number in range(size)]


def write_cohort(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)


def run_child(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MB (max RSS) of one child process, from its own rusage."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):  # 1: some rows failed, reported in summary.csv
            errors.seek(0)
            sys.exit(f"{' '.join(args)} failed:\n{errors.read().decode()}")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, else KiB
    return seconds, usage.ru_maxrss / scale


FLOOR = """
import csv, sys
plans, out, days_bytes, summary_bytes = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
with open(plans, newline="", encoding="utf-8") as handle:
    rows = list(csv.reader(handle))
units = "1 x 0.5 mg tablet"
line = f"p000000,2027-01-04,1,taper,1.5,,0.5,0.5,0.5,,{units},{units},{units},\\n"
for name, size in (("all-days.csv", days_bytes), ("summary.csv", summary_bytes)):
    block = (line * (65536 // len(line) + 1))[:65536].encode()
    with open(f"{out}/{name}", "wb") as handle:
        for _ in range(size // len(block)):
            handle.write(block)
        handle.write(block[: size % len(block)])
"""


def floor_seconds(plans: Path, out: Path, repeat: int) -> float:
    """Median wall seconds of a child that reads ``plans`` and writes the bytes the batch
    wrote into ``out`` (its combined CSV and summary), without planning anything."""
    sizes = [str((out / name).stat().st_size) for name in ("all-days.csv", "summary.csv")]
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(max(repeat, 1)):
            command = [sys.executable, "-c", FLOOR, str(plans), folder, *sizes]
            runs.append(run_child(command)[0])
    return statistics.median(runs)


@dataclass
class Measured:
    """One line of the table: the median of the runs, and the floor's."""

    size: int
    outputs: str
    workers: int
    failed: list[str]
    days: int
    seconds: float
    peak_mb: float
    floor: float

    def line(self) -> str:
        return (
            f"| {self.size:,} | {self.outputs} | {self.workers} | {len(self.failed)} "
            f"| {self.days:,} | {self.seconds:.1f} | {self.floor:.1f} | {self.peak_mb:.0f} "
            f"| {self.size / self.seconds:,.0f} |"
        )


def batch(folder: Path, size: int, repeat: int, per_patient: bool, workers: int) -> Measured:
    """``size`` patients planned ``repeat`` times (the median), and the floor beside them."""
    plans = folder / f"cohort-{size}.csv"
    write_cohort(plans, cohort(size))
    runs = []
    for attempt in range(max(repeat, 1)):
        out = folder / f"out-{size}-{int(per_patient)}-{workers}-{attempt}"
        command = [sys.executable, "-m", "planner", "batch", str(plans), "--out", str(out)]
        command += ["--workers", str(workers)]
        runs.append(run_child([*command, *(["--csv"] if per_patient else [])]))
    with (out / "summary.csv").open(newline="") as handle:
        summary = list(csv.DictReader(handle))
    failed = [row["error"].split(": ", 2)[-1] for row in summary if row["status"] != "ok"]
    days = sum(int(row["days"]) for row in summary if row["days"])
    seconds, peak = (statistics.median(run[index] for run in runs) for index in (0, 1))
    outputs = "combined + per-patient CSV" if per_patient else "combined CSV"
    floor = floor_seconds(plans, out, repeat)
    return Measured(size, outputs, workers, failed, days, seconds, peak, floor)


def goals(measured: list[Measured]) -> list[str]:
    """Issue 22's goals for the varied cohort, each met or not, from the combined-CSV runs
    with the most workers measured."""
    most = max(m.workers for m in measured)
    by_size = {m.size: m for m in measured if m.workers == most and m.outputs == "combined CSV"}
    lines = []
    if 25_000 in by_size:
        big = by_size[25_000]
        met = "met" if big.seconds < 5 else "**not met**"
        lines.append(
            f"- 25,000 patients with {most} workers in under 5 s: {big.seconds:.1f} s, {met} "
            f"(the floor, reading and writing the same bytes: {big.floor:.1f} s)"
        )
        if 5_000 in by_size:
            small = by_size[5_000]
            ratio = big.seconds / small.seconds
            met = "met" if ratio < 6 else "**not met**"
            lines.append(f"- the 25,000/5,000 time ratio under 6: {ratio:.1f}, {met}")
            lines.append(
                f"- memory flat: {small.peak_mb:.0f} MB at 5,000 patients, "
                f"{big.peak_mb:.0f} MB at 25,000"
            )
    return lines


def plan_in_process(row: dict[str, Any], protocols: dict[str, Any]) -> Any:
    """The same request through the Python API, as benchmarks/run.py calls it."""
    request: dict[str, Any] = {
        name: value if isinstance(value, int) else str(value)  # doses as text, never float
        for name, value in row.items()
        if name not in ("id", "protocol", "schedule", "start", "pauses", "step_backs")
    }
    protocol, start = protocols[row["protocol"]], row["start"]
    if row["schedule"] == "titration":
        return titrate(protocol, start=start, **request)
    edits: list[dict[str, Any]] = []
    if "pauses" in row:
        date, days = row["pauses"].split(":")
        edits.append({"kind": "pause", "date": dt.date.fromisoformat(date), "days": int(days)})
    if "step_backs" in row:
        edits.append({"kind": "step_back", "date": dt.date.fromisoformat(row["step_backs"])})
    if "switch_product" in request:
        product, at = request.pop("switch_product"), request.pop("switch_at_mg_per_day")
        request["switch_product"] = {"product": product, "at_or_below_mg_per_day": at}
    return taper(protocol, start=start, edits=edits, **request)


def engine_rate(size: int) -> str:
    """Schedules built and checked a second, in process, for the first ``size`` rows."""
    rows = cohort(size)
    protocols = {name: load_protocol(name) for name in {row["protocol"] for row in rows}}
    failed, days, slowest = 0, 0, (0.0, "")
    started = time.perf_counter()
    for row in rows:
        began = time.perf_counter()
        try:
            schedule = plan_in_process(row, protocols)
            check_schedule(schedule)
            days += schedule.days
        except PlannerError:
            failed += 1
        slowest = max(slowest, (time.perf_counter() - began, row["id"]))
    seconds = time.perf_counter() - started
    return (
        f"In process (Python API), {size:,} of the same requests: {(size - failed) / seconds:,.0f}"
        f" schedules built and checked a second ({days:,} days, {failed} failed;"
        f" slowest {slowest[0] * 1000:.1f} ms, {slowest[1]})."
    )


STAGES = {
    "start-up": "start-up (Python, imports, the bundled files)",
    "reading": "reading (both passes over the file: rows into cells, checked)",
    "validating": "validating (cells into typed requests)",
    "planning": "planning (building each schedule, its reviews)",
    "checking": "checking (every schedule's safety check)",
    "rendering": "rendering (each patient's days as CSV text)",
    "writing": "writing (files, manifest, swap) and each row's glue (id, summary, shared plan)",
}

SPLIT = """
import sys, time
started = time.perf_counter()
import planner.api as api, planner.batch as batch, planner.batch.rows as rows
import planner.batch.sharing as sharing
from pathlib import Path
from planner.render.outputs import OutputOptions
measured = ("reading", "validating", "planning", "checking", "rendering")
spent = dict.fromkeys(measured, 0.0)

def timed(stage, function):
    def run(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.perf_counter() - began
    return run

def timed_rows(function):
    def read(*args):
        rows = function(*args)
        while True:
            began = time.perf_counter()
            row = next(rows, None)
            spent["reading"] += time.perf_counter() - began
            if row is None:
                return
            yield row
    return read

rows.BatchScan.of = classmethod(timed("reading", rows.BatchScan.of.__func__))
batch.read_rows = timed_rows(batch.read_rows)
rows.validate_data = timed("validating", rows.validate_data)
rows._plan_fields = timed("validating", rows._plan_fields)
sharing.build_schedule = timed("planning", sharing.build_schedule)
api.with_reviews = timed("planning", api.with_reviews)
api.pediatric_warnings = timed("planning", api.pediatric_warnings)
api.ensure_safe = timed("checking", api.ensure_safe)
render = batch.csv_lines
batch.csv_lines = timed("rendering", lambda *args: list(render(*args)))
batch.load_library()  # the bundled files, read once, as the command does before planning
spent["start-up"] = time.perf_counter() - started
began = time.perf_counter()
batch.run_batch(Path(sys.argv[1]), Path(sys.argv[2]), outputs=[], options=OutputOptions())
total = time.perf_counter() - began
spent["writing"] = total - sum(spent[stage] for stage in measured)
print(" ".join(f"{stage}={seconds}" for stage, seconds in spent.items()))
"""


def split(folder: Path, size: int, repeat: int) -> list[str]:
    """A markdown table: where one worker's time goes for ``size`` patients, in process
    (the median of ``repeat`` runs of each stage), with each stage's share."""
    plans = folder / f"cohort-{size}.csv"
    write_cohort(plans, cohort(size))
    runs: list[dict[str, float]] = []
    for attempt in range(max(repeat, 1)):
        out = folder / f"split-{size}-{attempt}"
        result = subprocess.run(
            [sys.executable, "-c", SPLIT, str(plans), str(out)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        runs.append({k: float(v) for k, v in (p.split("=") for p in result.stdout.split())})
    seconds = {stage: statistics.median(run[stage] for run in runs) for stage in STAGES}
    total = sum(seconds.values())
    lines = ["| stage | seconds | share |", "|---|---:|---:|"]
    lines += [
        f"| {words} | {seconds[stage]:.2f} | {100 * seconds[stage] / total:.0f}% |"
        for stage, words in STAGES.items()
    ]
    return [*lines, f"| one worker, in all | {total:.2f} | 100% |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,25000", help="patients, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (median)")
    parser.add_argument("--csv-size", type=int, default=1000, help="also run --csv (0: no)")
    parser.add_argument("--api", type=int, default=3000, help="requests for the in-process rate")
    parser.add_argument("--quick", action="store_true", help="sizes 500,2000; --csv at 500")
    parser.add_argument(
        "--workers", default="1,2", help="batch --workers values to measure, comma-separated"
    )
    parser.add_argument(
        "--split",
        type=int,
        default=-1,
        help="patients for the split (0: none; default: the largest size)",
    )
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    csv_size = options.csv_size
    if options.quick:
        sizes, csv_size = [500, 2000], min(csv_size, 500)
    split_size = max(sizes) if options.split < 0 else options.split
    machine = platform.processor() or platform.machine()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{dt.date.today()}: {platform.system()} {platform.release()}, {machine}, {cpus} CPUs,"
        f" Python {platform.python_version()}; load average {load:.1f} at the start"
    )
    print()
    print(
        "| patients | outputs | workers | failed | days planned | seconds | floor s "
        "| peak MB | patients/s |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    errors: list[str] = []
    measured: list[Measured] = []
    with tempfile.TemporaryDirectory() as name:
        counts = [int(workers) for workers in options.workers.split(",")]
        runs = [(size, False, workers) for size in sizes for workers in counts]
        runs += [(csv_size, True, max(counts))] if csv_size else []
        for size, per_patient, workers in runs:
            result = batch(Path(name), size, options.repeat, per_patient, workers)
            measured.append(result)
            print(result.line(), flush=True)
            if len(result.failed) * 20 > size:  # the cohort is meant to plan at least 95% ok
                errors.append(f"more than 5% of {size:,} rows failed")
            errors += [
                f"{count} of {size:,}: {why}" for why, count in Counter(result.failed).items()
            ]
        print()
        for line in goals(measured):
            print(line)
        if split_size:
            print()
            print(f"Where one worker's time goes, {split_size:,} patients, in process:")
            print()
            for line in split(Path(name), split_size, options.repeat):
                print(line)
    if options.api:
        print()
        print(engine_rate(options.api))
    for error in errors:
        print(f"- failed: {error}")


if __name__ == "__main__":
    main()
