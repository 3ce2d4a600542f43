"""The next dose of a pace: the step a taper takes from a dose, and how long it holds it."""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction

from planner.domain.products import DoseMaker
from planner.models import PhaseRule, ProportionalPhase


@functools.lru_cache(maxsize=1 << 16)
def next_dose(
    phase: PhaseRule, dose: int, start: int, maker: DoseMaker, scale: Fraction, lowest_mcg: int
) -> tuple[int, int, int]:
    """The next, lower daily dose; how long ``dose`` is held before it at the pace's rate;
    and the fewest days the pace's limit allows.

    Aim at the pace's ideal dose and take the nearest dose the product makes, where one
    step stays within the limit for one window; where even the product's smallest step
    is larger, take that one step. Any step larger than the pace's own is held longer in
    proportion, so the pace's rate is kept. After a step back, ``scale`` lengthens every
    hold and never enlarges a step. A partial taper never goes below ``lowest_mcg``.
    Remembered: a clinic's patients share their steps.
    """
    limit = phase.limit(start)
    rate = phase.rate(start)
    resolution = maker.resolution_mcg
    ideal = phase.ideal_next(dose, start)
    floor = max(phase.end_mcg(start), Fraction(maker.smallest_dose_mcg), Fraction(lowest_mcg))
    lowest_allowed = max(dose - limit.max_drop(dose, limit.per_days), floor)
    lowest = math.ceil(lowest_allowed / resolution) * resolution
    highest = (dose - 1) // resolution * resolution  # the next dose below, on this product
    if lowest > highest:
        reduced = highest
    else:
        nearest = math.floor(max(ideal, floor) / resolution + Fraction(1, 2)) * resolution
        reduced = min(max(nearest, lowest), highest)
    reduced = max(reduced, lowest_mcg)  # a partial taper's floor, even between product steps
    needed = max(phase.interval_days, limit.days_for(dose, reduced))
    held = max(needed, rate.days_for(dose, reduced))
    return reduced, scaled(held, scale), scaled(needed, scale)


def scaled(days: int, scale: Fraction) -> int:
    """Days lengthened by a step back's factor, rounded up (most tapers have none)."""
    return days if scale == 1 else math.ceil(days * scale)


@functools.lru_cache(maxsize=16)
def guideline_phase(max_percent: Decimal, per_days: int) -> ProportionalPhase:
    """The guideline's pace as a phase, validated once (every taper may go on at it)."""
    return ProportionalPhase(kind="proportional", step_percent=max_percent, interval_days=per_days)
