"""A batch's output folder, written so that no user file is ever lost.

The planner deletes, replaces or moves only what it can prove it wrote in this folder.
Its proof is its manifest (``.planner-manifest.json``: each file and folder it made,
with the inode it was given and each file's SHA-256), signed with a key kept outside the
folder and bound to the folder's own inode (``planner.batch.bookkeeping``). Anything it cannot
prove (an unsigned, forged or copied manifest or journal, a file whose inode or bytes
differ, a link) is the user's: the batch stops, naming it, and changes nothing.

A batch is staged in ``.planner-staging`` inside OUT (a real folder, never a link,
holding a signed mark) and swapped in at the end, under a lock:

- a run stopped or killed while planning or staging leaves the old cohort whole (the
  next run removes the stale staging folder, whose mark proves it the planner's; the
  mark is removed last, so a half-removed folder is still recognised);
- the swap is recorded first in a signed journal, and Ctrl-C or SIGTERM during it waits
  until it is done; a run killed during it (SIGKILL) is finished by the next batch into
  the same folder, before anything else: never a mix of two cohorts;
- every file the planner writes beside its own lives inside the staging folder until it
  is renamed into place, so nothing in OUT is ever recognised by a pattern of its name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from planner.batch.bookkeeping import (
    JOURNAL_KIND,
    MARK_KIND,
    SAFE_ID,
    SHARED_FILES,
    Entry,
    Manifest,
    check_patient_id,
    inside,
    read_record,
    sha256,
    sign,
    signals_held,
    signing_key,
    write_new,
)
from planner.errors import OutputError

LOCK = ".planner.lock"
MANIFEST = ".planner-manifest.json"
JOURNAL = ".planner-journal.json"
STAGING = ".planner-staging"
STAGING_MARK = ".dose-planner-staging"  # inside STAGING: the folder is the planner's
BOOKKEEPING = frozenset({LOCK, MANIFEST, JOURNAL, STAGING})
__all__ = ["SAFE_ID", "SHARED_FILES", "Manifest", "OutputFolder", "check_patient_id"]


def is_empty(folder: Path) -> bool:
    """Nothing in it but the planner's own bookkeeping names (each checked when used)."""
    return all(entry.name in BOOKKEEPING for entry in folder.iterdir())


def _regular(path: Path) -> bool:
    """A regular file, not a link to one."""
    return os.path.lexists(path) and stat.S_ISREG(path.lstat().st_mode)


def _inode(path: Path) -> int | None:
    """The inode of a regular file or real folder at ``path`` (never through a link)."""
    try:
        info = path.lstat()
    except OSError:
        return None
    return info.st_ino if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode) else None


def _file_inode(staged: Path) -> int:
    """A staged file's inode; anything but a regular file there was not staged by us."""
    if not _regular(staged):
        raise OutputError(f"{staged} is not a file the planner staged; move it away")
    return staged.lstat().st_ino


class OutputFolder:
    """OUT, locked for one batch: stage files, then swap them in (see the module doc)."""

    def __init__(self, out: Path, key: bytes) -> None:
        self.out, self.key = out, key
        self.staging = out / STAGING
        self.inode = out.lstat().st_ino
        self.committed = False
        self._earlier: tuple[Manifest, str | None] | None = None
        self._written: dict[str, str] = {}  # staged files' SHA-256, taken as they were written

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
        key = signing_key()  # before anything is made
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
            folder = cls(out, key)
            try:
                folder.recover()
                yield folder
            except OSError as error:
                raise OutputError(f"cannot write into {out}: {error.strerror or error}") from None
            finally:
                committed = folder.committed
                if not os.path.lexists(out / JOURNAL):  # else the next run finishes the swap
                    folder.clear_staging()
        finally:
            os.close(lock)
            if new_lock and not committed:  # leave no trace of a batch that wrote nothing
                lock_path.unlink(missing_ok=True)
                if created:
                    with contextlib.suppress(OSError):
                        out.rmdir()

    # --- Staging ------------------------------------------------------------------------

    def recover(self) -> None:
        """Finish a swap that a killed run started, clear what it staged, then stage anew."""
        if os.path.lexists(self.out / JOURNAL):
            with signals_held():
                self._replay()
        self.clear_staging()
        self.staging.mkdir()
        mark = {"kind": MARK_KIND, "folder": self.inode, "staging": self.staging.lstat().st_ino}
        write_new(self.staging / STAGING_MARK, sign(self.key, mark))  # one write: whole

    def _staging_is_ours(self) -> bool:
        """A real folder whose signed mark names this folder and this staging folder."""
        inode = _inode(self.staging)
        if inode is None or self.staging.is_symlink() or not self.staging.is_dir():
            return False
        mark = read_record(self.staging / STAGING_MARK, self.key, kind=MARK_KIND, folder=self.inode)
        return mark is not None and mark.get("staging") == inode

    def clear_staging(self) -> None:
        """Remove the staging folder, which must be the planner's own: its mark is removed
        last, so a run stopped halfway leaves a folder the next run still knows."""
        if not os.path.lexists(self.staging):
            return
        if self.staging.is_dir() and not self.staging.is_symlink():
            inside_now = sorted(entry.name for entry in self.staging.iterdir())
            mark = self.staging / STAGING_MARK
            # Killed between making the folder and writing its mark: nothing to lose.
            if not inside_now or (
                inside_now == [STAGING_MARK] and _regular(mark) and mark.lstat().st_size == 0
            ):
                mark.unlink(missing_ok=True)
                self.staging.rmdir()
                return
        if not self._staging_is_ours():
            raise OutputError(f"{self.staging} is not the planner's; move it away")
        mark = self.staging / STAGING_MARK
        for root, folders, files in os.walk(self.staging, topdown=False):
            for name in files:
                if Path(root, name) != mark:
                    Path(root, name).unlink()
            for name in folders:  # a link to a folder is listed here, and only unlinked
                path = Path(root, name)
                path.unlink() if path.is_symlink() else path.rmdir()
        mark.unlink()
        self.staging.rmdir()

    def written(self, name: str, digest: str) -> None:
        """The SHA-256 of the bytes the batch wrote to ``name``, taken as it wrote them: the
        manifest records it (a file changed since is then not the planner's)."""
        self._written[name] = digest

    def path(self, name: str) -> Path:
        """Where to stage the file ``name`` (``all-days.csv`` or ``ID/plot.png``)."""
        if not inside(name):
            raise OutputError(f"cannot write {name}: not a name inside {self.out}")
        staged = self.staging / name
        if staged.parent != self.staging and not staged.parent.is_dir():
            staged.parent.mkdir()
        return staged

    # --- What an earlier batch wrote ----------------------------------------------------

    def earlier(self) -> Manifest:
        """What an earlier batch wrote here (nothing, without a manifest); refused unless
        the planner signed it for this folder."""
        return self._earlier_and_digest()[0]

    def _earlier_and_digest(self) -> tuple[Manifest, str | None]:
        if self._earlier is None:
            path = self.out / MANIFEST
            if not os.path.lexists(path):
                self._earlier = Manifest(), None
            else:
                read = Manifest.read(path, self.key, folder=self.inode)
                if read is None:
                    raise OutputError(_not_signed(path, "manifest"))
                self._earlier = read
        return self._earlier

    def check_names(self, folders: Iterable[str], files: Iterable[str]) -> None:
        """Before any work: refuse if a user's file, folder or link stands where the batch
        would write (the same check the swap makes)."""
        self._refuse_conflicts(self.earlier(), list(folders), list(files))

    def _real(self, name: str) -> bool:
        """No link on the way from OUT to ``name``: nothing written or removed through one."""
        parts = PurePosixPath(name).parts
        return not any((self.out.joinpath(*parts[: i + 1])).is_symlink() for i in range(len(parts)))

    def _ours(self, name: str, entry: Entry | None) -> bool:
        """What the planner made at ``name``, reached through no link: the same inode and,
        for a file, the same bytes."""
        if entry is None or not self._real(name):
            return False
        path = self.out / name
        inode, digest = entry
        if digest is None:
            return path.is_dir() and _inode(path) == inode
        return _regular(path) and _inode(path) == inode and sha256(path) == digest

    def _refuse_conflicts(self, old: Manifest, folders: list[str], files: list[str]) -> None:
        """Stop before any change if a place the batch would write is not the planner's."""
        for name in sorted(set(folders)):
            target = self.out / name
            if os.path.lexists(target) and not self._ours(name, old.folder(name)):
                raise OutputError(
                    f"{target} was not made by the planner; move it away or choose another --out"
                )
        for name in sorted(set(files)):
            target = self.out / name
            if os.path.lexists(target) and not self._ours(name, old.file(name)):
                raise OutputError(
                    f"{target} was not written by the planner, or was changed since; "
                    "move it away or choose another --out"
                )

    # --- The swap -----------------------------------------------------------------------

    def commit(self) -> None:
        """Swap the staged files in, replacing only what the planner wrote before."""
        old, old_digest = self._earlier_and_digest()
        new = self._staged(old)
        self._refuse_conflicts(
            old,
            [name for name, (_, digest) in new.entries.items() if digest is None],
            [name for name, (_, digest) in new.entries.items() if digest is not None],
        )
        new_digest = new.write(self.staging / MANIFEST, self.key, folder=self.inode)
        journal = {
            "kind": JOURNAL_KIND,
            "folder": self.inode,
            "staging": self.staging.lstat().st_ino,
            "old": old_digest,
            "new": new_digest,
        }
        with signals_held():
            write_new(self.staging / JOURNAL, sign(self.key, journal))
            if os.path.lexists(self.out / JOURNAL):
                raise OutputError(_not_signed(self.out / JOURNAL, "journal"))
            (self.staging / JOURNAL).rename(self.out / JOURNAL)
            self._swap(old, new)
            self.committed = True

    def _staged(self, old: Manifest) -> Manifest:
        """The new manifest: every staged file and folder, with the inode it will have in
        OUT (a folder the planner made there before keeps its own)."""
        entries: dict[str, Entry] = {}
        for path in sorted(self.staging.iterdir()):
            top = path.name
            if top in (STAGING_MARK, MANIFEST, JOURNAL):
                continue
            if path.is_dir() and not path.is_symlink():
                existing = old.folder(top)
                keep = existing is not None and self._ours(top, existing)
                entries[top] = (existing[0] if keep and existing else path.lstat().st_ino, None)
                for staged in sorted(path.iterdir()):
                    name = f"{top}/{staged.name}"
                    entries[name] = (_file_inode(staged), self._written.get(name) or sha256(staged))
            else:
                entries[top] = (_file_inode(path), self._written.get(top) or sha256(path))
        return Manifest(entries)

    def _replay(self) -> None:
        """Finish the swap a killed run recorded, or refuse (naming what is not ours)."""
        journal_path = self.out / JOURNAL
        journal = read_record(journal_path, self.key, kind=JOURNAL_KIND, folder=self.inode)
        if journal is None:
            raise OutputError(_not_signed(journal_path, "journal"))
        current = self.out / MANIFEST
        old: tuple[Manifest, str | None] = Manifest(), None
        if os.path.lexists(current):
            read = Manifest.read(current, self.key, folder=self.inode)
            if read is None:
                raise OutputError(_not_signed(current, "manifest"))
            if read[1] == journal.get("new"):  # swapped in whole; only the journal was left
                journal_path.unlink()
                return
            old = read
        staged = self.staging / MANIFEST
        new = None
        if self._staging_is_ours() and journal.get("staging") == _inode(self.staging):
            new = Manifest.read(staged, self.key, folder=self.inode)
        if new is None or new[1] != journal.get("new") or old[1] != journal.get("old"):
            raise OutputError(
                f"{journal_path} records a swap that cannot be finished: {self.staging} or "
                f"{current} is not what the planner left; move them away"
            )
        self._check_swap(old[0], new[0])
        self._swap(old[0], new[0])

    def _check_swap(self, old: Manifest, new: Manifest) -> None:
        """Before a swap is finished: every place it will write is free, the planner's
        earlier file, or already swapped in."""
        for name, entry in new.entries.items():
            target = self.out / name
            if self._ours(name, entry) or not os.path.lexists(target):
                continue
            if entry[1] is None or not self._ours(name, old.file(name)):
                raise OutputError(
                    f"{target} was not made by the planner; move it away or choose another --out"
                )

    def _swap(self, old: Manifest, new: Manifest) -> None:
        """Idempotent, so a journal can replay it: drop old files, move new ones in, then
        the manifest, then the journal goes."""
        gone = [(name, entry) for name, entry in old.entries.items() if name not in new.entries]
        for name, entry in gone:
            if entry[1] is not None and self._ours(name, entry):
                (self.out / name).unlink()
        for name, entry in reversed(gone):  # a folder after its files
            if entry[1] is None and self._ours(name, entry):
                with contextlib.suppress(OSError):  # it still holds a user's file
                    (self.out / name).rmdir()
        for name, (inode, digest) in new.entries.items():  # in name order: a folder first
            target, staged = self.out / name, self.staging / name
            if _inode(target) == inode and self._real(name):
                continue  # moved already, or came with its folder
            if _inode(staged) != inode:
                raise OutputError(f"{staged} is missing or not the planner's; move {target} away")
            parent = str(PurePosixPath(name).parent)
            if parent != "." and not self._real(parent):
                raise OutputError(f"{target.parent} was not made by the planner; move it away")
            if digest is None:
                if os.path.lexists(target):
                    raise OutputError(f"{target} was not made by the planner; move it away")
                staged.rename(target)  # the whole folder, its files with it
                continue
            if os.path.lexists(target):
                if not _regular(target):
                    raise OutputError(f"{target} was not written by the planner; move it away")
                staged.chmod(stat.S_IMODE(target.stat().st_mode))
            staged.replace(target)
        manifest = self.out / MANIFEST
        if os.path.lexists(manifest) and not _regular(manifest):
            raise OutputError(_not_signed(manifest, "manifest"))
        (self.staging / MANIFEST).replace(manifest)
        (self.out / JOURNAL).unlink()
        self._earlier = None


def _not_signed(path: Path, what: str) -> str:
    return (
        f"{path} is not the planner's {what}: it was not signed by this planner for this "
        "folder (another user's or an earlier version's, copied from elsewhere, or changed); "
        "nothing was changed; move it away"
    )
