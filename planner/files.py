"""Where the bundled files are, and reading TOML exactly. Light: no pydantic, no pandas.

Kept apart from ``planner.protocols`` so that quick commands (``planner protocols``)
start without importing the validation machinery.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.errors import ProtocolError

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


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file with exact decimals; any failure names the file once."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle, parse_float=Decimal)
    except FileNotFoundError:
        raise ProtocolError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ProtocolError(f"{path}: is a folder, not a file") from None
    except UnicodeDecodeError as error:
        raise ProtocolError(f"Failed to parse {path}: not UTF-8 text ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError(f"Failed to parse {path}: {error}") from None
    except OSError as error:
        raise ProtocolError(f"{path}: cannot read ({error.strerror})") from None
