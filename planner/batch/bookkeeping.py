"""The batch's bookkeeping, signed so that it cannot be forged into deleting a file;
and the rule for the names the batch writes in its output folder.

A batch's output folder holds the planner's manifest (each file and folder it wrote,
with the inode it was given and, for a file, its SHA-256), a journal during the swap and
a mark in its staging folder. Each is signed with an HMAC key that never lives in the
output folder: ``$DOSE_PLANNER_STATE/batch-key`` when that variable is set (the tests
set it), else ``$XDG_STATE_HOME/dose-planner/batch-key`` or
``~/.local/state/dose-planner/batch-key``, made on first use (32 random bytes, mode 600).
Every record names the output folder's inode, so a record copied from another folder
(or a hard-linked copy of one) proves nothing there. A record that does not verify is
not the planner's: the folder treats the file as a user's and refuses, naming it.

The manifest is JSON lines, read back as a stream whatever its size: a signed header
(the folder, the number of entries and the SHA-256 of what follows), then one entry a
line, ``[name, inode, sha256]`` (``null`` for a folder), in name order.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core import state
from planner.core.plaintext import quoted
from planner.errors import InputError

KEY_FILE = "batch-key"
MANIFEST_KIND = "dose-planner batch output, signed"
JOURNAL_KIND = "dose-planner batch journal, signed"
MARK_KIND = "dose-planner staging folder, signed"
MAX_HEADER_CHARS = 4096  # a signed record (journal, mark) or the manifest's header line
MAX_ENTRY_CHARS = 1024  # one manifest entry: two ids, an inode and a digest fit in 300
HEX = frozenset("0123456789abcdef")
# A patient id names a folder: letters, digits, '.', '_' and '-', starting with a letter
# or digit (so never '..', a hidden file or an absolute path), at most 64 characters.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")  # \Z: not before a newline
SHARED_FILES = frozenset({"all-days.csv", "summary.csv"})
# Names Windows reserves for devices, whatever their extension.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)}
)


def check_patient_id(patient: str) -> None:
    """The one rule for an id that names a folder; every writer calls it before any file."""
    shown = quoted(patient)
    if not SAFE_ID.match(patient):
        raise InputError(
            f"{shown} cannot name a folder; use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="id",
        )
    if patient.lower() in SHARED_FILES or patient.lower().split(".")[0] in RESERVED_NAMES:
        raise InputError(f"{shown} is a name the batch or the system reserves", field="id")


def signing_key() -> bytes:
    """The key the batch signs its bookkeeping with (``planner.core.state``)."""
    return state.signing_key(KEY_FILE)


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sign(key: bytes, body: dict[str, Any]) -> bytes:
    """``body`` with its HMAC, as one line of JSON."""
    mac = hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()
    return _canonical({**body, "hmac": mac}) + b"\n"


def verified(key: bytes, line: bytes, *, kind: str, folder: int) -> dict[str, Any] | None:
    """The body of a signed line of ``kind`` for the folder of inode ``folder``, or None."""
    try:
        body = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("hmac"), str):
        return None
    mac = body.pop("hmac")
    expected = hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected):
        return None
    if body.get("kind") != kind or body.get("folder") != folder:
        return None
    return body


def read_record(path: Path, key: bytes, *, kind: str, folder: int) -> dict[str, Any] | None:
    """A small signed record (journal, staging mark): a regular file, never a link."""
    data = read_regular(path, MAX_HEADER_CHARS)
    return None if data is None else verified(key, data, kind=kind, folder=folder)


def read_regular(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file opened without following a link; None
    for anything else (a link, a folder, a device, a larger file)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return None
        data = os.read(handle, limit + 1)
    finally:
        os.close(handle)
    return data if len(data) <= limit else None


def write_new(path: Path, data: bytes) -> None:
    """A file of the planner's own exact name, which must not exist yet (never a link)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


Entry = tuple[int, str | None]  # (inode, SHA-256 of a file; None for a folder)


@dataclass
class Manifest:
    """What the planner wrote in a folder: each file and folder by name, with the inode it
    was given (and each file's SHA-256)."""

    entries: dict[str, Entry] = field(default_factory=dict)

    def file(self, name: str) -> Entry | None:
        """The entry of the file ``name``, if the planner wrote one there."""
        entry = self.entries.get(name)
        return entry if entry is not None and entry[1] is not None else None

    def folder(self, name: str) -> Entry | None:
        """The entry of the folder ``name``, if the planner made one there."""
        entry = self.entries.get(name)
        return entry if entry is not None and entry[1] is None else None

    def has_files(self) -> bool:
        return any(digest is not None for _, digest in self.entries.values())

    def write(self, path: Path, key: bytes, *, folder: int) -> str:
        """Write it signed to a new file at ``path``; the SHA-256 of its bytes."""
        names = sorted(self.entries)
        body = hashlib.sha256()
        for name in names:
            body.update(_entry_line(name, self.entries[name]))
        header = sign(
            key,
            {
                "kind": MANIFEST_KIND,
                "folder": folder,
                "entries": len(names),
                "body": body.hexdigest(),
            },
        )
        whole = hashlib.sha256(header)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        with os.fdopen(handle, "wb") as stream:
            stream.write(header)
            for start in range(0, len(names), 4096):
                chunk = b"".join(
                    _entry_line(n, self.entries[n]) for n in names[start : start + 4096]
                )
                stream.write(chunk)
                whole.update(chunk)
        return whole.hexdigest()

    @classmethod
    def read(cls, path: Path, key: bytes, *, folder: int) -> tuple[Manifest, str] | None:
        """The manifest at ``path`` and the SHA-256 of its bytes, or None when it is not
        one the planner signed for this folder (or is damaged, or is not a regular file)."""
        try:
            handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(handle, "rb") as stream:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return None
            return _read_manifest(stream, key, folder)


def _entry_line(name: str, entry: Entry) -> bytes:
    digest = "null" if entry[1] is None else f'"{entry[1]}"'
    return f"[{json.dumps(name)},{int(entry[0])},{digest}]\n".encode()


def _read_manifest(stream: Any, key: bytes, folder: int) -> tuple[Manifest, str] | None:
    header = stream.readline(MAX_HEADER_CHARS + 1)
    body = verified(key, header, kind=MANIFEST_KIND, folder=folder)
    if body is None or not isinstance(body.get("entries"), int):
        return None
    whole, digest = hashlib.sha256(header), hashlib.sha256()
    entries: dict[str, Entry] = {}
    previous = ""
    for _ in range(body["entries"]):
        line = stream.readline(MAX_ENTRY_CHARS + 1)
        whole.update(line)
        digest.update(line)
        entry = _entry(line)
        if entry is None or entry[0] <= previous:  # in name order, each name once
            return None
        previous = entry[0]
        entries[entry[0]] = entry[1]
    if stream.read(1) or not hmac.compare_digest(digest.hexdigest(), str(body.get("body"))):
        return None
    return Manifest(entries), whole.hexdigest()


def _entry(line: bytes) -> tuple[str, Entry] | None:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list) or len(value) != 3:
        return None
    name, inode, digest = value
    if not isinstance(name, str) or not inside(name):
        return None
    if not isinstance(inode, int) or isinstance(inode, bool) or inode < 0:
        return None
    if digest is not None and not (
        isinstance(digest, str) and len(digest) == 64 and set(digest) <= HEX
    ):
        return None
    return name, (inode, digest)


def inside(name: str) -> bool:
    """A name inside the folder: ``file`` or ``folder/file``, each part a safe id (so
    never absolute, never '..', never hidden)."""
    parts = name.split("/")
    return len(parts) <= 2 and all(SAFE_ID.match(part) for part in parts)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait for the block to end, then act as they would have (a swap
    that a signal cannot split). Outside the main thread signals never arrive anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, _frame: object) -> None:
        caught.append(signum)

    kinds = (signal.SIGINT, signal.SIGTERM)
    previous = {kind: signal.signal(kind, hold) for kind in kinds}
    try:
        yield
    finally:
        for kind, handler in previous.items():
            signal.signal(kind, signal.SIG_DFL if handler is None else handler)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)
