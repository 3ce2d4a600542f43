"""Dose arithmetic and typed numbers at their edges: the cases mutation testing found
unpinned (exact limits, rounding, and the words of a refusal)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from planner.core.limits import MAX_NUMBER_CHARS
from planner.core.units import (
    MAX_WHOLE_NUMBER,
    date_from_text,
    format_decimal,
    format_mg,
    mcg_to_mg,
    number_from_text,
    per_kg,
    percent_of,
    whole_from_text,
)
from planner.errors import InputError

# --- Typed numbers -----------------------------------------------------------------


def test_a_number_of_exactly_the_longest_length_is_read() -> None:
    text = "0.125".ljust(MAX_NUMBER_CHARS, "0")  # 0.125000...0, as a spreadsheet may pad it
    assert len(text) == MAX_NUMBER_CHARS
    assert number_from_text(text) == Decimal("0.125")


def test_a_number_one_character_longer_is_refused_quoting_its_start() -> None:
    text = "0.125".ljust(MAX_NUMBER_CHARS + 1, "0")
    with pytest.raises(InputError) as refused:
        number_from_text(text)
    assert str(refused.value) == (
        f"'0.1250000000'...: a number is at most {MAX_NUMBER_CHARS} characters"
    )


def test_text_that_is_not_a_number_is_quoted_in_the_refusal() -> None:
    with pytest.raises(InputError) as refused:
        number_from_text(" 0,5 ")  # a decimal comma
    assert str(refused.value) == "'0,5' is not a number"


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("31", 31),
        (" 31.0 ", 31),  # a spreadsheet's 31
        ("-3", -3),
        ("1e9", 10**9),
        (str(MAX_WHOLE_NUMBER), MAX_WHOLE_NUMBER),  # the largest accepted, exactly
        (str(-MAX_WHOLE_NUMBER), -MAX_WHOLE_NUMBER),
    ],
)
def test_whole_numbers_are_read(text: str, whole: int) -> None:
    assert whole_from_text(text) == whole


@pytest.mark.parametrize(
    "text",
    [
        str(MAX_WHOLE_NUMBER + 1),  # whole, but one above the limit
        "1e12",
        "-1e12",
    ],
)
def test_whole_numbers_past_the_limit_are_refused(text: str) -> None:
    with pytest.raises(InputError) as refused:
        whole_from_text(text)
    assert str(refused.value) == f"{text!r} is not a whole number up to 1,000,000,000"


@pytest.mark.parametrize("text", ["14.5", "0.1", "-2.5"])  # half a day, and less
def test_a_number_with_a_fraction_is_not_whole(text: str) -> None:
    with pytest.raises(InputError) as refused:
        whole_from_text(text)
    assert str(refused.value) == f"{text!r} is not a whole number"


def test_text_that_is_not_a_whole_number_says_so() -> None:
    with pytest.raises(InputError) as refused:
        whole_from_text("fourteen")
    assert str(refused.value) == "'fourteen' is not a whole number"


@pytest.mark.parametrize(
    ("text", "date"),
    [("2027-01-04", dt.date(2027, 1, 4)), (" 2028-02-29\n", dt.date(2028, 2, 29))],
)
def test_dates_are_read_as_yyyy_mm_dd(text: str, date: dt.date) -> None:
    assert date_from_text(text) == date


@pytest.mark.parametrize(
    "text",
    ["20270104", "2027-W01-1", "2027-1-4", "04/01/2027", "2027-02-29", "2027-13-01", ""],
)
def test_anything_else_is_not_a_date(text: str) -> None:
    with pytest.raises(InputError) as refused:
        date_from_text(text)
    assert str(refused.value) == f"{text!r} is not a date as YYYY-MM-DD"


def test_a_long_non_date_is_quoted_to_40_characters() -> None:
    text = "2027-01-04 " + "x" * 60
    with pytest.raises(InputError) as refused:
        date_from_text(text)
    assert str(refused.value) == f"{text[:40]!r} is not a date as YYYY-MM-DD"


# --- Doses as people read them -------------------------------------------------------


def test_mg_per_kg_rounds_half_up_to_three_decimals() -> None:
    """0.125 mg/day for 10 kg is 0.0125 mg/kg/day, shown as 0.013 (the label rounds
    half up; banker's rounding would show 0.012)."""
    assert per_kg(125, Decimal(10)) == Decimal("0.013")
    assert per_kg(375, Decimal(10)) == Decimal("0.038")  # 0.0375
    assert per_kg(2000, Decimal(20)) == Decimal("0.1")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.0000005"), "0.0000005"),  # never 5E-7, however small
        (Decimal("1E+3"), "1000"),
        (Decimal("12.50"), "12.5"),
        (Decimal("0.050"), "0.05"),
    ],
)
def test_numbers_are_written_plainly(value: Decimal, text: str) -> None:
    assert format_decimal(value) == text


@pytest.mark.parametrize(("mcg", "text"), [(10_000, "10"), (20_000, "20"), (1500, "1.5")])
def test_milligrams_keep_plain_notation(mcg: int, text: str) -> None:
    """normalize() alone would make 10 mg Decimal('1E+1'), written so by str()."""
    assert str(mcg_to_mg(mcg)) == text


def test_the_smallest_and_the_largest_doses_are_written_plainly() -> None:
    assert format_mg(1) == "0.001 mg"
    assert format_mg(20_000) == "20 mg"
    assert format_mg(-250) == "-0.25 mg"


@pytest.mark.parametrize(
    ("part", "whole", "percent"),
    [(250, 2000, Fraction(25, 2)), (500, 2000, Fraction(25)), (125, 1500, Fraction(25, 3))],
)
def test_percent_of_is_exact(part: int, whole: int, percent: Fraction) -> None:
    """0.25 of 2 mg/day is 12.5%; 0.125 of 1.5 mg/day is 8 1/3%, not 8.33."""
    assert percent_of(part, whole) == percent
