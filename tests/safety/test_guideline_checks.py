"""The checks clinical rules 7 adds, fed schedules the engine could not make: each must
fail on its own, reading the guideline, paces and protocol files, never the planner's.

The guideline's pace on every taper (and who may go beyond it), reviews every 3 months
while the drug is taken, and the pediatric mg/kg/day ceiling for anyone under 18.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

from test_safety import START, failed, with_step

from planner import load_protocol, taper
from planner.api import plan_checked, taper_request
from planner.domain.products import UnitCount
from planner.domain.schedule import DoseStep, Schedule
from planner.safety import check_schedule

PANIC = load_protocol("panic-adult")
SEIZURE = load_protocol("seizure-adult")


def detail(schedule: Schedule, name: str) -> str:
    return next(r.detail for r in check_schedule(schedule).failures if r.name == name)


def halved(step: DoseStep) -> DoseStep:
    """The step at half its daily dose, each dose half as many 0.5 mg tablets."""
    doses = tuple(
        dataclasses.replace(
            dose,
            mcg=dose.mcg // 2,
            units=(UnitCount(500, Fraction(dose.mcg // 2, 500)),) if dose.mcg else (),
        )
        for dose in step.doses
    )
    return dataclasses.replace(step, total_mcg=step.total_mcg // 2, doses=doses)


# --- The guideline's pace ------------------------------------------------------------


def test_a_graded_taper_cut_faster_than_the_guideline_fails_whatever_the_pace_allows() -> None:
    """ASAM's pace from 4 mg/day: its first cut halved to 2 mg/day (50% after 14 days)."""
    schedule = taper(PANIC, start=START, from_mg_per_day=4, pace="asam", age_years=40)
    first_cut = next(i for i, s in enumerate(schedule.steps) if s.total_mcg < 4000)
    tampered = with_step(schedule, first_cut, **vars(halved(schedule.steps[first_cut])))
    names = failed(tampered)
    assert names["guideline_pace"] == tampered.steps[first_cut].first_day
    assert "asam is a graded pace, held to the guideline's pace" in detail(
        tampered, "guideline_pace"
    )


def two_phase_from_20() -> Schedule:
    return taper(PANIC, start=START, from_mg_per_day=20, pace="two-phase", age_years=40)


def test_a_published_paces_own_cuts_pass_by_choice_and_never_read_as_all_passed() -> None:
    report = check_schedule(two_phase_from_20())
    assert report.passed
    (exceeded,) = report.exceeded
    assert exceeded.name == "guideline_pace"
    assert exceeded.status == "exceeded by choice"
    assert exceeded.detail.startswith("2027-01-18: 15 to 10 mg/day, 33.3% after 14 days; ")
    assert exceeded.chosen_by.startswith("the published pace two-phase, offered for panic-adult")
    assert report.summary == "7 passed, 1 exceeded by choice"
    assert "exceeded by choice on 2027-01-18" in exceeded.line


def test_the_old_cut_from_the_sources_stop_to_the_smallest_dose_fails() -> None:
    """What the planner used to do: 2.5 -> 0.25 mg/day (-90%) after 14 days, where the
    source stops. The cut is the planner's, not Deprescribing.org's: both checks fail."""
    schedule = two_phase_from_20()
    at = next(i for i, s in enumerate(schedule.steps) if s.total_mcg == 2500)
    smallest = next(s for s in schedule.steps if s.total_mcg == 250)
    stop = schedule.steps[-1]
    after = schedule.steps[at].end + dt.timedelta(days=1)
    day = schedule.steps[at].last_day + 1
    old = (
        *schedule.steps[: at + 1],
        dataclasses.replace(smallest, start=after, first_day=day, days=14, review=False, note=""),
        dataclasses.replace(
            stop, start=after + dt.timedelta(days=14), first_day=day + 14, review=False
        ),
    )
    tampered = dataclasses.replace(schedule, steps=old)
    names = failed(tampered)
    assert names["guideline_pace"] == day
    assert names["taper_step_within_pace"] == day
    assert "two-phase's source stops from 2.5 mg/day, so the cut to 0.25 mg/day is the " in (
        detail(tampered, "guideline_pace")
    )


def test_a_published_pace_on_a_protocol_that_does_not_offer_it_fails() -> None:
    """The same two-phase schedule, said to be for epilepsy: not offered there."""
    schedule = dataclasses.replace(two_phase_from_20(), protocol=SEIZURE)
    assert "two-phase is not offered for seizure-adult" in detail(schedule, "guideline_pace")


def test_an_adults_pace_for_a_minor_fails() -> None:
    schedule = two_phase_from_20()
    minor = schedule.request.patient.model_copy(update={"age_years": 15})
    request = schedule.request.model_copy(update={"patient": minor})
    tampered = dataclasses.replace(schedule, request=request)
    assert "studied in adults taking a benzodiazepine receptor agonist" in detail(
        tampered, "guideline_pace"
    )


def test_a_clinicians_fast_steps_on_a_seizure_protocol_fail_without_their_reason() -> None:
    steps = [{"mg_per_day": mg, "days": 14} for mg in ("1", "0.5", "0.25")]
    reason = "Switching to a new antiseizure drug under supervision"
    checked = plan_checked(
        SEIZURE,
        taper_request(
            start=START,
            from_mg_per_day="2",
            age_years=40,
            weight_kg="70",
            custom_steps=steps,
            faster_reason=reason,
        ),
    )
    assert checked.report.exceeded[0].chosen_by.endswith(reason)
    request = checked.schedule.request.model_copy(update={"faster_reason": None})
    tampered = dataclasses.replace(checked.schedule, request=request)
    assert "without the written reason seizure-adult needs for seizure" in detail(
        tampered, "guideline_pace"
    )
    # A protocol file that drops the rule changes nothing: the guideline file holds it.
    lax = SEIZURE.model_copy(
        update={"taper": SEIZURE.taper.model_copy(update={"faster_cuts_need_reason": False})}
    )
    assert "without the written reason" in detail(
        dataclasses.replace(tampered, protocol=lax), "guideline_pace"
    )


# --- Reviews -----------------------------------------------------------------------------


def long_taper() -> Schedule:
    return taper(PANIC, start=START, from_mg_per_day=2, pace="asam", age_years=40)


def test_a_missing_review_fails_on_the_day_it_was_due() -> None:
    schedule = long_taper()
    first = next(i for i, s in enumerate(schedule.steps) if s.review)
    review = schedule.steps[first]
    merged = dataclasses.replace(
        schedule.steps[first - 1], days=schedule.steps[first - 1].days + review.days
    )
    tampered = dataclasses.replace(
        schedule, steps=(*schedule.steps[: first - 1], merged, *schedule.steps[first + 1 :])
    )
    assert failed(tampered) == {"reviewed": review.first_day}
    assert detail(tampered, "reviewed") == f"no review by {review.start}"


def test_a_review_one_day_late_fails() -> None:
    schedule = long_taper()
    first = next(i for i, s in enumerate(schedule.steps) if s.review)
    before, review = schedule.steps[first - 1], schedule.steps[first]
    late = (
        dataclasses.replace(before, days=before.days + 1),
        dataclasses.replace(
            review,
            start=review.start + dt.timedelta(days=1),
            first_day=review.first_day + 1,
            days=review.days - 1,
        ),
    )
    steps = (*schedule.steps[: first - 1], *late, *schedule.steps[first + 1 :])
    tampered = dataclasses.replace(schedule, steps=steps)
    assert detail(tampered, "reviewed") == f"no review by {review.start}"


def test_a_held_end_without_the_next_review_named_fails() -> None:
    """A titration goes on past its last day: the review due after it must be stated."""
    checked = plan_checked(
        PANIC, taper_request(start=START, from_mg_per_day="2", to_mg_per_day="1", age_years=40)
    )
    assert checked.schedule.next_review is not None
    tampered = dataclasses.replace(checked.schedule, next_review=None)
    assert "goes on past its end without the review due by" in detail(tampered, "reviewed")


# --- Minors: the label's pediatric mg/kg/day, on any protocol ---------------------------


def test_a_minors_taper_above_the_pediatric_ceiling_fails_the_per_kg_check() -> None:
    """A 20 kg 8-year-old tapered from 4 mg/day (0.2 mg/kg/day, the most allowed): 4.5 mg/day
    on day 1 is 0.225 mg/kg/day."""
    schedule = taper(
        load_protocol("seizure-pediatric"),
        start=START,
        from_mg_per_day=4,
        age_years=8,
        weight_kg=20,
    )
    first = schedule.steps[0]
    bedtime = first.doses[-1]
    more = dataclasses.replace(
        bedtime, mcg=bedtime.mcg + 500, units=(*bedtime.units, UnitCount(500, Fraction(1)))
    )
    tampered = with_step(
        schedule, 0, total_mcg=first.total_mcg + 500, doses=(*first.doses[:-1], more)
    )
    request = tampered.request.model_copy(update={"from_mg_per_day": 5})
    tampered = dataclasses.replace(tampered, request=request, previous_mcg=5000)
    assert failed(tampered)["per_kg_within_limits"] == 1
    assert detail(tampered, "per_kg_within_limits").endswith(
        "above 0.2 (under 18 years: label, pediatric)"
    )
