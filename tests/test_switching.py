"""Switching to clonazePAM from another benzodiazepine in stages, from the patient's own
regimen (clinical rules 7: the Ashton Manual 2002, slow withdrawal schedules; ASAM 2025:
over weeks, not days; ASAM 2025, Table 7, for the equivalences), with the source of the
equivalence named on every output."""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from cli_helpers import error_line, ok, run
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import safe_or_refused
from switch_rules import Asked, broken_rules

from planner import check_schedule, load_protocol
from planner.api import switch
from planner.domain.protocols import load_equivalences
from planner.domain.schedule import Schedule
from planner.errors import DoseError, InputError
from planner.render.instructions import instructions

START = dt.date(2027, 1, 4)
PANIC = load_protocol("panic-adult")
SEIZURE = load_protocol("seizure-adult")
EQUIVALENCES = tomllib.loads(
    (Path(__file__).parents[1] / "protocols" / "equivalences.toml").read_text(encoding="utf-8")
)

# ASAM 2025, Table 7 (clinical rules, section 6): mg equal to 10 mg oral diazepam.
TABLE_7 = {
    "alprazolam": {"va-dod-2021": "1", "ashton-2002": "0.5"},
    "clonazepam": {"va-dod-2021": "1", "ashton-2002": "0.5"},
    "diazepam": {"va-dod-2021": "10", "ashton-2002": "10"},
    "lorazepam": {"va-dod-2021": "2", "ashton-2002": "1"},
}


def steps(schedule: Schedule) -> list[tuple[int, int, int, str]]:
    """(clonazePAM mcg/day, old drug mcg/day, days, phase) of each step."""
    return [(s.total_mcg, s.other_mcg, s.days, s.phase) for s in schedule.steps]


def old(schedule: Schedule, index: int) -> dict[str, int]:
    """The old drug at each of its times of day during step ``index``."""
    return {d.time.name: d.mcg for d in schedule.steps[index].other_doses}


def new(schedule: Schedule, index: int) -> dict[str, int]:
    """ClonazePAM at each of the protocol's times of day during step ``index``."""
    return {d.time.name: d.mcg for d in schedule.steps[index].doses if d.mcg}


# --- The equivalences and the regimens (the data) -----------------------------------------


@pytest.mark.parametrize("drug", sorted(TABLE_7))
def test_the_equivalences_are_asam_table_7_for_each_source(drug: str) -> None:
    figures = load_equivalences().drugs[drug].mg_per_10_mg_diazepam
    assert {source: format(mg, "f") for source, mg in figures.items()} == TABLE_7[drug]


@pytest.mark.parametrize(
    ("drug", "source", "clonazepam_per_mg"),
    [
        ("alprazolam", "va-dod-2021", Fraction(1)),
        ("alprazolam", "ashton-2002", Fraction(1)),
        ("lorazepam", "va-dod-2021", Fraction(1, 2)),
        ("lorazepam", "ashton-2002", Fraction(1, 2)),
        ("diazepam", "va-dod-2021", Fraction(1, 10)),
        ("diazepam", "ashton-2002", Fraction(1, 20)),
    ],
)
def test_each_source_gives_its_own_ratio(
    drug: str, source: str, clonazepam_per_mg: Fraction
) -> None:
    """The sources agree on alprazolam 1:1 and lorazepam 2:1; they differ two-fold on
    diazepam (clinical rules, section 6)."""
    assert load_equivalences().ratio(drug, source) == clonazepam_per_mg


@pytest.mark.parametrize(
    ("drug", "times_a_day"),
    [("alprazolam", {3}), ("lorazepam", {2, 3}), ("diazepam", {1, 2, 3})],
)
def test_each_drugs_usual_times_are_its_labels_divided_schedule(
    drug: str, times_a_day: set[int]
) -> None:
    """Clinical rules 7: alprazolam three times a day, lorazepam two or three, diazepam one
    to three (each label's usual divided schedule), with the label cited."""
    body = EQUIVALENCES["drugs"][drug]
    assert len(body["usual_times"]) in times_a_day
    cited = {source["id"] for source in EQUIVALENCES["sources"]}
    assert body["usual_times_source"] in cited and body["half_life_source"] in cited


@pytest.mark.parametrize(
    ("drug", "hours"),
    [("alprazolam", 11), ("lorazepam", 12), ("diazepam", 100), ("clonazepam", 38)],
)
def test_the_half_lives_are_the_smpcs(drug: str, hours: int) -> None:
    """Clinical rules 7 (SmPCs): alprazolam about 11 h, lorazepam about 12 h, diazepam's
    metabolite 36-200 h (100 h taken), clonazePAM 30-40 h."""
    assert EQUIVALENCES["drugs"][drug]["half_life_hours"] == hours


# --- Stages (the cases, by the rules of section 7) ---------------------------------


def test_alprazolam_4_mg_is_exchanged_half_a_mg_a_week_evening_first() -> None:
    """The issue's first case: no longer 2 mg overnight. Ashton's schedules replace about
    0.5 mg of alprazolam a week; the label's three doses stay at their own times."""
    schedule = switch(PANIC, start=START, from_drug="alprazolam", from_mg_per_day="4", age_years=40)
    assert old(schedule, 0) == {"morning": 1250, "afternoon": 1250, "bedtime": 1000}
    assert new(schedule, 0) == {"bedtime": 500}
    assert [s.other_mcg for s in schedule.steps] == [
        3500, 3000, 2500, 2000, 1500, 1250, 750, 250, 0, 0,
    ]  # fmt: skip
    assert all(s.days == 7 for s in schedule.steps[:-1])
    assert broken_rules(schedule, Asked("alprazolam", "4", "ashton-2002", "us-tablet")) == []


def test_the_old_drug_stays_at_its_own_times_and_clonazepam_at_the_protocols() -> None:
    """The issue's second case: alprazolam three times a day is not forced onto panic-adult's
    two times. The afternoon's clonazePAM goes to the nearest protocol time (morning)."""
    schedule = switch(PANIC, start=START, from_drug="alprazolam", from_mg_per_day="3")
    times = {name for index in range(len(schedule.steps)) for name in old(schedule, index)}
    assert times == {"morning", "afternoon", "bedtime"}
    assert {name for i in range(len(schedule.steps)) for name in new(schedule, i)} <= {
        "morning",
        "bedtime",
    }


def test_the_patients_own_doses_are_taken_as_given() -> None:
    """0.5 mg in the morning and 1 mg at bedtime: bedtime is exchanged first, in parts."""
    schedule = switch(
        PANIC,
        start=START,
        from_drug="alprazolam",
        from_mg_per_day="1.5",
        from_doses={"morning": "0.5", "bedtime": "1"},
    )
    assert old(schedule, 0) == {"morning": 500, "bedtime": 750}
    assert [old(schedule, i) for i in range(len(schedule.steps))][-3:] == [
        {"morning": 250},
        {},
        {},
    ]
    asked = Asked(
        "alprazolam", "1.5", "ashton-2002", "us-tablet", (("morning", "0.5"), ("bedtime", "1"))
    )
    assert broken_rules(schedule, asked) == []


def test_diazepam_13_mg_by_ashton_keeps_the_day_within_half_a_step() -> None:
    """The issue's fourth case (the day's equivalent had risen 27% in the first week): 13 mg
    of diazepam is 0.65 mg of clonazePAM by Ashton; a stage may replace 3.25 mg (0.1625 mg),
    finer than the 0.25 mg tablets. Every stage keeps the day within half a tablet step; the
    stages that lower diazepam with nothing added yet are named, with the product that
    would add clonazePAM at every stage."""
    tablets = switch(PANIC, start=START, from_drug="diazepam", from_mg_per_day="13",
                     equivalence="ashton-2002", product="us-tablet")  # fmt: skip
    exact = Fraction(13000, 20)
    stages = [s for s in tablets.steps if s.phase == "switch"]
    assert all(abs(s.total_mcg + Fraction(s.other_mcg, 20) - exact) <= 125 for s in stages)
    assert broken_rules(tablets, Asked("diazepam", "13", "ashton-2002", "us-tablet")) == []
    assert (
        "Stages 2 and 3 lower diazePAM with no clonazePAM added yet, as clonazePAM tablets "
        "(US, Klonopin) cannot add less than 0.25 mg; the day's equivalent stays within half "
        "a step. us-odt would add clonazePAM at every stage." in tablets.warnings
    )
    odt = switch(PANIC, start=START, from_drug="diazepam", from_mg_per_day="13",
                 equivalence="ashton-2002", product="us-odt")  # fmt: skip
    assert broken_rules(odt, Asked("diazepam", "13", "ashton-2002", "us-odt")) == []
    odt_stages = [s for s in odt.steps if s.phase == "switch"]
    assert all(b.total_mcg > a.total_mcg for a, b in itertools.pairwise(odt_stages))


def test_a_product_too_coarse_for_every_stage_is_refused_naming_those_that_can() -> None:
    """Diazepam 5 mg/day by Ashton is 0.25 mg of clonazePAM, one tablet step: the tablets
    cannot replace each dose of the day in stages of 1.25 mg of diazepam."""
    with pytest.raises(DoseError, match="choose a product that can: us-odt, rivotril-drops"):
        switch(PANIC, start=START, from_drug="diazepam", from_mg_per_day="5")


def test_a_tie_is_rounded_to_the_lower_and_the_note_says_so() -> None:
    """Diazepam 5 mg/day by Ashton on drops is 0.25 mg: 2.5 steps of 0.1 mg. The day's
    total is 0.2 mg, and the notes and the equivalence warning say why."""
    schedule = switch(PANIC, start=START, from_drug="diazepam", from_mg_per_day="5",
                      product="rivotril-drops")  # fmt: skip
    assert schedule.steps[-1].total_mcg == 200
    assert "a dose exactly halfway is rounded to the lower" in schedule.notes[0]
    warning = next(w for w in schedule.warnings if w.startswith("Equivalence:"))
    assert "This plan gives 0.2 mg/day, the nearest the product makes" in warning
    assert "exactly halfway, the lower" in warning


def test_a_part_too_small_for_the_old_drugs_tablets_is_refused_naming_what_would_do() -> None:
    """Lorazepam 1 mg/day is two whole 0.5 mg tablets; a quarter is 0.25 mg, which no
    lorazepam product in the file can give: refused, not exchanged half the day at once."""
    with pytest.raises(DoseError) as raised:
        switch(PANIC, start=START, from_drug="lorazepam", from_mg_per_day="1")
    assert raised.value.field == "from_mg_per_day"
    assert "may replace at most 0.25 mg of LORazepam" in str(raised.value)
    assert "changes by 0.5 mg at the least" in str(raised.value)


# --- Joins and labels ---------------------------------------------------------------------


def test_a_taper_after_a_switch_keeps_each_times_dose_until_its_first_cut() -> None:
    """The issue's fifth case: seizure-adult from alprazolam 1 mg on drops, then ASAM. The
    morning and midday doses no longer move on the first day of the taper."""
    schedule = switch(SEIZURE, start=START, from_drug="alprazolam", from_mg_per_day="1",
                      product="rivotril-drops", then_pace="asam", age_years=40,
                      weight_kg="70")  # fmt: skip
    stages = [s for s in schedule.steps if s.phase == "switch"]
    last = stages[-1]
    for step in schedule.steps[len(stages) :]:
        if step.total_mcg != last.total_mcg:
            break
        assert step.doses == last.doses, step
    assert check_schedule(schedule).passed


def test_every_stage_is_a_switch_stage_and_the_dose_after_is_held() -> None:
    """The issue's sixth case: the last exchange is a stage, not 'maintenance'; the dose
    after it is held, labelled so, with no old drug, and its note says to keep taking it."""
    schedule = switch(PANIC, start=START, from_drug="alprazolam", from_mg_per_day="2")
    phases = [s.phase for s in schedule.steps]
    assert phases == ["switch"] * (len(phases) - 1) + ["maintenance"]
    held = schedule.steps[-1]
    assert held.total_mcg == schedule.steps[-2].total_mcg and held.other_doses == ()
    assert held.note.startswith("Hold 2 mg/day of clonazePAM: the switch is complete")
    assert schedule.next_review is not None


def test_the_smallest_switch_still_goes_in_stages() -> None:
    """Alprazolam 0.5 mg/day at bedtime only, by drops: a quarter of the day is 0.125 mg,
    so four stages, each a switch stage (no switch is one overnight exchange)."""
    schedule = switch(PANIC, start=START, from_drug="alprazolam", from_mg_per_day="0.5",
                      from_doses={"bedtime": "0.5"}, product="rivotril-drops")  # fmt: skip
    assert [s.phase for s in schedule.steps] == ["switch"] * 4 + ["maintenance"]
    assert [s.other_mcg for s in schedule.steps] == [375, 250, 125, 0, 0]
    assert check_schedule(schedule).passed


def test_a_switch_then_a_taper_is_checked_as_both() -> None:
    schedule = switch(
        PANIC, start=START, from_drug="lorazepam", from_mg_per_day="2", then_pace="asam"
    )
    assert schedule.steps[-1].total_mcg == 0
    names = [result.name for result in check_schedule(schedule).results]
    assert names[-4:] == [
        "never_up",
        "taper_step_within_pace",
        "ends_at_zero_from_smallest",
        "guideline_pace",
    ]


# --- Words for the patient ------------------------------------------------------------------


def test_the_patient_is_told_which_dose_is_replaced_and_when_to_stop_the_old_drug() -> None:
    schedule = switch(PANIC, start=START, from_drug="alprazolam", from_mg_per_day="2")
    lines = [line.patient for line in instructions(schedule)]
    assert "This replaces part of your ALPRAZolam at bedtime." in lines[0]
    assert "ALPRAZolam" in lines[0] and "in the afternoon" in lines[0]
    stop = next(i for i, line in enumerate(lines) if "Stop taking ALPRAZolam" in line)
    assert stop == len([s for s in schedule.steps if s.phase == "switch"]) - 1
    assert "ALPRAZolam" not in lines[-1]


def test_where_the_sources_disagree_both_figures_are_shown_and_the_one_used_named() -> None:
    ashton = switch(PANIC, start=START, from_drug="diazepam", from_mg_per_day="20")
    va = switch(
        PANIC, start=START, from_drug="diazepam", from_mg_per_day="20", equivalence="va-dod-2021"
    )
    assert ashton.steps[-1].total_mcg == 1000 and va.steps[-1].total_mcg == 2000
    warning = next(w for w in ashton.warnings if w.startswith("Equivalence:"))
    assert "by ashton-2002" in warning
    assert "The sources disagree: va-dod-2021 gives 2 mg/day; this plan uses ashton-2002" in warning


# --- Bad input: one line naming the field, nothing written --------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"from_drug": "temazepam"}, InputError, "from_drug"),
        ({"equivalence": "nice-2024"}, InputError, "equivalence"),
        ({"from_mg_per_day": "0.3"}, DoseError, "from_mg_per_day"),
        ({"from_mg_per_day": "9"}, InputError, "from_mg_per_day"),
        ({"from_product": "us-tablet"}, InputError, "from_product"),
        ({"from_doses": {"morning": "1", "bedtime": "0.5"}}, InputError, "from_doses"),
        ({"from_doses": (("bedtime", "1"), ("morning", "1"))}, InputError, "from_doses[1]"),
        ({"from_doses": (("morning", "1"), ("morning", "1"))}, InputError, "from_doses"),
        ({"from_doses": {"noon": "1", "bedtime": "1"}}, InputError, "from_doses[0]"),
        ({"from_doses": {"morning": "0.1", "bedtime": "1.9"}}, DoseError, "from_doses[0]"),
    ],
)
def test_a_switch_that_cannot_be_planned_names_its_field(
    fields: dict[str, object], error: type[Exception], field: str
) -> None:
    values = {"from_drug": "alprazolam", "from_mg_per_day": "2", **fields}
    with pytest.raises(error) as raised:
        switch(PANIC, start=START, **values)  # type: ignore[arg-type]  # values vary by case
    assert getattr(raised.value, "field", None) == field


@pytest.mark.parametrize(
    ("doses", "message"),
    [
        (
            ("morning=1", "bedtime=0.5"),
            "--from-dose (from_doses): the doses add up to 1.5 mg/day, not the daily dose of "
            "2 mg/day",
        ),
        (("bedtime=1", "morning=1"), "--from-dose (from_doses[1]): morning is out of the day's"),
        (("morning=1", "morning=1"), "--from-dose (from_doses): morning is given twice"),
        (("noon=1", "bedtime=1"), "--from-dose (from_doses[0]): 'noon' is not a time of day"),
        (
            ("morning=0.1", "bedtime=1.9"),
            "--from-dose (from_doses[0]): 0.1 mg of ALPRAZolam cannot be made",
        ),
        (("morning=x",), "Invalid value for '--from-dose': 'morning=x' is not TIME=MG"),
    ],
)
def test_a_bad_regimen_is_one_line_and_writes_nothing(
    tmp_path: Path, doses: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "s.csv"
    given = [arg for dose in doses for arg in ("--from-dose", dose)]
    command = ("switch", "panic-adult", "--from-drug", "alprazolam", "--from", 2, *given)
    assert error_line(run(*command, "--start", "2027-01-04", "--csv", out)).startswith(message)
    assert not out.exists()


def test_a_bad_switch_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    command = ("switch", "panic-adult", "--from-drug", "alprazolam", "--from", 2)
    message = error_line(run(*command, "--start", "2027-01-04", "--equivalence", "x", "--csv", out))
    assert message.startswith("--equivalence (equivalence): 'x' is not a source")
    assert not out.exists()


def test_a_childs_switch_needs_the_weight() -> None:
    child = load_protocol("seizure-pediatric")
    with pytest.raises(InputError, match="give the weight") as raised:
        switch(child, start=START, from_drug="alprazolam", from_mg_per_day="4", age_years=5)
    assert raised.value.field == "patient.weight_kg"
    with pytest.raises(InputError, match=r"is 0.4 mg/kg/day for 10 kg, above the 0.2"):
        switch(child, start=START, from_drug="alprazolam", from_mg_per_day="4", age_years=5,
               weight_kg="10")  # fmt: skip


# --- The command line and the plan file -----------------------------------------------------


def test_the_csv_has_the_old_drug_at_its_own_times_and_the_plan_remakes_it(
    tmp_path: Path,
) -> None:
    csv, again, plan = tmp_path / "s.csv", tmp_path / "t.csv", tmp_path / "s.toml"
    command = ("switch", "panic-adult", "--from-drug", "alprazolam", "--from", 1.5)
    doses = ("--from-dose", "morning=0.5", "--from-dose", "bedtime=1")
    stdout = ok(*command, *doses, "--start", "2027-01-04", "--csv", csv, "--save-plan", plan)
    assert "ALPRAZolam 0.5 mg (1 x 0.5 mg)" in stdout
    lines = [line for line in csv.read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split(",")
    assert header[3:5] == ["total_mg", "alprazolam_mg"]
    assert {"morning_alprazolam_mg", "bedtime_alprazolam_units"} <= set(header)
    assert "afternoon_alprazolam_mg" not in header  # not a time this patient takes it
    first = dict(zip(header, lines[1].split(","), strict=True))
    assert (first["total_mg"], first["alprazolam_mg"], first["bedtime_alprazolam_mg"]) == (
        "0.25",
        "1.25",
        "0.75",
    )
    ok("plan", plan, "--csv", again)
    assert csv.read_bytes() == again.read_bytes()
    assert "from_doses" in plan.read_text()


# --- Any switch -----------------------------------------------------------------------------


@settings(max_examples=60)
@given(
    drug=st.sampled_from(["alprazolam", "lorazepam", "diazepam"]),
    quarter_mgs=st.integers(1, 240),
    source=st.sampled_from(["ashton-2002", "va-dod-2021"]),
    product=st.sampled_from(["us-tablet", "us-odt", "rivotril-drops"]),
    step_days=st.integers(7, 30),
    then_pace=st.sampled_from([None, "asam", "proportional", "label"]),
)
def test_any_switch_keeps_every_rule_of_section_7(
    drug: str, quarter_mgs: int, source: str, product: str, step_days: int, then_pace: str | None
) -> None:
    mg = Decimal(quarter_mgs) / 4
    schedule = safe_or_refused(
        lambda: switch(
            SEIZURE,
            start=START,
            from_drug=drug,
            from_mg_per_day=mg,
            equivalence=source,
            product=product,
            step_days=step_days,
            then_pace=then_pace,
            weight_kg="70",
        )
    )
    if schedule is None:
        return
    asked = Asked(drug, str(mg), source, product, step_days=step_days)
    assert broken_rules(schedule, asked) == []
