"""The batch's signed bookkeeping: a manifest is read back whatever its size, and any
change to it (an entry, its order, its length, its folder) makes it not the planner's;
a batch of failed rows keeps none of them (issue 19: memory)."""

from __future__ import annotations

import gc
import hashlib
import tracemalloc
from pathlib import Path

import pytest

from planner.batch import run_batch
from planner.batch.bookkeeping import Manifest, signing_key
from planner.core.limits import MAX_BATCH_FILE_BYTES
from planner.render.outputs import OutputOptions

KEY = b"k" * 32
FOLDER = 1234


def cohort_manifest(patients: int) -> Manifest:
    """As a cohort with every per-patient output writes it: a folder and five files each."""
    entries: dict[str, tuple[int, str | None]] = {
        "all-days.csv": (1, "a" * 64),
        "summary.csv": (2, "b" * 64),
    }
    outputs = ("calendar.pdf", "doses.ics", "medication-requests.fhir.json", "plot.png")
    for number in range(patients):
        patient = f"patient-{number:07d}"
        entries[patient] = (10 * number + 3, None)
        for offset, name in enumerate(("schedule.csv", *outputs)):
            digest = hashlib.sha256(f"{patient}/{name}".encode()).hexdigest()
            entries[f"{patient}/{name}"] = (10 * number + 4 + offset, digest)
    return Manifest(entries)


@pytest.mark.slow
def test_a_manifest_is_read_back_whatever_its_size(tmp_path: Path) -> None:
    """Once, a 400,000-patient cohort's manifest was over the planner's own read limit.
    It is read as a stream now: 20,000 patients here (benchmarks/manifest.py: 400,000)."""
    manifest = cohort_manifest(20_000)
    path = tmp_path / "manifest"
    digest = manifest.write(path, KEY, folder=FOLDER)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    read = Manifest.read(path, KEY, folder=FOLDER)
    assert read is not None
    assert read == (manifest, digest)
    # Twenty times this is over the CSV limit the manifest was once read with.
    assert path.stat().st_size * 20 > MAX_BATCH_FILE_BYTES


@pytest.mark.parametrize(
    "change",
    [
        lambda lines: lines[:1] + lines[2:],  # an entry dropped
        lambda lines: [*lines, lines[-1]],  # an entry added
        lambda lines: [lines[0], lines[2], lines[1], *lines[3:]],  # out of order
        lambda lines: [lines[0], lines[1].replace(b'"a', b'"c'), *lines[2:]],  # a digest
        lambda lines: [lines[0].replace(b'"entries":20', b'"entries":19'), *lines[1:]],
        lambda lines: [*lines, b"\n"],  # trailing bytes
    ],
    ids=["dropped", "added", "order", "digest", "header", "trailing"],
)
def test_any_change_makes_a_manifest_not_the_planners(tmp_path: Path, change: object) -> None:
    path = tmp_path / "manifest"
    cohort_manifest(3).write(path, KEY, folder=FOLDER)
    assert callable(change)
    path.write_bytes(b"".join(change(path.read_bytes().splitlines(keepends=True))))
    assert Manifest.read(path, KEY, folder=FOLDER) is None


def test_a_manifest_proves_nothing_for_another_folder_or_key(tmp_path: Path) -> None:
    path = tmp_path / "manifest"
    cohort_manifest(2).write(path, KEY, folder=FOLDER)
    assert Manifest.read(path, KEY, folder=FOLDER + 1) is None
    assert Manifest.read(path, b"j" * 32, folder=FOLDER) is None
    assert Manifest.read(path, signing_key(), folder=FOLDER) is None
    link = tmp_path / "link"
    link.symlink_to(path)
    assert Manifest.read(link, KEY, folder=FOLDER) is None  # never through a link


def _peak_batch(folder: Path, rows: int) -> int:
    """Python's peak allocation while a batch of ``rows`` typo rows is planned."""
    plans = folder / f"typos-{rows}.csv"
    plans.write_text(
        "id,protocol,schedule,start\n"
        + "".join(f"p{n},panic-adult,titratoin,2027-01-04\n" for n in range(rows))
    )
    gc.collect()
    tracemalloc.start()
    try:
        report = run_batch(plans, folder / f"out-{rows}", outputs=[], options=OutputOptions())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert report.failed == rows


@pytest.mark.slow
def test_failed_rows_are_not_kept(tmp_path: Path) -> None:
    """Once, every failed row was kept until the end (2.5 million typo rows took 1.3 GB).
    Now only the first pass's number per row grows (to find an id used twice)."""
    small, large = _peak_batch(tmp_path, 1_000), _peak_batch(tmp_path, 5_000)
    per_row = (large - small) / 4_000
    assert per_row < 200, (small, large)  # a kept failure took over 400 bytes
