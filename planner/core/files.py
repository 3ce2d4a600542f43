"""All file I/O in one place: the bundled files, reading input files (bounded, exact
TOML), and writing outputs atomically. Light: no pydantic, no pandas.

Kept apart from ``planner.domain.protocols`` so that quick commands (``planner protocols``)
start without importing the validation machinery. An error never leaves a half-written
or emptied file: every output goes to a temporary file beside it, then is renamed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from planner.core.limits import MAX_TOML_DEPTH, MAX_TOML_FILE_BYTES, megabytes
from planner.errors import OutputError, PlannerError, ProtocolError

PRODUCTS_FILE = "products.toml"
PACES_FILE = "paces.toml"
EQUIVALENCES_FILE = "equivalences.toml"
GUIDELINE_FILE = "guideline.toml"
SCHEMA_FILE = "protocol.schema.json"
CATALOG_FILES = frozenset({PRODUCTS_FILE, PACES_FILE, EQUIVALENCES_FILE, GUIDELINE_FILE})


def bundled_dir() -> Path:
    """The reviewed protocol files shipped with the planner (checkout or installed wheel)."""
    package = Path(__file__).resolve().parents[1]  # planner/, beside its core/
    for candidate in (package.parent / "protocols", package / "_protocols"):
        if (candidate / PRODUCTS_FILE).is_file():
            return candidate
    raise ProtocolError(f"the bundled protocol files are missing (looked in {package})")


def protocol_files(folder: Path) -> dict[str, Path]:
    """The protocol files of a folder, by id (their file name without .toml)."""
    return {
        path.stem: path for path in sorted(folder.glob("*.toml")) if path.name not in CATALOG_FILES
    }


# Every file this process has read, by (device, inode) and by resolved path: no output
# may replace one of them (a products file, a protocol, a plan, a cohort).
_READ_FILES: set[tuple[int, int]] = set()
_READ_PATHS: set[Path] = set()


def check_input(path: Path, *, limit: int, error_type: type[PlannerError]) -> None:
    """Refuse what is not a regular file no larger than ``limit``, before it is opened:
    a FIFO, a device (``/dev/zero``) or a huge file would block or exhaust memory. The
    file is remembered as an input: no output of this process may replace it."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error_type(f"{path}: no such file") from None
    except OSError as error:
        raise error_type(f"{path}: cannot read ({error.strerror or error})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error_type(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise error_type(f"{path}: not a regular file (a device, pipe or socket)")
    if info.st_size > limit:
        raise error_type(f"{path}: larger than the limit of {megabytes(limit)}")
    _READ_FILES.add((info.st_dev, info.st_ino))
    _READ_PATHS.add(path.resolve())


def check_outputs(paths: list[Path]) -> None:
    """Refuse, before any work, an output that cannot or must not be written: one asked
    for twice, one that is a file this process read (compared by resolved path and by
    inode, so a hard link or a path spelled another way is caught), one inside the
    planner's installed data, a folder, a read-only file, a name too long or a loop of
    links. Each is one line naming the path."""
    seen: set[Path] = set()
    installed = bundled_dir().resolve()
    for path in paths:
        try:
            resolved = path.resolve()
            info = path.stat() if path.exists() else None
            parent_is_folder = path.parent.is_dir()
        except RuntimeError:  # Path.resolve in Python 3.11 on a loop of links
            raise OutputError(f"cannot write {path}: a loop of symbolic links") from None
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        if resolved in seen:
            raise OutputError(f"{path} is asked for twice")
        seen.add(resolved)
        if resolved in _READ_PATHS or (
            info is not None and (info.st_dev, info.st_ino) in _READ_FILES
        ):
            raise OutputError(f"{path} is a file this command reads; write elsewhere")
        if resolved.is_relative_to(installed):
            raise OutputError(
                f"{path} is in the planner's installed data ({installed}); write elsewhere"
            )
        if not parent_is_folder:
            raise OutputError(f"cannot write {path}: folder {path.parent} does not exist")
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise OutputError(f"cannot write {path}: it is a folder")
        if info is not None and stat.S_ISREG(info.st_mode) and not info.st_mode & 0o222:
            raise OutputError(
                f"{path} is read-only; make it writable to replace it, or write elsewhere"
            )


def read_input(path: Path, *, limit: int, error_type: type[PlannerError]) -> bytes:
    """The bytes of a regular file no larger than ``limit`` (see ``check_input``); the
    read itself is bounded too, should the file grow meanwhile."""
    check_input(path, limit=limit, error_type=error_type)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise error_type(f"{path}: no such file") from None
    except OSError as error:
        raise error_type(f"{path}: cannot read ({error.strerror or error})") from None
    if len(data) > limit:  # grew while it was read
        raise error_type(f"{path}: larger than the limit of {megabytes(limit)}")
    return data


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file with exact decimals; any failure names the file once."""
    return read_toml_digest(path)[0]


def read_toml_digest(path: Path) -> tuple[dict[str, Any], str]:
    """``read_toml``, and the SHA-256 of the bytes read (a fingerprint covers the file's
    content, comments and all)."""
    data = read_toml_bytes(path)
    return parse_toml(data, path), hashlib.sha256(data).hexdigest()


def read_toml_bytes(path: Path) -> bytes:
    """A TOML file's bytes, bounded in size, not yet parsed."""
    return read_input(path, limit=MAX_TOML_FILE_BYTES, error_type=ProtocolError)


def parse_toml(data: bytes, path: Path) -> dict[str, Any]:
    """The TOML in ``data`` (read from ``path``), with exact decimals; any failure names
    the file once."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise ProtocolError(
            f"Failed to parse {path}: the file starts with a byte-order mark (BOM); "
            "save it as UTF-8 without BOM"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(f"Failed to parse {path}: not UTF-8 text ({error.reason})") from None
    import tomllib  # here: a run whose files were all validated before parses none

    try:
        parsed = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError(f"Failed to parse {path}: {error}") from None
    except RecursionError:
        parsed = None
    except ValueError:  # an integer of more digits than Python converts
        raise ProtocolError(f"Failed to parse {path}: a number has too many digits") from None
    if parsed is None or _depth(parsed) > MAX_TOML_DEPTH:
        raise ProtocolError(
            f"Failed to parse {path}: tables and lists nested more than {MAX_TOML_DEPTH} deep"
        )
    return parsed


def _depth(value: object) -> int:
    """How deep tables and lists nest in parsed TOML, without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return deepest


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename.

    A path that exists and is not a regular file (``/dev/stdout``, a pipe) is written
    to directly: renaming over it would replace the device itself.
    """
    with atomic_stream(path) as stream:
        stream.write(data)


def write_all(files: list[tuple[Path, bytes]]) -> None:
    """Write several files all or nothing: every one is prepared before any is placed,
    and if any cannot be written, every file that existed is as it was and none is new.

    Each file goes to a temporary file beside it; a device (``/dev/stdout``) is written
    next, since its bytes cannot be taken back; then the files are renamed into place,
    each one's old bytes kept as a hard link (or a copy) until all are placed.
    """
    check_outputs([path for path, _ in files])
    files = [(_followed(path), data) for path, data in files]
    staged: list[tuple[Path, Path]] = []
    kept: list[tuple[Path, Path | None]] = []  # each target placed, and its old bytes
    target = None
    try:
        for target, data in files:
            if not _is_device(target):
                staged.append((_stage(target, data), target))
        for target, data in files:
            if _is_device(target):
                with target.open("wb") as stream:
                    stream.write(data)
        for temporary, target in staged:
            old = _keep(target)
            try:
                temporary.replace(target)
            except OSError:
                if old is not None:  # the target was not replaced: nothing to put back
                    old.unlink(missing_ok=True)
                raise
            kept.append((target, old))
    except OSError as error:
        _restore(kept)
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    for _, old in kept:
        if old is not None:
            old.unlink(missing_ok=True)


def _keep(target: Path) -> Path | None:
    """The bytes ``target`` holds now, kept beside it (a hard link, else a copy) so they
    can be put back; None if it does not exist yet."""
    if not target.exists():
        return None
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old")
    os.close(handle)
    kept = Path(name)
    kept.unlink()
    try:
        os.link(target, kept)
    except OSError:  # a file system without hard links
        shutil.copy2(target, kept)
    return kept


def _restore(kept: list[tuple[Path, Path | None]]) -> None:
    """Put back what ``write_all`` had placed: old bytes over each target, new files gone."""
    for target, old in reversed(kept):
        with contextlib.suppress(OSError):
            if old is None:
                target.unlink(missing_ok=True)
            else:
                old.replace(target)


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
