"""The whole course of care as one schedule: titration, maintenance, then the taper.

The titration and the taper are planned by their own engines, the taper starting the day
after the maintenance ends from the dose the titration reached; the course joins their
steps into one day-by-day schedule, so there is one safety report, one calendar, one
plot and one dispensing table for the whole course.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from planner.core.units import format_mg, mcg_to_mg, mg_to_mcg
from planner.domain.protocols import Library
from planner.domain.schedule import Schedule
from planner.errors import InputError
from planner.models import CourseRequest, Protocol, TaperRequest, TitrationRequest
from planner.planning.engine import build_titration
from planner.planning.tapering import build_taper


def build_course(protocol: Protocol, request: CourseRequest, *, library: Library) -> Schedule:
    """Titrate to the target, keep it ``maintain_days``, then taper at the pace."""
    rising = build_titration(protocol, titration_part(request), library=library)
    target = rising.steps[-1].total_mcg
    if request.to_mg_per_day and mg_to_mcg(request.to_mg_per_day) >= target:
        raise InputError(
            f"{format_mg(mg_to_mcg(request.to_mg_per_day))}/day is not below "
            f"the target of {format_mg(target)}/day",
            field="to_mg_per_day",
        )
    taper = taper_part(request, start=rising.end + dt.timedelta(days=1), target_mcg=target)
    falling = build_taper(protocol, taper, library=library, held_before_days=request.maintain_days)
    first_cut = falling.pace.phase_at(target, target).interval_days if falling.pace else 0
    if request.maintain_days < first_cut:
        raise InputError(
            f"{request.maintain_days} days is shorter than the pace's interval "
            f"of {first_cut} days at the target: keep the target at least that long",
            field="maintain_days",
        )
    return replace(rising.followed_by(falling), kind="course", request=request)


def titration_part(request: CourseRequest) -> TitrationRequest:
    """The course's titration: its target held for the maintenance."""
    return TitrationRequest(
        start=request.start,
        from_mg_per_day=request.from_mg_per_day,
        patient=request.patient,
        product=request.product,
        strengths_mg=request.strengths_mg,
        target_mg_per_day=request.target_mg_per_day,
        step_mg_per_day=request.step_mg_per_day,
        interval_days=request.interval_days,
        hold_days=request.maintain_days,
        older_adult=request.older_adult,
        off_label_reason=request.off_label_reason,
    )


def taper_part(request: CourseRequest, *, start: dt.date, target_mcg: int) -> TaperRequest:
    """The course's taper, from the target reached, the day after the maintenance."""
    return TaperRequest(
        start=start,
        from_mg_per_day=mcg_to_mg(target_mcg),
        to_mg_per_day=request.to_mg_per_day,
        hold_days=request.taper_hold_days,
        patient=request.patient,
        product=request.product,
        strengths_mg=request.strengths_mg,
        pace=request.pace,
        ec50_mg_per_day=request.ec50_mg_per_day,
        off_label_reason=request.off_label_reason,
    )
