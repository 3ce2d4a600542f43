"""Renderers turn a checked schedule into bytes for one output format.

Each format is one module with a ``render_*(schedule, report, ...) -> bytes`` function;
``write_all`` and ``atomic_stream`` put the bytes in place so that an error never leaves
a half-written or emptied file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from planner.errors import OutputError


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename.

    A path that exists and is not a regular file (``/dev/stdout``, a pipe) is written
    to directly: renaming over it would replace the device itself.
    """
    with atomic_stream(path) as stream:
        stream.write(data)


def write_all(files: list[tuple[Path, bytes]]) -> None:
    """Write several files all or nothing: every one to a temporary file first, then all
    renamed into place; if any cannot be written, none is changed."""
    staged: list[tuple[Path, Path]] = []
    files = [(_followed(path), data) for path, data in files]
    devices = [(path, data) for path, data in files if _is_device(path)]
    target = None
    try:
        for target, data in files:
            if not _is_device(target):
                staged.append((_stage(target, data), target))
        for temporary, target in staged:
            temporary.replace(target)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror}") from None
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    for path, data in devices:
        write_atomic(path, data)


def _followed(path: Path) -> Path:
    """A link is written through, to the file it names, as an editor would: replacing
    the link itself with a file would surprise its owner."""
    return path.resolve() if path.is_symlink() else path


def _is_device(path: Path) -> bool:
    """A path that exists but is neither a file nor a folder: /dev/stdout, a pipe."""
    return path.exists() and not path.is_file() and not path.is_dir()


def _stage(path: Path, data: bytes) -> Path:
    """``data`` in a temporary file beside ``path``, ready to be renamed onto it."""
    with _staged(path) as (stream, temporary):
        stream.write(data)
    return temporary


@contextlib.contextmanager
def _staged(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A stream to a temporary file beside ``path``; the file is removed if the block fails."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    handle, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream, temporary
        temporary.chmod(_new_file_mode(path))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _new_file_mode(path: Path) -> int:
    """The mode a replaced file had, else what the umask allows (files hold patients'
    names and doses: a private umask must keep them private)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_stream(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose bytes replace ``path`` only when the block ends without error."""
    path = _followed(path)
    if _is_device(path):
        try:
            with path.open("wb") as stream:
                yield stream
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror}") from None
        return
    temporary: Path | None = None
    try:
        with _staged(path) as (stream, temporary):
            yield stream
        temporary.replace(path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {error.strerror}") from None
