"""The cases a clinical pharmacist reproduced against the third round's planner, each as
clinical rules section 7 says it must now behave (issue: an independent checker and one
story across outputs). Each runs the command line as a user would."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import error_line, ok, run, table_rows

from planner.api import Checked, plan_checked, taper_request
from planner.core.dates import add_months
from planner.domain.protocols import load_library
from planner.errors import InputError

START = ("--start", "2027-01-04")
REASON = "Specialist plan after status epilepticus risk review"


# 1. Paces by population, and no cut the planner invents --------------------------------


def test_an_insomnia_pace_is_not_offered_for_epilepsy(tmp_path: Path) -> None:
    """Deprescribing.org's two-phase pace was studied in insomnia: refused on seizure-adult,
    one line naming the paces offered; nothing written."""
    out = tmp_path / "taper.csv"
    message = error_line(
        run(
            "taper",
            "seizure-adult",
            *START,
            "--from",
            20,
            "--pace",
            "two-phase",
            "--age",
            40,
            "--weight",
            70,
            "--csv",
            out,
        )
    )
    assert "'two-phase' is not offered for seizure-adult" in message
    assert message.endswith("its paces are asam, proportional, hyperbolic, linear")
    assert list(tmp_path.iterdir()) == []


def test_a_child_is_never_planned_at_an_adults_pace() -> None:
    message = error_line(
        run(
            "taper",
            "seizure-pediatric",
            *START,
            "--from",
            "0.5",
            "--weight",
            20,
            "--pace",
            "two-phase",
            "--product",
            "us-odt",
        )
    )
    assert "'two-phase' is not offered for seizure-pediatric" in message


def test_two_phase_from_20_mg_goes_on_at_the_guideline_pace_where_its_source_stops() -> None:
    """Its source stops from 2.5 mg/day (12.5% of 20); the planner no longer cuts 2.5 to
    0.25 mg/day (-90%), but goes on at ASAM's pace, and the report names the source of the
    cuts faster than ASAM's."""
    stdout = ok("taper", "panic-adult", *START, "--from", 20, "--pace", "two-phase", "--age", 40)
    rows = table_rows(stdout)
    doses = [row.daily_mg for row in rows]
    assert doses[:5] == [15, 10, 5, 2.5, 2]
    from_two_and_a_half = [(row.daily_mg, row.days) for row in rows[3:]]
    pairs = itertools.pairwise(from_two_and_a_half)
    for (before, days), (after, _) in pairs:
        if after:
            assert (before - after) / before <= 0.25 * days / 14, (before, after, days)
    assert "Safety checks: 7 passed, 1 exceeded by choice" in stdout
    assert "[EXCEEDED BY CHOICE] no cut faster than the guideline's 25% of the dose" in stdout
    assert "chosen by the published pace two-phase, offered for panic-adult" in stdout
    assert "Pottie K et al. Deprescribing benzodiazepine receptor agonists" in stdout
    assert "its source stops from 2.5 mg/day" in stdout


# 2. Minors and weight -------------------------------------------------------------------


def test_a_one_year_old_on_the_adults_panic_protocol_is_refused() -> None:
    gate = error_line(
        run("titrate", "panic-adult", *START, "--age", 1, "--weight", 10, "--target", 4)
    )
    assert "a patient of 1 years is outside panic-adult (18 years and over; label)" in gate
    assert "give an off-label reason" in gate
    dose = error_line(
        run(
            "titrate",
            "panic-adult",
            *START,
            "--age",
            1,
            "--weight",
            10,
            "--target",
            4,
            "--off-label",
            "Refractory panic, child psychiatry",
        )
    )
    assert dose.startswith("--target (target_mg_per_day): 4 mg/day is 0.4 mg/kg/day for 10 kg")
    assert "above the 0.2 mg/kg/day allowed under 18 years" in dose


def test_a_minor_past_the_gate_is_shown_and_held_in_mg_per_kg() -> None:
    stdout = ok(
        "titrate", "panic-adult", *START, "--age", 15, "--weight", 40, "--target", 2,
        "--off-label", "Refractory panic, child psychiatry",
    )  # fmt: skip
    assert "mg/kg/day" in stdout.splitlines()[4]  # the table's header
    assert "[pass] mg/kg/day for 40 kg: starts at 0.013, highest 0.05 (start limit 0.05, " in stdout
    assert "Off-label: a patient of 15 years is outside panic-adult" in stdout


def test_a_minors_taper_from_above_the_pediatric_ceiling_is_refused() -> None:
    message = error_line(
        run("taper", "seizure-pediatric", *START, "--from", 6, "--age", 8, "--weight", 20)
    )
    assert "6 mg/day is 0.3 mg/kg/day for 20 kg, above the 0.2 mg/kg/day" in message


# 3. Older adults ------------------------------------------------------------------------


def test_an_older_adult_may_start_low_and_rise_in_smaller_steps() -> None:
    """Label: the start "should not exceed 1.5 mg/day" and rises "0.5 to 1 mg": ceilings.
    A target of 1 mg/day starts there; steps of 0.25 mg/day are accepted at 80."""
    low = ok("titrate", "seizure-adult", *START, "--age", 80, "--weight", 60, "--target", 1)
    rows = table_rows(low)
    assert [(row.daily_mg, row.phase) for row in rows] == [(Decimal(1), "maintenance")]
    assert "the titration starts at the target" in low
    small = ok(
        "titrate", "seizure-adult", *START, "--age", 80, "--weight", 60, "--target", 2,
        "--step", "0.25",
    )  # fmt: skip
    assert [row.daily_mg for row in table_rows(small)] == [1.5, 1.75, 2]
    assert "(AGS Beers Criteria 2023)" in small
    assert "Beers list; start low and observe closely (label)" not in small


def test_a_younger_adult_keeps_the_protocols_smallest_step() -> None:
    message = error_line(
        run("titrate", "seizure-adult", *START, "--age", 40, "--target", 2, "--step", "0.25")
    )
    assert "step_mg_per_day" in message or "--step" in message


# 4. Reviews ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_long_taper_is_reviewed_every_3_months_on_every_output(tmp_path: Path) -> None:
    csv, ics = tmp_path / "taper.csv", tmp_path / "taper.ics"
    stdout = ok(
        "taper", "seizure-adult", *START, "--from", 20, "--pace", "linear", "--age", 40,
        "--weight", 70, "--csv", csv, "--ics", ics, "--tz", "UTC",
    )  # fmt: skip
    rows = table_rows(stdout)
    first, last = rows[0].first, rows[-1].last
    listed = stdout.split("at least every 3 months, ASAM 2025):\n")[1].split("\n\n")[0]
    reviews = [line.removeprefix("  - ") for line in listed.splitlines()]
    due = add_months(first, 3)
    for review in reviews:
        assert dt.date.fromisoformat(review) <= due
        due = add_months(dt.date.fromisoformat(review), 3)
    assert due > last  # none missing before the stop
    assert (last - first).days > 3 * 365 and len(reviews) >= 12
    days = {line.split(",")[0]: line for line in csv.read_text().splitlines()}
    for review in reviews:
        assert "Review with the prescriber" in days[review]
    calendar = ics.read_text().replace("\r\n ", "")
    assert calendar.count("Review this dose with your prescriber on") >= len(reviews)


# 5. Warnings ---------------------------------------------------------------------------


def test_the_clinicians_report_has_the_boxed_warning_contraindications_and_cautions() -> None:
    stdout = ok("titrate", "panic-adult", *START, "--age", 40)
    section = stdout.split("Before prescribing: boxed warning, contraindications, cautions")[1]
    for words in (
        "Boxed warning: Concomitant opioids.",
        "Boxed warning: Abuse, misuse and addiction.",
        "Boxed warning: Dependence and withdrawal reactions.",
        "Contraindication: Significant liver disease.",
        "Contraindication: Acute narrow-angle glaucoma.",
        "Caution: Impaired respiratory function.",
        "Caution: Renal impairment.",
        "Caution: Hepatic impairment.",
        "Caution: Other CNS depressants and alcohol.",
        '"Concomitant use of benzodiazepines and opioids may result in profound sedation',
    ):
        assert words in section, words


# Seizures: a clinician's faster steps need a written reason ------------------------------


def custom_seizure_taper(reason: str | None = None) -> Checked:
    library = load_library()
    request = taper_request(
        start=dt.date(2027, 1, 4),
        from_mg_per_day="2",
        weight_kg="70",
        age_years=40,
        custom_steps=[
            {"mg_per_day": "1", "days": 14},
            {"mg_per_day": "0.5", "days": 14},
            {"mg_per_day": "0.25", "days": 14},
        ],
        faster_reason=reason,
    )
    return plan_checked(library.protocol("seizure-adult"), request)


def test_a_clinicians_fast_steps_on_a_seizure_protocol_need_a_written_reason() -> None:
    with pytest.raises(InputError) as refused:
        custom_seizure_taper()
    assert refused.value.field == "faster_reason"
    assert "for seizure (seizure-adult) give a written reason" in str(refused.value)
    report = custom_seizure_taper(REASON).report
    (exceeded,) = report.exceeded
    assert exceeded.chosen_by == f"the clinician's own steps; reason: {REASON}"
    assert "2027-01-04: 2 to 1 mg/day, 50% after 14 days" in exceeded.detail
