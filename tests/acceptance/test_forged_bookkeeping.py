"""Bookkeeping that cannot be forged into deleting (issue 19, case 2).

The planner deletes, replaces or moves only what it can prove it wrote in this folder:
its manifest, journal and staging mark are signed with a key kept outside OUT and bound
to OUT's inode, and each file is known by its inode and its bytes. Whatever it cannot
prove is the user's: the batch stops with one line naming it, and nothing changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cli_helpers import error_line, run
from test_file_safety import HEADER, ROW, snapshot

from planner.batch.bookkeeping import KEY_FILE, MANIFEST_KIND, sign
from planner.batch.outfolder import JOURNAL, MANIFEST, STAGING, STAGING_MARK
from planner.core.state import STATE_ENV, state_folder


def plans(tmp_path: Path, *ids: str, name: str = "plans.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(ROW.format(i) for i in ids))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def user_out(tmp_path: Path) -> Path:
    """OUT holding only a user's file (named as a patient's would be)."""
    out = tmp_path / "out"
    (out / "p1").mkdir(parents=True)
    (out / "p1" / "schedule.csv").write_text("a pharmacist's own schedule\n")
    (out / "thesis.txt").write_text("a user's file in OUT\n")
    return out


def forced(tmp_path: Path, out: Path, *ids: str) -> str:
    """The one error line of ``batch --force`` into ``out``, with nothing changed."""
    batch_file = plans(tmp_path, *ids)
    before = snapshot(tmp_path)
    message = error_line(run("batch", batch_file, "--out", out, "--csv", "--force"))
    assert snapshot(tmp_path) == before
    return message


def test_a_forged_manifest_naming_a_users_file_with_its_true_digest_is_refused(
    tmp_path: Path, user_out: Path
) -> None:
    """As an earlier version wrote it (unsigned): once, --force deleted thesis.txt."""
    forged = {
        "kind": "dose-planner batch output",
        "files": {"thesis.txt": digest(user_out / "thesis.txt")},
        "folders": [],
    }
    (user_out / MANIFEST).write_text(json.dumps(forged))
    message = forced(tmp_path, user_out, "p2")
    assert f"{user_out / MANIFEST} is not the planner's manifest" in message
    assert "not signed by this planner for this folder" in message


def test_a_manifest_in_the_new_form_signed_with_another_key_is_refused(
    tmp_path: Path, user_out: Path
) -> None:
    entry = json.dumps(["thesis.txt", (user_out / "thesis.txt").stat().st_ino, "0" * 64])
    body = hashlib.sha256(entry.encode() + b"\n").hexdigest()
    header = {
        "kind": MANIFEST_KIND,
        "folder": user_out.stat().st_ino,
        "entries": 1,
        "body": body,
    }
    (user_out / MANIFEST).write_bytes(sign(b"k" * 32, header) + entry.encode() + b"\n")
    assert "is not the planner's manifest" in forced(tmp_path, user_out, "p2")


def test_a_forged_journal_whose_old_list_names_a_users_file_is_refused(
    tmp_path: Path, user_out: Path
) -> None:
    name = "p1/schedule.csv"
    entry = {"files": {name: digest(user_out / name)}, "folders": ["p1"]}
    (user_out / JOURNAL).write_text(json.dumps({"old": entry, "new": {"files": {}}}))
    message = forced(tmp_path, user_out, "p2")
    assert f"{user_out / JOURNAL} is not the planner's journal" in message


def test_a_planted_staging_link_and_a_forged_journal_move_nothing_into_out(
    tmp_path: Path, user_out: Path
) -> None:
    """Once, --force moved the files of a folder outside OUT into OUT."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "p9").mkdir(parents=True)
    (elsewhere / "p9" / "schedule.csv").write_text("a file outside OUT\n")
    (elsewhere / STAGING_MARK).write_text("")
    (user_out / STAGING).symlink_to(elsewhere)
    new = {"files": {"p9/schedule.csv": digest(elsewhere / "p9" / "schedule.csv")}}
    (user_out / JOURNAL).write_text(json.dumps({"old": {}, "new": new | {"folders": ["p9"]}}))
    assert "is not the planner's journal" in forced(tmp_path, user_out, "p2")
    (user_out / JOURNAL).unlink()  # even without a journal the link is not followed
    assert f"{user_out / STAGING} is not the planner's" in forced(tmp_path, user_out, "p2")


@pytest.mark.parametrize(
    "mark",
    [b"", b"forged", b'{"kind": "dose-planner staging folder, signed", "hmac": "00"}'],
    ids=["empty mark", "text", "unsigned"],
)
def test_a_users_folder_named_as_the_staging_folder_is_never_removed(
    tmp_path: Path, user_out: Path, mark: bytes
) -> None:
    staging = user_out / STAGING
    staging.mkdir()
    (staging / STAGING_MARK).write_bytes(mark)
    (staging / "draft.csv").write_text("a user's draft\n")
    assert f"{staging} is not the planner's" in forced(tmp_path, user_out, "p2")


@pytest.mark.parametrize(
    "name",
    ["..planner-manifest.json.k3j4_x.tmp", "..planner-journal.json.abc123.tmp", ".p1.csv.x.tmp"],
)
def test_a_users_file_named_like_a_leftover_is_kept(tmp_path: Path, name: str) -> None:
    """Once deleted without --force: a leftover is known by an exact name the planner
    made, inside its own staging folder, never by a pattern in OUT."""
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("a user's notes\n")
    batch_file = plans(tmp_path, "p1")
    message = error_line(run("batch", batch_file, "--out", out, "--csv"))
    assert "already holds files; give --force" in message
    assert run("batch", batch_file, "--out", out, "--csv", "--force").exit_code == 0
    assert (out / name).read_text() == "a user's notes\n"


def test_a_manifest_copied_from_another_cohort_proves_nothing_here(tmp_path: Path) -> None:
    """Signed, but for another folder: a copy of a cohort (or its manifest) is the user's."""
    first, copy = tmp_path / "first", tmp_path / "copy"
    assert run("batch", plans(tmp_path, "p1"), "--out", first, "--csv").exit_code == 0
    shutil.copytree(first, copy, symlinks=True)
    message = forced(tmp_path, copy, "p1")
    assert f"{copy / MANIFEST} is not the planner's manifest" in message


def test_a_hard_linked_copy_of_a_cohort_is_refused_and_both_are_kept(tmp_path: Path) -> None:
    """``cp -al``: the same inodes and bytes, another folder; replacing the copy's files
    would be fine for the original, but the copy is the user's to change."""
    first, copy = tmp_path / "first", tmp_path / "copy"
    assert run("batch", plans(tmp_path, "p1"), "--out", first, "--csv").exit_code == 0
    subprocess.run(["cp", "-al", str(first), str(copy)], check=True)
    assert "is not the planner's manifest" in forced(tmp_path, copy, "p2")


def test_a_users_copy_in_place_of_the_planners_file_is_theirs(tmp_path: Path) -> None:
    """The same bytes, but a file the user put there (restored from a backup, saved by
    an editor that writes a new file): not the file the planner made."""
    out = tmp_path / "out"
    assert run("batch", plans(tmp_path, "p1", "p2"), "--out", out, "--csv").exit_code == 0
    kept = out / "p2" / "schedule.csv"
    data = kept.read_bytes()
    # The planner's file and folder are moved aside, not deleted: a new one made at once
    # in place of a deleted one may be given its inode number again.
    kept.rename(tmp_path / "the planner's schedule.csv")
    kept.write_bytes(data)
    folder = out / "p1"
    folder.rename(tmp_path / "the planner's p1")
    folder.mkdir()  # a folder of the user's where the planner's was
    (folder / "letter.txt").write_text("mine\n")
    assert f"{folder} was not made by the planner" in forced(tmp_path, out, "p1")
    assert f"{kept} was not written by the planner" in forced(tmp_path, out, "p2")
    # A batch that does not write there leaves both alone.
    assert run("batch", plans(tmp_path, "p3"), "--out", out, "--csv", "--force").exit_code == 0
    assert kept.read_bytes() == data
    assert (folder / "letter.txt").read_text() == "mine\n"
    assert sorted(path.name for path in out.iterdir() if not path.name.startswith(".")) == [
        "all-days.csv",
        "p1",
        "p2",
        "p3",
        "summary.csv",
    ]


def test_the_key_is_made_once_private_and_outside_out(tmp_path: Path) -> None:
    key = state_folder() / KEY_FILE
    out = tmp_path / "out"
    assert run("batch", plans(tmp_path, "p1"), "--out", out, "--csv").exit_code == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.stat().st_size == 32
    assert not key.resolve().is_relative_to(out.resolve())


def test_a_key_others_may_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv(STATE_ENV, str(state))
    out = tmp_path / "out"
    assert run("batch", plans(tmp_path, "p1"), "--out", out, "--csv").exit_code == 0
    (state / KEY_FILE).chmod(0o644)
    message = error_line(run("batch", plans(tmp_path, "p2"), "--out", out, "--force"))
    assert f"{state / KEY_FILE} is not a signing key the planner can trust" in message


def test_the_state_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(STATE_ENV)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_folder() == tmp_path / "xdg" / "dose-planner"
    monkeypatch.setenv("XDG_STATE_HOME", "relative")  # ignored, as the spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_folder() == tmp_path / "home" / ".local" / "state" / "dose-planner"


def test_a_lost_key_leaves_every_file_as_it_was(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new machine or user: the planner can prove nothing, so replaces nothing."""
    out = tmp_path / "out"
    assert run("batch", plans(tmp_path, "p1"), "--out", out, "--csv").exit_code == 0
    monkeypatch.setenv(STATE_ENV, str(tmp_path_factory.mktemp("new-state")))
    assert "is not the planner's manifest" in forced(tmp_path, out, "p1")
