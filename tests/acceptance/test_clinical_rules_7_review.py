"""What a red-team review of the independent checker found (clinical rules 7), each as a
case that failed before its fix."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from cli_helpers import error_line, ok, run, table_rows

from planner.api import plan_checked, taper_request
from planner.domain.protocols import load_library
from planner.safety import check_schedule

START = ("--start", "2027-01-04")
LIBRARY = load_library()


@pytest.mark.parametrize(
    ("options", "source_stops"),
    [
        (("--from", 15, "--pace", "two-phase"), "2"),  # 1.875 rounded up to 2: 0.125 left
        (("--from", 10, "--pace", "two-phase", "--product", "rivotril-drops"), "1.3"),
        (("--from", "1.5", "--pace", "label", "--product", "rivotril-drops"), "0.3"),
    ],
)
def test_a_published_pace_never_rounds_its_stop_into_a_large_cut(
    options: tuple[object, ...], source_stops: str
) -> None:
    """Where the source's next step goes below the smallest dose the product gives, the
    source stops there: the planner goes on at the guideline's pace (it had cut 2 to 0.25
    mg/day, 87.5% in 14 days, and named the source as having chosen it)."""
    stdout = ok("taper", "panic-adult", *START, *options, "--age", 40)
    rows = table_rows(stdout)
    at = next(i for i, row in enumerate(rows) if str(row.daily_mg) == source_stops)
    for before, after in zip(rows[at:], rows[at + 1 :], strict=False):
        if after.daily_mg:
            cut = Fraction(before.daily_mg - after.daily_mg) / Fraction(before.daily_mg)
            assert cut <= Fraction(1, 4) * before.days / 14, (before, after)
    assert f"its source stops from {source_stops} mg/day" in stdout


def test_a_minor_without_a_weight_is_named_as_unchecked() -> None:
    stdout = ok("taper", "seizure-pediatric", *START, "--from", 4, "--age", 5)
    assert "Under 18 and weight not given: the label's pediatric ceiling of 0.2 mg/kg/day" in stdout


def test_a_weight_without_an_age_warns_where_a_minor_would_be_above_the_ceiling() -> None:
    stdout = ok("titrate", "seizure-adult", *START, "--weight", 35, "--target", 20)
    assert (
        "Age not given: if the patient is under 18, 20 mg/day is 0.571 mg/kg/day for 35 kg, "
        "above the label's pediatric ceiling of 0.2 mg/kg/day; give the age."
    ) in stdout
    quiet = ok("titrate", "seizure-adult", *START, "--weight", 35, "--target", 7)
    assert "pediatric ceiling" not in quiet  # 7 mg/day is 0.2 mg/kg/day for 35 kg


def test_the_fhir_bundle_carries_what_the_clinician_wrote(tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    reason = "treatment-resistant adolescent panic"
    ok(*("taper", "panic-adult", *START, "--from", 1, "--age", 16), "--off-label", reason,
       "--fhir", out)  # fmt: skip
    notes = [
        note["text"]
        for entry in json.loads(out.read_text())["entry"]
        for note in entry["resource"].get("note", [])
    ]
    assert notes and all(reason in note for note in notes)


def test_the_check_holds_each_step_to_the_product_the_request_names() -> None:
    """An ODT schedule said to be of US tablets, or of strengths not on hand, fails."""
    odt = plan_checked(
        LIBRARY.protocol("panic-adult"),
        taper_request(start=dt.date(2027, 1, 4), from_mg_per_day="1", product="us-odt"),
    ).schedule
    as_tablets = odt.request.model_copy(update={"product": "us-tablet"})
    failures = check_schedule(dataclasses.replace(odt, request=as_tablets)).failures
    assert [(r.name, r.detail) for r in failures][:1] == [
        ("units_exact", "made of us-odt, not one the request names (us-tablet)")
    ]
    tablets = plan_checked(
        LIBRARY.protocol("panic-adult"),
        taper_request(start=dt.date(2027, 1, 4), from_mg_per_day="2"),
    ).schedule
    half_only = tablets.request.model_copy(update={"strengths_mg": ("0.5",)})
    detail = check_schedule(dataclasses.replace(tablets, request=half_only)).failures[0].detail
    assert detail == "made of strengths that are not the ones on hand in us-tablet"


def test_a_calendar_file_names_a_change_or_a_review_on_its_day_only(tmp_path: Path) -> None:
    out = tmp_path / "p.ics"
    stdout = ok(
        *("taper", "panic-adult", *START, "--from", "1.5", "--to", "0.5", "--hold", 200),
        *("--age", 40, "--ics", out, "--tz", "UTC"),
    )
    listed = stdout.split("(at least every 3 months, ASAM 2025):\n")[1].split("\n\n")[0]
    reviews = {line.removeprefix("  - ").replace("-", "") for line in listed.splitlines()}
    events = out.read_text().replace("\r\n ", "").split("BEGIN:VEVENT")[1:]

    def days(words: str) -> set[str]:
        return {
            line.removeprefix("DTSTART:")[:8]
            for event in events
            if words in event
            for line in event.splitlines()
            if line.startswith("DTSTART:")
        }

    assert days("Review with the prescriber") == reviews
    cut = next(row.first for row in table_rows(stdout) if row.daily_mg == Decimal("0.75"))
    assert days("Reduce to 0.75 mg/day.") == {cut.strftime("%Y%m%d")}  # that day only


def test_a_switchs_taper_pace_is_named_by_its_own_option() -> None:
    switch = ("switch", "panic-adult", *START, "--from-drug", "alprazolam", "--from", 1)
    message = error_line(run(*switch, "--then-pace", "nope", "--age", 40))
    assert message.startswith("--then-pace (then_pace): unknown pace 'nope'; panic-adult offers")
    taper = ("taper", "panic-adult", *START, "--from", 1)
    assert error_line(run(*taper, "--pace", "nope")).startswith("--pace (pace): unknown pace")


def test_every_taper_cites_the_guideline_it_is_held_to() -> None:
    stdout = ok("taper", "panic-adult", *START, "--from", 2, "--age", 40)
    sources = stdout.split("\nSources:\n")[1]
    assert "Joint Clinical Practice Guideline on Benzodiazepine Tapering" in sources
    assert "https://doi.org/10.1007/s11606-025-09499-2" in sources
