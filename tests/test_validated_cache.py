"""What the planner validated once it does not validate again (issue 22), and the cache
that spares it never changes what is planned: an entry is only ever read back for the
same bytes, validated by the same code, and signed with this user's key."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planner.core import state
from planner.core.files import (
    EQUIVALENCES_FILE,
    GUIDELINE_FILE,
    PACES_FILE,
    PRODUCTS_FILE,
    bundled_dir,
    read_toml,
    read_toml_digest,
)
from planner.domain import protocols, validated
from planner.errors import ProtocolError
from planner.models import EquivalenceTable, Guideline, PaceCatalog, ProductCatalog, Protocol

LIBRARY: list[tuple[str, type[Any]]] = [
    (PRODUCTS_FILE, ProductCatalog),
    (PACES_FILE, PaceCatalog),
    (GUIDELINE_FILE, Guideline),
    (EQUIVALENCES_FILE, EquivalenceTable),
    ("seizure-adult.toml", Protocol),
    ("panic-adult.toml", Protocol),
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(state.CACHE_ENV, str(folder))
    yield folder / validated.FOLDER


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle")) if folder.is_dir() else []


def never_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(protocols, "validate_data", refuse)


@pytest.mark.parametrize(("name", "model"), LIBRARY)
def test_a_file_validated_once_is_read_back_as_it_was_validated(
    cache: Path, monkeypatch: pytest.MonkeyPatch, name: str, model: type[Any]
) -> None:
    path = bundled_dir() / name
    first, digest = protocols.parse_file_digest(path, model)
    assert len(entries(cache)) == 1
    never_validate(monkeypatch)
    again, same = protocols.parse_file_digest(path, model)
    assert (again, same) == (first, digest)
    assert again == model.model_validate(read_toml(path))  # what pydantic makes of it today


def test_an_edited_file_is_validated_afresh(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    shutil.copy(bundled_dir() / "panic-adult.toml", path)
    protocols.parse_file_digest(path, Protocol)
    text = path.read_text().replace("min_interval_days = 3", "min_interval_days = 1", 1)
    assert text != path.read_text()
    path.write_text(text)
    with pytest.raises(ProtocolError, match=r"titration\.min_interval_days: must be at least 3"):
        protocols.parse_file_digest(path, Protocol)


class Tripwire:
    """A pickle that, if ever loaded, records it: what a forged entry could run."""

    loaded = False

    def __reduce__(self) -> tuple[Any, ...]:
        return (Tripwire.trip, ())

    @staticmethod
    def trip() -> None:
        Tripwire.loaded = True


def test_an_entry_not_signed_with_this_users_key_is_never_unpickled(cache: Path) -> None:
    path = bundled_dir() / GUIDELINE_FILE
    protocols.parse_file_digest(path, Guideline)
    [entry] = entries(cache)
    entry.write_bytes(bytes(32) + pickle.dumps(Tripwire()))  # a forger has no key
    found, _ = protocols.parse_file_digest(path, Guideline)
    assert not Tripwire.loaded
    assert found == Guideline.model_validate(read_toml(path))


def test_an_entry_signed_for_another_file_is_not_taken(cache: Path) -> None:
    """The signature binds what was validated to the bytes it was made of: an entry
    renamed to another file's place does not verify."""
    products, paces = bundled_dir() / PRODUCTS_FILE, bundled_dir() / PACES_FILE
    protocols.parse_file_digest(products, ProductCatalog)
    [kept] = entries(cache)
    _, digest = read_toml_digest(paces)
    assert validated.cached(ProductCatalog, digest) is None
    kept.rename(validated._path(ProductCatalog, digest))
    assert validated.cached(ProductCatalog, digest) is None


def test_other_code_does_not_read_this_codes_entries(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bundled_dir() / GUIDELINE_FILE
    _, digest = protocols.parse_file_digest(path, Guideline)
    assert validated.cached(Guideline, digest) is not None
    monkeypatch.setattr(validated, "code_fingerprint", lambda: "another planner")
    assert validated.cached(Guideline, digest) is None


def test_the_fingerprint_covers_the_models_source() -> None:
    package = Path(validated.__file__).parents[1]
    covered = {
        path
        for source in validated.SOURCES
        for path in (
            [package / source] if source.endswith(".py") else (package / source).rglob("*.py")
        )
    }
    assert package / "models" / "protocol.py" in covered
    assert package / "models" / "paces" / "hyperbolic.py" in covered
    assert package / "core" / "units.py" in covered


def test_a_cache_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv(state.CACHE_ENV, str(blocker))
    path = bundled_dir() / PACES_FILE
    found, _ = protocols.parse_file_digest(path, PaceCatalog)
    assert found == PaceCatalog.model_validate(read_toml(path))
    assert blocker.read_text() == ""
    assert not list(tmp_path.glob(".draft-*"))


def test_the_cache_keeps_a_bounded_number_of_entries(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validated, "MAX_ENTRIES", 2)
    for name, model in LIBRARY[:4]:
        protocols.parse_file_digest(bundled_dir() / name, model)
    assert len(entries(cache)) == 2


def planner(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, state.CACHE_ENV: str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "planner", *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


@pytest.mark.slow
def test_a_run_from_the_cache_plans_and_refuses_as_a_run_without_it(tmp_path: Path) -> None:
    """The second run takes the library and the request's validator from the first's
    cache: the same schedule to the byte, and the same one-line refusal of bad input."""
    cache = tmp_path / "cache"
    titrate = ["titrate", "seizure-adult", "--start", "2027-01-04", "--target", "6"]
    bad = ["titrate", "seizure-adult", "--start", "2027-01-04", "--target", "60"]
    first = planner(cache, *titrate, "--csv", str(tmp_path / "first.csv"))
    refused_first = planner(cache, *bad)
    kinds = {path.name.split("-")[0] for path in entries(cache / validated.FOLDER)}
    assert {"Protocol", "ProductCatalog", "PaceCatalog", "Guideline", "BuiltModel"} <= kinds
    second = planner(cache, *titrate, "--csv", str(tmp_path / "second.csv"))
    refused_second = planner(cache, *bad)
    assert first.returncode == second.returncode == 0, first.stderr
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "second.csv").read_bytes()
    assert first.stdout.replace("first.csv", "second.csv") == second.stdout
    assert refused_first.returncode == refused_second.returncode == 2
    assert refused_first.stderr == refused_second.stderr
    assert "--target" in refused_second.stderr
