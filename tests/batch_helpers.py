"""Reading a batch's output folder in tests: its files, and its manifest without the
inodes that tie it to one folder's files (the same cohort written twice has other inodes)."""

from __future__ import annotations

import json
from pathlib import Path

from planner.batch.outfolder import MANIFEST


def manifest_digests(out: Path) -> dict[str, str | None]:
    """The planner's manifest of OUT: each name with its SHA-256 (None for a folder)."""
    lines = (out / MANIFEST).read_text().splitlines()[1:]
    return {name: digest for name, _, digest in map(json.loads, lines)}


def output_bytes(out: Path) -> dict[str, object]:
    """Every file below OUT by its bytes, the manifest by its names and digests."""
    files: dict[str, object] = {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    return files | {MANIFEST: manifest_digests(out)}
