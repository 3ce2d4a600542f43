"""Exact dose arithmetic in integer micrograms, and dose text as ISMP asks for it.

Every dose inside the planner is an ``int`` number of micrograms: 0.125 mg is 125,
a quarter of a 2 mg tablet is 500. Sums are therefore exact and comparisons never
suffer from binary rounding. Decimal milligrams appear only at the edges: when a
protocol file is read and when a dose is shown to a person.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

from planner.errors import DoseError

MICROGRAMS_PER_MG = 1000


@functools.lru_cache(maxsize=4096)
def mg_to_mcg(mg: Decimal | int | str) -> int:
    """Convert milligrams to whole micrograms, refusing anything finer or inexact.

    Remembered: protocol numbers are converted again and again while planning.
    """
    value = Decimal(mg) * MICROGRAMS_PER_MG
    if not value.is_finite() or value != value.to_integral_value():
        raise DoseError(f"dose {mg} mg is not a whole number of micrograms")
    return int(value)


def mcg_to_mg(mcg: int) -> Decimal:
    """Micrograms as an exact Decimal of milligrams, without trailing zeros (1000 -> 1)."""
    quantized = Decimal(mcg) / MICROGRAMS_PER_MG
    normalized = quantized.normalize()
    # normalize() turns 10 into 1E+1; keep plain notation for whole numbers.
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1))
    return normalized


def format_decimal(value: Decimal) -> str:
    """Any exact number as people read it: leading zero, no trailing zero (0.05, 1, 12.5)."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    return format(normalized, "f")


def format_mg_number(mcg: int) -> str:
    """The number part of a dose: leading zero, no trailing zero (ISMP): 0.5, 1, 0.125."""
    return format(mcg_to_mg(mcg), "f")


def format_mg(mcg: int) -> str:
    """A dose with its unit for people to read: '0.5 mg', '1 mg', '0.125 mg'."""
    return f"{format_mg_number(mcg)} mg"


def format_count(count: Fraction) -> str:
    """A count of tablets in plain numbers: 1, 2, 1/2, 1 1/2, 3/4."""
    whole, part = divmod(count.numerator, count.denominator)
    if part == 0:
        return str(whole)
    fraction = f"{part}/{count.denominator}"
    return fraction if whole == 0 else f"{whole} {fraction}"


def percent_of(part_mcg: int, whole_mcg: int) -> Fraction:
    """What percentage ``part`` is of ``whole``, exactly."""
    return Fraction(100 * part_mcg, whole_mcg)
