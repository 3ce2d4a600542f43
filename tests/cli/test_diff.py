"""``planner diff OLD NEW``: two plan files re-made and compared, in plain words for a
clinician; a file that is not a plan, or a plan that cannot be made, is one line naming
the file and exit 2."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import ROOT, error_line, ok, run

from planner.domain.provenance import fingerprint
from planner.plans import load_plan, run_plan

EXAMPLE = ROOT / "examples/hyperbolic-drops.plan.toml"
HELD = ROOT / "examples/hyperbolic-drops-held.plan.toml"  # its last dose held 14 days more
TAPER = """kind = "plan"
protocol = "panic-adult"

[taper]
start = 2027-03-01
from_mg_per_day = 2
pace = "linear"
product = "us-tablet"
"""
DISCLAIMER = "For clinician review and education. Not medical advice."


def written(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def fingerprint_of(path: Path) -> str:
    return fingerprint(run_plan(load_plan(path), folder=path.parent).schedule)


def table(stdout: str) -> list[list[str]]:
    """The changed periods' rows: old From, To, Days, Daily; the new; the change."""
    row = re.compile(
        r"^(-|\d{4}-\d{2}-\d{2}  \d{4}-\d{2}-\d{2}\s+\d+\s+\S+ mg)\s+"
        r"(-|\d{4}-\d{2}-\d{2}  \d{4}-\d{2}-\d{2}\s+\d+\s+\S+ mg)\s+(\S.*)$"
    )
    return [list(m.groups()) for line in stdout.splitlines() if (m := row.match(line))]


def test_the_same_plan_twice_has_no_difference() -> None:
    stdout = ok("diff", EXAMPLE, EXAMPLE)
    assert "No difference: both plans give the same doses on every day" in stdout
    assert "Changed periods" not in stdout
    assert stdout.count(f"fingerprint {fingerprint_of(EXAMPLE)}") == 2
    assert DISCLAIMER in stdout


def test_the_examples_say_the_first_day_the_end_and_each_changed_period() -> None:
    stdout = ok("diff", EXAMPLE, HELD)
    assert f"Old plan: {EXAMPLE}" in stdout and f"New plan: {HELD}" in stdout
    assert "taper, protocol panic-adult 1.2.0" in stdout
    for path in (EXAMPLE, HELD):
        assert f"fingerprint {fingerprint_of(path)}" in stdout
    assert "First day that differs: 2027-12-02: 0.2 mg/day in the new plan, 0.1 mg/day" in stdout
    assert "Ends: 2028-01-06, was 2027-12-23 (14 days later); 312 days, was 298" in stdout
    rows = table(stdout)
    assert [row[2] for row in rows] == [
        "14 days longer",
        "starts 14 days later",
        "starts 14 days later",
    ]
    assert rows[0][0].split()[:3] == ["2027-10-21", "2027-12-01", "42"]
    assert rows[0][1].split()[:3] == ["2027-10-21", "2027-12-15", "56"]
    assert stdout.rstrip().splitlines()[-1].startswith(DISCLAIMER)


def test_a_pause_written_into_a_plan_moves_the_end_14_days(tmp_path: Path) -> None:
    old = written(tmp_path, "old.plan.toml", TAPER)
    pause = 'edits = [{ kind = "pause", date = 2027-03-20, days = 14 }]\n'
    new = written(tmp_path, "new.plan.toml", TAPER + pause)
    stdout = ok("diff", old, new)
    # The 1.5 mg/day step (from 2027-03-15) is held to 2027-04-11, not 2027-03-28.
    assert "First day that differs: 2027-03-29: 1.5 mg/day in the new plan, 1.25 mg/day" in stdout
    assert "(14 days later); 132 days, was 118 (14 days longer)." in stdout
    first = table(stdout)[0]
    assert first[0].split() == ["2027-03-15", "2027-03-28", "14", "1.5", "mg"]
    assert first[1].split() == ["2027-03-15", "2027-04-11", "28", "1.5", "mg"]


def test_a_step_back_shows_the_period_cut_short_and_the_dose_added(tmp_path: Path) -> None:
    old = written(tmp_path, "old.plan.toml", TAPER)
    back = 'edits = [{ kind = "step_back", date = 2027-04-20 }]\n'
    new = written(tmp_path, "new.plan.toml", TAPER + back)
    rows = table(ok("diff", old, new))
    assert rows[0][2] == "6 days shorter"
    assert rows[1][0] == "-" and rows[1][2] == "added"
    assert rows[1][1].split() == ["2027-04-20", "2027-05-10", "21", "1.25", "mg"]


def test_the_same_total_split_otherwise_names_the_times_of_day(tmp_path: Path) -> None:
    """ODT tablets split 1.75 mg/day evenly; Klonopin tablets 0.75 and 1 mg."""
    old = written(tmp_path, "old.plan.toml", TAPER)
    new = written(tmp_path, "new.plan.toml", TAPER.replace('"us-tablet"', '"us-odt"'))
    stdout = ok("diff", old, new)
    assert (
        "First day that differs: 2027-03-01: 1.75 mg/day (morning 0.875 mg, bedtime 0.875 mg; "
        "ODT tablets) in the new plan, 1.75 mg/day (morning 0.75 mg, bedtime 1 mg; Klonopin "
        "tablets) in the old." in stdout
    )
    assert table(stdout)[0][2] == (
        "morning 0.75 mg -> 0.875 mg, bedtime 1 mg -> 0.875 mg, "
        "product Klonopin tablets -> ODT tablets"
    )


def test_a_later_start_says_the_new_plan_has_not_started(tmp_path: Path) -> None:
    old = written(tmp_path, "old.plan.toml", TAPER)
    new = written(tmp_path, "new.plan.toml", TAPER.replace("2027-03-01", "2027-03-15"))
    stdout = ok("diff", old, new)
    assert (
        "First day that differs: 2027-03-01: nothing planned yet (the plan starts "
        "2027-03-15) in the new plan, 1.75 mg/day in the old." in stdout
    )
    assert "(14 days later); 118 days, was 118 (as long)." in stdout


def test_plans_of_different_kinds_are_compared_but_the_reader_is_told(tmp_path: Path) -> None:
    titration = 'kind = "plan"\nprotocol = "panic-adult"\n[titration]\nstart = 2027-03-01\n'
    old = written(tmp_path, "up.plan.toml", titration)
    new = written(tmp_path, "down.plan.toml", TAPER)
    stdout = ok("diff", old, new)
    assert "Note: the old plan is a titration and the new one a taper" in stdout
    assert "First day that differs: 2027-03-01" in stdout


def _not_a_plan(folder: Path) -> Path:
    return written(folder, "products.toml", (ROOT / "protocols/products.toml").read_text())


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda folder: folder / "missing.plan.toml", "{file}: no such file"),
        (lambda folder: folder, "{file}: is a folder, not a file"),
        (lambda folder: ROOT / "protocols/panic-adult.toml", "{file}::kind: not a plan file"),
        (_not_a_plan, "{file}::kind: not a plan file: its kind is 'products'"),
        (lambda folder: written(folder, "x.toml", "a = 1\n"), "{file}::kind: not a plan file"),
        (lambda folder: written(folder, "x.toml", 'kind = "plan"\n['), "Failed to parse {file}"),
        (
            lambda folder: written(folder, "x.toml", 'kind = "plan"\nprotocol = "panic-adult"\n'),
            "{file}: give exactly one of [titration], [taper]",
        ),
        (
            lambda folder: written(folder, "x.toml", TAPER.replace("panic-adult", "no-such")),
            "{file}: unknown protocol",
        ),
        (
            lambda folder: written(
                folder,
                "x.toml",
                TAPER + 'edits = [{ kind = "pause", date = 2026-01-01, days = 14 }]\n',
            ),
            "{file}: edits: 2026-01-01: the taper has no dose on that day",
        ),
    ],
    ids=[
        "missing",
        "folder",
        "protocol",
        "products",
        "no kind",
        "bad toml",
        "no request",
        "protocol unknown",
        "edit outside",
    ],
)
def test_a_bad_file_is_one_line_naming_it(
    make: Callable[[Path], Path], expected: str, tmp_path: Path
) -> None:
    bad = make(tmp_path)
    for args in ((bad, EXAMPLE), (EXAMPLE, bad)):
        message = error_line(run("diff", *args))
        assert expected.format(file=bad) in message, message


def test_one_file_is_not_enough() -> None:
    assert "Missing argument 'NEW'" in error_line(run("diff", EXAMPLE))


def test_a_plan_revised_at_a_visit_differs_from_the_visit_on(tmp_path: Path) -> None:
    """planner revise keeps the days lived: the first difference is on or after the visit."""
    old = written(tmp_path, "v1.plan.toml", TAPER)
    new = tmp_path / "v2.plan.toml"
    ok(
        "revise", old, "--on", "2027-04-20", "--hold", 14, "--reason", "struggling",
        "--out", new,
    )  # fmt: skip
    stdout = ok("diff", old, new)
    first = re.search(r"^First day that differs: (\S+):", stdout, re.MULTILINE)
    assert first is not None and first[1] >= "2027-04-20"
    assert "(14 days later)" in stdout
    assert "  Revised 2027-04-20, version 2: held 14 days: struggling" in stdout
