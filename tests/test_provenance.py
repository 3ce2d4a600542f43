"""The fingerprint: the same however the schedule was asked for, changed by any byte of a
data file read or by the program's version; every output names the program's version."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from cli_helpers import ROOT, ok
from web_helpers import client

from planner import __version__
from planner.api import load_protocol, plan_checked, switch_request, taper_request
from planner.domain.protocols import load_library
from planner.domain.provenance import fingerprint, footer
from planner.render.outputs import OutputOptions, render_kind

START = dt.date(2027, 1, 4)
OPTIONS = ["--start", "2027-01-04", "--from", "2", "--pace", "asam"]
FINGERPRINT = re.compile(r'^# Fingerprint:,"([0-9a-f]{12})"$', re.MULTILINE)


def printed(csv: bytes | str) -> str:
    """The fingerprint a CSV file names in its provenance lines."""
    text = csv.decode("utf-8") if isinstance(csv, bytes) else csv
    found = FINGERPRINT.search(text)
    assert found, text[:400]
    return found[1]


def api_fingerprint() -> str:
    request = taper_request(start=START, from_mg_per_day="2", pace="asam")
    return fingerprint(plan_checked(load_protocol("panic-adult"), request).schedule)


def test_options_a_plan_file_a_batch_row_the_web_and_the_api_agree(tmp_path: Path) -> None:
    expected = api_fingerprint()
    saved = tmp_path / "saved.plan.toml"
    ok("taper", "panic-adult", *OPTIONS, "--csv", tmp_path / "a.csv", "--save-plan", saved)
    assert printed((tmp_path / "a.csv").read_text()) == expected
    ok("plan", saved, "--csv", tmp_path / "b.csv")
    assert printed((tmp_path / "b.csv").read_text()) == expected
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "id,protocol,schedule,start,from_mg_per_day,pace\n"
        "p1,panic-adult,taper,2027-01-04,2.00,asam\n"
    )
    ok("batch", plans, "--out", tmp_path / "out", "--csv", "--workers", "1")
    assert printed((tmp_path / "out" / "p1" / "schedule.csv").read_text()) == expected
    web = client().get(
        "/api/taper?protocol=panic-adult&start=2027-01-04&from=2&pace=asam&format=csv"
    )
    assert printed(web.content) == expected


def copied_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "protocols"
    shutil.copytree(ROOT / "protocols", folder)
    return folder


def test_a_copy_of_a_protocol_file_has_its_fingerprint_until_a_byte_changes(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "panic-adult.toml"
    shutil.copyfile(ROOT / "protocols" / "panic-adult.toml", copy)
    request = taper_request(start=START, from_mg_per_day="2", pace="asam")
    same = fingerprint(plan_checked(load_protocol(copy), request).schedule)
    assert same == api_fingerprint()
    copy.write_bytes(copy.read_bytes() + b"# a reviewer's comment\n")
    changed = fingerprint(plan_checked(load_protocol(copy), request).schedule)
    assert changed != same


@pytest.mark.parametrize("name", ["products.toml", "paces.toml"])
def test_a_comment_in_the_products_or_paces_file_changes_it(tmp_path: Path, name: str) -> None:
    folder = copied_folder(tmp_path)
    request = taper_request(start=START, from_mg_per_day="2", pace="asam")

    def of(library_folder: Path) -> str:
        library = load_library(library_folder)
        protocol = library.protocol("panic-adult")
        return fingerprint(plan_checked(protocol, request, library=library).schedule)

    before = of(folder)
    assert before == api_fingerprint()
    (folder / name).write_bytes((folder / name).read_bytes() + b"# noted\n")
    load_library.cache_clear()
    try:
        assert of(folder) != before
    finally:
        load_library.cache_clear()


def test_a_switch_covers_the_equivalences_file() -> None:
    request = switch_request(start=START, from_drug="diazepam", from_mg_per_day="20")
    schedule = plan_checked(load_protocol("panic-adult"), request).schedule
    assert schedule.switch is not None
    digest = hashlib.sha256((ROOT / "protocols" / "equivalences.toml").read_bytes()).hexdigest()
    assert schedule.switch.product.file_digests == (digest,)
    names = ("panic-adult.toml", "products.toml", "paces.toml", "guideline.toml")
    files = [ROOT / "protocols" / name for name in names]
    digests = tuple(hashlib.sha256(path.read_bytes()).hexdigest() for path in files)
    assert schedule.protocol.file_digests == digests


def test_the_program_version_changes_it_and_every_output_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = taper_request(start=START, from_mg_per_day="2", pace="asam")
    schedule, report = plan_checked(load_protocol("panic-adult"), request)
    named = f"dose-planner {__version__}"
    assert named in footer(schedule)
    options = OutputOptions(timezone="UTC")
    for kind in ("csv", "ics", "fhir"):
        assert named.encode() in render_kind(kind, schedule, report, options), kind
    before = fingerprint(schedule)
    monkeypatch.setattr("planner.domain.provenance.__version__", "99.0.0")
    assert fingerprint(schedule) != before
