"""The checks of a switch in stages (clinical rules 7) at their edges.

Each schedule is planned, then changed by hand into the mistake a check exists for (or
into a valid schedule it must not refuse); boundaries from both sides. The base is
alprazolam 3 mg/day on seizure-adult, by Ashton (1:1), on its label's three times a day:
1 mg in the morning, the afternoon and at bedtime; a stage may replace at most 0.5 mg
(Ashton's 10 mg of diazepam; a quarter of the day is 0.75 mg).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import pytest
from test_safety import START, failed, with_step

from planner import load_protocol
from planner.api import switch
from planner.domain.products import UnitCount
from planner.domain.schedule import DoseStep, OtherDose, Schedule
from planner.safety import check_schedule

SEIZURE = load_protocol("seizure-adult")
PANIC = load_protocol("panic-adult")
SWITCH_CHECKS = ["old_drug_at_its_times", "one_dose_a_stage", "equivalent_steady"]


def alprazolam() -> Schedule:
    return switch(SEIZURE, start=START, from_drug="alprazolam", from_mg_per_day="3")


def old(schedule: Schedule, index: int) -> dict[str, int]:
    return {d.time.name: d.mcg for d in schedule.steps[index].other_doses}


def with_old(schedule: Schedule, index: int, **doses: int) -> Schedule:
    """Step ``index`` with the old drug at these times of day (mcg; 0 drops the time)."""
    step = schedule.steps[index]
    assert schedule.switch is not None
    times = {t.name: t for t in (*schedule.switch.times, *schedule.protocol.dose_times)}
    now = {d.time.name: d.mcg for d in step.other_doses} | doses
    other = tuple(
        OtherDose(times[name], mcg, (UnitCount(250, Fraction(mcg, 250)),))
        for name, mcg in sorted(now.items(), key=lambda item: times[item[0]].clock)
        if mcg
    )
    return with_step(schedule, index, other_doses=other)


def detail(schedule: Schedule, check: str) -> str:
    return next(r.detail for r in check_schedule(schedule).failures if r.name == check)


def test_the_switch_is_as_the_tests_below_expect() -> None:
    schedule = alprazolam()
    assert [old(schedule, i) for i in range(len(schedule.steps))] == [
        {"morning": 1000, "afternoon": 1000, "bedtime": 500},
        {"morning": 1000, "afternoon": 1000},
        {"morning": 1000, "afternoon": 500},
        {"morning": 1000},
        {"morning": 500},
        {},
        {},
    ]
    assert [s.total_mcg for s in schedule.steps] == [500, 1000, 1500, 2000, 2500, 3000, 3000]
    assert [s.phase for s in schedule.steps] == ["switch"] * 6 + ["maintenance"]
    report = check_schedule(schedule)
    assert report.passed
    assert [r.name for r in report.results][-3:] == SWITCH_CHECKS


# --- The old drug at its own times, only lowered ------------------------------------------


def test_the_old_drug_at_a_time_the_patient_does_not_take_it_fails() -> None:
    moved = with_old(alprazolam(), 1, midday=500)
    assert failed(moved)["old_drug_at_its_times"] == 8
    assert detail(moved, "old_drug_at_its_times") == (
        "the old drug at midday, not a time the patient takes it"
    )


def test_the_old_drug_raised_fails_on_its_day_and_held_passes() -> None:
    raised = with_old(alprazolam(), 1, bedtime=750)  # day 8: bedtime 0.5 mg raised to 0.75
    assert failed(raised)["old_drug_at_its_times"] == 8
    assert detail(raised, "old_drug_at_its_times") == "the old drug's bedtime dose rises"
    assert "old_drug_at_its_times" not in failed(with_old(alprazolam(), 1))


def test_the_old_drug_still_taken_after_the_last_stage_fails() -> None:
    kept = with_old(alprazolam(), 5, morning=500)
    assert failed(kept)["old_drug_at_its_times"] == 36
    assert detail(kept, "old_drug_at_its_times") == (
        "the switch ends with the old drug still taken"
    )


def test_a_stated_regimen_not_the_labels_times_or_not_the_dose_asked_fails() -> None:
    schedule = alprazolam()
    assert schedule.switch is not None
    elsewhere = dataclasses.replace(schedule.switch, times=(SEIZURE.dose_times[1],) * 3)
    assert detail(dataclasses.replace(schedule, switch=elsewhere), "old_drug_at_its_times") == (
        "the old drug's regimen is not at its label's usual times of day"
    )
    less = dataclasses.replace(schedule.switch, regimen=(1000, 1000, 500))
    assert detail(dataclasses.replace(schedule, switch=less), "old_drug_at_its_times") == (
        "the old drug's regimen does not add up to the daily dose asked for"
    )


def test_the_patients_own_doses_are_read_from_the_request() -> None:
    """Given as 0.5 mg in the morning and 2.5 mg at bedtime, the switch states them; a
    switch stating the label's three doses instead is caught on day 1."""
    own = switch(
        SEIZURE,
        start=START,
        from_drug="alprazolam",
        from_mg_per_day="3",
        from_doses={"morning": "0.5", "bedtime": "2.5"},
    )
    assert check_schedule(own).passed
    assert old(own, 0) == {"morning": 500, "bedtime": 2000}
    label = alprazolam()
    assert label.switch is not None
    posing = dataclasses.replace(own, switch=label.switch, steps=label.steps)
    assert failed(posing)["old_drug_at_its_times"] == 1


# --- One dose a stage, the latest first, a part at most the cap, held a week -------------


def test_two_doses_lowered_in_one_stage_fail() -> None:
    both = with_old(alprazolam(), 0, afternoon=500)
    assert failed(both)["one_dose_a_stage"] == 1
    assert detail(both, "one_dose_a_stage") == "2 doses of the day are lowered at once"


def test_a_morning_dose_lowered_before_the_evening_one_fails() -> None:
    early = with_old(alprazolam(), 0, morning=500, bedtime=1000)
    assert failed(early)["one_dose_a_stage"] == 1
    assert detail(early, "one_dose_a_stage") == (
        "a dose is exchanged before a later dose of the day"
    )


@pytest.mark.parametrize(("bedtime", "passes"), [(500, True), (250, False)])
def test_a_stage_replaces_at_most_ashtons_half_mg(bedtime: int, passes: bool) -> None:
    """Day 1 lowers the bedtime 1 mg to 0.5 mg (passes) or to 0.25 mg: 0.75 mg at once,
    a quarter of the day but more than Ashton's 10 mg of diazepam (0.5 mg)."""
    changed = with_old(alprazolam(), 0, bedtime=bedtime)
    assert ("one_dose_a_stage" in failed(changed)) is not passes
    if not passes:
        assert detail(changed, "one_dose_a_stage") == (
            "0.75 mg of the old drug exchanged at once; a stage replaces at most 0.5 mg "
            "(25% of the day's equivalent, or Ashton's 10 mg of diazepam)"
        )


def test_a_stage_replaces_at_most_a_quarter_of_the_day() -> None:
    """Diazepam 20 mg/day (10 mg twice): a quarter is 5 mg, below Ashton's 10 mg."""
    schedule = switch(PANIC, start=START, from_drug="diazepam", from_mg_per_day="20")
    assert old(schedule, 0) == {"morning": 10000, "bedtime": 5000}
    step = schedule.steps[0]
    bigger = dataclasses.replace(
        step.other_doses[1], mcg=4000, units=(UnitCount(2000, Fraction(2)),)
    )
    changed = with_step(schedule, 0, other_doses=(step.other_doses[0], bigger))
    assert failed(changed)["one_dose_a_stage"] == 1
    assert detail(changed, "one_dose_a_stage").startswith(
        "6 mg of the old drug exchanged at once; a stage replaces at most 5 mg"
    )


@pytest.mark.parametrize(("days", "passes"), [(7, True), (6, False)])
def test_each_stage_is_held_a_week(days: int, passes: bool) -> None:
    shorter = _shortened_first_stage(alprazolam(), days)
    assert ("one_dose_a_stage" in failed(shorter)) is not passes
    if not passes:
        assert detail(shorter, "one_dose_a_stage") == ("a stage of 6 days; each is held at least 7")


def _shortened_first_stage(schedule: Schedule, days: int) -> Schedule:
    """The first stage held ``days`` days, every later step moved up to follow it."""
    shift = schedule.steps[0].days - days
    steps: list[DoseStep] = [dataclasses.replace(schedule.steps[0], days=days)]
    steps += [
        dataclasses.replace(
            s, start=s.start - dt.timedelta(days=shift), first_day=s.first_day - shift
        )
        for s in schedule.steps[1:]
    ]
    return dataclasses.replace(schedule, steps=tuple(steps))


def test_a_stage_split_by_a_review_is_still_one_stage() -> None:
    """Stages of 60 days: a review on day 91 splits the second stage in two steps."""
    schedule = switch(PANIC, start=START, from_drug="alprazolam", from_mg_per_day="2", step_days=60)
    assert any(step.review and step.phase == "switch" for step in schedule.steps)
    assert check_schedule(schedule).passed


# --- The day's equivalent within half a product step --------------------------------------


@pytest.mark.parametrize(("bedtime", "passes"), [(500, True), (750, False)])
def test_the_days_equivalent_stays_within_half_a_step(bedtime: int, passes: bool) -> None:
    """Day 1 exchanges 0.5 mg of alprazolam for 0.5 mg of clonazePAM; 0.75 mg would move
    the day by a whole tablet step (0.25 mg), more than half a step."""
    schedule = alprazolam()
    step = schedule.steps[0]
    doses = (*step.doses[:2], dataclasses.replace(step.doses[2], mcg=bedtime))
    changed = with_step(schedule, 0, doses=doses, total_mcg=bedtime)
    assert ("equivalent_steady" in failed(changed)) is not passes
    if not passes:
        assert failed(changed)["equivalent_steady"] == 1
        assert detail(changed, "equivalent_steady") == (
            "the day's equivalent is 3.25 mg of clonazePAM by ashton-2002, more than half a "
            "step (0.25 mg) from the 3 mg the patient started on"
        )


def test_the_equivalence_is_read_from_the_request_not_the_switch() -> None:
    schedule = switch(PANIC, start=START, from_drug="diazepam", from_mg_per_day="20")
    assert schedule.switch is not None
    wrong = dataclasses.replace(schedule.switch, ratio=Fraction(1, 10), source="va-dod-2021")
    assert check_schedule(dataclasses.replace(schedule, switch=wrong)).passed
    va = schedule.request.model_copy(update={"equivalence": "va-dod-2021"})
    assert failed(dataclasses.replace(schedule, request=va))["equivalent_steady"] == 1


# --- After the switch ---------------------------------------------------------------------


def test_the_dose_moving_after_a_switch_with_no_taper_fails() -> None:
    schedule = alprazolam()
    moved = with_step(schedule, 6, total_mcg=2500)
    assert failed(moved)["switch_then_taper"] == 43


def test_a_schedule_with_no_stage_fails() -> None:
    schedule = alprazolam()
    relabelled = tuple(dataclasses.replace(s, phase="maintenance") for s in schedule.steps)
    assert "switch_then_taper" in failed(dataclasses.replace(schedule, steps=relabelled))


def test_a_switch_then_a_taper_checks_the_taper_from_the_last_stage() -> None:
    schedule = switch(
        SEIZURE, start=START, from_drug="alprazolam", from_mg_per_day="3", then_pace="asam"
    )
    report = check_schedule(schedule)
    assert report.passed
    names = [r.name for r in report.results]
    assert names[: len(names) - 4][-3:] == SWITCH_CHECKS
    assert names[-4:] == ["never_up", "taper_step_within_pace", "ends_at_zero_from_smallest",
                          "guideline_pace"]  # fmt: skip
    first_cut = next(s for s in schedule.steps if s.phase == "taper" and s.total_mcg < 3000)
    assert first_cut.total_mcg >= 3000 * 3 // 4  # ASAM: at most 25% from the switched dose
