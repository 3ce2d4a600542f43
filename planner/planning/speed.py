"""How fast a taper's cuts are, beside the guideline's yardstick (ASAM 2025: 25% per 2
weeks, from the guideline file).

A graded pace never goes faster (the engine and the safety check see to it). A published
schedule (the label example, Nardi 2010, Deprescribing.org) and a clinician's own steps
run at their own speed; where a cut is faster than the guideline's pace the warnings say
so, and the safety report says it was exceeded by choice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from planner.core.units import format_mg, format_mg_number
from planner.domain.products import dose_maker
from planner.domain.schedule import DoseStep
from planner.errors import InputError
from planner.models import Guideline, Protocol, TaperPaceBound, TaperRequest


@dataclass(frozen=True)
class Cut:
    """One reduction: its date, the daily doses before and after, and the days held."""

    date: dt.date
    before_mcg: int
    after_mcg: int
    held_days: int
    product_step_mcg: int  # the smallest step the product makes

    @property
    def percent(self) -> Fraction:
        return Fraction(100 * (self.before_mcg - self.after_mcg), self.before_mcg)

    def faster_than(self, bound: TaperPaceBound) -> bool:
        """More than the guideline's pace, averaged over the days the dose was held
        (clinical rules 7: f <= 25% x n / 14)."""
        return not bound.allows(self.before_mcg, self.after_mcg, self.held_days)

    def large_at_once(self, bound: TaperPaceBound) -> bool:
        """Within the guideline's pace on average, yet more than its share in one cut where
        the product could make a smaller one: a long hold does not make 80% at once gentle."""
        return (
            not self.faster_than(bound)
            and self.percent > bound.max_percent
            and self.before_mcg - self.after_mcg > self.product_step_mcg
        )

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


def published_speed_warning(found: list[Cut], pace_title: str, bound: TaperPaceBound) -> list[str]:
    """One warning for a published pace with any cut faster than the guideline's pace."""
    fast = [cut for cut in found if cut.faster_than(bound)]
    if not fast:
        return []
    return [
        f"{len(fast)} of {len(found)} cuts are faster than ASAM 2025's {bound.describe()} "
        f"(the first on {fast[0].describe()}): {pace_title} runs at its published speed."
    ]


def custom_speed_warnings(found: list[Cut], bound: TaperPaceBound) -> list[str]:
    """Each of a clinician's steps that is faster than the guideline's pace, or a large cut
    at once after a long hold, with its date."""
    warnings = []
    for cut in found:
        if cut.faster_than(bound):
            warnings.append(f"Faster than ASAM 2025's {bound.describe()}: {cut.describe()}.")
        elif cut.large_at_once(bound):
            warnings.append(
                f"A large cut at once, within ASAM 2025's {bound.describe()} only on average "
                f"over a long hold (the product could make smaller cuts): {cut.describe()}."
            )
    return warnings


def reason_for_faster_cuts(
    protocol: Protocol, request: TaperRequest, fast: list[Cut], guideline: Guideline
) -> None:
    """Where the guideline or the protocol asks it (seizures: abrupt withdrawal may
    precipitate status epilepticus), a clinician's cut faster than the guideline's pace
    needs a written reason."""
    needed = guideline.reason_for_faster_cuts(
        protocol.condition, protocol.taper.faster_cuts_need_reason
    )
    if fast and needed and request.faster_reason is None:
        raise InputError(
            f"{len(fast)} of the custom steps cut faster than the guideline's "
            f"pace (the first on {fast[0].describe()}); for {protocol.condition} "
            f"({protocol.id}) give a written reason (label: tapering can precipitate status "
            "epilepticus)",
            field="faster_reason",
        )
