"""Batch planning: many patients from one CSV, each exactly as if planned alone."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
import pytest
from batch_helpers import manifest_digests, output_bytes
from cli_helpers import ROOT, run

from planner.batch import plan_cohort
from planner.errors import InputError

EXAMPLE = ROOT / "examples" / "batch-patients.csv"
HEADER = "id,protocol,schedule,start,weight_kg,from_mg_per_day,pace,product,pauses\n"


def write(tmp_path: Path, text: str, name: str = "plans.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_cohort_plans_every_good_row_and_reports_the_bad_one(tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    result = run("batch", str(EXAMPLE), "--out", str(out), "--csv")
    assert result.exit_code == 1
    summary = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    failed = [row for row in summary if row["status"] == "error"]
    assert [row["id"] for row in failed] == ["BAD1"]
    assert failed[0]["error"].startswith("batch-patients.csv:row 31: from_mg_per_day:")
    assert "batch-patients.csv:row 31: from_mg_per_day" in result.stderr
    ok = [row["id"] for row in summary if row["status"] == "ok"]
    assert len(ok) == 29
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(ok)
    combined = pd.read_csv(out / "all-days.csv")
    assert set(combined["id"]) == set(ok)
    assert {"morning_mg", "midday_mg", "bedtime_mg"} <= set(combined.columns)
    # Every protocol, pace and product of the library appears in the example.
    rows = list(csv.DictReader(io.StringIO(EXAMPLE.read_text())))
    assert {r["protocol"] for r in rows} == {"panic-adult", "seizure-adult", "seizure-pediatric"}
    assert {r["pace"] for r in rows if r["pace"]} >= {
        "asam",
        "label",
        "two-phase",
        "nardi-2010",
        "linear",
        "proportional",
        "hyperbolic",
    }
    assert {r["product"] for r in rows if r["product"]} == {
        "us-tablet",
        "us-tablet-scored",
        "us-odt",
        "rivotril-tablet",
        "rivotril-drops",
    }


def test_a_row_gives_the_same_bytes_as_planning_it_alone(tmp_path: Path) -> None:
    plans = write(
        tmp_path,
        HEADER
        + "p1,panic-adult,taper,2027-03-01,,2,hyperbolic,rivotril-drops,2027-05-03:14\n"
        + "p2,seizure-pediatric,titration,2027-01-04,20,,,,\n",
    )
    out = tmp_path / "out"
    assert (
        run("batch", str(plans), "--out", str(out), "--csv", "--ics", "--tz", "UTC").exit_code == 0
    )
    alone = tmp_path / "alone"
    alone.mkdir()
    run(
        "taper",
        "panic-adult",
        "--start",
        "2027-03-01",
        "--from",
        "2",
        "--pace",
        "hyperbolic",
        "--product",
        "rivotril-drops",
        "--pause",
        "2027-05-03:14",
        "--csv",
        str(alone / "p1.csv"),
        "--ics",
        str(alone / "p1.ics"),
        "--tz",
        "UTC",
    )
    run(
        "titrate",
        "seizure-pediatric",
        "--start",
        "2027-01-04",
        "--weight",
        "20",
        "--csv",
        str(alone / "p2.csv"),
    )
    assert (out / "p1" / "schedule.csv").read_bytes() == (alone / "p1.csv").read_bytes()
    assert (out / "p1" / "doses.ics").read_bytes() == (alone / "p1.ics").read_bytes()
    assert (out / "p2" / "schedule.csv").read_bytes() == (alone / "p2.csv").read_bytes()
    combined = (out / "all-days.csv").read_text().splitlines()
    alone_rows = [
        line for line in (alone / "p2.csv").read_text().splitlines() if not line.startswith("#")
    ]
    p2_rows = [line.removeprefix("p2,") for line in combined if line.startswith("p2,")]
    # The combined file has every protocol's times of day; p2's rows carry its own values.
    assert len(p2_rows) == len(alone_rows) - 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("id,protocol,schedule,start\n", "no patients"),
        ("id,protocol,start\nx,panic-adult,2027-01-04\n", "missing column 'schedule'"),
        ("id,protocol,schedule,start,colour\n", "unknown column 'colour'"),
        (
            "id,protocol,schedule,start\na,panic-adult,titration,2027-01-04\na,panic-adult,titration,2027-01-05\n",
            "row 3: id 'a' is used twice",
        ),
    ],
)
def test_a_bad_batch_file_is_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    plans = write(tmp_path, text)
    out = tmp_path / "out"
    result = run("batch", str(plans), "--out", str(out))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_an_output_folder_with_files_needs_force(tmp_path: Path) -> None:
    plans = write(tmp_path, "id,protocol,schedule,start\na,panic-adult,titration,2027-01-04\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run("batch", str(plans), "--out", str(out))
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert run("batch", str(plans), "--out", str(out), "--force").exit_code == 0
    assert (out / "summary.csv").exists()


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("x,panic-adult,taper,2027-03-01,,abc,,,", "from_mg_per_day: must be a number"),
        ("x,panic-adult,taper,2027-13-01,,2,,,", "start: '2027-13-01' is not a date"),
        ("x,panic-child,taper,2027-03-01,,2,,,", "unknown protocol 'panic-child'"),
        ("x,panic-adult,taper,2027-03-01,,2,warp,,", "unknown pace 'warp'"),
        ("x,panic-adult,taper,2027-03-01,,2,,,2027-03-05", "pauses: '' is not a whole number"),
        ("x,seizure-pediatric,titration,2027-01-04,,,,,", "row 3: weight_kg: "),
        ("x/../y,panic-adult,titration,2027-01-04,,,,,", "cannot name a folder"),
    ],
)
def test_a_bad_row_names_its_row_field_and_reason(tmp_path: Path, row: str, reason: str) -> None:
    plans = write(tmp_path, HEADER + "ok,panic-adult,titration,2027-01-04,,,,,\n" + row + "\n")
    out = tmp_path / "out"
    result = run("batch", str(plans), "--out", str(out))
    assert result.exit_code == 1
    assert "plans.csv:row 3" in result.stderr and reason in result.stderr
    summary = (out / "summary.csv").read_text()
    assert reason in summary
    assert not (out / "y").exists()


def test_plan_cohort_from_a_dataframe() -> None:
    plans = pd.DataFrame(
        [
            {"id": "a", "protocol": "panic-adult", "schedule": "titration", "start": "2027-01-04"},
            {
                "id": "b",
                "protocol": "panic-adult",
                "schedule": "taper",
                "start": "2027-03-01",
                "from_mg_per_day": "1",
                "pace": "label",
            },
            {
                "id": "c",
                "protocol": "panic-adult",
                "schedule": "taper",
                "start": "2027-03-01",
                "from_mg_per_day": "1.3",
            },
        ]
    )
    combined = plan_cohort(plans)
    assert list(combined["id"].unique()) == ["a", "b"]
    assert len(combined[combined["id"] == "a"]) == 17
    assert combined.loc[combined["id"] == "b", "total_mg"].iloc[-1] == 0
    failures = combined.attrs["failures"]
    assert [(row, patient) for row, patient, _ in failures] == [(4, "c")]
    with pytest.raises(InputError, match="unknown column 'colour'"):
        plan_cohort(pd.DataFrame([{"id": "a", "colour": "red"}]))


def test_batch_progress_is_not_shown_when_piped(tmp_path: Path) -> None:
    plans = write(tmp_path, "id,protocol,schedule,start\na,panic-adult,titration,2027-01-04\n")
    result = run("batch", str(plans), "--out", str(tmp_path / "out"))
    assert "Planning" not in result.stderr
    assert result.stdout.strip() == f"Planned 1 of 1 patients into {tmp_path / 'out'}."


def test_force_replaces_each_patients_files_and_a_bad_zone_writes_nothing(tmp_path: Path) -> None:
    plans = write(tmp_path, HEADER + "p1,panic-adult,titration,2027-01-04,,,,,\n")
    out = tmp_path / "out"
    assert run("batch", str(plans), "--out", str(out), "--csv", "--pdf").exit_code == 0
    assert sorted(p.name for p in (out / "p1").iterdir()) == ["calendar.pdf", "schedule.csv"]
    # The same patient now fails: under --force their old files go, the summary says why.
    write(
        tmp_path,
        HEADER
        + "p1,panic-adult,taper,2027-01-04,,1.3,,,\np2,panic-adult,titration,2027-01-04,,,,,\n",
    )
    assert run("batch", str(plans), "--out", str(out), "--csv", "--force").exit_code == 1
    assert not (out / "p1").exists()
    assert "p1,error" in (out / "summary.csv").read_text()
    # A batch in which no row plans (a file of typos) leaves the earlier batch whole.
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write(tmp_path, HEADER + "p2,panic-adlut,titration,2027-01-04,,,,,\n")
    result = run("batch", str(plans), "--out", str(out), "--csv", "--force")
    assert result.exit_code == 1
    assert "earlier batch" in result.stdout
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    fresh = tmp_path / "fresh"
    result = run("batch", str(plans), "--out", str(fresh), "--ics", "--tz", "Bad/Zone")
    assert result.exit_code == 2 and "unknown time zone" in result.stderr
    assert not fresh.exists()


def test_an_id_that_names_a_shared_file_is_a_row_error(tmp_path: Path) -> None:
    plans = write(tmp_path, HEADER + "Summary.CSV,panic-adult,titration,2027-01-04,,,,,\n")
    result = run("batch", str(plans), "--out", str(tmp_path / "out"), "--csv")
    assert result.exit_code == 1
    assert "is a name the batch or the system reserves" in result.stderr


def test_the_combined_csv_lists_times_of_day_in_day_order(tmp_path: Path) -> None:
    plans = write(
        tmp_path,
        HEADER
        + "a,panic-adult,titration,2027-01-04,,,,,\n"
        + "b,seizure-pediatric,titration,2027-01-04,20,,,,\n",
    )
    out = tmp_path / "out"
    assert run("batch", str(plans), "--out", str(out)).exit_code == 0
    header = (out / "all-days.csv").read_text().splitlines()[0].split(",")
    doses = [name for name in header if name.endswith("_mg") and name != "total_mg"]
    assert doses == ["morning_mg", "midday_mg", "bedtime_mg"]


@pytest.mark.slow
def test_workers_give_the_same_bytes_as_one_process(tmp_path: Path) -> None:
    """Rows are planned in parallel and written in the file's order."""
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        result = run(
            "batch", str(EXAMPLE), "--out", str(out), "--csv", "--ics", "--tz", "UTC",
            "--workers", workers,
        )  # fmt: skip
        assert result.exit_code == 1  # the example's one bad row
        outs.append(output_bytes(out))
    assert outs[0] == outs[1]
    assert len(outs[0]) > 50


def test_the_manifest_holds_each_files_digest_as_written(tmp_path: Path) -> None:
    """The batch takes each file's SHA-256 as it writes it, not by reading it back: the
    same digests as the files' bytes."""
    out = tmp_path / "cohort"
    assert run("batch", str(EXAMPLE), "--out", str(out), "--csv").exit_code == 1
    digests = manifest_digests(out)
    files = {name: digest for name, digest in digests.items() if digest is not None}
    assert len(files) > 30
    for name, digest in files.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
