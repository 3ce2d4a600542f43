"""A batch's output folder, written so that no user file is ever lost.

The planner changes only what it wrote itself, and says which files those are in a
manifest (``.planner-manifest.json``) that it writes and reads back. A batch is staged
in a hidden folder inside OUT and swapped in at the end, under a lock:

- a run killed while planning or staging leaves the old cohort whole (the next run
  removes the stale staging folder);
- the swap itself is recorded first in a journal, so a run killed during it is finished
  by the next batch into the same folder: never a mix of two cohorts;
- ``--force`` replaces and removes only files the manifest lists, unchanged since the
  planner wrote them; a user's file or folder in the way stops the batch before
  anything is changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from planner.errors import InputError, OutputError
from planner.files import read_input
from planner.limits import MAX_BATCH_FILE_BYTES
from planner.render import write_atomic

LOCK = ".planner.lock"
MANIFEST = ".planner-manifest.json"
JOURNAL = ".planner-journal.json"
STAGING = ".planner-staging"
PLANNER_FILES = frozenset({LOCK, MANIFEST, JOURNAL, STAGING})
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
    shown = repr(patient if len(patient) <= 40 else patient[:40] + "...")
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
    def read(cls, folder: Path) -> Manifest:
        """The folder's manifest; none (or one that is not the planner's) lists nothing."""
        path = folder / MANIFEST
        if not path.is_file() or path.is_symlink():
            return cls()
        try:
            body = json.loads(read_input(path, limit=MAX_BATCH_FILE_BYTES, error_type=OutputError))
        except (OutputError, ValueError):
            return cls()
        if not isinstance(body, dict) or body.get("kind") != MANIFEST_KIND:
            return cls()
        return cls.from_body(body)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Manifest:
        """Only entries that name places inside the folder are kept: a hand-made manifest
        cannot point the planner at anything outside it."""
        files = body.get("files", {})
        folders = body.get("folders", [])
        if not isinstance(files, dict) or not isinstance(folders, list):
            return cls()
        return cls(
            files={
                name: digest
                for name, digest in files.items()
                if _inside(name) and isinstance(digest, str)
            },
            folders=[name for name in folders if isinstance(name, str) and _inside(name)],
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


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_empty(folder: Path) -> bool:
    """Nothing in it but the planner's own hidden bookkeeping."""
    return all(entry.name in PLANNER_FILES for entry in folder.iterdir())


class OutputFolder:
    """OUT, locked for one batch: stage files, then swap them in (see the module doc)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.staging = out / STAGING
        self.written = Manifest()

    @classmethod
    @contextlib.contextmanager
    def open(cls, out: Path, *, force: bool) -> Iterator[OutputFolder]:
        """Lock OUT (made if missing), finish or clear a killed run, and check --force."""
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise OutputError(f"cannot write into {out}: it is not a folder")
        if not out.parent.is_dir():
            raise OutputError(f"cannot write {out}: folder {out.parent} does not exist")
        if out.is_dir() and not is_empty(out) and not force:
            raise OutputError(
                f"{out} already holds files; give --force to replace the files an earlier "
                "batch wrote there"
            )
        created = not out.exists()
        try:
            out.mkdir(exist_ok=True)
            lock = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
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
                committed = True
            except OSError as error:
                raise OutputError(f"cannot write into {out}: {error.strerror or error}") from None
            finally:
                if not (out / JOURNAL).exists():  # else the next run finishes the swap
                    shutil.rmtree(folder.staging, ignore_errors=True)
        finally:
            os.close(lock)
            if created and not committed:  # leave no trace of a batch that wrote nothing
                (out / LOCK).unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    out.rmdir()

    def recover(self) -> None:
        """Finish a swap that a killed run started, or clear what it staged."""
        journal = self.out / JOURNAL
        if journal.is_file() and not journal.is_symlink():
            try:
                body = json.loads(journal.read_bytes())
                self._swap(Manifest.from_body(body["old"]), Manifest.from_body(body["new"]))
            except (ValueError, KeyError, TypeError, AttributeError):
                journal.unlink()
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir()

    def path(self, name: str) -> Path:
        """Where to stage the file ``name`` (``all-days.csv`` or ``ID/plot.png``)."""
        if not _inside(name):
            raise OutputError(f"cannot write {name}: not a name inside {self.out}")
        staged = self.staging / name
        if not staged.resolve().is_relative_to(self.staging.resolve()):
            raise OutputError(f"cannot write {name}: it leads outside {self.out}")
        if staged.parent != self.staging and not staged.parent.is_dir():
            staged.parent.mkdir()
            self.written.folders.append(str(PurePosixPath(name).parent))
        return staged

    def commit(self) -> None:
        """Swap the staged files in, replacing only what the planner wrote before."""
        self.written.files = {
            str(path.relative_to(self.staging)): sha256(path)
            for path in sorted(self.staging.rglob("*"))
            if path.is_file()
        }
        old = Manifest.read(self.out)
        self._refuse_conflicts(old)
        record = {"old": vars(old), "new": vars(self.written)}
        write_atomic(self.out / JOURNAL, json.dumps(record).encode("utf-8"))
        self._swap(old, self.written)

    def _refuse_conflicts(self, old: Manifest) -> None:
        """Stop before any change if a file or folder the batch would write is not ours."""
        for name in sorted(self.written.folders):
            target = self.out / name
            if os.path.lexists(target) and (
                name not in old.folders or target.is_symlink() or not target.is_dir()
            ):
                raise OutputError(
                    f"{target} was not made by the planner; move it away or choose another --out"
                )
        for name in sorted(self.written.files):
            target = self.out / name
            if os.path.lexists(target) and not _unchanged(target, old.files.get(name)):
                raise OutputError(
                    f"{target} was not written by the planner, or was changed since; "
                    "move it away or choose another --out"
                )

    def _swap(self, old: Manifest, new: Manifest) -> None:
        """Idempotent, so a journal can replay it: drop old files, move new ones in."""
        for name, digest in old.files.items():
            target = self.out / name
            if name not in new.files and _unchanged(target, digest):
                target.unlink()
        for name in sorted(old.folders):
            target = self.out / name
            if name not in new.folders and target.is_dir() and not target.is_symlink():
                with contextlib.suppress(OSError):  # it still holds a user's file
                    target.rmdir()
        for name in sorted(new.folders):
            (self.out / name).mkdir(exist_ok=True)
        for name in sorted(new.files):
            staged, target = self.staging / name, self.out / name
            if staged.is_file():
                if target.is_file():
                    staged.chmod(target.stat().st_mode & 0o777)
                staged.replace(target)
        write_atomic(self.out / MANIFEST, new.to_json())
        (self.out / JOURNAL).unlink(missing_ok=True)


def _unchanged(path: Path, digest: str | None) -> bool:
    """The file is a regular file the planner wrote, with the bytes it wrote."""
    return (
        digest is not None and path.is_file() and not path.is_symlink() and sha256(path) == digest
    )
