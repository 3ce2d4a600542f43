"""The manifest of a large cohort, written and read back (not a test): its size, the
seconds each way and this process's peak memory. Once, the planner's own manifest of a
400,000-patient cohort was over the limit it read manifests with.

Run: python benchmarks/manifest.py                 (400,000 patients, five files each)
     python benchmarks/manifest.py --patients 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from planner.batch.bookkeeping import Manifest

OUTPUTS = ("schedule.csv", "calendar.pdf", "plot.png", "doses.ics", "medication-requests.fhir.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=400_000)
    options = parser.parse_args()
    entries: dict[str, tuple[int, str | None]] = {
        "all-days.csv": (1, "a" * 64),
        "summary.csv": (2, "b" * 64),
    }
    for number in range(options.patients):
        patient = f"patient-{number:07d}"
        entries[patient] = (8 * number + 3, None)
        for offset, name in enumerate(OUTPUTS):
            digest = hashlib.sha256(f"{patient}/{name}".encode()).hexdigest()
            entries[f"{patient}/{name}"] = (8 * number + 4 + offset, digest)
    manifest, key = Manifest(entries), os.urandom(32)
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / ".planner-manifest.json"
        started = time.perf_counter()
        manifest.write(path, key, folder=1)
        written = time.perf_counter() - started
        started = time.perf_counter()
        read = Manifest.read(path, key, folder=1)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    assert read is not None and read[0] == manifest, "not read back"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{dt.date.today()}: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(
        f"{options.patients:,} patients, {len(entries):,} entries: {size / 1e6:.0f} MB, "
        f"written in {written:.1f} s, read back in {seconds:.1f} s; peak {peak:.0f} MB "
        "(this process, the manifest built in memory, then read back beside it)"
    )


if __name__ == "__main__":
    main()
