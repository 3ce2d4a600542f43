"""Which units of a product make a dose, and how a daily total is divided over the day.

A product offers *pieces*: whole units of each strength, and halves or quarters where
the strength may be split. A dose is made of the fewest pieces (then the fewest split
pieces), so a patient counts and cuts as little as possible. All amounts are integer
micrograms.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

from planner.core.i18n import ENGLISH, Language
from planner.core.memo import remembered_by_identity
from planner.core.units import format_count, format_mg
from planner.errors import DoseError
from planner.models import Product


@dataclass(frozen=True, order=True)
class Piece:
    """One thing a patient takes: a whole unit or a part of one of ``strength_mcg``."""

    mcg: int
    strength_mcg: int
    parts: int  # 1 for a whole unit, 2 for a half, 4 for a quarter


@dataclass(frozen=True)
class UnitCount:
    """How many units of one strength make (part of) a dose: 3/2 is one and a half."""

    strength_mcg: int
    count: Fraction

    @property
    def mcg(self) -> int:
        """The micrograms these units hold; exact only when the count divides the strength."""
        whole, rest = divmod(self.count.numerator * self.strength_mcg, self.count.denominator)
        assert rest == 0, f"{self.count} of {self.strength_mcg} mcg is not whole micrograms"
        return whole


class DoseMaker:
    """The doses a product can give, with the fewest pieces for each."""

    def __init__(self, product: Product) -> None:
        self.product = product
        self.pieces = tuple(
            sorted(
                (
                    Piece(s.mcg // parts, s.mcg, parts)
                    for s in product.strengths
                    for parts in (1, 2, 4)
                    if s.split % parts == 0
                ),
                reverse=True,
            )
        )
        self.strengths_mcg = frozenset(s.mcg for s in product.strengths)
        self.resolution_mcg = math.gcd(*(p.mcg for p in self.pieces))
        self.smallest_dose_mcg = min(p.mcg for p in self.pieces)
        # best[q]: (pieces, split pieces, last piece) for q * resolution micrograms.
        self._best: list[tuple[int, int, Piece | None]] = [(0, 0, None)]
        self._made: dict[int, tuple[UnitCount, ...]] = {}
        self._splits: dict[tuple[int, int], tuple[int, ...]] = {}

    def can_make(self, amount_mcg: int) -> bool:
        """Whether this exact amount can be given at one time of day."""
        if amount_mcg < 0 or amount_mcg % self.resolution_mcg:
            return False
        return self._solve(amount_mcg // self.resolution_mcg)[2] is not None or amount_mcg == 0

    def can_make_daily(self, total_mcg: int) -> bool:
        """Whether a daily total can be divided into doses this product makes."""
        return total_mcg >= 0 and total_mcg % self.resolution_mcg == 0

    def make(self, amount_mcg: int) -> tuple[UnitCount, ...]:
        """The fewest pieces that make ``amount_mcg``, grouped by strength, largest first."""
        made = self._made.get(amount_mcg)
        if made is None:
            made = self._made[amount_mcg] = self._make(amount_mcg)
        return made

    def _make(self, amount_mcg: int) -> tuple[UnitCount, ...]:
        if not self.can_make(amount_mcg):
            raise DoseError(
                f"{format_mg(amount_mcg)} cannot be made exactly with {self.product.name}"
            )
        counts: dict[int, Fraction] = {}
        quanta = amount_mcg // self.resolution_mcg
        while quanta:
            piece = self._solve(quanta)[2]
            assert piece is not None
            counts[piece.strength_mcg] = counts.get(piece.strength_mcg, Fraction(0)) + Fraction(
                1, piece.parts
            )
            quanta -= piece.mcg // self.resolution_mcg
        return tuple(UnitCount(mcg, counts[mcg]) for mcg in sorted(counts, reverse=True))

    def round_down(self, amount_mcg: int) -> int:
        """The largest daily total at or below ``amount_mcg`` that the product can give."""
        return amount_mcg - amount_mcg % self.resolution_mcg

    def _solve(self, quanta: int) -> tuple[int, int, Piece | None]:
        best = self._best
        while len(best) <= quanta:
            target = len(best)
            options = [
                (best[target - step][0] + 1, best[target - step][1] + (piece.parts > 1), piece)
                for piece in self.pieces
                if (step := piece.mcg // self.resolution_mcg) <= target
                and (target - step == 0 or best[target - step][2] is not None)
            ]
            # Fewest pieces, then fewest split pieces, then the largest piece first.
            best.append(
                min(options, key=lambda o: (o[0], o[1], -o[2].mcg)) if options else (0, 0, None)
            )
        return best[quanta]

    def split_daily(self, total_mcg: int, times: int) -> tuple[int, ...]:
        """See ``_split_daily``; remembered, as schedules repeat the same totals."""
        split = self._splits.get((total_mcg, times))
        if split is None:
            split = self._splits[total_mcg, times] = self._split_daily(total_mcg, times)
        return split

    def _split_daily(self, total_mcg: int, times: int) -> tuple[int, ...]:
        """Divide a daily total over ``times`` doses: equal where possible, the rest last.

        The last time of day (bedtime) takes any remainder, so the largest dose is at
        bedtime. When the total is too small to give at every time without going below the
        smallest piece, times are dropped from the middle of the day first, and the last
        time of day is always kept.
        """
        if total_mcg == 0:
            return (0,) * times
        if total_mcg % self.resolution_mcg:
            raise DoseError(
                f"{format_mg(total_mcg)}/day cannot be made exactly with {self.product.name}"
            )
        quanta = total_mcg // self.resolution_mcg
        kept = min(times, quanta)
        base, extra = divmod(quanta, kept)
        amounts = [0] * times
        for rank, index in enumerate(sorted(_kept_times(times, kept))):
            amounts[index] = (base + (rank >= kept - extra)) * self.resolution_mcg
        for amount in amounts:
            if amount and not self.can_make(amount):
                raise DoseError(
                    f"{format_mg(amount)} cannot be made exactly with {self.product.name}"
                )
        return tuple(amounts)


def _kept_times(times: int, kept: int) -> set[int]:
    """Which of ``times`` dose times keep a dose when only ``kept`` can: spread, last kept."""
    if kept == 1:
        return {times - 1}
    span = times - 1
    return {span - (j * span + (kept - 1) // 2) // (kept - 1) for j in range(kept)}


@remembered_by_identity(1 << 10)
def dose_maker(product: Product) -> DoseMaker:
    """One shared maker per product, so its table of fewest pieces is built once (found
    by the product object first: hashing a product walks all its fields)."""
    return _dose_maker(product)


@functools.cache
def _dose_maker(product: Product) -> DoseMaker:
    return DoseMaker(product)


@functools.lru_cache(maxsize=1 << 14)
def describe_units(units: tuple[UnitCount, ...], product: Product) -> str:
    """Units as a pharmacy line: '1 x 1 mg tablet + 1/2 x 0.5 mg tablet'; '' for none."""
    return " + ".join(
        f"{format_count(unit.count)} x {format_mg(unit.strength_mcg)} "
        f"{product.unit if unit.count <= 1 else product.unit_plural}"
        for unit in units
    )


def describe_units_in_words(
    units: tuple[UnitCount, ...],
    product: Product,
    *,
    brief: bool = False,
    lang: Language = ENGLISH,
) -> str:
    """Units as a patient reads them, in ``lang``.

    Tablets: '1 1/2 tablets of 0.5 mg', 'half a 0.5 mg tablet', joined with 'and'; with
    ``brief`` (a calendar cell) '1 1/2 tablets 0.5 mg', joined with '+', in a language's
    short calendar words where its catalogue has them ('1 1/2 comp. 0,5 mg'). A product
    with one whole-unit strength (drops) counts units and gives the dose: '3 drops (0.3 mg)'.
    """
    _ = (lambda text: short(lang, text)) if brief else lang.gettext
    if len(product.strengths) == 1 and product.strengths[0].split == 1:
        count = sum((unit.count for unit in units), Fraction(0))
        noun = _(product.unit if count == 1 else product.unit_plural)
        return f"{format_count(count)} {noun} ({lang.mg(sum(unit.mcg for unit in units))})"
    parts = []
    for unit in units:
        strength = lang.mg(unit.strength_mcg)
        if unit.count == Fraction(1, 2):
            parts.append(
                _("half a {strength} {unit}").format(strength=strength, unit=_(product.unit))
            )
        elif unit.count == Fraction(1, 4):
            parts.append(
                _("a quarter of a {strength} {unit}").format(
                    strength=strength, unit=_(product.unit)
                )
            )
        else:
            noun = _(product.unit if unit.count <= 1 else product.unit_plural)
            template = (
                _("{count} {unit} {strength}") if brief else _("{count} {unit} of {strength}")
            )
            parts.append(
                template.format(count=format_count(unit.count), unit=noun, strength=strength)
            )
    return (" + " if brief else _(" and ")).join(parts)


SHORT = " (calendar)"  # a msgid's suffix for its short calendar form, where one is written


def short(lang: Language, text: str) -> str:
    """``text`` in ``lang``'s short calendar words ('comp.' for 'comprimidos'), where its
    catalogue writes them (as the msgid with `` (calendar)``); else its usual words."""
    key = f"{text}{SHORT}"
    found = lang.gettext(key)
    return lang.gettext(text) if found == key else found
