"""A Parquet cohort, planned in process or on a Dask cluster: the bytes of a CSV batch.

Skipped without the dask extra (``pip install -e '.[dev,dask]'``; CI installs it).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from batch_helpers import output_bytes
from cli_helpers import ROOT, error_line, run

from planner.batch import on_dask as batch_dask
from planner.batch.outfolder import MANIFEST

pytest.importorskip("dask")
import dask.dataframe as dd  # after the skip: these come with the extra
import pyarrow as pa
import pyarrow.parquet as pq

pytestmark = [
    # dask 2026.8 reading Parquet under pandas 3.1 (dask's call, not the planner's)
    pytest.mark.filterwarnings(
        "ignore:The inplace keyword in DataFrame.reset_index is deprecated:DeprecationWarning"
    ),
    # in one xdist worker: the module's cluster (the ``scheduler`` fixture) starts once
    pytest.mark.xdist_group("batch_dask"),
]

EXAMPLE = ROOT / "examples" / "batch-patients.csv"
DOSES = (
    "target_mg_per_day",
    "step_mg_per_day",
    "from_mg_per_day",
    "switch_at_mg_per_day",
    "ec50_mg_per_day",
    "weight_kg",
)
WHOLE = ("age_years", "interval_days", "hold_days")
Rows = list[dict[str, str]]


def example_rows() -> Rows:
    """Every protocol, pace and product, one bad row (31); then a blank row, a date that
    does not exist and an id that cannot name a folder, each failing alone."""
    with EXAMPLE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    blank = dict.fromkeys(rows[0], "")
    bad_date = rows[0] | {"id": "X1", "start": "2027-02-30"}
    bad_id = rows[1] | {"id": "../X2"}
    return [*rows[:12], blank, *rows[12:], bad_date, bad_id]


def write_csv(path: Path, rows: Rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, table: pa.Table, parts: int = 3) -> Path:
    """A folder of ``parts`` files, as ``dask.dataframe.to_parquet`` writes one."""
    path.mkdir()
    size = -(-table.num_rows // parts)
    for number in range(parts):
        pq.write_table(table.slice(number * size, size), path / f"part.{number}.parquet")
    return path


def text_table(rows: Rows) -> pa.Table:
    """Every column as text (empty cells missing), as a spreadsheet export would hold it."""
    return pa.table({name: [row[name] or None for row in rows] for name in rows[0]})


def typed_table(rows: Rows) -> tuple[pa.Table, Rows]:
    """Dates as dates, whole numbers as integers, doses as decimals, the product as a
    category; and the rows as the CSV cells those values are."""
    columns: dict[str, pa.Array] = {}
    for name in rows[0]:
        cells = [row[name] or None for row in rows]
        if name == "start":
            dates = [dt.date.fromisoformat(cell) if cell else None for cell in cells]
            columns[name] = pa.array(dates, pa.date32())
        elif name in WHOLE:
            columns[name] = pa.array([int(cell) if cell else None for cell in cells], pa.int64())
        elif name in DOSES:
            numbers = [Decimal(cell).quantize(Decimal("0.001")) if cell else None for cell in cells]
            columns[name] = pa.array(numbers, pa.decimal128(9, 3))
        elif name == "product":
            columns[name] = pa.array(cells).dictionary_encode()
        else:
            columns[name] = pa.array(cells, pa.string())
    table = pa.table(columns)
    as_text = [
        {name: _cell(value) for name, value in record.items()} for record in table.to_pylist()
    ]
    return table, as_text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def snapshot(out: Path) -> dict[str, object]:
    """OUT's files by their bytes; the manifest, which names inodes, by its digests."""
    return output_bytes(out)


def as_named(files: dict[str, object], source: str, name: str) -> dict[str, object]:
    """A folder's files as if its rows were read from ``name``: errors name their file,
    and the manifest holds the summary's digest."""
    renamed: dict[str, object] = {
        key: data.replace(f"{source}:row".encode(), f"{name}:row".encode())
        for key, data in files.items()
        if isinstance(data, bytes)
    }
    manifest = dict(files[MANIFEST])  # type: ignore[call-overload]
    manifest.pop("summary.csv")
    return renamed | {MANIFEST: manifest}


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Two workers in this process, reached by address as a remote cluster would be."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        yield str(cluster.scheduler_address)


def batch(plans: Path, out: Path, *options: str) -> tuple[int, list[str]]:
    result = run("batch", plans, "--out", out, "--workers", "2", *options)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr.splitlines()


@pytest.mark.slow
@pytest.mark.parametrize("per_patient", [[], ["--csv"]], ids=["combined", "per-patient"])
def test_a_cluster_writes_the_bytes_of_the_csv_batch(
    tmp_path: Path, scheduler: str, per_patient: list[str]
) -> None:
    rows = example_rows()
    plans = write_csv(tmp_path / "cohort.csv", rows)
    cohort = write_parquet(tmp_path / "cohort.parquet", text_table(rows))
    assert dd.read_parquet(cohort).npartitions == 3  # rows are numbered across them
    code, errors = batch(plans, tmp_path / "csv", *per_patient)
    assert code == 1
    assert [line.split(": ")[2] for line in errors] == [
        "cohort.csv:row 32",  # row 31 of the example, after the blank row
        "cohort.csv:row 33",
        "cohort.csv:row 34",
    ]
    on_cluster = batch(cohort, tmp_path / "dask", "--dask", scheduler, *per_patient)
    here = batch(cohort, tmp_path / "here", *per_patient)
    assert (
        on_cluster
        == here
        == (1, [line.replace("cohort.csv:", "cohort.parquet:") for line in errors])
    )
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "here")
    expected = snapshot(tmp_path / "csv")
    assert len(expected) == 4 + (29 if per_patient else 0)  # each planned patient's own CSV
    assert as_named(snapshot(tmp_path / "dask"), "cohort.parquet", "cohort.csv") == as_named(
        expected, "cohort.csv", "cohort.csv"
    )


@pytest.mark.slow
def test_two_local_processes_plan_typed_columns_as_their_text(tmp_path: Path) -> None:
    """The real ``--dask local``: a LocalCluster of two worker processes started here."""
    good = [row for row in example_rows() if row["id"] not in ("BAD1", "X1", "../X2") and row["id"]]
    table, as_text = typed_table(good)
    plans = write_csv(tmp_path / "cohort.csv", as_text)
    cohort = write_parquet(tmp_path / "cohort.parquet", table, parts=4)
    assert batch(plans, tmp_path / "csv", "--csv") == (0, [])
    assert batch(cohort, tmp_path / "dask", "--csv", "--dask", "local") == (0, [])
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "csv")  # no error names a file


def test_a_timestamp_is_its_date_at_midnight_and_fails_its_row_at_another_time(
    tmp_path: Path, scheduler: str
) -> None:
    starts = [dt.datetime(2027, 1, 4), dt.datetime(2027, 1, 4, 8, 30)]
    table = pa.table(
        {
            "id": ["a", "b"],
            "protocol": ["panic-adult"] * 2,
            "schedule": ["titration"] * 2,
            "start": pa.array(starts, pa.timestamp("s")),
        }
    )
    cohort = write_parquet(tmp_path / "cohort.parquet", table, parts=2)
    code, errors = batch(cohort, tmp_path / "out", "--dask", scheduler)
    assert code == 1
    assert errors == [
        "planner: error: cohort.parquet:row 3: start: '2027-01-04T08:30:00' is not a date "
        "as YYYY-MM-DD"
    ]


def test_a_cell_with_a_line_break_fails_its_row_alone(tmp_path: Path, scheduler: str) -> None:
    rows = example_rows()[:3]
    rows[1] = rows[1] | {"id": "T\n02"}
    cohort = write_parquet(tmp_path / "cohort.parquet", text_table(rows))
    code, errors = batch(cohort, tmp_path / "out", "--dask", scheduler)
    assert code == 1
    assert len(errors) == 1
    assert "cohort.parquet:row 3: id: a line break or control character" in errors[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop_columns(["schedule"]), "missing column 'schedule'"),
        (lambda t: t.append_column("colour", pa.array(["red"] * t.num_rows)), "unknown column"),
        (
            lambda t: t.set_column(
                t.schema.get_field_index("from_mg_per_day"),
                "from_mg_per_day",
                pa.array([0.5] * t.num_rows, pa.float64()),
            ),
            "column 'from_mg_per_day' holds binary floating-point numbers, which cannot carry "
            "a dose exactly; store it as text (as typed) or as a decimal column",
        ),
        (
            lambda t: t.set_column(
                t.schema.get_field_index("age_years"),
                "age_years",
                pa.array([True] * t.num_rows),
            ),
            "column 'age_years' is of type bool",
        ),
        (
            lambda t: t.set_column(0, "id", pa.array(["T01"] * t.num_rows)),
            "row 3: id 'T01' is used twice (first on row 2",
        ),
        (lambda t: t.slice(0, 0), "no patients"),
    ],
    ids=["missing", "unknown", "float", "bool", "twice", "empty"],
)
def test_a_bad_cohort_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, scheduler: str, change: object, message: str
) -> None:
    assert callable(change)
    table = change(text_table(example_rows()[:6]))
    cohort = tmp_path / "cohort.parquet"
    pq.write_table(table, cohort)
    for where in ([], ["--dask", scheduler]):
        out = tmp_path / "out"
        result = run("batch", cohort, "--out", out, *where)
        assert message in error_line(result)
        assert not out.exists()


def test_an_id_twice_is_found_across_partitions(tmp_path: Path, scheduler: str) -> None:
    rows = example_rows()
    rows[-1] = rows[-1] | {"id": rows[0]["id"].lower()}
    cohort = write_parquet(tmp_path / "cohort.parquet", text_table(rows))
    result = run("batch", cohort, "--out", tmp_path / "out", "--dask", scheduler)
    assert "row 34: id 't01' is used twice (first on row 2" in error_line(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dask", "local"], "--dask plans a Parquet cohort"),  # a CSV given to --dask
        (["--dask", "nowhere"], "--dask: cannot reach a Dask scheduler at nowhere"),
    ],
)
def test_a_bad_dask_option_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    plans = write_csv(tmp_path / "cohort.csv", example_rows()[:2])
    if "nowhere" in args:
        plans = write_parquet(tmp_path / "cohort.parquet", text_table(example_rows()[:2]))
    result = run("batch", plans, "--out", tmp_path / "out", *args)
    assert message in error_line(result)
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_parquet_is_one_line(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.parquet"
    cohort.write_text("id,protocol\n")
    assert "not a Parquet file or folder" in error_line(run("batch", cohort, "--out", "x"))
    missing = tmp_path / "missing.parquet"
    assert "no such file" in error_line(run("batch", missing, "--out", "x"))


def test_without_the_extra_it_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cohort = write_parquet(tmp_path / "cohort.parquet", text_table(example_rows()[:2]))
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    message = error_line(run("batch", cohort, "--out", tmp_path / "out", "--dask", "local"))
    assert message == f"a Parquet cohort or --dask needs the dask extra: {batch_dask.INSTALL}"


def test_a_column_only_a_later_part_has_is_planned_on_the_cluster(
    tmp_path: Path, scheduler: str
) -> None:
    """Once, the first part's columns were all that was read: p3 and p4 were planned to
    the default target."""
    base = {"protocol": "panic-adult", "schedule": "titration", "start": "2027-01-04"}
    rows = [base | {"id": f"p{n}", "target_mg_per_day": "" if n < 3 else "2"} for n in (1, 2, 3, 4)]
    cohort = tmp_path / "cohort.parquet"
    cohort.mkdir()
    first = text_table(rows[:2]).drop_columns(["target_mg_per_day"])
    pq.write_table(first, cohort / "part.0.parquet")
    pq.write_table(text_table(rows[2:]), cohort / "part.1.parquet")
    plans = write_csv(tmp_path / "cohort.csv", rows)
    assert batch(plans, tmp_path / "csv", "--csv") == (0, [])
    assert batch(cohort, tmp_path / "dask", "--csv", "--dask", scheduler) == (0, [])
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "csv")
    schedules = snapshot(tmp_path / "dask")
    assert schedules["p3/schedule.csv"] != schedules["p1/schedule.csv"]
