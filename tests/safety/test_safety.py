"""Each safety check catches the mistake it exists for, on the day it happens."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import pytest

from planner import load_protocol, taper, titrate
from planner.domain.products import UnitCount
from planner.domain.schedule import Schedule
from planner.errors import UnsafeScheduleError
from planner.safety import check_schedule, ensure_safe

START = dt.date(2027, 1, 4)


def seizure_titration() -> Schedule:
    return titrate(load_protocol("seizure-adult"), start=START, target_mg_per_day=4)


def panic_taper() -> Schedule:
    return taper(load_protocol("panic-adult"), start=START, from_mg_per_day=2, pace="label")


def with_step(schedule: Schedule, index: int, **changes: object) -> Schedule:
    steps = list(schedule.steps)
    steps[index] = dataclasses.replace(steps[index], **changes)  # type: ignore[arg-type]  # any field, to break a check
    return dataclasses.replace(schedule, steps=tuple(steps))


def with_total(schedule: Schedule, index: int, total: int) -> Schedule:
    """Change a step's total and its bedtime dose together, keeping the units honest."""
    step = schedule.steps[index]
    extra = total - step.total_mcg
    bedtime = step.doses[-1]
    count = bedtime.units[0].count + Fraction(extra, 500) if bedtime.units else Fraction(extra, 500)
    doses = (
        *step.doses[:-1],
        dataclasses.replace(
            bedtime, mcg=bedtime.mcg + extra, units=(UnitCount(500, count),) if count else ()
        ),
    )
    return with_step(schedule, index, total_mcg=total, doses=doses)


def failed(schedule: Schedule) -> dict[str, int | None]:
    return {result.name: result.day for result in check_schedule(schedule).failures}


def half_mg_more(schedule: Schedule, index: int) -> Schedule:
    """One more 0.5 mg tablet at bedtime in step ``index``: the units stay honest."""
    step = schedule.steps[index]
    bedtime = step.doses[-1]
    more = dataclasses.replace(
        bedtime, mcg=bedtime.mcg + 500, units=(*bedtime.units, UnitCount(500, Fraction(1)))
    )
    return with_step(
        schedule, index, total_mcg=step.total_mcg + 500, doses=(*step.doses[:-1], more)
    )


def to_the_maximum() -> Schedule:
    return titrate(load_protocol("seizure-adult"), start=START, target_mg_per_day=20)


def test_above_the_maximum() -> None:
    """20 mg/day raised to 20.5 mg/day: above seizure-adult's 20 mg/day maximum."""
    schedule = half_mg_more(to_the_maximum(), -1)
    assert failed(schedule) == {"within_bounds": schedule.steps[-1].first_day}


def test_a_limit_the_engine_computed_moves_no_check() -> None:
    """The check reads the protocol file, never the limits the engine attached: a maximum
    tampered up lets nothing through, and tampered down fails nothing."""
    schedule = half_mg_more(to_the_maximum(), -1)
    limits = schedule.limits
    raised = dataclasses.replace(
        limits, maximum_mcg=50000, ceiling_mcg=50000, start_limit_mcg=50000, step_max_mcg=50000
    )
    last = schedule.steps[-1].first_day
    assert failed(dataclasses.replace(schedule, limits=raised)) == {"within_bounds": last}
    lowered = dataclasses.replace(
        limits, maximum_mcg=1, start_limit_mcg=1, step_max_mcg=1, min_interval_days=365
    )
    assert check_schedule(dataclasses.replace(seizure_titration(), limits=lowered)).passed


def test_a_pace_the_engine_attached_moves_no_check() -> None:
    """The pace is read afresh by the request's id: a schedule carrying a faster pace than
    it asked for is held to the one it asked for."""
    from planner.domain.protocols import load_library

    schedule = with_total(panic_taper(), 1, 1250)  # 1.75 -> 1.25 mg/day in 3 days
    two_phase = load_library().pace("two-phase")  # 0.5 mg/day a cut: it would allow this
    assert failed(dataclasses.replace(schedule, pace=two_phase)) == {"taper_step_within_pace": 4}


def test_increase_sooner_than_the_minimum_interval() -> None:
    schedule = with_step(seizure_titration(), 1, days=2)
    # Every later step moves a day earlier too, so check the dates as well.
    later = [
        dataclasses.replace(s, start=s.start - dt.timedelta(days=1), first_day=s.first_day - 1)
        for s in schedule.steps[2:]
    ]
    schedule = dataclasses.replace(schedule, steps=(*schedule.steps[:2], *later))
    assert failed(schedule) == {"increase_interval": 6}


def test_increase_larger_than_the_step() -> None:
    schedule = with_total(seizure_titration(), 1, 3000)  # 1.5 -> 3 mg/day: +1.5 mg
    assert "increase_size" in failed(schedule)
    assert failed(schedule)["increase_size"] == 4


def test_titration_that_goes_down() -> None:
    schedule = with_total(seizure_titration(), 2, 1500)
    assert failed(schedule)["never_down"] == 7


def test_start_above_the_start_limit() -> None:
    schedule = with_total(seizure_titration(), 0, 1750)
    assert failed(schedule)["start_within_limit"] == 1


def test_gap_in_the_dates() -> None:
    schedule = seizure_titration()
    shifted = dataclasses.replace(
        schedule.steps[3], start=schedule.steps[3].start + dt.timedelta(days=1)
    )
    schedule = with_step(schedule, 3, start=shifted.start)
    assert failed(schedule) == {"contiguous": 10}


def test_units_that_do_not_make_the_dose() -> None:
    schedule = seizure_titration()
    morning = schedule.steps[0].doses[0]
    wrong = dataclasses.replace(morning, units=(UnitCount(500, Fraction(1, 2)),))
    schedule = with_step(schedule, 0, doses=(wrong, *schedule.steps[0].doses[1:]))
    assert failed(schedule) == {"units_exact": 1}


@pytest.mark.parametrize(
    ("unit", "reason"),
    [(UnitCount(1000, Fraction(1, 2)), "cannot be given"), (UnitCount(750, Fraction(1)), "exists")],
)
def test_units_that_do_not_exist(unit: UnitCount, reason: str) -> None:
    schedule = seizure_titration()
    step = schedule.steps[0]
    morning = dataclasses.replace(step.doses[0], units=(unit,), mcg=unit.mcg)
    total = step.total_mcg - step.doses[0].mcg + unit.mcg
    schedule = with_step(schedule, 0, doses=(morning, *step.doses[1:]), total_mcg=total)
    result = check_schedule(schedule).failures
    assert [r.name for r in result if r.name == "units_exact"] == ["units_exact"]
    assert reason in next(r.detail for r in result if r.name == "units_exact")


def test_taper_that_goes_up() -> None:
    schedule = with_total(panic_taper(), 2, 2000)
    assert failed(schedule)["never_up"] == 7


def test_taper_step_faster_than_the_pace() -> None:
    schedule = with_total(panic_taper(), 1, 1250)  # 1.75 -> 1.25 mg/day in 3 days
    assert failed(schedule) == {"taper_step_within_pace": 4}


def test_taper_that_stops_abruptly() -> None:
    schedule = panic_taper()
    stop = dataclasses.replace(
        schedule.steps[-1],
        start=schedule.steps[-3].end + dt.timedelta(days=1),
        first_day=schedule.steps[-3].last_day + 1,
    )
    schedule = dataclasses.replace(schedule, steps=(*schedule.steps[:-2], stop))
    assert failed(schedule) == {"ends_at_zero_from_smallest": 19}


def test_taper_that_does_not_end_at_zero() -> None:
    """Without its stop, the taper ends on a dose taken on: it fails, and so does the review
    owed to a patient who goes on taking it."""
    schedule = dataclasses.replace(panic_taper(), steps=panic_taper().steps[:-1])
    assert failed(schedule) == {"ends_at_zero_from_smallest": 19, "reviewed": 19}


def test_ensure_safe_names_the_check_and_the_day() -> None:
    schedule = with_total(panic_taper(), 1, 1250)
    with pytest.raises(UnsafeScheduleError, match=r"'taper_step_within_pace' failed on day 4"):
        ensure_safe(schedule)


def test_a_limit_of_a_fraction_of_a_microgram_is_named_in_mg() -> None:
    """25% of 1.75 mg/day is 0.4375 mg: the failure names it with its unit."""
    from fractions import Fraction

    from planner.models import MgLimit

    assert MgLimit(amount=Fraction(875, 2), per_days=14).describe() == "0.4375 mg per 14 days"
    assert MgLimit(amount=Fraction(250), per_days=14).describe() == "0.25 mg per 14 days"


def test_the_start_limit_holds_for_the_first_dose_even_after_a_day_without_one() -> None:
    import dataclasses

    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))
    first = schedule.steps[0]
    empty = dataclasses.replace(
        first,
        days=1,
        total_mcg=0,
        doses=tuple(dataclasses.replace(d, mcg=0, units=()) for d in first.doses),
    )
    big = dataclasses.replace(
        schedule.steps[-1], start=first.start + dt.timedelta(days=1), first_day=2
    )
    tampered = dataclasses.replace(schedule, steps=(empty, big))
    report = check_schedule(tampered)
    assert "start_within_limit" in [r.name for r in report.failures]
