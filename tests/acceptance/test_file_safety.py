"""The planner deletes and replaces only what it wrote (issue: never lose a file).

A sentinel tree stands around and inside the batch's output folder; no hostile id, no
--force, no killed run may change any of it.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from batch_helpers import manifest_digests
from cli_helpers import error_line, ok, run

from planner.batch import Outcome, run_batch
from planner.batch.outfolder import JOURNAL, LOCK, MANIFEST, STAGING, STAGING_MARK, OutputFolder
from planner.batch.rows import BatchRow
from planner.core.plaintext import FORMULA_STARTS
from planner.errors import OutputError
from planner.render.outputs import OutputOptions

HEADER = "id,protocol,schedule,start\n"
ROW = "{},panic-adult,titration,2027-01-04\n"
# What a batch of one planned patient, p1, leaves in OUT.
ONE_PATIENT_COHORT = sorted([MANIFEST, LOCK, "all-days.csv", "p1", "summary.csv"])
HOSTILE_IDS = [
    "..",
    "../..",
    "../../x",
    "../victim",
    ".",
    "",
    " ",
    "/",
    "a/b",
    "a\\b",
    "~",
    "$HOME",
    "-rf",
    ".hidden",
    ".planner-staging",
    ".planner-manifest.json",
    "all-days.csv",
    "SUMMARY.CSV",
    "con",
    "NUL.txt",
    "x" * 65,
    "%2e%2e",
    "userdir",  # a user's folder inside OUT
    "user.txt",  # a user's file inside OUT
    "link",  # a user's symlink inside OUT, to a folder outside it
]


def snapshot(root: Path) -> dict[str, object]:
    """Every path below ``root`` with what it is: bytes and mode, a folder, or a link."""
    seen: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            seen[key] = ("link", str(path.readlink()))
        elif path.is_dir():
            seen[key] = ("folder", stat.S_IMODE(path.stat().st_mode))
        else:
            seen[key] = (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    return seen


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/victim (outside), tmp/work/out with a user's file, folder and link in it."""
    victim = tmp_path / "victim"
    (victim / "deep").mkdir(parents=True)
    (victim / "deep" / "notes.txt").write_text("a clinician's notes\n")
    (victim / "x").mkdir()
    out = tmp_path / "work" / "out"
    (out / "userdir").mkdir(parents=True)
    (out / "userdir" / "mine.txt").write_text("mine\n")
    (out / "user.txt").write_text("a user's file in OUT\n")
    (out / "link").symlink_to(victim)
    (tmp_path / "work" / "keep.txt").write_text("beside OUT\n")
    return tmp_path


def cohort_files(out: Path) -> dict[str, object]:
    """A cohort as its bytes: the snapshot, with its manifest by names and digests."""
    return snapshot(out) | {MANIFEST: manifest_digests(out)}


def outside_and_user_files(tmp_path: Path) -> dict[str, object]:
    planner_names = {"all-days.csv", "summary.csv", MANIFEST, LOCK, "p1", "p1/schedule.csv"}
    return {
        key: value
        for key, value in snapshot(tmp_path).items()
        if not key.startswith("work/out/") or key.removeprefix("work/out/") not in planner_names
    }


@pytest.mark.parametrize("force", [False, True])
def test_no_hostile_id_changes_anything_outside_out_or_any_user_file(
    tree: Path, force: bool
) -> None:
    plans = tree / "work" / "plans.csv"
    plans.write_text(HEADER + "".join(ROW.format(i) for i in [*HOSTILE_IDS, "p1"]))
    (tree / "work" / "abs.csv").write_text(HEADER + ROW.format(tree / "victim"))
    before = outside_and_user_files(tree)
    out = tree / "work" / "out"
    for batch_file in (plans, tree / "work" / "abs.csv"):
        for _ in range(2):  # a second run replaces the first run's files
            extra = ["--force"] if force else []
            result = run("batch", batch_file, "--out", out, "--csv", *extra)
            assert result.exit_code in (1, 2), result.output
            assert "Traceback" not in result.output
    assert outside_and_user_files(tree) == before


def test_hostile_ids_are_row_errors_that_quote_the_id(tree: Path) -> None:
    plans = tree / "plans.csv"
    plans.write_text(HEADER + "".join(ROW.format(i) for i in ["../../x", "a/b", "p1"]))
    out = tree / "fresh"
    result = run("batch", plans, "--out", out, "--csv")
    assert result.exit_code == 1
    assert "id: '../../x' cannot name a folder" in result.stderr
    assert "id: 'a/b' cannot name a folder" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ONE_PATIENT_COHORT


def test_blank_rows_as_spreadsheets_export_them_are_skipped(tmp_path: Path) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(HEADER + ROW.format("p1") + ",,,\n,,,\n")
    out = tmp_path / "out"
    assert run("batch", plans, "--out", out).exit_code == 0
    assert len((out / "summary.csv").read_text().splitlines()) == 2


def test_force_replaces_only_the_planners_files_and_says_so(tree: Path) -> None:
    out = tree / "work" / "out"
    plans = tree / "plans.csv"
    plans.write_text(HEADER + ROW.format("p1") + ROW.format("p2"))
    assert "already holds files" in error_line(run("batch", plans, "--out", out))
    assert run("batch", plans, "--out", out, "--csv", "--force").exit_code == 0
    user = {k: v for k, v in snapshot(out).items() if k.startswith(("user", "link"))}
    # A second run with fewer patients removes p2's files and folder, nothing else.
    plans.write_text(HEADER + ROW.format("p1"))
    assert run("batch", plans, "--out", out, "--csv", "--force").exit_code == 0
    assert not (out / "p2").exists()
    assert (out / "p1" / "schedule.csv").is_file()
    assert {k: v for k, v in snapshot(out).items() if k.startswith(("user", "link"))} == user
    help_text = ok("batch", "--help")
    assert "never a file or folder the planner did not write" in " ".join(help_text.split())


@pytest.mark.parametrize(
    ("prepare", "reason"),
    [
        (lambda out: (out / "p1").mkdir(), "was not made by the planner"),
        (lambda out: (out / "p1").write_text("x"), "was not made by the planner"),
        (lambda out: (out / "p1").symlink_to(out.parent), "was not made by the planner"),
        (lambda out: (out / "summary.csv").write_text("mine"), "was not written by the planner"),
    ],
    ids=["user folder", "user file", "symlink", "user summary"],
)
def test_a_user_file_in_the_way_stops_the_batch_before_any_change(
    tmp_path: Path, prepare: object, reason: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert callable(prepare)
    prepare(out)
    before = snapshot(tmp_path)
    plans = tmp_path / "plans.csv"
    plans.write_text(HEADER + ROW.format("p1"))
    before = snapshot(tmp_path)
    assert reason in error_line(run("batch", plans, "--out", out, "--csv", "--force"))
    assert snapshot(tmp_path) == before  # not even the planner's lock file is left


def test_a_file_changed_since_the_planner_wrote_it_is_not_replaced(tmp_path: Path) -> None:
    out, plans = tmp_path / "out", tmp_path / "plans.csv"
    plans.write_text(HEADER + ROW.format("p1"))
    assert run("batch", plans, "--out", out, "--csv").exit_code == 0
    edited = out / "p1" / "schedule.csv"
    edited.write_text(edited.read_text() + "a pharmacist's edit\n")
    before = snapshot(out)
    assert "was changed since" in error_line(run("batch", plans, "--out", out, "--csv", "--force"))
    assert snapshot(out) == before


def test_a_forged_manifest_cannot_point_outside_out(tmp_path: Path) -> None:
    out, plans = tmp_path / "out", tmp_path / "plans.csv"
    (tmp_path / "victim.txt").write_text("keep\n")
    out.mkdir()
    forged = {
        "kind": "dose-planner batch output",
        "files": {"../victim.txt": "0" * 64, "/etc/hostname": "0" * 64},
        "folders": ["..", "/tmp"],
    }
    (out / MANIFEST).write_text(repr(forged).replace("'", '"'))
    plans.write_text(HEADER + ROW.format("p1"))
    message = error_line(run("batch", plans, "--out", out, "--force"))
    assert f"{out / MANIFEST} is not the planner's manifest" in message
    assert (tmp_path / "victim.txt").read_text() == "keep\n"


def test_a_second_batch_into_a_locked_folder_is_refused(tmp_path: Path) -> None:
    out, plans = tmp_path / "out", tmp_path / "plans.csv"
    plans.write_text(HEADER + ROW.format("p1"))
    out.mkdir()
    with (out / LOCK).open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        message = error_line(run("batch", plans, "--out", out, "--force"))
    assert "another planner batch is writing into" in message
    assert sorted(p.name for p in out.iterdir()) == [LOCK]


def test_a_refused_batch_into_a_new_folder_leaves_no_folder(tmp_path: Path) -> None:
    out, plans = tmp_path / "out", tmp_path / "plans.csv"
    plans.write_text(HEADER + ROW.format("p1"))
    (tmp_path / "blocker").write_text("x")
    assert "is a file" in error_line(run("batch", plans, "--out", tmp_path / "blocker"))
    assert "does not exist" in error_line(run("batch", plans, "--out", tmp_path / "no" / "out"))
    assert not out.exists()


def test_an_unwritable_out_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root a read-only folder is still writable, so the refusal is simulated."""
    plans = tmp_path / "plans.csv"
    plans.write_text(HEADER + ROW.format("p1"))

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert "Permission denied" in error_line(run("batch", plans, "--out", tmp_path / "out"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.csv"]


# --- Killed runs ------------------------------------------------------------------------


def cohort(tmp_path: Path, ids: list[str], name: str) -> Path:
    plans = tmp_path / name
    plans.write_text(HEADER + "".join(ROW.format(i) for i in ids))
    return plans


def batch(plans: Path, out: Path) -> None:
    run_batch(plans, out, outputs=["csv"], options=OutputOptions(), force=True)


def test_a_run_killed_while_planning_leaves_the_old_cohort_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    batch(cohort(tmp_path, ["a1", "a2", "a3"], "a.csv"), out)
    before = snapshot(out)
    planned = 0

    from planner import batch as batch_module

    real = batch_module.plan_one

    def killed(row: BatchRow) -> Outcome:
        nonlocal planned
        planned += 1
        if planned == 2:
            raise KeyboardInterrupt
        return real(row)

    monkeypatch.setattr(batch_module, "plan_one", killed)
    with pytest.raises(KeyboardInterrupt):
        batch(cohort(tmp_path, ["b1", "b2", "b3"], "b.csv"), out)
    assert snapshot(out) == before


def test_a_run_killed_during_the_swap_is_finished_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    batch(cohort(tmp_path, ["b1", "b2", "b3"], "b.csv"), out)
    cohort_b = cohort_files(out)
    batch(cohort(tmp_path, ["a1", "a2", "a3"], "a.csv"), out)
    moved = 0
    real = Path.replace

    def killed(self: Path, target: str | os.PathLike[str]) -> Path:
        nonlocal moved
        if STAGING in str(self) and STAGING not in str(target):
            moved += 1
            if moved == 3:
                raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        batch(cohort(tmp_path, ["b1", "b2", "b3"], "b.csv"), out)
    monkeypatch.undo()
    assert (out / JOURNAL).is_file()  # a mix, for now, with the journal to finish it
    with OutputFolder.open(out, force=True):
        pass
    assert cohort_files(out) == cohort_b


def test_finishing_a_killed_swap_never_writes_through_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    batch(cohort(tmp_path, ["a1"], "a.csv"), out)
    real = Path.replace

    def killed(self: Path, target: str | os.PathLike[str]) -> Path:
        if STAGING in str(self) and STAGING not in str(target):
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        batch(cohort(tmp_path, ["b1"], "b.csv"), out)
    monkeypatch.undo()
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "schedule.csv").write_text("a user's data\n")
    shutil.rmtree(out / "b1", ignore_errors=True)
    (out / "b1").symlink_to(victim)
    with (
        pytest.raises(OutputError, match="was not made by the planner"),
        OutputFolder.open(out, force=True),
    ):
        pass
    assert (victim / "schedule.csv").read_text() == "a user's data\n"


def test_stale_staging_from_a_killed_first_run_is_cleared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a run killed while planning leaves it: its staging folder, with its signed mark."""
    out = tmp_path / "out"
    from planner import batch as batch_module

    def killed(row: BatchRow) -> Outcome:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_module, "plan_one", killed)
    monkeypatch.setattr(OutputFolder, "clear_staging", lambda self: None)  # as if SIGKILLed
    with pytest.raises(KeyboardInterrupt):
        batch(cohort(tmp_path, ["a1"], "a.csv"), out)
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == [STAGING]
    assert (out / STAGING / STAGING_MARK).is_file()
    plans = cohort(tmp_path, ["p1"], "plans.csv")
    assert run("batch", plans, "--out", out, "--csv").exit_code == 0  # no --force needed
    assert not (out / STAGING).exists()
    assert sorted(p.name for p in out.iterdir()) == ONE_PATIENT_COHORT


# --- Spreadsheets -----------------------------------------------------------------------


def test_summary_cells_never_open_as_formulas(tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+cmd", "=cmd|' /C calc'!A0", "-2+3"]
    plans = tmp_path / "=plans.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "protocol", "schedule", "start"])
    for number, cell in enumerate(hostile):
        writer.writerow([cell, "panic-adult", "titration", "2027-01-04"])
        writer.writerow([f"p{number}", cell, cell, "2027-01-04"])
    plans.write_text(buffer.getvalue())
    out = tmp_path / "out"
    run("batch", plans, "--out", out)
    cells = [
        cell for row in csv.reader(io.StringIO((out / "summary.csv").read_text())) for cell in row
    ]
    assert cells, "the summary has rows"
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert "'@SUM(A1)" in cells


@contextlib.contextmanager
def protocol_with_caution(tmp_path: Path, text: str) -> Iterator[Path]:
    from cli_helpers import ROOT

    source = (ROOT / "protocols" / "panic-adult.toml").read_text()
    caution = f'\n[[cautions]]\napplies = "always"\ntext = "{text}"\n'
    first_source = source.index("[[sources]]")
    path = tmp_path / "formula.toml"
    path.write_text(source[:first_source] + caution + source[first_source:])
    yield path


def test_protocol_text_starting_with_a_formula_is_text_in_xlsx_and_csv(tmp_path: Path) -> None:
    with protocol_with_caution(tmp_path, "=HYPERLINK(1)") as protocol:
        xlsx, plan_csv = tmp_path / "plan.xlsx", tmp_path / "plan.csv"
        ok("titrate", protocol, "--start", "2027-01-04", "--xlsx", xlsx, "--csv", plan_csv)
    book = openpyxl.load_workbook(xlsx)
    kinds = {
        cell.data_type for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    }
    assert "f" not in kinds
    about = [cell.value for row in book["About"].iter_rows() for cell in row]
    assert "=HYPERLINK(1)" in about  # kept as the protocol says it, as text
    rows = [line for line in plan_csv.read_text().splitlines() if not line.startswith("#")]
    assert not [cell for row in csv.reader(rows) for cell in row if cell.startswith("=")]


# --- File modes -------------------------------------------------------------------------


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_honour_the_umask(tmp_path: Path) -> None:
    plan_csv = tmp_path / "plan.csv"
    with umask(0o077):
        ok("titrate", "panic-adult", "--start", "2027-01-04", "--csv", plan_csv)
        run("batch", cohort(tmp_path, ["p1"], "plans.csv"), "--out", tmp_path / "out", "--csv")
    assert mode(plan_csv) == 0o600
    assert mode(tmp_path / "out" / "summary.csv") == 0o600
    assert mode(tmp_path / "out" / "p1" / "schedule.csv") == 0o600
    assert mode(tmp_path / "out" / "p1") == 0o700


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    plan_csv = tmp_path / "plan.csv"
    plan_csv.write_text("old\n")
    plan_csv.chmod(0o600)
    with umask(0o022):
        ok("titrate", "panic-adult", "--start", "2027-01-04", "--csv", plan_csv)
    assert mode(plan_csv) == 0o600
    assert plan_csv.read_text().startswith("# clonazePAM")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        (STAGING, lambda path: (path.mkdir(), (path / "thesis.txt").write_text("mine"))),
        (MANIFEST, lambda path: path.symlink_to("/etc/hostname")),
        (MANIFEST, lambda path: path.write_text("my notes, not JSON")),
        (JOURNAL, lambda path: path.write_text("my notes, not JSON")),
        (JOURNAL, lambda path: path.write_text("[" * 100_000 + "]" * 100_000)),
        (LOCK, lambda path: path.mkdir()),
    ],
    ids=["staging folder", "manifest link", "manifest text", "journal text", "deep", "lock"],
)
def test_a_users_file_with_a_bookkeeping_name_is_refused_not_removed(
    tmp_path: Path, name: str, make: object
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "user.txt").write_text("mine")
    assert callable(make)
    make(out / name)
    before = snapshot(tmp_path)
    plans = cohort(tmp_path, ["p1"], "plans.csv")
    message = error_line(run("batch", plans, "--out", out, "--csv", "--force"))
    assert str(out / name) in message
    assert snapshot(tmp_path) == before | {"plans.csv": snapshot(tmp_path)["plans.csv"]}


def test_force_never_removes_or_writes_through_a_link_in_out(tmp_path: Path) -> None:
    """A patient folder of an earlier batch, moved away and linked back: neither the
    files behind the link nor the link may be touched."""
    out = tmp_path / "out"
    batch(cohort(tmp_path, ["p1", "p2"], "a.csv"), out)
    archive = tmp_path / "archive"
    archive.mkdir()
    (out / "p1").rename(archive / "p1")
    (out / "p1").symlink_to(archive / "p1")
    kept = snapshot(archive)
    result = run("batch", cohort(tmp_path, ["p3"], "b.csv"), "--out", out, "--csv", "--force")
    assert result.exit_code == 0, result.output
    assert snapshot(archive) == kept
    assert (out / "p1").is_symlink()
    # A batch that would write into the linked folder is refused before any change.
    message = error_line(
        run("batch", cohort(tmp_path, ["p1"], "c.csv"), "--out", out, "--csv", "--force")
    )
    assert "was not made by the planner" in message
    assert snapshot(archive) == kept


def test_out_dot_with_force_keeps_every_file_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once, `--out . --force` emptied the current folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "a.txt").write_text("mine\n")
    cohort(tmp_path, ["p1", "..", ""], "plans.csv")
    before = snapshot(tmp_path)
    result = run("batch", "plans.csv", "--out", ".", "--csv", "--force")
    assert result.exit_code == 1
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {
        MANIFEST,
        LOCK,
        "all-days.csv",
        "summary.csv",
        "p1",
        "p1/schedule.csv",
    }


def test_protocol_text_starting_with_a_formula_is_inert_in_the_batch_summary(
    tmp_path: Path,
) -> None:
    with protocol_with_caution(tmp_path, "=HYPERLINK(1)") as protocol:
        first_caution = protocol.read_text().index("[[cautions]]")
        body = protocol.read_text()
        # Put the formula caution first, so it starts the summary's warnings cell.
        formula = '[[cautions]]\napplies = "always"\ntext = "=HYPERLINK(1)"\n'
        body = body.replace(formula, "")
        protocol.write_text(body[:first_caution] + formula + "\n" + body[first_caution:])
        plans = tmp_path / "plans.csv"
        plans.write_text(
            f"id,protocol,schedule,start,age_years\np1,{protocol},titration,2027-01-04,40\n"
        )
        assert run("batch", plans, "--out", tmp_path / "out").exit_code == 0
    summary = list(csv.reader(io.StringIO((tmp_path / "out" / "summary.csv").read_text())))
    warnings = summary[1][summary[0].index("warnings")]
    assert warnings.startswith("'=HYPERLINK(1)")
