"""Fuzzing the Parquet reader: any cohort of parts, columns, types, values and row
groups gives rows or a one-line InputError, never another exception (issue 19).

Beside ``test_fuzz.py``'s protocol and input fuzzing; skipped without pyarrow.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.batch.columns import COLUMNS
from planner.batch.on_dask import ParquetCohort, _parts
from planner.batch.rows import BatchScan
from planner.errors import InputError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

NAMES = [*COLUMNS[:8], "target_mg_per_day", "lang", "colour", "id ", ""]
TEXT = st.text(max_size=8)
# Each column type the reader may meet, with values of it (None: a missing cell).
TYPES: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "string": (pa.string(), TEXT),
    "large_string": (pa.large_string(), TEXT),
    "category": (pa.dictionary(pa.int32(), pa.string()), st.sampled_from(["a", "T01", ""])),
    "int64": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "int8": (pa.int8(), st.integers(-128, 127)),
    "decimal": (pa.decimal128(9, 3), st.decimals(-999_999, 999_999, places=3, allow_nan=False)),
    "date": (pa.date32(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    "timestamp": (pa.timestamp("s"), st.datetimes(dt.datetime(1800, 1, 1))),
    "timestamp_ns_tz": (
        pa.timestamp("ns", tz="America/New_York"),
        st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)),
    ),
    "float": (pa.float64(), st.floats()),
    "bool": (pa.bool_(), st.booleans()),
    "binary": (pa.binary(), st.binary(max_size=4)),
    "null": (pa.null(), st.none()),
    "list": (pa.list_(pa.int64()), st.lists(st.integers(0, 9), max_size=2)),
}


@st.composite
def parts(draw: st.DrawFn) -> list[tuple[Any, int] | bytes]:
    """One to three parts: a table (its columns, types and rows) and its row group size,
    or, now and then, bytes that are not Parquet."""
    found: list[tuple[Any, int] | bytes] = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 9)) == 0:
            found.append(draw(st.binary(max_size=40)))
            continue
        names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=6))
        rows = draw(st.integers(0, 6))
        columns = {}
        for name in names:
            kind, values = TYPES[draw(st.sampled_from(sorted(TYPES)))]
            cells = draw(st.lists(st.one_of(st.none(), values), min_size=rows, max_size=rows))
            if pa.types.is_dictionary(kind):
                columns[name] = pa.array(cells, pa.string()).dictionary_encode()
            else:
                columns[name] = pa.array(cells, kind)
        table = pa.table(columns) if columns else pa.table({"id": pa.array([], pa.string())})
        found.append((table, draw(st.integers(1, 4))))
    return found


@pytest.mark.slow
@settings(max_examples=80)  # each example writes files: fewer than the profile's 150
@given(cohort=parts(), single=st.booleans())
def test_any_parquet_cohort_gives_rows_or_one_input_error(
    cohort: list[tuple[Any, int] | bytes], single: bool
) -> None:
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "cohort.parquet"
        if single:
            cohort = cohort[:1]
        else:
            path.mkdir()
        for number, part in enumerate(cohort):
            target = path if single else path / f"part.{number}.parquet"
            if isinstance(part, bytes):
                target.write_bytes(part)
            else:
                table, group = part
                pq.write_table(table, target, row_group_size=group)
        try:
            found, header = _parts(path)
            reader = ParquetCohort(path, found, header)
            lines = [row.line for row in reader.rows(header)]
            assert lines == sorted(set(lines))
            assert all(
                isinstance(cell, str) for row in reader.rows(header) for cell in row.cells.values()
            )
            BatchScan.of(path, keep_ids=True, rows=reader.rows(["id", "protocol"]))
        except InputError as error:
            assert str(error).count("\n") == 0
