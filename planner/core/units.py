"""Exact dose arithmetic in integer micrograms, and dose text as ISMP asks for it.

Every dose inside the planner is an ``int`` number of micrograms: 0.125 mg is 125,
a quarter of a 2 mg tablet is 500. Sums are therefore exact and comparisons never
suffer from binary rounding. Decimal milligrams appear only at the edges: when a
protocol file is read and when a dose is shown to a person.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from planner.core.limits import MAX_NUMBER_CHARS
from planner.errors import DoseError, InputError

MICROGRAMS_PER_MG = 1000
# A number as people type it: 2, 0.125, .5, -1, 1e3 (a short exponent; no separators).
# ASCII digits only: Python's \d also matches Arabic-Indic and full-width digits, and
# Decimal() reads them, so a Bengali four, which looks like 8, would be taken as 4.
PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?$", re.ASCII)
# Whole numbers (days, years) above this are refused before they are made into integers.
MAX_WHOLE_NUMBER = 10**9


def number_from_text(text: str) -> Decimal:
    """An exact Decimal from typed text, refused before any work if it is not a plain,
    short number ('1e999999999' would otherwise cost minutes to turn into an integer)."""
    cleaned = text.strip()
    if len(cleaned) > MAX_NUMBER_CHARS:
        raise InputError(f"{cleaned[:12]!r}...: a number is at most {MAX_NUMBER_CHARS} characters")
    if not PLAIN_NUMBER.match(cleaned):
        if any(char.isdigit() and not char.isascii() for char in cleaned):
            raise InputError(f"{cleaned!r}: write numbers with the digits 0 to 9")
        raise InputError(f"{cleaned!r} is not a number")
    return Decimal(cleaned)


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def date_from_text(text: str) -> dt.date:
    """A calendar date typed as YYYY-MM-DD, and only so (not 20270104 or 2027-W01-1)."""
    cleaned = text.strip()
    try:
        if ISO_DATE.match(cleaned):
            return dt.date.fromisoformat(cleaned)
    except ValueError:
        pass
    raise InputError(f"{cleaned[:40]!r} is not a date as YYYY-MM-DD")


def whole_from_text(text: str) -> int:
    """A whole number from typed text; '31.0' (as a spreadsheet may write 31) is accepted."""
    try:
        value = number_from_text(text)
    except InputError as error:
        raise InputError(str(error).replace("is not a number", "is not a whole number")) from None
    if value != value.to_integral_value():
        raise InputError(f"{text.strip()!r} is not a whole number")
    if abs(value) > MAX_WHOLE_NUMBER:
        raise InputError(f"{text.strip()!r} is not a whole number up to {MAX_WHOLE_NUMBER:,}")
    return int(value)


@functools.lru_cache(maxsize=4096)
def mg_to_mcg(mg: Decimal | int | str) -> int:
    """Convert milligrams to whole micrograms, refusing anything finer or inexact.

    Remembered: protocol numbers are converted again and again while planning.
    """
    value = Decimal(mg)
    # Bounded first, then exact: Decimal arithmetic rounds to 28 digits, Fraction never does.
    if not value.is_finite() or value.adjusted() > 9:
        raise DoseError(f"dose {mg} mg is not a dose")
    micrograms = Fraction(value) * MICROGRAMS_PER_MG
    if micrograms.denominator != 1:
        raise DoseError(f"dose {mg} mg is not a whole number of micrograms")
    return int(micrograms)


@functools.lru_cache(maxsize=1 << 14)
def mcg_to_mg(mcg: int) -> Decimal:
    """Micrograms as an exact Decimal of milligrams, without trailing zeros (1000 -> 1).

    Remembered: a few hundred doses recur in every table."""
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


def per_kg(mcg: int, weight_kg: Decimal) -> Decimal:
    """A daily dose per kg of body weight, in mg/kg/day to three decimals (0.025)."""
    exact = Decimal(mcg) / MICROGRAMS_PER_MG / weight_kg
    return exact.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP).normalize()


def format_per_kg(mcg: int, weight_kg: Decimal) -> str:
    """mg/kg/day as the label writes it: 0.025, 0.1 (no trailing zero)."""
    return format_decimal(per_kg(mcg, weight_kg))


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
