"""Population gates (label, Dosage and Administration; clinical rules section 6).

seizure-pediatric is for children up to 10 years or up to 30 kg; seizure-adult for the
rest (over 10 years and over 30 kg). A patient outside a protocol is refused with the
protocol that fits named, unless the prescriber records an off-label reason, which is
then printed on every output. panic-adult keeps its age cautions: no gate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import error_line, ok, run
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from planner import load_protocol, taper, titrate
from planner.errors import InputError

START = "2027-01-04"
REASON = "Neurologist: adult dosing per the trial protocol"


def test_seizure_adult_refuses_a_two_year_old_of_10_kg(tmp_path: Path) -> None:
    """The issue's example: 1.5 mg/day from day 1 is five times a 10 kg child's start."""
    out = tmp_path / "plan.csv"
    args = ("titrate", "seizure-adult", "--start", START, "--target", "1.5")
    message = error_line(run(*args, "--weight", "10", "--age", "2", "--csv", out))
    assert message.startswith("--age (patient.age_years): a patient of 2 years, 10 kg")
    assert "outside seizure-adult (over 10 years and over 30 kg; label)" in message
    assert "use seizure-pediatric" in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("protocol", "age", "weight", "allowed"),
    [
        ("seizure-pediatric", 10, "40", True),  # up to 10 years, whatever the weight
        ("seizure-pediatric", 11, "30", True),  # up to 30 kg, whatever the age
        ("seizure-pediatric", 11, "30.1", False),
        ("seizure-adult", 11, "30.1", True),
        ("seizure-adult", 10, "50", False),
        ("seizure-adult", 40, "30", False),
    ],
)
def test_the_label_bounds_are_exact_at_10_years_and_30_kg(
    protocol: str, age: int, weight: str, allowed: bool
) -> None:
    def plan() -> object:
        return titrate(
            load_protocol(protocol),
            start=dt.date(2027, 1, 4),
            age_years=age,
            weight_kg=weight,
            target_mg_per_day="1.5" if protocol == "seizure-adult" else None,
        )

    if allowed:
        plan()
    else:
        with pytest.raises(InputError, match="is outside"):
            plan()


def test_a_bound_that_cannot_be_checked_is_named_in_the_warnings() -> None:
    adult = titrate(
        load_protocol("seizure-adult"), start=dt.date(2027, 1, 4), age_years=40, target_mg_per_day=2
    )
    assert adult.warnings[0].startswith("Population not checked: weight not given; seizure-adult")
    child = titrate(load_protocol("seizure-pediatric"), start=dt.date(2027, 1, 4), weight_kg=20)
    assert not [w for w in child.warnings if "Population" in w]  # 20 kg fits, whatever the age


def test_tapers_are_gated_too() -> None:
    with pytest.raises(InputError, match="use seizure-pediatric"):
        taper(
            load_protocol("seizure-adult"),
            start=dt.date(2027, 1, 4),
            from_mg_per_day=1,
            age_years=4,
        )


def test_panic_disorder_under_18_is_a_gate_passed_only_with_a_reason() -> None:
    """Label: "Safety and effectiveness in pediatric patients with panic disorder below the
    age of 18 have not been established" (clinical rules 7): refused, naming the field,
    unless the prescriber records an off-label reason, which every output then prints."""
    panic = load_protocol("panic-adult")
    with pytest.raises(InputError, match=r"a patient of 16 years is outside panic-adult") as no:
        titrate(panic, start=dt.date(2027, 1, 4), age_years=16)
    assert no.value.field == "patient.age_years"
    schedule = titrate(panic, start=dt.date(2027, 1, 4), age_years=16, off_label_reason=REASON)
    assert schedule.off_label.startswith("Off-label: a patient of 16 years is outside panic-adult")
    assert REASON in schedule.off_label
    assert titrate(panic, start=dt.date(2027, 1, 4), age_years=18).off_label == ""


@pytest.mark.slow
def test_an_off_label_reason_plans_and_is_printed_on_every_output(tmp_path: Path) -> None:
    files = {name: tmp_path / f"plan.{name}" for name in ("csv", "pdf", "ics", "xlsx", "png")}
    plan_file = tmp_path / "plan.toml"
    stdout = ok(
        "titrate", "seizure-adult", "--start", START, "--target", "1.5", "--weight", "10",
        "--age", "2", "--off-label", REASON, "--csv", files["csv"], "--pdf", files["pdf"],
        "--ics", files["ics"], "--tz", "UTC", "--xlsx", files["xlsx"], "--plot", files["png"],
        "--save-plan", plan_file,
    )  # fmt: skip
    note = "Off-label: a patient of 2 years, 10 kg is outside seizure-adult"
    assert note in stdout and REASON in stdout
    assert f'# Warning:,"{note}' in files["csv"].read_text()
    pdf = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(files["pdf"]).pages)
    assert note in pdf and REASON in pdf
    ics = files["ics"].read_bytes().decode().replace("\r\n ", "")
    assert REASON in ics
    about = [
        cell.value
        for row in openpyxl.load_workbook(files["xlsx"])["About"].iter_rows()
        for cell in row
    ]
    assert any(REASON in str(value) for value in about)
    assert f'off_label_reason = "{REASON}"' in plan_file.read_text()
    # The saved plan re-makes the same files.
    again = tmp_path / "again.csv"
    ok("plan", plan_file, "--csv", again)
    assert again.read_bytes() == files["csv"].read_bytes()


def test_a_batch_row_may_carry_an_off_label_reason(tmp_path: Path) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "id,protocol,schedule,start,age_years,weight_kg,target_mg_per_day,off_label_reason\n"
        f"c1,seizure-adult,titration,{START},2,10,1.5,\n"
        f"c2,seizure-adult,titration,{START},2,10,1.5,{REASON}\n"
    )
    result = run("batch", plans, "--out", tmp_path / "out", "--csv")
    assert result.exit_code == 1
    assert "row 2" in result.stderr and "use seizure-pediatric" in result.stderr
    assert REASON in (tmp_path / "out" / "c2" / "schedule.csv").read_text()


ages = st.integers(0, 120)
weights = st.decimals(Decimal("2"), Decimal("150"), places=1)


@given(age=ages, weight=weights)
def test_exactly_one_seizure_protocol_takes_any_child_or_adult(age: int, weight: Decimal) -> None:
    """For every age and weight, one of seizure-pediatric and seizure-adult fits and the
    other refuses, naming the first (clinical rules 6)."""
    fits = []
    for protocol in ("seizure-pediatric", "seizure-adult"):
        try:
            taper(
                load_protocol(protocol),
                start=dt.date(2027, 1, 4),
                from_mg_per_day="0.25",  # within 0.2 mg/kg/day for any child of 2 kg and more
                age_years=age,
                weight_kg=weight,
            )
        except InputError as error:
            other = "seizure-adult" if protocol == "seizure-pediatric" else "seizure-pediatric"
            assert f"use {other}" in str(error)
        else:
            fits.append(protocol)
    child = age <= 10 or weight <= 30
    assert fits == (["seizure-pediatric"] if child else ["seizure-adult"])


def test_the_off_label_warning_reaches_the_plot_footer() -> None:
    from matplotlib.figure import Figure

    from planner.render.plot import schedule_figure

    schedule = titrate(
        load_protocol("seizure-adult"),
        start=dt.date(2027, 1, 4),
        age_years=2,
        weight_kg=10,
        target_mg_per_day="1.5",
        off_label_reason=REASON,
    )
    figure = schedule_figure(schedule)
    assert isinstance(figure, Figure)
    texts = " ".join(text.get_text() for text in figure.texts)
    assert "Off-label" in texts and REASON in texts


@pytest.mark.parametrize(
    ("age", "weight", "why"),
    [
        (40, 70, "the patient is within seizure-adult's population"),
        (12, None, "the population could not be checked"),
    ],
)
def test_an_off_label_reason_is_never_dropped(age: int, weight: int | None, why: str) -> None:
    schedule = titrate(
        load_protocol("seizure-adult"),
        start=dt.date(2027, 1, 4),
        target_mg_per_day=3,
        off_label_reason=REASON,
        age_years=age,
        weight_kg=weight,
    )
    assert f"Off-label reason recorded ({why}): {REASON}" in schedule.warnings
