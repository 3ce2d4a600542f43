"""How long one command takes as a whole process, beside its floor (issue 22's first goal).

The floor is what any command-line tool on this stack pays: Python starting, click and
pydantic's BaseModel imported. Each figure is the median of paired runs (the floor and the
command alternate, so a busy moment costs both), printed beside the floor's, with the ratio
and the goal. The stages show where the time goes: importing the command line, the library,
loading the bundled protocols, and the whole titration.

Run: python benchmarks/startup.py [--runs 15] [--instructions]

``--instructions`` also counts each command's instructions under valgrind (callgrind):
slow (seconds a run), but the same on a busy machine as on a quiet one, so it shows what
a change saves where wall time is noise.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import planner

GOAL = 1.5  # titrate --csv, as a multiple of the floor
FLOOR = "import click; from pydantic import BaseModel"


def seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def paired(argv: list[str], runs: int) -> tuple[float, float]:
    """The medians of ``argv`` and of the floor, run in turn ``runs`` times."""
    floor_argv = [sys.executable, "-c", FLOOR]
    seconds(argv)  # the first run fills the file cache
    pairs = [(seconds(argv), seconds(floor_argv)) for _ in range(runs)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def instructions(argv: list[str]) -> int:
    """The instructions ``argv`` runs, counted by valgrind's callgrind."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = re.search(r"Collected : ([0-9]+)", done.stderr)
    assert found, done.stderr
    return int(found[1])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (
        f"{dt.date.today()}, {platform.system()} {platform.release()}, {cpu}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="count them (valgrind)")
    options = parser.parse_args()
    runs = options.runs
    # An installed package has its bytecode compiled; a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module on every run instead.
    compileall.compile_dir(Path(planner.__file__).parent, quiet=1)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    csv = str(Path(tempfile.mkdtemp()) / "s.csv")
    stages = [
        ("import planner.cli", [python, "-c", "import planner.cli"]),
        ("import planner.api", [python, "-c", "import planner.cli, planner.api"]),
        (
            "load a bundled protocol",
            [
                python,
                "-c",
                "import planner.cli, planner.api as a; a.load_protocol('seizure-adult')",
            ],
        ),
        ("planner --help", [python, "-m", "planner", "--help"]),
    ]
    titrate = [python, "-m", "planner", "titrate", "seizure-adult", "--start", "2027-01-04",
               "--target", "6", "--csv", csv]  # fmt: skip
    print(machine())
    print(f"median of {runs} paired runs, as whole processes\n")
    print("| command | median | floor (bare imports) | ratio |")
    print("|---|---|---|---|")
    measured = [*stages, ("planner titrate ... --csv", titrate)]
    for name, argv in measured:
        median, floor = paired(argv, runs)
        ratio = median / floor
        verdict = ""
        if argv is titrate:
            verdict = f" (goal {GOAL}: {'met' if ratio <= GOAL else 'MISSED'})"
        print(
            f"| `{name}` | {median * 1000:.0f} ms | {floor * 1000:.0f} ms | {ratio:.2f}{verdict} |"
        )
    if not options.instructions:
        return
    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind")
    floor_count = instructions([python, "-c", FLOOR])
    print("\n| command | instructions (millions) | floor | ratio |")
    print("|---|---|---|---|")
    for name, argv in measured:
        count = instructions(argv)
        ratio = count / floor_count
        print(f"| `{name}` | {count / 1e6:,.0f} | {floor_count / 1e6:,.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
