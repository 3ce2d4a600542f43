"""Schedules from the label and the guidelines, as literal tables a clinician can check.

Each expected table names the rule it shows. Doses per time of day are listed in the
protocol's order (panic: morning | bedtime; seizure: morning | midday | bedtime).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from tables import step_table, units_table

from planner import load_protocol, taper, titrate
from planner.domain.schedule import Schedule
from planner.errors import DoseError, InputError
from planner.models import TaperRequest

START = dt.date(2027, 1, 4)


def expect(table: str) -> str:
    return textwrap.dedent(table).strip("\n")


def test_panic_titration_label_default() -> None:
    """Label: 0.25 mg twice daily, raised to 1 mg/day after 3 days, then held."""
    schedule = titrate(load_protocol("panic-adult"), start=START)
    assert step_table(schedule) == expect(
        """
        day   1   3 days  titration      0.5 mg  0.25 mg | 0.25 mg
        day   4  14 days  maintenance      1 mg  0.5 mg | 0.5 mg
        """
    )
    assert units_table(schedule) == expect(
        """
        1/2 x 0.5 mg | 1/2 x 0.5 mg
        1 x 0.5 mg | 1 x 0.5 mg
        """
    )
    assert schedule.start == START
    assert schedule.end == dt.date(2027, 1, 20)


def test_panic_titration_to_2_mg_with_largest_dose_at_bedtime() -> None:
    """Label: raise by up to 0.5 mg/day no sooner than every 3 days; odd totals at bedtime."""
    schedule = titrate(
        load_protocol("panic-adult"), start=START, target_mg_per_day="2", step_mg_per_day="0.25"
    )
    assert step_table(schedule) == expect(
        """
        day   1   3 days  titration      0.5 mg  0.25 mg | 0.25 mg
        day   4   3 days  titration     0.75 mg  0.25 mg | 0.5 mg
        day   7   3 days  titration        1 mg  0.5 mg | 0.5 mg
        day  10   3 days  titration     1.25 mg  0.5 mg | 0.75 mg
        day  13   3 days  titration      1.5 mg  0.75 mg | 0.75 mg
        day  16   3 days  titration     1.75 mg  0.75 mg | 1 mg
        day  19  14 days  maintenance      2 mg  1 mg | 1 mg
        """
    )
    assert units_table(schedule).splitlines()[-1] == "1 x 1 mg | 1 x 1 mg"


def test_seizure_adult_titration_to_4_mg() -> None:
    """Label: 0.5 mg three times daily, raised by 0.5 mg/day every 3 days."""
    schedule = titrate(load_protocol("seizure-adult"), start=START, target_mg_per_day=4)
    assert step_table(schedule) == expect(
        """
        day   1   3 days  titration      1.5 mg  0.5 mg | 0.5 mg | 0.5 mg
        day   4   3 days  titration        2 mg  0.5 mg | 0.75 mg | 0.75 mg
        day   7   3 days  titration      2.5 mg  0.75 mg | 0.75 mg | 1 mg
        day  10   3 days  titration        3 mg  1 mg | 1 mg | 1 mg
        day  13   3 days  titration      3.5 mg  1 mg | 1.25 mg | 1.25 mg
        day  16  14 days  maintenance      4 mg  1.25 mg | 1.25 mg | 1.5 mg
        """
    )


def test_seizure_pediatric_20_kg() -> None:
    """Label: start 0.01 to 0.03 mg/kg/day (here 0.02: 0.4 mg, made as 0.375 mg with
    0.125 mg orally disintegrating tablets), +0.25 mg every third day, to 0.1 mg/kg/day."""
    schedule = titrate(load_protocol("seizure-pediatric"), start=START, weight_kg=20)
    assert step_table(schedule) == expect(
        """
        day   1   3 days  titration    0.375 mg  0.125 mg | 0.125 mg | 0.125 mg
        day   4   3 days  titration    0.625 mg  0.125 mg | 0.25 mg | 0.25 mg
        day   7   3 days  titration    0.875 mg  0.25 mg | 0.25 mg | 0.375 mg
        day  10   3 days  titration    1.125 mg  0.375 mg | 0.375 mg | 0.375 mg
        day  13   3 days  titration    1.375 mg  0.375 mg | 0.5 mg | 0.5 mg
        day  16   3 days  titration    1.625 mg  0.5 mg | 0.5 mg | 0.625 mg
        day  19   3 days  titration    1.875 mg  0.625 mg | 0.625 mg | 0.625 mg
        day  22  14 days  maintenance      2 mg  0.625 mg | 0.625 mg | 0.75 mg
        """
    )


def test_seizure_pediatric_start_never_above_limit_for_heavy_child() -> None:
    """A 30 kg child: 0.6 mg/day start, target 3 mg/day (0.1 mg/kg), max 6 mg/day."""
    schedule = titrate(load_protocol("seizure-pediatric"), start=START, weight_kg=30)
    assert schedule.steps[0].total_mcg == 600 - 600 % 125  # rounded down to 0.125 mg steps
    assert schedule.steps[-1].total_mcg == 3000
    assert schedule.limits.maximum_mcg == 6000


def test_panic_taper_label_example() -> None:
    """Label: decrease by 0.125 mg twice daily (0.25 mg/day) every 3 days until withdrawn."""
    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=2, pace="label"
    )
    assert step_table(schedule) == expect(
        """
        day   1   3 days  taper         1.75 mg  0.75 mg | 1 mg
        day   4   3 days  taper          1.5 mg  0.75 mg | 0.75 mg
        day   7   3 days  taper         1.25 mg  0.5 mg | 0.75 mg
        day  10   3 days  taper            1 mg  0.5 mg | 0.5 mg
        day  13   3 days  taper         0.75 mg  0.25 mg | 0.5 mg
        day  16   3 days  taper          0.5 mg  0.25 mg | 0.25 mg
        day  19   3 days  taper         0.25 mg  - | 0.25 mg
        day  22   1 days  stop             0 mg  - | -
        """
    )
    assert any("faster than ASAM 2025" in warning for warning in schedule.warnings)


def test_panic_taper_nardi_2010() -> None:
    """Nardi 2010: 0.5 mg every 2 weeks down to 1 mg/day, then 0.25 mg every week."""
    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day=2,
        pace="nardi-2010",
    )
    assert step_table(schedule) == expect(
        """
        day   1  14 days  taper          1.5 mg  0.75 mg | 0.75 mg
        day  15   7 days  taper            1 mg  0.5 mg | 0.5 mg
        day  22   7 days  taper         0.75 mg  0.25 mg | 0.5 mg
        day  29   7 days  taper          0.5 mg  0.25 mg | 0.25 mg
        day  36   7 days  taper         0.25 mg  - | 0.25 mg
        day  43   1 days  stop             0 mg  - | -
        """
    )


def test_asam_taper_keeps_its_rate_where_tablets_cannot_make_small_steps() -> None:
    """ASAM 2025: 10% every 2 weeks, never over 25% per 2 weeks. With 0.25 mg as the
    smallest step, each step is larger than 10%, so each dose is held longer in
    proportion (12.5% for 20 days, 25% for 35); 0.75 -> 0.5 (33%) and 0.5 -> 0.25 (50%)
    are single product steps, taken after 47 and 70 days. The first cut keeps the rate
    too (clinical rules 6): 2 -> 1.75 mg (12.5%) waits 18 days, of which the 14 days
    before day 1 count as one interval already held."""
    schedule = taper(load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=2)
    assert step_table(schedule) == expect(
        """
        day   1   4 days  taper            2 mg  1 mg | 1 mg
        day   5  20 days  taper         1.75 mg  0.75 mg | 1 mg
        day  25  24 days  taper          1.5 mg  0.75 mg | 0.75 mg
        day  49  28 days  taper         1.25 mg  0.5 mg | 0.75 mg
        day  77  35 days  taper            1 mg  0.5 mg | 0.5 mg
        day 112  47 days  taper         0.75 mg  0.25 mg | 0.5 mg
        day 159  70 days  taper          0.5 mg  0.25 mg | 0.25 mg
        day 229  14 days  taper         0.25 mg  - | 0.25 mg
        day 243   1 days  stop             0 mg  - | -
        """
    )
    assert len(schedule.notes) == 8
    assert schedule.notes[0].startswith(
        "2 mg/day is kept 4 more days (18 counting the 14 before day 1) before 1.75 mg/day"
    )
    assert schedule.notes[6].startswith("0.5 mg/day is held 70 days before 0.25 mg/day")
    assert "choose product us-odt" in schedule.notes[7]  # finer steps, sold in the same region


def test_asam_taper_with_drops_ends_with_one_drop_at_bedtime() -> None:
    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day=2,
        product="rivotril-drops",
    )
    last_two = step_table(schedule).splitlines()[-2:]
    assert last_two == [
        "day 363  14 days  taper          0.1 mg  - | 0.1 mg",
        "day 377   1 days  stop             0 mg  - | -",
    ]
    assert units_table(schedule).splitlines()[-2] == "- | 1 x 0.1 mg"


def test_two_phase_reproduces_deprescribing_org_in_shares_of_the_starting_dose() -> None:
    """Deprescribing.org (Pottie 2018): 25% every 2 weeks, 12.5% near the end, as shares
    of the starting dose (clinical rules 6). From 2 mg/day: 1.5, 1, 0.5 (a quarter of
    the start), then 0.25 mg/day, two weeks each: eight weeks, as the source's arithmetic
    gives. Its source stops from 0.25 mg/day; ODT make 0.125 mg, so the taper goes on at
    the guideline's pace (clinical rules 7): 0.25 -> 0.125 mg/day is 50%, held 28 days
    (25% x 28 / 14), never a cut the planner invents faster than that."""
    schedule = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day=2,
        pace="two-phase",
        product="us-odt",
    )
    held = [(step.total_mcg, step.days) for step in schedule.steps]
    assert held == [(1500, 14), (1000, 14), (500, 14), (250, 28), (125, 14), (0, 1)]
    assert any("its source stops from 0.25 mg/day" in note for note in schedule.notes)
    tablets = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=2, pace="two-phase"
    )
    assert [(s.total_mcg, s.days) for s in tablets.steps] == [
        (1500, 14),
        (1000, 14),
        (500, 14),
        (250, 14),
        (0, 1),
    ]
    assert tablets.days == 8 * 7 + 1


def test_taper_that_must_wait_holds_the_current_dose_first() -> None:
    """0.5 -> 0.25 mg/day is a 50% step: at ASAM's 10% per 14 days it waits 70 days,
    so the current dose is kept 56 more days before the first reduction (it counts as
    held one interval, 14 days, already). Clinical rules 6: the first cut keeps the
    pace's rate like every other."""
    schedule = taper(
        load_protocol("seizure-adult"), start=dt.date(2027, 3, 1), from_mg_per_day="0.5"
    )
    assert step_table(schedule) == expect(
        """
        day   1  56 days  taper          0.5 mg  0.25 mg | - | 0.25 mg
        day  57  14 days  taper         0.25 mg  - | - | 0.25 mg
        day  71   1 days  stop             0 mg  - | - | -
        """
    )
    assert schedule.steps[0].note == "Keep 0.5 mg/day."
    assert any("specialist supervision" in warning for warning in schedule.warnings)


@pytest.mark.parametrize(
    ("age", "expected", "absent"),
    [
        (70, "65 years and over", "under 18"),
        (None, "Age not given", None),
    ],
)
def test_panic_age_cautions(age: int | None, expected: str, absent: str | None) -> None:
    schedule = titrate(load_protocol("panic-adult"), start=START, age_years=age)
    text = " ".join(schedule.warnings)
    assert expected in text
    if absent is not None:
        assert absent not in text


def test_adult_age_gives_no_age_caution() -> None:
    schedule = titrate(load_protocol("panic-adult"), start=START, age_years=40)
    assert not any("years" in warning for warning in schedule.warnings)


# --- Children (label: Seizure Disorders, Pediatric Patients; clinical rules 1 and 6) ----


def test_a_10_kg_child_starts_on_two_divided_doses_not_one() -> None:
    """0.01 to 0.03 mg/kg/day in divided doses: ODT 0.125 mg twice a day (0.025 mg/kg),
    never 0.125 mg once a day at bedtime."""
    schedule = titrate(load_protocol("seizure-pediatric"), start=START, weight_kg=10)
    assert step_table(schedule).splitlines()[0] == (
        "day   1   3 days  titration     0.25 mg  0.125 mg | - | 0.125 mg"
    )


def test_with_drops_a_10_kg_child_gets_three_equal_doses() -> None:
    """'Divided into three equal doses' where the product can: 1 drop three times a day."""
    schedule = titrate(
        load_protocol("seizure-pediatric"), start=START, weight_kg=10, product="rivotril-drops"
    )
    assert step_table(schedule).splitlines()[0] == (
        "day   1   3 days  titration      0.3 mg  0.1 mg | 0.1 mg | 0.1 mg"
    )


def test_the_pediatric_step_is_a_ceiling() -> None:
    """'Increased by no more than 0.25 to 0.5 mg every third day': 0.125 mg is allowed."""
    schedule = titrate(
        load_protocol("seizure-pediatric"), start=START, weight_kg=10, step_mg_per_day="0.125"
    )
    totals = [step.total_mcg for step in schedule.steps]
    assert totals == [250, 375, 500, 625, 750, 875, 1000]
    with pytest.raises(InputError, match=r"largest step of 0\.5 mg/day"):
        titrate(
            load_protocol("seizure-pediatric"), start=START, weight_kg=10, step_mg_per_day="0.75"
        )


def test_the_held_dose_is_rounded_into_the_maintenance_range_never_below() -> None:
    """12.5 kg x 0.1 mg/kg/day = 1.25 mg/day; drops make 1.2 (0.096, below the range)
    or 1.3 (0.104): 1.3 mg/day."""
    schedule = titrate(
        load_protocol("seizure-pediatric"), start=START, weight_kg="12.5", product="rivotril-drops"
    )
    assert schedule.steps[-1].total_mcg == 1300
    assert "rounded to 1.3 mg/day (0.104 mg/kg/day)" in schedule.notes[-1]


def test_a_product_that_cannot_divide_a_childs_dose_names_one_that_can() -> None:
    """US tablets give 0.25 mg at the least: two doses are 0.5 mg/day, above 0.05 mg/kg/day
    for 8 kg. ODT can (0.125 mg twice a day)."""
    with pytest.raises(DoseError, match=r"\(product us-odt\)"):
        titrate(load_protocol("seizure-pediatric"), start=START, weight_kg=8, product="us-tablet")


# --- Published schedules as plan files (examples/), reproduced to the day and mg ------


def plan_steps(name: str) -> tuple[list[tuple[int, int]], Schedule]:
    from cli_helpers import ROOT

    from planner.plans import load_plan, run_plan

    path = ROOT / "examples" / name
    schedule = run_plan(load_plan(path), folder=path.parent).schedule
    return [(step.total_mcg, step.days) for step in schedule.steps], schedule


@pytest.mark.parametrize(
    ("name", "pace", "from_mg", "expected"),
    [
        (
            "label-example.plan.toml",
            "label",
            1,
            [(750, 3), (500, 3), (250, 3), (0, 1)],  # 0.25 mg/day less every 3 days
        ),
        (
            "nardi-2010.plan.toml",
            "nardi-2010",
            2,
            [(1500, 14), (1000, 7), (750, 7), (500, 7), (250, 7), (0, 1)],
        ),
    ],
)
def test_a_published_schedule_runs_as_a_plan_file_and_as_its_pace(
    name: str, pace: str, from_mg: int, expected: list[tuple[int, int]]
) -> None:
    """Label: 0.125 mg twice daily (0.25 mg/day) every 3 days; Nardi 2010: 0.5 mg every
    2 weeks to 1 mg/day, then 0.25 mg a week. The plan file (custom steps, citing its
    source) and the built-in pace give the same days and doses."""
    steps, schedule = plan_steps(name)
    assert steps == expected
    assert isinstance(schedule.request, TaperRequest) and schedule.request.source
    built_in = taper(
        load_protocol("panic-adult"),
        start=dt.date(2027, 3, 1),
        from_mg_per_day=from_mg,
        pace=pace,
        product="us-tablet",
    )
    assert [(step.total_mcg, step.days) for step in built_in.steps] == expected
    assert any("faster than ASAM 2025" in w for w in built_in.warnings)
    assert any(w.startswith("Faster than ASAM 2025") for w in schedule.warnings)


def test_a_plan_files_source_is_printed_on_every_output(tmp_path: Path) -> None:
    from cli_helpers import ROOT, ok
    from pypdf import PdfReader

    csv_path, pdf_path = tmp_path / "nardi.csv", tmp_path / "nardi.pdf"
    xlsx_path = tmp_path / "nardi.xlsx"
    plan = ROOT / "examples" / "nardi-2010.plan.toml"
    stdout = ok("plan", plan, "--csv", csv_path, "--pdf", pdf_path, "--xlsx", xlsx_path)
    cited = "Nardi AE et al. Clonazepam discontinuation"
    assert cited in stdout
    assert f'# Steps from:,"{cited}' in csv_path.read_text()
    assert cited in " ".join(PdfReader(pdf_path).pages[0].extract_text().split())
    import openpyxl

    about = [
        str(c.value) for r in openpyxl.load_workbook(xlsx_path)["About"].iter_rows() for c in r
    ]
    assert any(cited in value for value in about)


def test_a_heavy_child_under_10_never_starts_above_the_adult_start() -> None:
    """0.01-0.03 mg/kg/day for 100 kg would be 1 to 3 mg/day; the adult start limit is
    1.5 mg/day (label), and a child does not start higher (our choice, in the file)."""
    schedule = titrate(load_protocol("seizure-pediatric"), start=START, weight_kg=100, age_years=9)
    assert schedule.steps[0].total_mcg <= 1500


def test_a_switch_is_only_to_a_product_with_smaller_steps() -> None:
    with pytest.raises(InputError, match=r"switch_product: .* a switch is to a product"):
        taper(
            load_protocol("panic-adult"),
            start=dt.date(2027, 3, 1),
            from_mg_per_day=1,
            product="rivotril-drops",
            switch_product={"at_or_below_mg_per_day": "0.25", "product": "us-tablet"},
        )
