"""A warm web API request against one command-line process, side by side (not a test).

Both make the same titration CSV: ``GET /api/titrate?...&format=csv`` to a running
``planner serve`` (uvicorn on a loopback port, one keep-alive connection, after a few
warm-up requests) and one ``planner titrate ... --csv`` process (the README's figure of
what a clinician at a terminal waits). Medians of repeated runs; the issue asks that the
request take at most half the process's time.

Run: python benchmarks/web.py
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
import uvicorn

from planner.web.app import create_app

OPTIONS = ["--start", "2027-01-04", "--target", "2"]
QUERY = "/api/titrate?protocol=panic-adult&start=2027-01-04&target=2&format=csv"


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    machine = platform.processor() or platform.machine()
    print(f"{dt.date.today()}: {platform.system()} {platform.release()}, {machine}, ", end="")
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    with tempfile.TemporaryDirectory() as folder, httpx2.Client() as client:
        out = Path(folder) / "titration.csv"
        command = [sys.executable, "-m", "planner", "titrate", "panic-adult", *OPTIONS]
        command += ["--csv", str(out)]

        def request() -> bytes:
            response = client.get(f"http://127.0.0.1:{port}{QUERY}")
            response.raise_for_status()
            return response.content

        def process() -> None:
            subprocess.run(command, check=True, capture_output=True)

        for _ in range(20):
            request()
        process()
        web = median_seconds(request, 200)
        cli = median_seconds(process, 10)
        assert request() == out.read_bytes(), "the API's CSV is not the command line's"
    server.should_exit = True
    print()
    print("| titration CSV | median |")
    print("|---|---|")
    print(
        f"| `planner titrate panic-adult {' '.join(OPTIONS)} --csv` (one process) | "
        f"{cli * 1000:.0f} ms |"
    )
    print(f"| warm `GET {QUERY}` | {web * 1000:.1f} ms |")
    print(f"| ratio | {web / cli:.3f} (at most 0.5 asked) |")


if __name__ == "__main__":
    main()
