"""The safety checks at their edges: the cases mutation testing found unpinned.

Each schedule is built by the planner and then changed by hand, as in test_safety.py,
into the mistake a check exists for (or into a valid schedule it must not refuse).
Boundaries are tested from both sides: one day short fails, the exact number passes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from test_guideline_checks import two_phase_from_20
from test_safety import (
    START,
    failed,
    half_mg_more,
    panic_taper,
    seizure_titration,
    to_the_maximum,
    with_step,
    with_total,
)

from planner import load_protocol, taper, titrate
from planner.api import course, plan_checked, switch, taper_request
from planner.domain.products import UnitCount
from planner.domain.schedule import Schedule
from planner.errors import UnsafeScheduleError
from planner.models import CustomPhase, LinearPhase, Pace, PacePopulation, ProportionalPhase
from planner.safety import CheckResult, check_schedule, ensure_safe
from planner.safety.cuts import within_pace

WHOLE_CHECKS = ["contiguous", "within_bounds", "units_exact", "reviewed"]
TITRATION_CHECKS = [
    *WHOLE_CHECKS,
    "start_within_limit",
    "never_down",
    "increase_interval",
    "increase_size",
]
TAPER_CHECKS = [
    *WHOLE_CHECKS,
    "never_up",
    "taper_step_within_pace",
    "ends_at_zero_from_smallest",
    "guideline_pace",
]


def pediatric_titration(weight_kg: str = "20", target_mg_per_day: str | None = None) -> Schedule:
    return titrate(
        load_protocol("seizure-pediatric"),
        start=START,
        weight_kg=weight_kg,
        target_mg_per_day=target_mg_per_day,
    )


def with_days(schedule: Schedule, index: int, days: int) -> Schedule:
    """Hold step ``index`` for ``days`` days; every later step moves with it."""
    index %= len(schedule.steps)
    shift = days - schedule.steps[index].days
    steps = list(schedule.steps)
    steps[index] = dataclasses.replace(steps[index], days=days)
    for later in range(index + 1, len(steps)):
        step = steps[later]
        steps[later] = dataclasses.replace(
            step, start=step.start + dt.timedelta(days=shift), first_day=step.first_day + shift
        )
    return dataclasses.replace(schedule, steps=tuple(steps))


def split_step(schedule: Schedule, index: int, first_days: int) -> Schedule:
    """Write step ``index`` as two steps of the same dose: ``first_days``, then the rest."""
    step = schedule.steps[index]
    head = dataclasses.replace(step, days=first_days)
    tail = dataclasses.replace(
        step,
        days=step.days - first_days,
        start=step.start + dt.timedelta(days=first_days),
        first_day=step.first_day + first_days,
    )
    steps = (*schedule.steps[:index], head, tail, *schedule.steps[index + 1 :])
    return dataclasses.replace(schedule, steps=steps)


def with_doses(schedule: Schedule, index: int, *mcg: int, strength: int = 500) -> Schedule:
    """Give step ``index`` these doses (one per time of day), each honestly made of
    ``strength`` units, and their sum as its daily total."""
    step = schedule.steps[index]
    doses = tuple(
        dataclasses.replace(
            dose,
            mcg=amount,
            units=(UnitCount(strength, Fraction(amount, strength)),) if amount else (),
        )
        for dose, amount in zip(step.doses, mcg, strict=True)
    )
    return with_step(schedule, index, doses=doses, total_mcg=sum(mcg))


def appended(schedule: Schedule, total_mcg: int, days: int, **changes: object) -> Schedule:
    """The schedule with one more step after its last: ``total_mcg`` at bedtime."""
    last = schedule.steps[-1]
    doses = tuple(dataclasses.replace(dose, mcg=0, units=()) for dose in last.doses)
    if total_mcg:
        bedtime = doses[-1]
        units = (UnitCount(500, Fraction(total_mcg, 500)),)
        doses = (*doses[:-1], dataclasses.replace(bedtime, mcg=total_mcg, units=units))
    step = dataclasses.replace(
        last,
        start=last.end + dt.timedelta(days=1),
        first_day=last.last_day + 1,
        days=days,
        total_mcg=total_mcg,
        doses=doses,
        **changes,  # type: ignore[arg-type]  # phase, edit
    )
    return dataclasses.replace(schedule, steps=(*schedule.steps, step))


def detail(schedule: Schedule, check: str) -> str:
    return next(r.detail for r in check_schedule(schedule).failures if r.name == check)


# --- Which checks run --------------------------------------------------------------


def test_each_kind_of_schedule_runs_exactly_its_checks() -> None:
    """An adult titration (any number of doses a day) is not held to the pediatric
    divided-dose rule; a child's titration adds it and the per-kg check; a child's taper
    adds only the per-kg check. Every check keeps its name in the report."""
    adult = check_schedule(seizure_titration())
    assert [r.name for r in adult.results] == TITRATION_CHECKS
    child = check_schedule(pediatric_titration())
    assert [r.name for r in child.results] == [
        *TITRATION_CHECKS,
        "divided_doses",
        "per_kg_within_limits",
    ]
    child_taper = taper(
        load_protocol("seizure-pediatric"), start=START, from_mg_per_day=1, weight_kg=20
    )
    assert [r.name for r in check_schedule(child_taper).results] == [
        *TAPER_CHECKS,
        "per_kg_within_limits",
    ]
    assert child.passed and adult.passed


def test_a_failed_check_is_recorded_with_its_description_day_and_detail() -> None:
    """The report's renderers count passed checks with sum(), so passed is a bool."""
    schedule = with_total(seizure_titration(), 0, 1750)
    (failure,) = [r for r in check_schedule(schedule).results if not r.passed]
    assert failure.passed is False
    assert failure.name == "start_within_limit"
    assert failure.description == "the first dose is within the protocol's start limit"
    assert (failure.day, failure.detail) == (
        1,
        "starts at 1.75 mg/day, above the start limit of 1.5 mg/day",
    )


def test_the_error_carries_the_report_it_was_raised_for() -> None:
    schedule = with_total(seizure_titration(), 2, 1500)
    with pytest.raises(UnsafeScheduleError) as raised:
        ensure_safe(schedule)
    assert raised.value.report == check_schedule(schedule)


# --- within_bounds -----------------------------------------------------------------


def test_above_the_maximum_names_the_protocol_maximum() -> None:
    schedule = half_mg_more(to_the_maximum(), -1)
    assert detail(schedule, "within_bounds") == "20.5 mg/day is above the protocol maximum"


def test_the_maximum_is_read_to_the_microgram() -> None:
    """20 mg/day passes; a total written one microgram over fails (its doses no longer add
    up, which units_exact reports on its own)."""
    schedule = to_the_maximum()
    assert check_schedule(schedule).passed
    over = with_step(schedule, -1, total_mcg=20001)
    last = over.steps[-1].first_day
    assert failed(over) == {"within_bounds": last, "units_exact": last}
    assert detail(over, "within_bounds") == "20.001 mg/day is above the protocol maximum"


def test_a_taper_above_its_starting_dose_names_the_starting_dose() -> None:
    schedule = with_total(panic_taper(), 2, 2500)  # 2 mg/day taper: day 7 at 2.5 mg/day
    assert failed(schedule)["within_bounds"] == 7
    assert detail(schedule, "within_bounds") == (
        "2.5 mg/day is above the dose the taper started from"
    )


@pytest.mark.parametrize(
    ("from_mg", "words"),
    [
        (20, "the dose the taper started from"),  # at the ceiling: the ceiling is the start
        (22, "the clonazepam ceiling"),  # above it (the planner refuses: check the dose)
    ],
)
def test_a_taper_from_above_the_ceiling_is_held_to_the_ceiling(from_mg: int, words: str) -> None:
    """Two-phase from 20 mg/day, its first step written as 21 mg/day; and the same schedule
    said to start from 22 mg/day. Either way day 1 is above what any day may be."""
    schedule = with_total(two_phase_from_20(), 0, 21000)
    request = schedule.request.model_copy(update={"from_mg_per_day": Decimal(from_mg)})
    schedule = dataclasses.replace(schedule, request=request, previous_mcg=from_mg * 1000)
    assert failed(schedule)["within_bounds"] == 1
    assert detail(schedule, "within_bounds") == f"21 mg/day is above {words}"


@pytest.mark.parametrize(
    ("morning", "bedtime"),
    [
        (-250, 1500),  # a minus sign on one dose, hidden in a daily total of 1.25 mg
        (-250, 0),  # a daily total below zero
    ],
)
def test_any_dose_below_zero_fails(morning: int, bedtime: int) -> None:
    schedule = with_doses(panic_taper(), 2, morning, bedtime)
    assert failed(schedule)["within_bounds"] == 7
    assert detail(schedule, "within_bounds") == "a dose below zero"


# --- units_exact -------------------------------------------------------------------


def test_doses_that_do_not_add_up_to_the_daily_total() -> None:
    schedule = with_step(seizure_titration(), 1, total_mcg=2500)  # doses still make 2 mg
    assert detail(schedule, "units_exact") == "the doses do not add up to the daily total"


def test_zero_tablets_is_not_a_way_to_give_a_dose() -> None:
    """'1 x 0.5 mg + 0 x 1 mg' adds up, but no one can be told to take none of a tablet."""
    schedule = seizure_titration()
    morning = schedule.steps[0].doses[0]
    padded = dataclasses.replace(morning, units=(*morning.units, UnitCount(1000, Fraction(0))))
    schedule = with_step(schedule, 0, doses=(padded, *schedule.steps[0].doses[1:]))
    assert failed(schedule) == {"units_exact": 1}
    assert detail(schedule, "units_exact") == "0 of a 1 mg unit cannot be given"


def test_half_a_tablet_must_be_whole_micrograms_even_past_the_catalog() -> None:
    """The catalog refuses a scored 0.125 mg tablet (62.5 mcg halves); the check does not
    rely on that and refuses half of one on its own (a clinic's product, by its own id)."""
    schedule = pediatric_titration()
    odt = schedule.product
    scored = odt.model_copy(
        update={
            "id": "clinic-odt",
            "strengths": tuple(
                s.model_copy(update={"split": 2}) if s.mcg == 125 else s for s in odt.strengths
            ),
        }
    )
    request = schedule.request.model_copy(update={"product": "clinic-odt"})
    step = schedule.steps[0]  # 0.125 | 0.125 | 0.125 mg
    half = dataclasses.replace(step.doses[0], units=(UnitCount(125, Fraction(1, 2)),))
    schedule = with_step(schedule, 0, product=scored, doses=(half, *step.doses[1:]))
    schedule = dataclasses.replace(
        schedule,
        request=request,
        steps=tuple(dataclasses.replace(s, product=scored) for s in schedule.steps),
    )
    assert failed(schedule) == {"units_exact": 1}
    assert detail(schedule, "units_exact") == "1/2 of a 0.125 mg unit"


def test_units_that_make_another_dose_name_the_time_of_day_and_the_drug() -> None:
    """Day 1 of the seizure titration: the morning dose written as 0.25 mg but made of one
    0.5 mg tablet. Day 1 of a switch from alprazolam 3 mg/day: the morning alprazolam
    written as 0.75 mg but made of one 1 mg tablet."""
    schedule = seizure_titration()
    morning = schedule.steps[0].doses[0]
    assert morning.units == (UnitCount(500, Fraction(1)),)
    wrong = dataclasses.replace(morning, mcg=250)
    tampered = with_step(schedule, 0, doses=(wrong, *schedule.steps[0].doses[1:]), total_mcg=1250)
    assert failed(tampered) == {"units_exact": 1}
    assert detail(tampered, "units_exact") == "the morning units make 0.5 mg, not 0.25 mg"
    switched = switch(
        load_protocol("seizure-adult"), start=START, from_drug="alprazolam", from_mg_per_day="3"
    )
    first = switched.steps[0]
    other = first.other_doses[0]
    assert other.units == (UnitCount(1000, Fraction(1)),)
    forged = dataclasses.replace(other, mcg=750)
    tampered = with_step(switched, 0, other_doses=(forged, *first.other_doses[1:]))
    assert failed(tampered)["units_exact"] == 1  # the switch's own checks see 0.75 mg too
    assert detail(tampered, "units_exact") == (
        "the morning (the old drug) units make 1 mg, not 0.75 mg"
    )


# --- A titration: down, too soon, too large ----------------------------------------


def test_a_titration_that_goes_down_at_its_second_step() -> None:
    schedule = with_total(seizure_titration(), 1, 1000)  # 1.5 -> 1 mg/day on day 4
    assert failed(schedule)["never_down"] == 4


@pytest.mark.parametrize(("days", "fails_on"), [(2, 3), (3, None), (4, None)])
def test_the_first_raise_waits_the_minimum_interval(days: int, fails_on: int | None) -> None:
    """Seizure (adult): raised no sooner than every 3 days. The start dose held 2 days
    is raised too soon; held exactly 3 days (or longer) it may be raised."""
    schedule = with_days(seizure_titration(), 0, days)
    assert failed(schedule).get("increase_interval") == fails_on
    if fails_on:
        assert detail(schedule, "increase_interval") == "raised after 2 days; the minimum is 3"


def test_a_titration_may_begin_with_a_day_without_a_dose() -> None:
    """Panic (adult) starting the day after the visit: day 1 at 0 mg, 0.5 mg/day from day 2.
    The first dose is the start (held to the start limit), not a rise after 1 day; the
    rise to 1 mg/day on day 5 comes 3 days later, as the label allows."""
    schedule = titrate(load_protocol("panic-adult"), start=START, age_years=40)
    first = schedule.steps[0]
    nothing = dataclasses.replace(
        first,
        days=1,
        total_mcg=0,
        doses=tuple(dataclasses.replace(dose, mcg=0, units=()) for dose in first.doses),
    )
    later = tuple(
        dataclasses.replace(s, start=s.start + dt.timedelta(days=1), first_day=s.first_day + 1)
        for s in schedule.steps
    )
    late = dataclasses.replace(schedule, steps=(nothing, *later))
    assert [(s.total_mcg, s.first_day) for s in late.steps] == [(0, 1), (500, 2), (1000, 5)]
    assert check_schedule(late).passed


def test_a_dose_held_in_two_steps_is_neither_a_raise_nor_a_fall() -> None:
    """3 mg/day written as 1 day and 2 days: the second step is no change, and the next
    raise counts all 3 days held."""
    schedule = split_step(seizure_titration(), 3, 1)
    assert [(s.first_day, s.total_mcg) for s in schedule.steps[3:5]] == [(10, 3000), (11, 3000)]
    assert check_schedule(schedule).passed


def test_a_dose_held_in_two_short_steps_is_still_raised_too_soon() -> None:
    schedule = with_days(split_step(seizure_titration(), 3, 1), 4, 1)  # 3 mg/day, 2 days
    assert failed(schedule) == {"increase_interval": 12}


@pytest.mark.parametrize(("total", "passes"), [(2500, True), (2750, False)])
def test_a_raise_may_be_the_whole_step_and_no_more(total: int, passes: bool) -> None:
    """Seizure (adult): raised by at most 1 mg/day. 1.5 -> 2.5 mg/day is the step;
    1.5 -> 2.75 mg/day is a quarter more."""
    schedule = with_total(seizure_titration(), 1, total)
    assert ("increase_size" not in failed(schedule)) is passes
    if not passes:
        assert detail(schedule, "increase_size") == (
            "raised by 1.25 mg/day; the largest step is 1 mg/day"
        )


# --- A taper: the pace's limit and rate, holds, stops --------------------------------


def test_a_cut_faster_than_a_linear_pace_names_its_limit() -> None:
    schedule = with_total(panic_taper(), 1, 1250)  # label pace: 0.25 mg/day every 3 days
    assert detail(schedule, "taper_step_within_pace") == (
        "1.75 mg to 1.25 mg/day after 3 days is faster than the pace's limit of 0.25 mg per 3 days"
    )


@pytest.mark.parametrize(("days", "passes"), [(19, False), (20, True)])
def test_a_proportional_cut_keeps_the_pace_rate_over_the_days_held(days: int, passes: bool) -> None:
    """ASAM: 10% of the dose every 14 days (never more than 25%). 1.75 -> 1.5 mg/day is
    a 14.3% cut: it needs 1.75 mg/day held 20 days (10% x 20/14); 19 days is too fast."""
    schedule = with_days(
        taper(load_protocol("panic-adult"), start=START, from_mg_per_day=2, pace="asam"), 1, days
    )
    assert [(s.first_day, s.total_mcg) for s in schedule.steps[1:3]] == [
        (5, 1750),
        (5 + days, 1500),
    ]
    assert check_schedule(schedule).passed is passes
    if not passes:
        assert failed(schedule) == {"taper_step_within_pace": 24}
        assert detail(schedule, "taper_step_within_pace") == (
            "1.75 mg to 1.5 mg/day after 19 days is faster than the pace's rate of "
            "10% of the dose per 14 days"
        )


def test_a_taper_may_not_hide_its_first_cut_in_the_dose_before_day_1() -> None:
    """The label taper from 2 mg/day with the dose before day 1 written as 1.75 mg/day, its
    first step's: the cut to 1.75 mg/day would vanish. The request says 2 mg/day."""
    schedule = dataclasses.replace(panic_taper(), previous_mcg=1750)
    assert failed(schedule) == {"never_up": 1}
    assert detail(schedule, "never_up") == (
        "the dose taken before day 1 is not the one the request gives"
    )


def test_a_titration_passed_off_as_a_taper_fails_the_taper_checks_and_crashes_none() -> None:
    """Seizure (adult) titration to 4 mg/day with its kind changed to a taper: it rises,
    names no pace (a titration request has none) and never stops."""
    schedule = dataclasses.replace(seizure_titration(), kind="taper")
    assert failed(schedule) == {
        "within_bounds": 1,
        "never_up": 1,
        "taper_step_within_pace": 1,
        "ends_at_zero_from_smallest": schedule.steps[-1].first_day,
    }
    assert detail(schedule, "taper_step_within_pace") == (
        "the request names no pace of the paces file"
    )


def linear_taper() -> Schedule:
    """Linear pace from 2 mg/day: 0.25 mg/day less every 14 days (at most 25%)."""
    return taper(load_protocol("panic-adult"), start=START, from_mg_per_day=2, pace="linear")


@pytest.mark.parametrize(("total", "passes"), [(1500, True), (1250, False)])
def test_a_long_hold_does_not_license_one_large_cut(total: int, passes: bool) -> None:
    """1.75 mg/day held 28 days: the rate would allow 0.5 mg/day over those days, but
    one cut may be only 0.25 mg/day (one window of the limit)."""
    schedule = with_total(with_days(linear_taper(), 0, 28), 1, total)
    assert ("taper_step_within_pace" not in failed(schedule)) is passes
    if not passes:
        assert failed(schedule)["taper_step_within_pace"] == 29
        assert detail(schedule, "taper_step_within_pace") == (
            "1.75 mg to 1.25 mg/day in one step is larger than the pace's limit of "
            "0.25 mg per 14 days, and larger than the product's smallest step"
        )


def test_the_first_cut_is_held_to_the_limit_of_one_window() -> None:
    """A pace of 30% every 28 days, never more than 20% per 14 days. The dose before
    day 1 counts as held 28 days, yet 2 -> 1.5 mg/day (25%) at once is one cut larger
    than 20% and larger than the 0.25 mg the tablets can step."""
    pace = Pace(
        id="slow-window",
        title="30% every 4 weeks, at most 20% per 2 weeks",
        sources=("test",),
        population=PacePopulation(studied="a test", source="test"),
        phases=(
            ProportionalPhase(
                kind="proportional",
                step_percent=Decimal(30),
                interval_days=28,
                limit_percent=Decimal(20),
                limit_days=14,
            ),
        ),
    )
    schedule = taper(load_protocol("panic-adult"), start=START, from_mg_per_day=2)
    schedule = dataclasses.replace(with_doses(schedule, 0, 750, 750), prior_days=28)
    failure = within_pace(schedule, pace)
    assert failure is not None
    assert failure[0] == 1
    assert failure[1].startswith(
        "2 mg to 1.5 mg/day in one step is larger than the pace's limit of 20% of the dose"
    )


def step_back_taper() -> Schedule:
    """Label pace from 2 mg/day; on day 7 the clinician steps back to 1.5 mg/day, so
    1.5 mg/day is held 3 + 5 days before 1.25 mg/day on day 12."""
    return taper(
        load_protocol("panic-adult"),
        start=START,
        from_mg_per_day=2,
        pace="label",
        edits=[{"kind": "step_back", "date": dt.date(2027, 1, 10)}],
    )


def test_a_too_fast_cut_after_a_step_back_is_still_caught() -> None:
    schedule = step_back_taper()
    assert [(s.first_day, s.total_mcg) for s in schedule.steps[1:4]] == [
        (4, 1500),
        (7, 1500),
        (12, 1250),
    ]
    assert check_schedule(schedule).passed
    too_fast = with_total(schedule, 3, 750)  # 1.5 -> 0.75 mg/day after 8 days
    assert failed(too_fast)["taper_step_within_pace"] == 12


def test_a_step_back_after_stopping_must_be_held_before_stopping_again() -> None:
    """The label pace stops 0.25 mg/day on day 22. If the clinician restarts 0.25 mg/day
    on day 23, the second stop also waits the pace's 3 days."""
    stopped_then_restarted = appended(panic_taper(), 250, 2, phase="taper", edit="step back")
    too_soon = appended(stopped_then_restarted, 0, 1, phase="stop")
    assert failed(too_soon) == {"taper_step_within_pace": 25}
    assert detail(too_soon, "taper_step_within_pace") == ("stopped after 2 days; the pace holds 3")
    held = appended(with_days(stopped_then_restarted, -1, 3), 0, 1, phase="stop")
    assert check_schedule(held).passed


def test_days_off_the_drug_in_two_steps_are_not_a_second_stop() -> None:
    """The stop day, then two weeks of follow-up written as their own step at zero."""
    schedule = appended(panic_taper(), 0, 14, phase="stop")
    assert [s.total_mcg for s in schedule.steps[-3:]] == [250, 0, 0]
    assert check_schedule(schedule).passed


def test_a_clinicians_custom_phase_does_not_hide_the_next_phase() -> None:
    """A published pace: the clinician's own steps down to 1 mg/day, then the label
    pace (0.25 mg/day every 3 days). Cuts in the custom phase are the clinician's to
    set; a cut below 1 mg/day is checked against the label pace."""
    pace = Pace(
        id="custom-then-label",
        title="Custom steps to 1 mg/day, then 0.25 mg/day every 3 days",
        sources=("test",),
        population=PacePopulation(studied="a test", source="test"),
        published=True,
        phases=(
            CustomPhase(
                kind="custom",
                until_mg_per_day=Decimal(1),
                limit_percent=Decimal(25),
                limit_days=14,
            ),
            LinearPhase(kind="linear", step_mg_per_day=Decimal("0.25"), interval_days=3),
        ),
    )
    schedule = panic_taper()
    assert within_pace(schedule, pace) is None
    too_fast = with_total(schedule, 4, 500)  # 1 -> 0.5 mg/day after 3 days (day 13)
    failure = within_pace(too_fast, pace)
    assert failure is not None
    assert failure[0] == 13


def stop_on_day_1(from_mg_per_day: str) -> Schedule:
    """A taper from ``from_mg_per_day`` whose only step is stopping on day 1."""
    schedule = taper(
        load_protocol("panic-adult"), start=START, from_mg_per_day=from_mg_per_day, pace="label"
    )
    stop = dataclasses.replace(schedule.steps[-1], start=START, first_day=1)
    return dataclasses.replace(schedule, steps=(stop,))


def test_a_patient_on_the_smallest_dose_may_stop_on_day_1() -> None:
    assert check_schedule(stop_on_day_1("0.25")).passed


def test_a_patient_on_more_than_the_smallest_dose_may_not_stop_on_day_1() -> None:
    schedule = stop_on_day_1("1")
    assert failed(schedule)["ends_at_zero_from_smallest"] == 1
    assert detail(schedule, "ends_at_zero_from_smallest") == (
        "stops from 1 mg/day; the last dose must be the smallest the product gives (0.25 mg)"
    )


def without_the_last_cut(schedule: Schedule) -> Schedule:
    """The schedule stopping from the dose before its last one (that step left out)."""
    *kept, _, stop = schedule.steps
    stop = dataclasses.replace(
        stop, start=kept[-1].end + dt.timedelta(days=1), first_day=kept[-1].last_day + 1
    )
    return dataclasses.replace(schedule, steps=(*kept, stop))


def odt_with(schedule: Schedule, strengths_mg: set[str]) -> Schedule:
    """Every step's product: the ODT with only these strengths on hand (as --strengths)."""
    odt = schedule.product
    on_hand = odt.model_copy(
        update={"strengths": tuple(s for s in odt.strengths if str(s.mg) in strengths_mg)}
    )
    steps = tuple(dataclasses.replace(step, product=on_hand) for step in schedule.steps)
    return dataclasses.replace(schedule, product=on_hand, steps=steps)


def test_strengths_on_hand_do_not_lower_the_bar_for_the_last_dose() -> None:
    """An ODT taper from 1 mg/day stopping from 0.25 mg/day, made with only 0.25 and
    0.5 mg on hand (the planner refuses that request: add 0.125 mg). The ODT goes down to
    0.125 mg, so the stop fails, whatever was on hand."""
    schedule = taper(PANIC, start=START, from_mg_per_day=1, product="us-odt", age_years=40)
    assert [s.total_mcg for s in schedule.steps[-3:]] == [250, 125, 0]
    early = odt_with(without_the_last_cut(schedule), {"0.25", "0.5"})
    assert failed(early)["ends_at_zero_from_smallest"] == early.steps[-1].first_day
    assert detail(early, "ends_at_zero_from_smallest") == (
        "stops from 0.25 mg/day; the last dose must be the smallest the product gives (0.125 mg)"
    )


def test_a_product_that_is_not_a_restriction_keeps_its_own_smallest_dose() -> None:
    """0.5 mg tablets written as quartered (a product edited under the bundled id, not a
    choice of its strengths) go down to 0.125 mg: the label taper's stop from 0.25 mg/day
    fails against it, not against the bundled tablets' 0.25 mg."""
    schedule = panic_taper()
    tablets = schedule.product
    quartered = tablets.model_copy(
        update={
            "strengths": tuple(
                s.model_copy(update={"split": 4}) if s.mcg == 500 else s for s in tablets.strengths
            )
        }
    )
    steps = tuple(dataclasses.replace(step, product=quartered) for step in schedule.steps)
    schedule = dataclasses.replace(schedule, product=quartered, steps=steps)
    assert schedule.steps[-2].total_mcg == 250
    assert failed(schedule) == {
        "units_exact": 1,  # the files' us-tablet is not quartered
        "ends_at_zero_from_smallest": schedule.steps[-1].first_day,
    }
    assert detail(schedule, "ends_at_zero_from_smallest").endswith("(0.125 mg)")


@pytest.mark.parametrize(("last", "passes"), [(100, True), (200, False)])
def test_a_taper_ending_in_drops_stops_from_the_smallest_drop(last: int, passes: bool) -> None:
    """From 1.5 mg/day of tablets at the label pace, drops from 0.5 mg/day. They go down to
    0.1 mg (one drop), below the tablets' 0.25 mg: a stop from two drops fails."""
    schedule = plan_checked(
        PANIC,
        taper_request(
            start=START,
            from_mg_per_day="1.5",
            pace="label",
            switch_product={"at_or_below_mg_per_day": "0.5", "product": "rivotril-drops"},
        ),
    ).schedule
    assert (schedule.product.id, schedule.steps[-2].product.id) == ("us-tablet", "rivotril-drops")
    assert [s.total_mcg for s in schedule.steps[-3:]] == [200, 100, 0]
    schedule = with_doses(schedule, -2, 0, last, strength=100)
    assert check_schedule(schedule).passed is passes
    if not passes:
        assert failed(schedule) == {"ends_at_zero_from_smallest": schedule.steps[-1].first_day}
        assert detail(schedule, "ends_at_zero_from_smallest") == (
            "stops from 0.2 mg/day; the last dose must be the smallest the product gives (0.1 mg)"
        )


# --- Children: divided doses and mg/kg/day -----------------------------------------


def test_a_childs_day_in_one_dose_fails() -> None:
    schedule = with_doses(pediatric_titration(), 0, 0, 0, 375, strength=125)
    assert failed(schedule) == {"divided_doses": 1}
    assert detail(schedule, "divided_doses") == "1 doses a day; the protocol asks for 2"


def test_a_childs_largest_dose_belongs_at_bedtime() -> None:
    schedule = with_doses(pediatric_titration(), 2, 375, 250, 250, strength=125)
    assert failed(schedule) == {"divided_doses": 7}
    assert detail(schedule, "divided_doses") == "the largest dose is not the last of the day"


def test_the_per_kg_checks_describe_themselves() -> None:
    """20 kg: starts at 0.375 mg/day (0.01875, shown 0.019 mg/kg/day), up to 2 mg/day."""
    child = {r.name: r.description for r in check_schedule(pediatric_titration()).results}
    assert child["divided_doses"] == "every day in at least 2 doses, the largest at bedtime"
    assert child["per_kg_within_limits"] == (
        "mg/kg/day for 20 kg: starts at 0.019, highest 0.1 (start limit 0.05, maximum 0.2)"
    )


def test_a_child_above_the_per_kg_numbers_can_still_be_tapered() -> None:
    """A 20 kg child on 6 mg/day (0.3 mg/kg/day, above the titration maximum of 0.2)
    is tapered from that dose; the titration's per-kg numbers do not apply."""
    schedule = taper(
        load_protocol("seizure-pediatric"), start=START, from_mg_per_day=6, weight_kg=20
    )
    report = {r.name: r for r in check_schedule(schedule).results}
    assert report["per_kg_within_limits"].passed
    assert report["per_kg_within_limits"].description == (
        "mg/kg/day for 20 kg: starts at 0.3, highest 0.3"
    )


@pytest.mark.parametrize(("weight", "passes"), [("25", True), ("24.99", False)])
def test_the_per_kg_maximum_is_exact_to_the_microgram(weight: str, passes: bool) -> None:
    """5 mg/day is 0.2 mg/kg/day at 25 kg, the maximum. Weighed again at 24.99 kg, the
    same schedule is 0.20008 mg/kg/day: above it, from day 55, where 5 mg/day starts."""
    schedule = pediatric_titration("25", target_mg_per_day="5")
    request = schedule.request
    patient = request.patient.model_copy(update={"weight_kg": Decimal(weight)})
    schedule = dataclasses.replace(
        schedule, request=request.model_copy(update={"patient": patient})
    )
    assert schedule.steps[-1].first_day == 55
    if passes:
        assert check_schedule(schedule).passed
    else:
        assert failed(schedule) == {"per_kg_within_limits": 55}
        assert detail(schedule, "per_kg_within_limits") == (
            "the highest dose is 0.2 mg/kg/day, above 0.2 (the protocol)"
        )


def test_a_start_above_the_per_kg_start_limit_fails_on_day_1() -> None:
    """20 kg: never above 0.05 mg/kg/day (1 mg/day) to start; 1.125 mg/day is 0.056."""
    schedule = with_doses(pediatric_titration(), 0, 375, 375, 375, strength=125)
    assert failed(schedule)["per_kg_within_limits"] == 1
    assert detail(schedule, "per_kg_within_limits") == (
        "the start is 0.056 mg/kg/day, above 0.05 (the protocol)"
    )


# --- From a current dose, partial tapers, whole courses ------------------------------

PANIC = load_protocol("panic-adult")


def test_a_titration_from_a_current_dose_that_jumps_on_day_1_breaks_every_rise_rule() -> None:
    """From 2 mg/day, day 1 must be 2 mg/day, kept 3 days. Starting at 3.5 mg/day is not
    the current dose, a rise after 0 days, and 1.5 mg/day more than the 1 mg step."""
    schedule = titrate(
        load_protocol("seizure-adult"), start=START, from_mg_per_day="2", target_mg_per_day="3"
    )
    jumped = with_total(schedule, 0, 3500)
    assert failed(jumped) == {
        "starts_at_current_dose": 1,
        "increase_interval": 1,
        "increase_size": 1,
        "never_down": 4,  # 3.5 -> 2.5 mg/day
    }
    assert detail(jumped, "starts_at_current_dose") == (
        "starts at 3.5 mg/day, not at the current dose of 2 mg/day"
    )
    assert detail(jumped, "increase_interval") == "raised after 0 days; the minimum is 3"


def test_a_childs_current_dose_is_not_held_to_the_start_limit() -> None:
    """A 20 kg child already on 1.25 mg/day (0.063 mg/kg/day, above the 0.05 a start may
    be) is titrated from there; the maximum still applies, and the start limit is not
    named where it does not apply."""
    schedule = titrate(
        load_protocol("seizure-pediatric"),
        start=START,
        weight_kg=20,
        from_mg_per_day="1.25",
        target_mg_per_day="2",
    )
    report = check_schedule(schedule)
    assert report.passed
    assert report.results[-1].description == (
        "mg/kg/day for 20 kg: starts at 0.063, highest 0.1 (maximum 0.2)"
    )


def test_a_titration_from_nothing_may_not_claim_its_first_dose_was_taken_before_day_1() -> None:
    """Seizure (adult) from nothing, its first step raised to 2 mg/day (above the 1.5 mg/day
    start limit) and the dose before day 1 written as 2 mg/day: the start limit would no
    longer apply. The request says the patient takes nothing."""
    schedule = dataclasses.replace(with_total(seizure_titration(), 0, 2000), previous_mcg=2000)
    assert failed(schedule) == {"starts_at_current_dose": 1}
    assert detail(schedule, "starts_at_current_dose") == (
        "the dose taken before day 1 is not the one the request gives"
    )


def test_a_titration_that_never_gives_a_dose_is_reported_not_crashed_on() -> None:
    """Every step written as 0 mg/day: no dose is above the start limit (the check reads
    the first step when none gives a dose); nothing else in it is unsafe either."""
    schedule = seizure_titration()
    nothing = tuple(
        dataclasses.replace(
            step,
            total_mcg=0,
            doses=tuple(dataclasses.replace(dose, mcg=0, units=()) for dose in step.doses),
        )
        for step in schedule.steps
    )
    report = check_schedule(dataclasses.replace(schedule, steps=nothing))
    assert [r.name for r in report.results] == TITRATION_CHECKS
    assert report.passed


def partial_taper() -> Schedule:
    """ASAM pace from 2 mg/day down to 1 mg/day, which is then held."""
    return taper(PANIC, start=START, from_mg_per_day="2", to_mg_per_day="1", pace="asam")


def test_a_partial_taper_describes_its_floor() -> None:
    report = {r.name: r for r in check_schedule(partial_taper()).results}
    assert report["ends_at_floor"].passed
    assert report["ends_at_floor"].description == (
        "comes down to 1 mg/day and holds it: never lower, never a stop"
    )


def test_a_partial_taper_that_stops_short_of_its_floor_fails() -> None:
    schedule = partial_taper()
    above = tuple(step for step in schedule.steps if step.total_mcg > 1000)
    short = dataclasses.replace(schedule, steps=above)  # ends at 1.25 mg/day
    assert failed(short)["ends_at_floor"] == above[-1].first_day
    assert detail(short, "ends_at_floor") == "ends at 1.25 mg/day, not the floor"


@pytest.mark.parametrize(
    ("hold", "held", "passes"),
    [(None, 27, False), (None, 28, True), (45, 44, False), (45, 45, True)],
)
def test_a_partial_course_holds_its_floor_as_long_as_asked(
    hold: int | None, held: int, passes: bool
) -> None:
    """A course to 1 mg/day tapered to 0.5 mg/day holds the floor the days its request
    asks (taper_hold_days), 28 by default; its last step shortened by a day fails."""
    schedule = course(
        PANIC,
        start=START,
        target_mg_per_day="1",
        maintain_days=30,
        pace="asam",
        to_mg_per_day="0.5",
        taper_hold_days=hold,
    )
    *_, floor, last = schedule.steps
    assert (floor.total_mcg, floor.days, last.total_mcg, last.review) == (500, 5, 500, True)
    schedule = with_days(schedule, -1, held - floor.days)  # 5 days, then a review and the rest
    assert check_schedule(schedule).passed is passes
    if not passes:
        asked = hold or 28
        assert failed(schedule) == {"ends_at_floor": schedule.steps[-1].first_day}
        assert detail(schedule, "ends_at_floor") == (
            f"holds the floor {held} days; {asked} were asked for"
        )


def panic_course() -> Schedule:
    """Panic (adult): 0.5 mg/day for 3 days, 1 mg/day kept 30 days, then the ASAM pace,
    whose own first 5 days are still 1 mg/day: 35 days at the target before 0.75."""
    return course(PANIC, start=START, target_mg_per_day="1", maintain_days=30, pace="asam")


def test_a_course_runs_the_common_checks_then_the_titrations_and_the_tapers() -> None:
    report = check_schedule(panic_course())
    assert [r.name for r in report.results] == [
        *TITRATION_CHECKS,
        *TAPER_CHECKS[len(WHOLE_CHECKS) :],
        "maintained_before_taper",
    ]
    assert report.passed


@pytest.mark.parametrize(("maintain", "fails"), [(8, True), (9, False)])
def test_a_course_keeps_its_target_one_pace_interval_before_the_first_cut(
    maintain: int, fails: bool
) -> None:
    """ASAM holds 14 days. Kept 8 + 5 days at 1 mg/day is one day short; 9 + 5 is enough
    (both steps count). The cut itself is too fast for either: that check fails too."""
    schedule = with_days(panic_course(), 1, maintain)
    assert ("maintained_before_taper" in failed(schedule)) is fails
    if fails:
        assert failed(schedule)["maintained_before_taper"] == 17
        assert detail(schedule, "maintained_before_taper") == (
            "the first cut comes after 13 days at the target; the pace holds 14"
        )


@pytest.mark.parametrize(("maintain", "passes"), [(29, False), (30, True)])
def test_a_courses_first_cut_counts_the_days_at_the_target(maintain: int, passes: bool) -> None:
    """1 -> 0.75 mg/day is a 25% cut: at ASAM's 10% per 14 days it needs 35 days at
    1 mg/day. 30 + 5 days are enough; 29 + 5 are not."""
    schedule = with_days(panic_course(), 1, maintain)
    assert check_schedule(schedule).passed is passes
    if not passes:
        assert failed(schedule) == {"taper_step_within_pace": 38}


@pytest.mark.parametrize(("maintain", "fails"), [(13, True), (14, False)])
def test_a_courses_maintenance_is_the_pace_interval_at_the_target(
    maintain: int, fails: bool
) -> None:
    """Nardi 2010 holds 14 days above 1 mg/day and 7 from there down. A course to
    1.5 mg/day keeps it 14 days before its first cut (1.5 -> 1 mg/day): not the 7 days
    of the 1 mg/day step before it, or of the 0.75 mg/day step after."""
    schedule = course(
        PANIC,
        start=START,
        target_mg_per_day="1.5",
        maintain_days=30,
        pace="nardi-2010",
        age_years=40,
    )
    assert [s.total_mcg for s in schedule.steps[1:5]] == [1000, 1500, 1000, 750]
    schedule = with_days(schedule, 2, maintain)
    assert ("maintained_before_taper" in failed(schedule)) is fails
    if fails:
        assert failed(schedule)["maintained_before_taper"] == 20
        assert detail(schedule, "maintained_before_taper") == (
            "the first cut comes after 13 days at the target; the pace holds 14"
        )
    else:
        assert check_schedule(schedule).passed


def test_a_course_that_holds_a_titration_dose_in_two_steps_is_still_one_titration() -> None:
    """0.5 mg/day written as 1 day and 2 days: no change of dose, not the first cut."""
    schedule = split_step(panic_course(), 0, 1)
    assert [s.total_mcg for s in schedule.steps[:3]] == [500, 500, 1000]
    assert check_schedule(schedule).passed


def test_a_course_that_never_comes_down_fails_on_its_last_day() -> None:
    schedule = panic_course()
    no_taper = dataclasses.replace(schedule, steps=schedule.steps[:3])  # to day 38
    report = check_schedule(no_taper)
    reviewed, failure = report.failures
    assert failure == CheckResult(
        "maintained_before_taper",
        "the target is kept at least one interval of the pace before the first cut",
        passed=False,
        day=38,
        detail="the course never comes down: no taper",
    )
    # Ending on a dose taken on, with no review due after it stated, fails too.
    assert (reviewed.name, reviewed.day) == ("reviewed", no_taper.steps[-1].first_day)
    assert [r.name for r in report.results] == [*WHOLE_CHECKS, failure.name]
