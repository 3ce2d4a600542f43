"""A batch's output folder, written so that no user file is ever lost.

The planner changes only what it wrote itself, and says which files those are in a
manifest (``.planner-manifest.json``) that it writes and reads back. A batch is staged
in a hidden folder inside OUT and swapped in at the end, under a lock:

- a run killed while planning or staging leaves the old cohort whole (the next run
  removes the stale staging folder, which it knows by the mark it left in it);
- the swap itself is recorded first in a journal, so a run killed during it is finished
  by the next batch into the same folder: never a mix of two cohorts;
- ``--force`` replaces and removes only files the manifest lists, unchanged since the
  planner wrote them, and never through a link; a user's file, folder or link in the
  way stops the batch before anything is changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from planner.errors import InputError, OutputError
from planner.files import read_input, write_atomic
from planner.limits import MAX_BATCH_FILE_BYTES
from planner.plaintext import quoted

LOCK = ".planner.lock"
MANIFEST = ".planner-manifest.json"
JOURNAL = ".planner-journal.json"
STAGING = ".planner-staging"
STAGING_MARK = ".dose-planner-staging"  # inside STAGING: the folder is the planner's
# What an atomic write of the manifest or journal leaves if killed: '..planner-*.json.X.tmp'.
LEFTOVER = re.compile(r"^\.\.planner-(?:manifest|journal)\.json\.[A-Za-z0-9_]+\.tmp$")
BOOKKEEPING = frozenset({LOCK, MANIFEST, JOURNAL, STAGING})
SHARED_FILES = frozenset({"all-days.csv", "summary.csv"})
MANIFEST_KIND = "dose-planner batch output"

# A patient id names a folder: letters, digits, '.', '_' and '-', starting with a letter
# or digit (so never '..', a hidden file or an absolute path), at most 64 characters.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Names Windows reserves for devices, whatever their extension.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)}
)


def check_patient_id(patient: str) -> None:
    """The one rule for an id that names a folder; every writer calls it before any file."""
    shown = quoted(patient)
    if not SAFE_ID.match(patient):
        raise InputError(
            f"id: {shown} cannot name a folder; use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if patient.lower() in SHARED_FILES or patient.lower().split(".")[0] in RESERVED_NAMES:
        raise InputError(f"id: {shown} is a name the batch or the system reserves")


@dataclass
class Manifest:
    """What the planner wrote in a folder: each file's SHA-256, and the folders it made."""

    files: dict[str, str] = field(default_factory=dict)
    folders: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        body = {"kind": MANIFEST_KIND, "files": self.files, "folders": self.folders}
        return json.dumps(body, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def from_body(cls, body: Any) -> Manifest:
        """Only entries that name places inside the folder are kept: a hand-made manifest
        cannot point the planner at anything outside it."""
        if not isinstance(body, dict):
            return cls()
        files, folders = body.get("files", {}), body.get("folders", [])
        if not isinstance(files, dict) or not isinstance(folders, list):
            return cls()
        return cls(
            files={n: d for n, d in files.items() if _inside(n) and isinstance(d, str)},
            folders=[n for n in folders if isinstance(n, str) and _inside(n)],
        )


def _inside(name: str) -> bool:
    """A manifest entry names a place inside the folder: relative, no '..', no hidden part."""
    parts = PurePosixPath(name).parts
    return (
        bool(parts)
        and not PurePosixPath(name).is_absolute()
        and len(parts) <= 2
        and all(SAFE_ID.match(part) for part in parts)
    )


def _read_json(path: Path) -> Any:
    """A bookkeeping file's JSON, or None when it is not the planner's (or is damaged)."""
    try:
        return json.loads(read_input(path, limit=MAX_BATCH_FILE_BYTES, error_type=OutputError))
    except (OutputError, ValueError, RecursionError):
        return None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_empty(folder: Path) -> bool:
    """Nothing in it but the planner's own bookkeeping (and what a killed run left)."""
    return all(_bookkeeping(entry.name) for entry in folder.iterdir())


def _bookkeeping(name: str) -> bool:
    return name in BOOKKEEPING or bool(LEFTOVER.match(name))


class OutputFolder:
    """OUT, locked for one batch: stage files, then swap them in (see the module doc)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.staging = out / STAGING
        self.written = Manifest()
        self.committed = False

    @classmethod
    @contextlib.contextmanager
    def open(cls, out: Path, *, force: bool) -> Iterator[OutputFolder]:
        """Lock OUT (made if missing), finish or clear a killed run, and check --force."""
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise OutputError(f"cannot write into {out}: it is a link or a file, not a folder")
        if not out.parent.is_dir():
            raise OutputError(f"cannot write {out}: folder {out.parent} does not exist")
        if out.is_dir() and not is_empty(out) and not force:
            if os.path.lexists(out / JOURNAL):
                raise OutputError(
                    f"{out} holds a batch that was interrupted while being written; give "
                    "--force to finish it and replace it"
                )
            raise OutputError(
                f"{out} already holds files; give --force to replace the files an earlier "
                "batch wrote there"
            )
        created = not out.exists()
        lock_path = out / LOCK
        try:
            out.mkdir(exist_ok=True)
            if os.path.lexists(lock_path) and not stat.S_ISREG(lock_path.lstat().st_mode):
                raise OutputError(f"{lock_path} is not the planner's lock file; move it away")
            new_lock = not lock_path.exists()
            lock = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as error:
            raise OutputError(f"cannot write into {out}: {error.strerror or error}") from None
        committed = False
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutputError(
                    f"another planner batch is writing into {out}; wait for it to finish"
                ) from None
            folder = cls(out)
            try:
                folder.recover()
                yield folder
                committed = folder.committed
            except OSError as error:
                raise OutputError(f"cannot write into {out}: {error.strerror or error}") from None
            finally:
                if not (out / JOURNAL).exists():  # else the next run finishes the swap
                    folder.clear_staging()
        finally:
            os.close(lock)
            if new_lock and not committed:  # leave no trace of a batch that wrote nothing
                lock_path.unlink(missing_ok=True)
                if created:
                    with contextlib.suppress(OSError):
                        out.rmdir()

    def recover(self) -> None:
        """Finish a swap that a killed run started, clear what it staged, then stage anew."""
        journal = self.out / JOURNAL
        if os.path.lexists(journal):
            body = _read_json(journal) if _regular(journal) else None
            if not isinstance(body, dict) or "old" not in body or "new" not in body:
                raise OutputError(f"{journal} is not the planner's journal; move it away")
            old, new = Manifest.from_body(body["old"]), Manifest.from_body(body["new"])
            pending = [n for n in new.files if (self.staging / n).is_file()]
            self._refuse_conflicts(old, new.folders, pending, done=new)
            self._swap(old, new)
        self.clear_staging()
        for entry in self.out.iterdir():
            if LEFTOVER.match(entry.name) and _regular(entry):
                entry.unlink()
        self.staging.mkdir()
        (self.staging / STAGING_MARK).write_bytes(b"")

    def clear_staging(self) -> None:
        """Remove the staging folder, which must be the planner's own."""
        if not os.path.lexists(self.staging):
            return
        if self.staging.is_symlink() or not (self.staging / STAGING_MARK).is_file():
            raise OutputError(f"{self.staging} is not the planner's; move it away")
        shutil.rmtree(self.staging)

    def earlier(self) -> Manifest:
        """What an earlier batch wrote here (nothing, without a manifest of the planner's)."""
        path = self.out / MANIFEST
        if not os.path.lexists(path):
            return Manifest()
        body = _read_json(path) if _regular(path) else None
        if not isinstance(body, dict) or body.get("kind") != MANIFEST_KIND:
            raise OutputError(f"{path} is not the planner's manifest; move it away")
        return Manifest.from_body(body)

    def check_names(self, folders: Iterable[str], files: Iterable[str]) -> None:
        """Before any work: refuse if a user's file, folder or link stands where the batch
        would write (the same check the swap makes)."""
        self._refuse_conflicts(self.earlier(), list(folders), list(files))

    def path(self, name: str) -> Path:
        """Where to stage the file ``name`` (``all-days.csv`` or ``ID/plot.png``)."""
        if not _inside(name):
            raise OutputError(f"cannot write {name}: not a name inside {self.out}")
        staged = self.staging / name
        if staged.parent != self.staging and not staged.parent.is_dir():
            staged.parent.mkdir()
            self.written.folders.append(str(PurePosixPath(name).parent))
        return staged

    def commit(self) -> None:
        """Swap the staged files in, replacing only what the planner wrote before."""
        self.written.files = {
            str(path.relative_to(self.staging)): sha256(path)
            for path in sorted(self.staging.rglob("*"))
            if path.is_file() and path.name != STAGING_MARK
        }
        old = self.earlier()
        self._refuse_conflicts(old, self.written.folders, list(self.written.files))
        record = {"old": vars(old), "new": vars(self.written)}
        write_atomic(self.out / JOURNAL, json.dumps(record).encode("utf-8"))
        self._swap(old, self.written)
        self.committed = True

    def _real(self, name: str) -> bool:
        """No link on the way from OUT to ``name``: nothing written or removed through one."""
        parts = PurePosixPath(name).parts
        return not any((self.out.joinpath(*parts[: i + 1])).is_symlink() for i in range(len(parts)))

    def _refuse_conflicts(
        self,
        old: Manifest,
        folders: list[str],
        files: list[str],
        *,
        done: Manifest | None = None,
    ) -> None:
        """Stop before any change if a place the batch would write is not the planner's.

        ``done`` (when finishing a killed swap) is what that swap may already have made.
        """
        made = set(old.folders) | set(done.folders if done else [])
        for name in sorted(set(folders)):
            target = self.out / name
            if os.path.lexists(target) and (
                name not in made or target.is_symlink() or not target.is_dir()
            ):
                raise OutputError(
                    f"{target} was not made by the planner; move it away or choose another --out"
                )
        for name in sorted(set(files)):
            target = self.out / name
            if not os.path.lexists(target):
                continue
            digests = {old.files.get(name), done.files.get(name) if done else None} - {None}
            if not any(self._ours(name, digest) for digest in digests if digest):
                raise OutputError(
                    f"{target} was not written by the planner, or was changed since; "
                    "move it away or choose another --out"
                )

    def _ours(self, name: str, digest: str | None) -> bool:
        """A regular file the planner wrote, reached through no link, with those bytes."""
        path = self.out / name
        return digest is not None and self._real(name) and _regular(path) and sha256(path) == digest

    def _swap(self, old: Manifest, new: Manifest) -> None:
        """Idempotent, so a journal can replay it: drop old files, move new ones in."""
        for name, digest in old.files.items():
            if name not in new.files and self._ours(name, digest):
                (self.out / name).unlink()
        for name in sorted(set(old.folders) - set(new.folders)):
            target = self.out / name
            if self._real(name) and target.is_dir():
                with contextlib.suppress(OSError):  # it still holds a user's file
                    target.rmdir()
        for name in sorted(new.folders):
            target = self.out / name
            if not os.path.lexists(target):
                target.mkdir()
            elif not self._real(name) or not target.is_dir():
                raise OutputError(f"{target} was not made by the planner; move it away")
        for name in sorted(new.files):
            staged, target = self.staging / name, self.out / name
            if not staged.is_file():
                continue
            parent = str(PurePosixPath(name).parent)
            if parent != "." and not self._real(parent):
                raise OutputError(f"{target.parent} was not made by the planner; move it away")
            if os.path.lexists(target):
                if not _regular(target):
                    raise OutputError(f"{target} was not written by the planner; move it away")
                staged.chmod(stat.S_IMODE(target.stat().st_mode))
            staged.replace(target)
        manifest = self.out / MANIFEST
        if os.path.lexists(manifest) and not _regular(manifest):
            raise OutputError(f"{manifest} is not the planner's manifest; move it away")
        write_atomic(manifest, new.to_json())
        (self.out / JOURNAL).unlink(missing_ok=True)


def _regular(path: Path) -> bool:
    """A regular file, not a link to one."""
    return os.path.lexists(path) and stat.S_ISREG(path.lstat().st_mode)
