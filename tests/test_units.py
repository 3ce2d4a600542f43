from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from planner.core.units import format_count, format_mg, mg_to_mcg
from planner.errors import DoseError


@pytest.mark.parametrize(
    ("mg", "mcg"),
    [(Decimal("0.125"), 125), (Decimal("0.5"), 500), (1, 1000), ("20", 20000), ("0.1", 100)],
)
def test_mg_to_mcg_is_exact(mg: Decimal | int | str, mcg: int) -> None:
    assert mg_to_mcg(mg) == mcg


def test_eight_eighths_add_up_exactly() -> None:
    assert sum([mg_to_mcg("0.125")] * 8) == mg_to_mcg(1)


@pytest.mark.parametrize("mg", ["0.0001", "0.1234", "NaN"])
def test_finer_than_a_microgram_is_refused(mg: str) -> None:
    with pytest.raises(DoseError):
        mg_to_mcg(mg)


@pytest.mark.parametrize(
    ("mcg", "text"),
    [
        (500, "0.5 mg"),
        (1000, "1 mg"),
        (125, "0.125 mg"),
        (10000, "10 mg"),
        (1500, "1.5 mg"),
        (0, "0 mg"),
    ],
)
def test_ismp_dose_text_has_leading_and_no_trailing_zero(mcg: int, text: str) -> None:
    assert format_mg(mcg) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (Fraction(1), "1"),
        (Fraction(1, 2), "1/2"),
        (Fraction(3, 2), "1 1/2"),
        (Fraction(3, 4), "3/4"),
    ],
)
def test_counts_read_as_plain_fractions(count: Fraction, text: str) -> None:
    assert format_count(count) == text


def test_errors_carry_their_field() -> None:
    """A front end points at its own option or form field from ``field``; a file's field
    is the file's, named after it."""
    from planner.errors import PlannerError

    given = PlannerError("must be at least 1", field="edits[0].days")
    assert (given.field, given.reason, str(given)) == (
        "edits[0].days",
        "must be at least 1",
        "edits[0].days: must be at least 1",
    )
    in_file = PlannerError("must be at least 1", field="taper.hold_days", source="p.toml")
    assert (in_file.field, in_file.source, str(in_file)) == (
        "taper.hold_days",
        "p.toml",
        "p.toml::taper.hold_days: must be at least 1",
    )
    assert PlannerError("patient.weight_kg: give it").field is None  # text is never read
