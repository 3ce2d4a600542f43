"""The checks clinical rules 7 adds, at their edges: the cases mutation testing found
unpinned in the guideline's pace (who may go beyond it), the minors' age and the reviews.

As in test_safety_mutants.py, each schedule is built by the planner and changed by hand
into the mistake (a request, a protocol file or a step edited); boundaries are tested
from both sides.
"""

from __future__ import annotations

import dataclasses

import pytest
from test_guideline_checks import PANIC, SEIZURE, detail, two_phase_from_20
from test_safety import failed, with_total

from planner.domain.schedule import Schedule
from planner.models import Bound
from planner.safety import check_schedule

# --- Who may go beyond the guideline's pace ----------------------------------------------


def test_the_guideline_check_describes_its_bound_and_dates_the_first_cut_beyond_it() -> None:
    """Two-phase from 20 mg/day: 20 -> 15 mg/day is 25% (allowed), 15 -> 10 on day 15 is
    the first cut beyond; the result is dated there."""
    (exceeded,) = check_schedule(two_phase_from_20()).exceeded
    assert exceeded.description == (
        "no cut faster than the guideline's 25% of the dose per 14 days (ASAM 2025), averaged "
        "over the days held; the stop exempt"
    )
    assert exceeded.day == 15


def test_cuts_beyond_the_guideline_under_a_pace_the_paces_file_lacks_fail() -> None:
    """The two-phase schedule from 20 mg/day, its request naming a pace no longer in the
    paces file: nobody chose its three cuts beyond 25% (33% and 50%), and the pace's own
    check fails on day 1 too."""
    schedule = two_phase_from_20()
    request = schedule.request.model_copy(update={"pace": "two-phase-2019"})
    tampered = dataclasses.replace(schedule, request=request)
    report = check_schedule(tampered)
    assert {r.name: r.day for r in report.failures} == {
        "taper_step_within_pace": 1,
        "guideline_pace": 15,
    }
    words = detail(tampered, "guideline_pace")
    assert words.startswith("3 faster than the guideline (2027-01-18: 15 to 10 mg/day, 33.3% ")
    assert words.endswith("50% after 14 days): the request names no pace of the paces file")


def test_every_cut_after_the_sources_stop_keeps_the_guidelines_pace() -> None:
    """Two-phase from 20 mg/day: Deprescribing.org stops from 2.5 mg/day and the planner
    goes on at the guideline's pace, cut after cut. The sixth of them (day 132) changed to
    0.75 -> 0.25 mg/day (67% after 19 days) fails the pace's check as well."""
    schedule = two_phase_from_20()
    assert [s.total_mcg for s in schedule.steps[3:12]] == [
        2500, 2000, 1500, 1250, 1250, 1000, 750, 500, 250,
    ]  # fmt: skip
    tampered = with_total(schedule, 10, 250)
    assert failed(tampered) == {"taper_step_within_pace": 132, "guideline_pace": 132}
    assert detail(tampered, "taper_step_within_pace") == (
        "0.75 mg to 0.25 mg/day after 19 days: two-phase's source stops from 0.75 mg/day, so "
        "the cut is the planner's, and faster than the guideline's 25% of the dose per 14 days"
    )


def test_a_protocol_file_offering_a_pace_outside_its_sources_population_fails() -> None:
    """seizure-adult's file edited to offer two-phase (studied in insomnia, excluded for
    seizures): the protocol offering it does not make it a choice the sources allow."""
    offered = SEIZURE.model_copy(update={"paces": (*SEIZURE.paces, "two-phase")})
    schedule = dataclasses.replace(two_phase_from_20(), protocol=offered)
    assert detail(schedule, "guideline_pace").endswith(
        ": two-phase may not be offered for seizure-adult: it was studied in adults taking a "
        "benzodiazepine receptor agonist for insomnia, mainly older adults, and is not for "
        "seizure"
    )


def test_an_adults_pace_on_a_protocol_that_admits_minors_fails_even_for_an_adult() -> None:
    """panic-adult's file edited to admit patients from 12 years: two-phase (adults only)
    may no longer be offered there, whatever the age of this patient (40)."""
    younger = PANIC.population.model_copy(update={"age_years": Bound(at_least=12)})
    protocol = PANIC.model_copy(update={"population": younger})
    schedule = dataclasses.replace(two_phase_from_20(), protocol=protocol)
    assert detail(schedule, "guideline_pace").endswith(
        ": two-phase may not be offered for panic-adult: it was studied in adults taking a "
        "benzodiazepine receptor agonist for insomnia, mainly older adults, and the protocol "
        "admits patients under 18"
    )


def at_age(schedule: Schedule, age: int) -> Schedule:
    patient = schedule.request.patient.model_copy(update={"age_years": age})
    request = schedule.request.model_copy(update={"patient": patient})
    return dataclasses.replace(schedule, request=request)


@pytest.mark.parametrize(("age", "passes"), [(17, False), (18, True)])
def test_an_adults_pace_is_a_choice_from_18_years(age: int, passes: bool) -> None:
    """Minors are under 18 (the guideline file): at 18 two-phase's cuts are its source's
    choice; at 17 they fail."""
    result = next(
        r
        for r in check_schedule(at_age(two_phase_from_20(), age)).results
        if r.name == "guideline_pace"
    )
    assert result.passed is passes
    assert result.status == ("exceeded by choice" if passes else "failed")
