"""The guideline's pace, held on every taper whatever its pace (clinical rules 7).

ASAM 2025: no cut above 25% of the current dose per 2 weeks, averaged over the days the
dose was held (f <= 25% x n / 14); the dose before day 1 counts as held 14 days (a
course's maintenance or a switch's last exchange as long as it really was); the stop is
exempt. A cut beyond it passes only by a choice the sources allow, and the report line
says so, listing each such cut and who chose it: a published pace the protocol offers,
within the population its source studied, in a step the source itself makes; or the
clinician's own steps (with a written reason where the protocol asks for one). Anything
else is a failure: a graded pace never goes faster.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import NamedTuple

from planner.core.units import format_mg, format_mg_number
from planner.domain.schedule import DoseStep, Schedule
from planner.models import Pace, Product
from planner.safety.bounds import (
    guideline,
    minor,
    pace_of,
    paces_file,
    smallest_dose,
    source_stops,
)
from planner.safety.common import Check, Exceeded, Outcome, changes, recorded

GUIDELINE_PACE = "guideline_pace"

# A cut faster than the guideline: its step, the dose before it, the days that dose was
# held, and the product the dose before it was made of.
FastCut = tuple[DoseStep, int, int, Product]


class Chooser(NamedTuple):
    """Who chose the faster cuts (``allowed``), or why nobody could have (and, where one
    cut is to blame, its day)."""

    allowed: bool
    words: str
    day: int | None = None


@functools.cache
def guideline_pace_check() -> Check:
    bound = guideline().taper_pace
    description = (
        f"no cut faster than the guideline's {bound.describe()} (ASAM 2025), averaged over "
        "the days held; the stop exempt"
    )
    return (GUIDELINE_PACE, description, _within_guideline)


def _within_guideline(schedule: Schedule) -> Outcome:
    bound = guideline().taper_pace
    prior = schedule.prior_days if schedule.prior_days is not None else bound.per_days
    fast: list[FastCut] = []
    made_of = schedule.steps[0].product
    for step, before, held in changes(schedule, prior):
        if 0 < step.total_mcg < before and not bound.allows(before, step.total_mcg, held):
            fast.append((step, before, held, made_of))
        made_of = step.product
    if not fast:
        return None
    listed = "; ".join(_describe(cut) for cut in fast)
    day = fast[0][0].first_day
    planned = [cut for cut in fast if not recorded(schedule, cut[0])]
    chooser = _chosen_by(schedule, planned) if planned else Chooser(True, "")
    if len(planned) < len(fast):  # a dose the patient took is theirs, named as such
        dates = ", ".join(str(cut[0].start) for cut in fast if recorded(schedule, cut[0]))
        theirs = f"the patient, who took the lower dose before a visit (revision: {dates})"
        chooser = chooser._replace(words="; ".join(w for w in (theirs, chooser.words) if w))
    if not chooser.allowed:
        failing = chooser.day or day
        return failing, f"{len(fast)} faster than the guideline ({listed}): {chooser.words}"
    return Exceeded(day=day, detail=listed, chosen_by=chooser.words)


def _describe(cut: FastCut) -> str:
    step, before, held, _ = cut
    percent = Fraction(100 * (before - step.total_mcg), before)
    return (
        f"{step.start}: {format_mg_number(before)} to {format_mg(step.total_mcg)}/day, "
        f"{round(float(percent), 1):g}% after {held} days"
    )


def _chosen_by(schedule: Schedule, fast: list[FastCut]) -> Chooser:
    """Who chose the cuts faster than the guideline; or why nobody could have."""
    pace = pace_of(schedule)
    if pace is None:
        return Chooser(False, "the request names no pace of the paces file")
    protocol = schedule.protocol
    request = schedule.request
    if any(phase.sets_own_speed for phase in pace.phases):
        reason = getattr(request, "faster_reason", None)
        needed = guideline().reason_for_faster_cuts(
            protocol.condition, protocol.taper.faster_cuts_need_reason
        )
        if needed and not reason:
            return Chooser(
                False,
                f"the clinician's own steps, without the written reason {protocol.id} "
                f"needs for {protocol.condition} (label: tapering can precipitate status "
                "epilepticus)",
            )
        because = f"; reason: {reason}" if reason else ""
        return Chooser(True, f"the clinician's own steps{because}")
    if not pace.published:
        return Chooser(False, f"{pace.id} is a graded pace, held to the guideline's pace")
    return _published_choice(schedule, pace, fast)


def _published_choice(schedule: Schedule, pace: Pace, fast: list[FastCut]) -> Chooser:
    """A published pace chose the cuts if the protocol offers it, its source studied
    patients like this one, and every such cut is a step of the source's own."""
    protocol = schedule.protocol
    population = pace.population
    if pace.id not in protocol.paces:
        return Chooser(False, f"{pace.id} is not offered for {protocol.id}")
    minors_age = guideline().minors.under_age_years
    misfit = population.misfit(protocol.condition, protocol.population.admits_age_below(minors_age))
    if misfit:
        return Chooser(False, f"{pace.id} may not be offered for {protocol.id}: {misfit}")
    if population.adults_only and minor(schedule.request.patient):
        return Chooser(False, f"{pace.id} was studied in {population.studied}, not in minors")
    start = schedule.previous_mcg
    for step, before, _, made_of in fast:
        phase = pace.phase_at(before, start)
        if source_stops(pace, phase, before, start, smallest_dose(made_of)):
            return Chooser(
                False,
                f"on {step.start} {pace.id}'s source stops from {format_mg(before)}/day, so "
                f"the cut to {format_mg(step.total_mcg)}/day is the planner's, not the source's",
                step.first_day,
            )
    citation = next(
        (s.citation for s in paces_file().sources if s.id == population.source),
        population.source,
    )
    return Chooser(
        True,
        f"the published pace {pace.id}, offered for {protocol.id}, studied in "
        f"{population.studied} ({citation})",
    )
