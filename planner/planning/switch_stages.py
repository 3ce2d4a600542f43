"""The stages of a switch (clinical rules 7): which part of which dose each replaces,
and the clonazePAM that replaces it.

Each stage replaces part of one dose of the day, the latest first, with the clonazePAM
its equivalent by the named source, given at the protocol's time of day nearest to it;
no stage replaces more than a quarter of the day's starting equivalent, nor more than
Ashton's 10 mg of diazepam. ClonazePAM's day total is the exact equivalent of what has
been exchanged, rounded to the nearest dose the product makes (a tie to the lower), so
at every stage the day's equivalent stays within half a product step of the start. The
parts are found by a search that prefers the one keeping the equivalent nearest the start,
then the largest, and never strands a dose of the day with nothing in its place.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from planner.core.units import format_decimal, format_mg, mg_to_mcg
from planner.domain.products import DoseMaker, dose_maker
from planner.domain.schedule import Switch
from planner.errors import DoseError, PlannerError
from planner.models import DoseTime, EquivalenceTable, Protocol


@dataclass
class Stages:
    """The stages of a switch: during each, the old drug at its times and the clonazePAM
    at the protocol's; what each exchanged; and the notes that explain them."""

    old: list[dict[DoseTime, int]]  # the old drug during each stage
    clonazepam: list[dict[DoseTime, int]]  # clonazePAM during each stage
    exchanged: list[tuple[DoseTime, int, DoseTime, int]]  # old time, amount, new time, amount
    notes: list[str]

    @property
    def unreplaced(self) -> list[int]:
        """The stages (from 1) that lower the old drug with no clonazePAM added yet."""
        return [number for number, exchange in enumerate(self.exchanged, 1) if not exchange[3]]

    @classmethod
    def plan(
        cls,
        table: EquivalenceTable,
        switch: Switch,
        regimen: dict[DoseTime, int],
        maker: DoseMaker,
        protocol: Protocol,
    ) -> Stages:
        """Exchange the latest dose of the day first, part by part, each part the one that
        keeps the day's equivalent nearest the start, then the largest the stage's cap
        allows, while what is left can still be exchanged; each stage's
        clonazePAM is the rounded equivalent of all exchanged so far, less what is already
        given."""
        rules = table.switching
        cap = _stage_cap(table, switch, sum(regimen.values()))
        latest_first = sorted(regimen, key=lambda t: t.clock, reverse=True)
        targets = {time: _nearest(time, protocol.dose_times) for time in latest_first}
        old_maker = dose_maker(switch.product)
        planner = _Exchange(
            parts=_parts_of(old_maker, cap),
            ratio=switch.ratio,
            maker=maker,
            old_maker=old_maker,
            doses=tuple(regimen[time] for time in latest_first),
            targets=tuple(targets[time] for time in latest_first),
        )
        if not planner.parts:
            raise _oldtoo_coarse(switch, old_maker, cap, sum(regimen.values()))
        found = planner.search()
        if found is None:
            raise TooCoarse(exact_mg(cap))
        stages = cls(old=[], clonazepam=[], exchanged=[], notes=[])
        remaining = dict(regimen)
        given = dict.fromkeys(protocol.dose_times, 0)
        for index, part, added in found:
            time = latest_first[index]
            target = targets[time]
            remaining[time] -= part
            given[target] += added
            stages.old.append(dict(remaining))
            stages.clonazepam.append(dict(given))
            stages.exchanged.append((time, part, target, added))
        if sum(1 for amount in given.values() if amount) < protocol.titration.min_doses_per_day:
            raise DoseError(
                f"{protocol.id} gives clonazePAM in at least "
                f"{protocol.titration.min_doses_per_day} doses a day; this switch ends in "
                "fewer: give the old drug's doses at more times of day (from_doses)",
                field="from_mg_per_day",
            )
        stages.notes.append(
            f"Each stage replaces part of one dose of {switch.drug_name}, the latest of the "
            f"day first, at most {exact_mg(cap)} mg ({rules.stage_share_at_most}% of the day's "
            f"equivalent, or Ashton's {format_decimal(rules.stage_mg_diazepam)} mg of "
            "diazepam); the clonazePAM that replaces it is given at the protocol's nearest "
            "time of day. ClonazePAM's day total is the exact equivalent of what has been "
            "exchanged, rounded to the nearest dose the product makes; a dose exactly "
            "halfway is rounded to the lower."
        )
        return stages


def _stage_cap(table: EquivalenceTable, switch: Switch, total: int) -> Fraction:
    """The most of the old drug (mcg) one stage may exchange: a share of the day's
    starting dose, and no more than Ashton's diazepam-equivalent."""
    rules = table.switching
    ashton = table.drugs[switch.drug_id].mg_per_10_mg_diazepam["ashton-2002"]
    by_ashton = Fraction(mg_to_mcg(ashton) * mg_to_mcg(rules.stage_mg_diazepam), 10_000)
    return min(total * Fraction(rules.stage_share_at_most) / 100, by_ashton)


def _parts_of(old_maker: DoseMaker, cap: Fraction) -> tuple[int, ...]:
    """The parts of a dose a stage may exchange, largest first: whole steps of the old
    drug's product, none above the cap."""
    step = old_maker.resolution_mcg
    return tuple(range(math.floor(cap) // step * step, 0, -step))


@dataclass(frozen=True)
class _Exchange:
    """The search for a switch's stages: ``doses`` are the old drug's doses, latest first,
    and ``targets`` the protocol's time of day each moves to."""

    parts: tuple[int, ...]
    ratio: Fraction
    maker: DoseMaker
    old_maker: DoseMaker
    doses: tuple[int, ...]
    targets: tuple[DoseTime, ...]

    def search(self) -> list[tuple[int, int, int]] | None:
        """(dose, part, clonazePAM added) for each stage such that the rest can be
        exchanged too: of the parts that can, one that adds clonazePAM (the one that
        leaves the day's equivalent nearest the start, then the largest), else the largest;
        None if no sequence can."""
        dead_ends: set[tuple[int, int]] = set()

        def after(index: int, left: int) -> list[tuple[int, int, int]] | None:
            if left == 0:
                index += 1
                if index == len(self.doses):
                    return []
                left = self.doses[index]
            if (index, left) in dead_ends:
                return None
            exchanged = sum(self.doses[:index]) + self.doses[index] - left

            def preference(part: int) -> tuple[bool, Fraction, int]:
                """A part that adds clonazePAM, nearest the start, largest; else largest."""
                adds = self._rounded(exchanged + part) > self._rounded(exchanged)
                return not adds, self._off_by(exchanged + part) if adds else Fraction(0), -part

            for part in sorted((part for part in self.parts if part <= left), key=preference):
                keep = left - part
                if not self.old_maker.can_make(keep):
                    continue
                if not keep and not self._replaced(index, exchanged + part):
                    continue  # a dose of the day would go with nothing in its place
                added = self._rounded(exchanged + part) - self._rounded(exchanged)
                there = self._given_at(index, exchanged)
                if not self.maker.can_make(there + added):
                    continue
                rest = after(index, keep)
                if rest is not None:
                    return [(index, part, added), *rest]
            dead_ends.add((index, left))
            return None

        return after(0, self.doses[0]) if self.doses else []

    def _replaced(self, index: int, exchanged: int) -> bool:
        """Whether dose ``index``, exchanged whole, has had some clonazePAM for it."""
        return self._rounded(exchanged) > self._rounded(exchanged - self.doses[index])

    def _off_by(self, exchanged: int) -> Fraction:
        """How far the day's equivalent is from the start once ``exchanged`` is."""
        return abs(self._rounded(exchanged) - exchanged * self.ratio)

    def _rounded(self, old_mcg: int) -> int:
        return rounded(old_mcg, self.ratio, self.maker)

    def _given_at(self, index: int, exchanged: int) -> int:
        """The clonazePAM already given at dose ``index``'s new time of day."""
        given = 0
        before = 0
        for other in range(index + 1):
            start = before
            before += self.doses[other]
            if self.targets[other] == self.targets[index]:
                given += self._rounded(min(before, exchanged)) - self._rounded(start)
        return given


def stages_or_none(
    table: EquivalenceTable,
    switch: Switch,
    regimen: dict[DoseTime, int],
    maker: DoseMaker,
    protocol: Protocol,
) -> Stages | None:
    """The stages with another product, or None where it cannot make them."""
    try:
        return Stages.plan(table, switch, regimen, maker, protocol)
    except (TooCoarse, PlannerError):
        return None


def _nearest(time: DoseTime, times: tuple[DoseTime, ...]) -> DoseTime:
    """The protocol's time of day nearest ``time`` by the clock; the later one of two as
    near (a dose replaced by one taken earlier would leave the evening without)."""

    def minutes(clock: dt.time) -> int:
        return clock.hour * 60 + clock.minute

    wanted = minutes(time.clock)
    return min(times, key=lambda t: (abs(minutes(t.clock) - wanted), -minutes(t.clock)))


def rounded(old_mcg: int, ratio: Fraction, maker: DoseMaker) -> int:
    """The clonazePAM equivalent of ``old_mcg`` of the old drug, to the nearest daily
    dose the product makes; exactly halfway, the lower."""
    step = maker.resolution_mcg
    return math.ceil(old_mcg * ratio / step - Fraction(1, 2)) * step


class TooCoarse(Exception):
    """No stages small enough: the product cannot add what one stage may exchange."""

    def __init__(self, cap_mg: str) -> None:
        self.cap_mg = cap_mg


def too_coarse(
    switch: Switch, maker: DoseMaker, cap_mg: str, products_that_can: list[str]
) -> DoseError:
    """Why no stage can be made small enough, and which products could."""
    would = (
        f"choose a product that can: {', '.join(products_that_can)}"
        if products_that_can
        else "no clonazePAM product of the products file can: give the old drug's doses "
        "(from_doses) or a larger from_mg_per_day"
    )
    return DoseError(
        f"a stage may exchange at most {cap_mg} mg of {switch.drug_name} "
        f"({exact_mg(Fraction(mg_to_mcg(cap_mg)) * switch.ratio)} mg of clonazePAM by "
        f"{switch.source}); {maker.product.name} goes in steps of "
        f"{format_mg(maker.resolution_mcg)}, too coarse to replace each dose of the day in "
        f"stages that small; {would}",
        field="from_mg_per_day",
    )


def _oldtoo_coarse(switch: Switch, old_maker: DoseMaker, cap: Fraction, total: int) -> DoseError:
    """No part of a dose small enough: the old drug's product changes by more."""
    return DoseError(
        f"a stage may replace at most {exact_mg(cap)} mg of {switch.drug_name} "
        f"(a quarter of {format_mg(total)}/day, or Ashton's 10 mg of diazepam), but "
        f"{switch.product.name} changes by {format_mg(old_maker.resolution_mcg)} at the "
        f"least: a strength or form of {switch.drug_name} that gives {exact_mg(cap)} mg or less "
        "would (the equivalences file lists none); plan this switch with the prescriber",
        field="from_mg_per_day",
    )


def exact_mg(mcg: Fraction) -> str:
    """An exact amount in mg as people read it, to the microgram."""
    rounded_mcg = Decimal(math.floor(mcg + Fraction(1, 2))) / 1000
    return format_decimal(rounded_mcg)
