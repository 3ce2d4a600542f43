"""Reading a Parquet cohort (issue 19, case 6): the union of every part's columns, parts
in their natural order, and memory bounded by a row limit that splits large groups."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_helpers import output_bytes
from cli_helpers import run

from planner.batch.on_dask import ParquetCohort, _parts
from planner.batch.rows import BatchRow
from planner.core.limits import MAX_PARQUET_READ_ROWS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

BASE = {"protocol": "panic-adult", "schedule": "titration", "start": "2027-01-04"}


def rows_of(path: Path, columns: list[str] | None = None) -> list[tuple[int, dict[str, str]]]:
    parts, header = _parts(path)
    cohort = ParquetCohort(path, parts, header)
    return [(row.line, row.cells) for row in cohort.rows(columns or header)]


def test_a_column_only_a_later_part_has_is_read_not_dropped(tmp_path: Path) -> None:
    """Once, p2 was planned to the default target: the first part's columns were read."""
    cohort = tmp_path / "cohort.parquet"
    cohort.mkdir()
    pq.write_table(
        pa.table({"id": ["p1"], **{k: [v] for k, v in BASE.items()}}), cohort / "part.0.parquet"
    )
    later = {"id": ["p2"], **{k: [v] for k, v in BASE.items()}, "target_mg_per_day": ["2"]}
    pq.write_table(pa.table(later), cohort / "part.1.parquet")
    plans = tmp_path / "cohort.csv"
    header = ["id", *BASE, "target_mg_per_day"]
    plans.write_text(
        ",".join(header) + "\n" + "p1,panic-adult,titration,2027-01-04,\n"
        "p2,panic-adult,titration,2027-01-04,2\n"
    )
    assert run("batch", plans, "--out", tmp_path / "csv", "--csv").exit_code == 0
    assert run("batch", cohort, "--out", tmp_path / "pq", "--csv").exit_code == 0
    from_csv, from_parquet = output_bytes(tmp_path / "csv"), output_bytes(tmp_path / "pq")
    assert from_parquet == from_csv
    assert from_parquet["p2/schedule.csv"] != from_parquet["p1/schedule.csv"]  # its target
    assert rows_of(cohort)[0][1]["target_mg_per_day"] == ""  # the first part lacks it


def test_a_later_part_with_an_unknown_column_is_refused(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.parquet"
    cohort.mkdir()
    pq.write_table(
        pa.table({"id": ["p1"], **{k: [v] for k, v in BASE.items()}}), cohort / "a.parquet"
    )
    pq.write_table(pa.table({"id": ["p2"], "colour": ["red"]}), cohort / "b.parquet")
    result = run("batch", cohort, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{cohort / 'b.parquet'}: unknown column 'colour'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_later_part_with_a_float_column_is_refused_naming_it(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.parquet"
    cohort.mkdir()
    pq.write_table(
        pa.table({"id": ["p1"], **{k: [v] for k, v in BASE.items()}}), cohort / "a.parquet"
    )
    floats = {"id": ["p2"], **{k: [v] for k, v in BASE.items()}, "target_mg_per_day": [2.0]}
    pq.write_table(pa.table(floats), cohort / "b.parquet")
    result = run("batch", cohort, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{cohort / 'b.parquet'}: column 'target_mg_per_day' holds binary floating" in (
        result.stderr
    )


def test_parts_are_read_in_their_natural_order(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.parquet"
    cohort.mkdir()
    for number in range(12):
        table = pa.table({"id": [f"p{number}"], **{k: [v] for k, v in BASE.items()}})
        pq.write_table(table, cohort / f"part.{number}.parquet")
    (cohort / "_common_metadata").write_bytes(b"not a part")
    assert [cells["id"] for _, cells in rows_of(cohort)] == [f"p{n}" for n in range(12)]
    assert [line for line, _ in rows_of(cohort)] == list(range(2, 14))


def test_a_large_row_group_is_read_in_parts_and_rows_are_numbered_across_them(
    tmp_path: Path,
) -> None:
    size = MAX_PARQUET_READ_ROWS * 3 + 7
    table = pa.table({"id": [f"p{n}" if n % 500 else "" for n in range(size)], **{
        k: [v] * size for k, v in BASE.items()
    }})  # fmt: skip
    cohort = tmp_path / "one-group.parquet"
    pq.write_table(table, cohort, row_group_size=size)
    assert pq.ParquetFile(cohort).metadata.num_row_groups == 1
    every = rows_of(cohort)
    assert [line for line, _ in every] == list(range(2, size + 2))
    ids = rows_of(cohort, ["id"])  # a record whose only cell read is blank is skipped
    assert len(ids) == size - len(range(0, size, 500))
    assert [line for line, _ in ids][:3] == [3, 4, 5]
    assert ids[-1] == (size + 1, {"id": f"p{size - 1}"})


def _peak_reading(path: Path) -> int:
    """Python's peak allocation while every row of ``path`` is read and let go."""
    gc.collect()
    tracemalloc.start()
    try:
        for _ in rows_of_stream(path):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rows_of_stream(path: Path) -> Iterator[BatchRow]:
    parts, header = _parts(path)
    return ParquetCohort(path, parts, header).rows(header)


@pytest.mark.slow
def test_memory_does_not_grow_with_a_row_group(tmp_path: Path) -> None:
    """Once, one row group of 2 million rows took 1.5 GB: it was read whole."""
    peaks = []
    for size in (2 * MAX_PARQUET_READ_ROWS, 16 * MAX_PARQUET_READ_ROWS):
        reasons = [f"reason {n}" for n in range(size)]
        cells = {k: [v] * size for k, v in BASE.items()} | {"off_label_reason": reasons}
        table = pa.table({"id": [f"p{n}" for n in range(size)], **cells})
        path = tmp_path / f"{size}.parquet"
        pq.write_table(table, path, row_group_size=size)
        peaks.append(_peak_reading(path))
    assert peaks[1] < peaks[0] * 1.5, peaks  # eight times the rows, not eight times the memory
