from __future__ import annotations

from fractions import Fraction

import pytest

from planner.domain.products import DoseMaker, describe_units, describe_units_in_words, dose_maker
from planner.domain.protocols import load_library
from planner.errors import DoseError


def maker(product_id: str) -> DoseMaker:
    return dose_maker(load_library().product(product_id))


def counts(product_id: str, mcg: int) -> dict[int, Fraction]:
    return {u.strength_mcg: u.count for u in maker(product_id).make(mcg)}


def test_us_tablets_make_quarter_milligram_steps_from_scored_half_tablets() -> None:
    us = maker("us-tablet")
    assert us.resolution_mcg == 250
    assert us.smallest_dose_mcg == 250
    assert counts("us-tablet", 250) == {500: Fraction(1, 2)}
    assert counts("us-tablet", 750) == {500: Fraction(3, 2)}
    # Fewest pieces: one 2 mg and one 1 mg tablet, not six 0.5 mg tablets.
    assert counts("us-tablet", 3000) == {2000: 1, 1000: 1}
    assert not us.can_make(125)


def test_unscored_strengths_are_never_split() -> None:
    # 1.5 mg from US tablets: 1 mg + 0.5 mg, never half of a 1 mg or 2 mg tablet.
    assert counts("us-tablet", 1500) == {1000: 1, 500: 1}
    # With every strength scored, 1.5 mg can be one and a half 1 mg tablets or 1 + 0.5:
    # both are two pieces; the whole-tablet option is preferred.
    assert counts("us-tablet-scored", 1500) == {1000: 1, 500: 1}


def test_rivotril_quarters_of_2_mg_and_odt_whole_only() -> None:
    # 1.5 mg: half a 2 mg tablet and a 0.5 mg tablet (two pieces), not three quarters.
    assert counts("rivotril-tablet", 1500) == {2000: Fraction(1, 2), 500: 1}
    assert counts("rivotril-tablet", 1000) == {2000: Fraction(1, 2)}
    assert counts("us-odt", 375) == {250: 1, 125: 1}
    assert maker("us-odt").smallest_dose_mcg == 125


def test_drops_are_whole_drops_of_a_tenth_of_a_milligram() -> None:
    assert counts("rivotril-drops", 300) == {100: 3}
    with pytest.raises(DoseError, match="cannot be made exactly"):
        maker("rivotril-drops").make(150)


@pytest.mark.parametrize(
    ("product_id", "total", "times", "doses"),
    [
        ("us-tablet", 1500, 3, (500, 500, 500)),  # equal where possible
        ("us-tablet", 2000, 3, (500, 750, 750)),  # remainder to the latest times
        ("us-tablet", 1750, 2, (750, 1000)),  # largest at bedtime
        ("us-tablet", 500, 3, (250, 0, 250)),  # too small for three: midday dropped
        ("us-tablet", 250, 3, (0, 0, 250)),  # one dose: at bedtime
        ("us-tablet", 250, 2, (0, 250)),
        ("rivotril-drops", 1000, 3, (300, 300, 400)),
        ("us-odt", 0, 2, (0, 0)),
    ],
)
def test_split_daily(product_id: str, total: int, times: int, doses: tuple[int, ...]) -> None:
    assert maker(product_id).split_daily(total, times) == doses


def test_split_daily_refuses_a_total_the_product_cannot_make() -> None:
    with pytest.raises(DoseError, match="cannot be made exactly"):
        maker("us-tablet").split_daily(1125, 2)


def test_units_described_for_the_pharmacy_and_the_patient() -> None:
    product = load_library().product("us-tablet")
    units = maker("us-tablet").make(1250)
    assert describe_units(units, product) == "1 x 1 mg tablet + 1/2 x 0.5 mg tablet"
    assert describe_units_in_words(units, product) == "1 tablet of 1 mg and half a 0.5 mg tablet"
    assert describe_units_in_words(maker("us-tablet").make(750), product) == (
        "1 1/2 tablets of 0.5 mg"
    )
