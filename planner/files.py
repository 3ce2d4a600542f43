"""Where the bundled files are, and reading TOML exactly. Light: no pydantic, no pandas.

Kept apart from ``planner.protocols`` so that quick commands (``planner protocols``)
start without importing the validation machinery.
"""

from __future__ import annotations

import stat
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.errors import PlannerError, ProtocolError
from planner.limits import MAX_TOML_DEPTH, MAX_TOML_FILE_BYTES, megabytes

PRODUCTS_FILE = "products.toml"
PACES_FILE = "paces.toml"
SCHEMA_FILE = "protocol.schema.json"
CATALOG_FILES = frozenset({PRODUCTS_FILE, PACES_FILE})


def bundled_dir() -> Path:
    """The reviewed protocol files shipped with the planner (checkout or installed wheel)."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "protocols", package / "_protocols"):
        if (candidate / PRODUCTS_FILE).is_file():
            return candidate
    raise ProtocolError(f"the bundled protocol files are missing (looked in {package})")


def protocol_files(folder: Path) -> dict[str, Path]:
    """The protocol files of a folder, by id (their file name without .toml)."""
    return {
        path.stem: path for path in sorted(folder.glob("*.toml")) if path.name not in CATALOG_FILES
    }


def read_input(path: Path, *, limit: int, error_type: type[PlannerError]) -> bytes:
    """The bytes of a regular file no larger than ``limit``; anything else is refused.

    A FIFO, a device (``/dev/zero``) or a huge file would block or exhaust memory, so
    the file's kind and size are checked before it is read, and the read is bounded.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise error_type(f"{path}: is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise error_type(f"{path}: not a regular file (a device, pipe or socket)")
        if info.st_size > limit:
            raise error_type(f"{path}: larger than the limit of {megabytes(limit)}")
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
    data = read_input(path, limit=MAX_TOML_FILE_BYTES, error_type=ProtocolError)
    if data.startswith(b"\xef\xbb\xbf"):
        raise ProtocolError(
            f"Failed to parse {path}: the file starts with a byte-order mark (BOM); "
            "save it as UTF-8 without BOM"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(f"Failed to parse {path}: not UTF-8 text ({error.reason})") from None
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
