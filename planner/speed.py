"""How fast a taper's cuts are, beside ASAM 2025's yardstick of 25% per 2 weeks.

A graded pace never goes faster (the engine and the safety check see to it). A published
schedule (the label example, Nardi 2010, Deprescribing.org) and a clinician's own steps
run at their own speed; where a cut is faster than 25% per 2 weeks the warnings say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from planner.models import ASAM_LIMIT_DAYS, ASAM_LIMIT_PERCENT
from planner.products import dose_maker
from planner.schedule import DoseStep
from planner.units import format_mg, format_mg_number


@dataclass(frozen=True)
class Cut:
    """One reduction: its date, the daily doses before and after, and the days held."""

    date: dt.date
    before_mcg: int
    after_mcg: int
    held_days: int
    product_step_mcg: int  # the smallest step the product makes: never "too big" itself

    @property
    def percent(self) -> Fraction:
        return Fraction(100 * (self.before_mcg - self.after_mcg), self.before_mcg)

    @property
    def faster_than_asam(self) -> bool:
        """More than 25% per 14 days, averaged over the days the dose was held; or more
        than 25% at once where the product could make a smaller cut (a long hold does
        not make a cut of 80% gentle)."""
        averaged = self.percent * ASAM_LIMIT_DAYS > ASAM_LIMIT_PERCENT * self.held_days
        at_once = self.percent > ASAM_LIMIT_PERCENT
        return averaged or (at_once and self.before_mcg - self.after_mcg > self.product_step_mcg)

    def describe(self) -> str:
        return (
            f"{self.date}: {format_mg_number(self.before_mcg)} to "
            f"{format_mg(self.after_mcg)}/day, {round(float(self.percent), 1):g}% after "
            f"{self.held_days} days"
        )


def cuts(steps: tuple[DoseStep, ...], previous_mcg: int, prior_days: int) -> list[Cut]:
    """Every reduction short of the stop; the dose before day 1 counts as held
    ``prior_days`` (one interval of the pace)."""
    found = []
    before, held = previous_mcg, prior_days
    for step in steps:
        if step.total_mcg == before:
            held += step.days
            continue
        if 0 < step.total_mcg < before:
            resolution = dose_maker(step.product).resolution_mcg
            found.append(Cut(step.start, before, step.total_mcg, held, resolution))
        before, held = step.total_mcg, step.days
    return found


def published_speed_warning(found: list[Cut], pace_title: str) -> list[str]:
    """One warning for a published pace with any cut faster than ASAM's yardstick."""
    fast = [cut for cut in found if cut.faster_than_asam]
    if not fast:
        return []
    return [
        f"{len(fast)} of {len(found)} cuts are faster than ASAM 2025's 25% per 2 weeks "
        f"(the first on {fast[0].describe()}): {pace_title} runs at its published speed."
    ]


def custom_speed_warnings(found: list[Cut]) -> list[str]:
    """Each of a clinician's steps that is faster than 25% per 2 weeks, with its date."""
    return [
        f"Faster than ASAM 2025's 25% per 2 weeks: {cut.describe()}."
        for cut in found
        if cut.faster_than_asam
    ]
