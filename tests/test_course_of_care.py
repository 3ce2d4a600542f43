"""Patients already on a dose: titrating up from it, and tapering down to a lower dose
that is then held and reviewed (ASAM 2025: a lower maintenance dose can be an end)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import ROOT, error_line, ok, run
from hypothesis import given
from hypothesis import strategies as st
from strategies import mcg_amounts, mg, safe_or_refused

from planner import check_schedule, load_protocol, taper, titrate
from planner.api import course
from planner.core.dates import add_months
from planner.domain.schedule import Schedule
from planner.errors import DoseError, InputError

START = dt.date(2027, 1, 4)
SEIZURE = load_protocol("seizure-adult")
PANIC = load_protocol("panic-adult")


def totals(schedule: Schedule) -> list[tuple[int, int]]:
    """(daily mcg, days) of each change of dose; a review splits a step but is no change."""
    merged: list[tuple[int, int]] = []
    for step in schedule.steps:
        if merged and merged[-1][0] == step.total_mcg:
            merged[-1] = (step.total_mcg, merged[-1][1] + step.days)
        else:
            merged.append((step.total_mcg, step.days))
    return merged


def failed(schedule: Schedule) -> list[str]:
    return [result.name for result in check_schedule(schedule).failures]


# Titration from the dose the patient takes -------------------------------------------


def test_a_titration_from_2_mg_keeps_it_3_days_then_rises_half_a_mg_every_3_days() -> None:
    schedule = titrate(
        SEIZURE, start=START, from_mg_per_day="2", target_mg_per_day="4", step_mg_per_day="0.5"
    )
    assert totals(schedule) == [(2000, 3), (2500, 3), (3000, 3), (3500, 3), (4000, 14)]
    assert schedule.steps[0].note == "Keep 2 mg/day."
    assert schedule.dose_before_mcg == 2000
    names = [result.name for result in check_schedule(schedule).results]
    assert "starts_at_current_dose" in names and "start_within_limit" not in names


def test_a_titration_already_at_its_target_is_the_maintenance_alone() -> None:
    schedule = titrate(PANIC, start=START, from_mg_per_day="1", target_mg_per_day="1")
    assert totals(schedule) == [(1000, 14)]
    assert [step.phase for step in schedule.steps] == ["maintenance"]


@pytest.mark.parametrize(
    ("current", "target", "error", "words"),
    [
        ("5", "4", InputError, "above the target"),
        ("0.3", "1", DoseError, "cannot be made exactly"),
        ("30", None, InputError, "above the maximum"),
    ],
)
def test_a_current_dose_the_titration_cannot_start_from_is_refused(
    current: str, target: str | None, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words) as raised:
        titrate(SEIZURE, start=START, from_mg_per_day=current, target_mg_per_day=target or "4")
    assert getattr(raised.value, "field", None) in ("from_mg_per_day", "target_mg_per_day")


def test_the_check_refuses_a_first_rise_sooner_than_the_interval_after_day_1() -> None:
    schedule = titrate(SEIZURE, start=START, from_mg_per_day="2", target_mg_per_day="3")
    first, second, *rest = schedule.steps
    rushed = (
        dataclasses.replace(first, days=2),
        dataclasses.replace(second, start=second.start - dt.timedelta(days=1), first_day=3),
    )
    moved = [
        dataclasses.replace(s, start=s.start - dt.timedelta(days=1), first_day=s.first_day - 1)
        for s in rest
    ]
    tampered = dataclasses.replace(schedule, steps=(*rushed, *moved))
    assert failed(tampered) == ["increase_interval"]


def test_the_check_refuses_a_titration_that_does_not_start_at_the_current_dose() -> None:
    schedule = titrate(SEIZURE, start=START, from_mg_per_day="2", target_mg_per_day="3")
    tampered = dataclasses.replace(schedule, previous_mcg=1500)
    assert "starts_at_current_dose" in failed(tampered)


@given(
    current=mcg_amounts(500, 8000, step=250),
    target=mcg_amounts(500, 8000, step=250),
    step=st.sampled_from([None, "0.5", "1"]),
)
def test_any_titration_from_a_current_dose_starts_there_and_waits_before_rising(
    current: int, target: int, step: str | None
) -> None:
    schedule = safe_or_refused(
        lambda: titrate(
            SEIZURE,
            start=START,
            from_mg_per_day=mg(current),
            target_mg_per_day=mg(target),
            step_mg_per_day=step,
        )
    )
    if schedule is None:
        assert current > target
        return
    changes = totals(schedule)
    assert changes[0][0] == current and changes[-1][0] == target
    assert all(days >= 3 for _, days in changes)
    assert [dose for dose, _ in changes] == sorted({dose for dose, _ in changes})


# Partial tapers: down to a lower dose, held, never a stop -----------------------------


def test_a_partial_taper_comes_down_at_its_pace_and_holds_the_lower_dose() -> None:
    schedule = taper(
        PANIC, start=START, from_mg_per_day="3", to_mg_per_day="1", pace="asam", age_years=50
    )
    changes = totals(schedule)
    assert changes[-1] == (1000, 28)
    assert min(dose for dose, _ in changes) == 1000
    assert schedule.steps[-1].phase == "maintenance"
    assert all(step.total_mcg for step in schedule.steps)
    assert "ends_at_floor" in [result.name for result in check_schedule(schedule).results]


def test_a_partial_taper_between_two_tablet_steps_lands_on_its_floor_with_drops() -> None:
    schedule = taper(
        PANIC,
        start=START,
        from_mg_per_day="1",
        to_mg_per_day="0.3",
        product="rivotril-drops",
        pace="proportional",
        hold_days=14,
    )
    assert totals(schedule)[-1] == (300, 14)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"to_mg_per_day": "2"}, "not below the current dose"),
        ({"hold_days": 14}, "holds nothing"),
        ({"to_mg_per_day": "0.3"}, "cannot be made exactly"),
        (
            {"to_mg_per_day": "1", "custom_steps": [{"mg_per_day": "1", "days": 14}]},
            "custom steps set their own end",
        ),
    ],
)
def test_a_partial_taper_that_cannot_be_planned_says_why(
    fields: dict[str, object], words: str
) -> None:
    with pytest.raises((InputError, DoseError), match=words):
        taper(PANIC, start=START, from_mg_per_day="2", **fields)  # type: ignore[arg-type]  # fields vary by case


def test_the_check_refuses_a_partial_taper_that_goes_below_its_floor() -> None:
    schedule = taper(PANIC, start=START, from_mg_per_day="2", to_mg_per_day="1", pace="asam")
    last = schedule.steps[-1]
    lower = dataclasses.replace(last, total_mcg=750, doses=schedule.steps[-2].doses)
    tampered = dataclasses.replace(schedule, steps=(*schedule.steps[:-1], lower))
    assert "ends_at_floor" in failed(tampered)


@given(
    current=mcg_amounts(500, 4000, step=250),
    floor=mcg_amounts(250, 4000, step=250),
    pace=st.sampled_from(["asam", "proportional", "hyperbolic", "linear", "label"]),
    hold=st.integers(1, 400),
)
def test_any_partial_taper_ends_on_its_floor_and_never_below(
    current: int, floor: int, pace: str, hold: int
) -> None:
    schedule = safe_or_refused(
        lambda: taper(
            PANIC,
            start=START,
            from_mg_per_day=mg(current),
            to_mg_per_day=mg(floor),
            hold_days=hold,
            pace=pace,
        )
    )
    if schedule is None:
        assert floor >= current
        return
    changes = totals(schedule)
    assert changes[-1] == (floor, hold)
    assert min(dose for dose, _ in changes) == floor


# Reviews of a maintenance dose, every 3 months (ASAM 2025) --------------------------


def test_a_long_hold_is_reviewed_every_3_months_on_every_output(tmp_path: Path) -> None:
    csv = tmp_path / "partial.csv"
    stdout = ok(
        "taper", "panic-adult", "--start", "2027-03-01", "--from", 3, "--to", 1,
        "--hold", 200, "--pace", "asam", "--csv", csv,
    )  # fmt: skip
    schedule = taper(
        PANIC, start=dt.date(2027, 3, 1), from_mg_per_day="3", to_mg_per_day="1", hold_days=200
    )
    # ASAM 2025: every 3 months from day 1 while the drug is taken, in the taper and in
    # the hold alike; the hold goes on past the schedule, so the next review is named.
    assert schedule.reviews == (dt.date(2027, 6, 1), dt.date(2027, 9, 1), dt.date(2027, 12, 1))
    assert (schedule.end, schedule.next_review) == (dt.date(2028, 1, 28), dt.date(2028, 3, 1))
    assert totals(schedule)[-1] == (1000, 200)
    for review in schedule.reviews:
        assert f"- {review}" in stdout
        line = next(row for row in csv.read_text().splitlines() if row.startswith(str(review)))
        assert line.endswith('(at least every 3 months, ASAM 2025)."')


def test_months_are_added_as_a_calendar_does() -> None:
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2027, 1, 31), 3) == dt.date(2027, 4, 30)
    assert add_months(dt.date(2027, 10, 13), 3) == dt.date(2028, 1, 13)


# The command line and plan files ---------------------------------------------------


def test_both_commands_save_a_plan_that_remakes_the_same_bytes(tmp_path: Path) -> None:
    commands = {
        "up": ("titrate", "seizure-adult", "--from", 2, "--target", 4),
        "down": ("taper", "panic-adult", "--from", 3, "--to", "1.5", "--hold", 60),
    }
    for name, command in commands.items():
        plan, first, again = (
            tmp_path / f"{name}{suffix}" for suffix in (".toml", "1.csv", "2.csv")
        )
        ok(*command, "--start", "2027-01-04", "--save-plan", plan, "--csv", first)
        ok("plan", plan, "--csv", again)
        assert first.read_bytes() == again.read_bytes()
        assert "from_mg_per_day" in plan.read_text()


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (("titrate", "seizure-adult", "--from", 5, "--target", 4), "--from (from_mg_per_day)"),
        (("taper", "panic-adult", "--from", 2, "--to", 3), "--to (to_mg_per_day)"),
        (("taper", "panic-adult", "--from", 2, "--hold", 30), "--hold (hold_days)"),
    ],
)
def test_a_bad_current_dose_or_floor_is_one_line_and_writes_nothing(
    tmp_path: Path, command: tuple[object, ...], words: str
) -> None:
    out = tmp_path / "out.csv"
    message = error_line(run(*command, "--start", "2027-01-04", "--csv", out))
    assert message.startswith(words)
    assert not out.exists()


def test_the_floor_and_the_current_dose_are_named_on_the_csv(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    ok("taper", "panic-adult", "--start", "2027-01-04", "--from", 2, "--to", 1, "--csv", out)
    inputs = next(line for line in out.read_text().splitlines() if line.startswith("# Inputs"))
    assert "from 2 mg/day, to 1 mg/day, held 28 days (the default)" in inputs
    assert Decimal(out.read_text().splitlines()[-1].split(",")[3]) == 1


# The whole course: titration, maintenance, taper --------------------------------------


def test_a_course_rises_keeps_the_target_reviewed_then_tapers_to_zero() -> None:
    schedule = course(
        PANIC, start=START, target_mg_per_day="2", maintain_days=180, pace="asam", age_years=40
    )
    changes = totals(schedule)
    assert changes[:4] == [(500, 3), (1000, 3), (1500, 3), (2000, 180)]
    assert changes[-1] == (0, 1)
    assert [dose for dose, _ in changes[3:]] == sorted({d for d, _ in changes[3:]}, reverse=True)
    phases = [step.phase for step in schedule.steps]
    assert phases.index("taper") > phases.index("maintenance") > phases.index("titration")
    # Every 3 months from day 1, through the maintenance and the taper, to the stop.
    assert schedule.reviews == tuple(
        dt.date(y, m, 4) for y, m in ((2027, 4), (2027, 7), (2027, 10), (2028, 1))
    )
    assert schedule.next_review is None  # the course ends with a stop
    names = [result.name for result in check_schedule(schedule).results]
    for name in ("start_within_limit", "increase_interval", "taper_step_within_pace"):
        assert name in names
    assert names[-1] == "maintained_before_taper"


def test_a_course_from_a_current_dose_to_a_lower_end_dose() -> None:
    schedule = course(
        SEIZURE,
        start=START,
        from_mg_per_day="2",
        target_mg_per_day="4",
        maintain_days=90,
        pace="proportional",
        to_mg_per_day="2",
        taper_hold_days=30,
    )
    changes = totals(schedule)
    assert changes[0] == (2000, 3) and changes[-1] == (2000, 30)
    assert max(dose for dose, _ in changes) == 4000
    assert "ends_at_floor" in [result.name for result in check_schedule(schedule).results]


def test_a_course_that_cuts_before_the_pace_interval_at_the_target_is_refused() -> None:
    with pytest.raises(InputError, match="shorter than the pace's interval") as raised:
        course(PANIC, start=START, target_mg_per_day="2", maintain_days=5, pace="asam")
    assert raised.value.field == "maintain_days"


def test_the_check_refuses_a_course_whose_maintenance_was_cut_short() -> None:
    schedule = course(PANIC, start=START, target_mg_per_day="1", maintain_days=30, pace="asam")
    index = next(i for i, step in enumerate(schedule.steps) if step.phase == "maintenance")
    cut = 30 - 5  # 5 days at 1 mg/day, then the taper's own 5: short of ASAM's 14
    shortened = dataclasses.replace(schedule.steps[index], days=5)
    moved = [
        dataclasses.replace(s, start=s.start - dt.timedelta(days=cut), first_day=s.first_day - cut)
        for s in schedule.steps[index + 1 :]
    ]
    tampered = dataclasses.replace(schedule, steps=(*schedule.steps[:index], shortened, *moved))
    assert {"maintained_before_taper", "taper_step_within_pace"} <= set(failed(tampered))


@given(
    target=mcg_amounts(500, 4000, step=250),
    maintain=st.integers(1, 400),
    pace=st.sampled_from(["asam", "proportional", "hyperbolic", "label", "nardi-2010"]),
)
def test_any_course_rises_is_kept_at_least_one_interval_then_comes_down(
    target: int, maintain: int, pace: str
) -> None:
    schedule = safe_or_refused(
        lambda: course(
            PANIC, start=START, target_mg_per_day=mg(target), maintain_days=maintain, pace=pace
        )
    )
    if schedule is None:
        return
    changes = totals(schedule)
    top = max(range(len(changes)), key=lambda i: changes[i][0])
    assert changes[top][0] == target and changes[-1] == (0, 1)
    assert changes[top][1] >= maintain
    rising, falling = changes[: top + 1], changes[top:]
    assert [d for d, _ in rising] == sorted(d for d, _ in rising)
    assert [d for d, _ in falling] == sorted((d for d, _ in falling), reverse=True)


def test_a_course_from_the_command_line_and_its_plan_make_the_same_bytes(tmp_path: Path) -> None:
    plan, first, again = tmp_path / "c.toml", tmp_path / "1.csv", tmp_path / "2.csv"
    command = ("course", "panic-adult", "--start", "2027-01-04", "--target", 2, "--maintain", 120)
    stdout = ok(*command, "--pace", "asam", "--save-plan", plan, "--csv", first)
    assert "the target is kept at least one interval of the pace" in stdout
    ok("plan", plan, "--csv", again)
    assert first.read_bytes() == again.read_bytes()
    assert "[course]" in plan.read_text()
    phases = {row.split(",")[2] for row in first.read_text().splitlines() if row[:1].isdigit()}
    assert phases == {"titration", "maintenance", "taper", "stop"}


def test_a_course_too_short_to_taper_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    command = ("course", "panic-adult", "--start", "2027-01-04", "--maintain", 3, "--csv", out)
    assert error_line(run(*command)).startswith("--maintain (maintain_days)")
    assert not out.exists()


# Older adults: lower numbers only from a cited geriatric source, only when asked ------

OLDER = load_protocol(ROOT / "tests" / "data" / "good" / "panic-older-adults.toml")


def test_older_adult_numbers_from_a_cited_source_are_used_when_asked_and_named() -> None:
    schedule = titrate(OLDER, start=START, age_years=70, older_adult=True)
    assert totals(schedule) == [(250, 7), (500, 7), (750, 7), (1000, 14)]
    assert any("Illustrative geriatric source" in w for w in schedule.warnings)
    standard = titrate(OLDER, start=START, age_years=70)
    assert totals(standard)[0] == (500, 3)
    assert any("older adult" in note for note in standard.notes)


def test_without_a_cited_geriatric_source_the_plan_says_so_and_invents_nothing() -> None:
    schedule = titrate(PANIC, start=START, age_years=70)
    assert totals(schedule)[0] == (500, 3)
    assert any("no cited geriatric source" in note for note in schedule.notes)
    assert any("Beers" in warning for warning in schedule.warnings)  # the label's caution
    with pytest.raises(InputError, match="no lower numbers from a cited geriatric source"):
        titrate(PANIC, start=START, age_years=70, older_adult=True)


def test_older_adult_numbers_are_for_older_adults_only() -> None:
    for age in (None, 50):
        with pytest.raises(InputError, match="65 years and over") as raised:
            titrate(OLDER, start=START, age_years=age, older_adult=True)
        assert raised.value.field == "older_adult"


# A clinic's list: every kind of schedule from a batch row ----------------------------


def test_a_batch_plans_each_kind_of_row_and_a_bad_row_fails_alone(tmp_path: Path) -> None:
    import csv

    from planner.batch.columns import COLUMNS

    rows = [
        {"id": "up", "protocol": "seizure-adult", "schedule": "titration",
         "from_mg_per_day": "2", "target_mg_per_day": "4", "age_years": "40", "weight_kg": "70"},
        {"id": "down", "protocol": "panic-adult", "schedule": "taper",
         "from_mg_per_day": "3", "to_mg_per_day": "1", "hold_days": "60"},
        {"id": "whole", "protocol": "panic-adult", "schedule": "course",
         "target_mg_per_day": "2", "maintain_days": "120", "pace": "asam"},
        {"id": "swap", "protocol": "panic-adult", "schedule": "switch",
         "from_drug": "alprazolam", "from_mg_per_day": "2", "then_pace": "asam"},
        {"id": "odd", "protocol": "panic-adult", "schedule": "course", "maintain_days": "90",
         "older_adult": "maybe"},
    ]  # fmt: skip
    cohort = tmp_path / "cohort.csv"
    with cohort.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows({"start": "2027-01-04", **row} for row in rows)
    result = run("batch", cohort, "--out", tmp_path / "out", "--csv")
    assert result.exit_code == 1  # one row failed, the others planned
    summary = (tmp_path / "out" / "summary.csv").read_text().splitlines()
    assert [line.split(",")[2] for line in summary[1:]] == ["ok"] * 4 + ["error"]
    assert "older_adult: 'maybe' is not true or false" in summary[-1]
    header = (tmp_path / "out" / "all-days.csv").read_text().splitlines()[0].split(",")
    assert header[4:6] == ["total_mg", "alprazolam_mg"]
    alone = tmp_path / "swap.csv"
    ok("switch", "panic-adult", "--start", "2027-01-04", "--from-drug", "alprazolam",
       "--from", 2, "--then-pace", "asam", "--csv", alone)  # fmt: skip
    assert (tmp_path / "out" / "swap" / "schedule.csv").read_bytes() == alone.read_bytes()


def test_the_checks_take_the_dose_before_day_1_from_the_request_not_the_schedule() -> None:
    """A review found a schedule could claim another dose before day 1 (a day-1 cut) or
    a longer time on it (a day-2 rise) and pass: the checks read the request instead."""
    schedule = titrate(SEIZURE, start=START, from_mg_per_day="2", target_mg_per_day="3")
    assert "starts_at_current_dose" in failed(dataclasses.replace(schedule, previous_mcg=1500))
    first, second, *rest = schedule.steps
    early = (
        dataclasses.replace(first, days=1),
        *(
            dataclasses.replace(s, start=s.start - dt.timedelta(days=2), first_day=s.first_day - 2)
            for s in (second, *rest)
        ),
    )
    tampered = dataclasses.replace(schedule, steps=early, prior_days=3)
    assert "increase_interval" in failed(tampered)
    down = taper(PANIC, start=START, from_mg_per_day="2", pace="asam")
    assert "never_up" in failed(dataclasses.replace(down, previous_mcg=4000))


def test_older_adult_numbers_overridden_by_the_request_say_so() -> None:
    schedule = titrate(
        OLDER, start=START, age_years=70, older_adult=True, step_mg_per_day="0.5", interval_days=3
    )
    assert totals(schedule)[:2] == [(250, 3), (750, 3)]
    assert any("only its lower start is kept" in note for note in schedule.notes)


def test_the_check_refuses_a_floor_held_shorter_than_asked() -> None:
    schedule = taper(PANIC, start=START, from_mg_per_day="2", to_mg_per_day="1", hold_days=60)
    last = schedule.steps[-1]
    shorter = dataclasses.replace(last, days=last.days - 30)
    tampered = dataclasses.replace(schedule, steps=(*schedule.steps[:-1], shorter))
    assert "ends_at_floor" in failed(tampered)
    assert failed(schedule) == []


def test_a_whole_course_is_held_to_the_schedule_length_limit() -> None:
    """Its titration and its taper each fitted; joined, they did not, and were planned."""
    from planner.core.limits import MAX_SCHEDULE_DAYS

    with pytest.raises(InputError, match=f"more than the limit of {MAX_SCHEDULE_DAYS:,}"):
        course(PANIC, start=START, target_mg_per_day="2", maintain_days=3650, pace="asam")
