"""Step limits at their edges: the cases mutation testing found unpinned."""

from __future__ import annotations

from fractions import Fraction

import pytest

from planner.models.step_limits import MgLimit, OccupancyLimit, PercentLimit, StepLimit

LINEAR = MgLimit(amount=Fraction(250), per_days=14)  # 0.25 mg/day every 2 weeks
HYPERBOLIC = OccupancyLimit(amount=Fraction(5), per_days=14, ec50_mcg=1000)


@pytest.mark.parametrize(("held", "allowed"), [(7, 125), (14, 250), (21, 375), (28, 500)])
def test_a_linear_limit_allows_in_proportion_to_the_days_held(held: int, allowed: int) -> None:
    """0.25 mg/day per 14 days: after one week 0.125 mg/day, after four weeks 0.5."""
    assert LINEAR.allowance(held) == allowed
    assert LINEAR.allows(2000, 2000 - allowed, held)
    assert not LINEAR.allows(2000, 2000 - allowed - 1, held)


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (LINEAR, "0.25 mg per 14 days"),
        (MgLimit(amount=Fraction(1000), per_days=7), "1 mg per 7 days"),
        (PercentLimit(amount=Fraction(25), per_days=14), "25% of the dose per 14 days"),
        (PercentLimit(amount=Fraction(25, 2), per_days=14), "12.5% of the dose per 14 days"),
        (HYPERBOLIC, "5 points of receptor occupancy per 14 days"),
    ],
)
def test_a_limit_describes_itself_in_its_measure(limit: StepLimit, text: str) -> None:
    assert limit.describe() == text


def test_a_cut_never_takes_more_than_the_whole_dose() -> None:
    """0.1 mg/day with an EC50 of 1 mg/day is 9.1 points of occupancy: a 10-point cut,
    or four weeks of 5 points every two, can at most stop it, never go below zero."""
    assert HYPERBOLIC.occupancy(100) == Fraction(1, 11)
    assert HYPERBOLIC.drop(100, Fraction(10)) == 100
    assert HYPERBOLIC.max_drop(100, 28) == 100
    assert HYPERBOLIC.drop(1000, Fraction(10)) == Fraction(1000, 3)  # 50% -> 40%: 2/3 mg
