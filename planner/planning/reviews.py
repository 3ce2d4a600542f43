"""Reviews with the prescriber at least every 3 months (ASAM 2025), for as long as the
patient takes the drug: each due date starts a step of its own, so every output shows it."""

from __future__ import annotations

from dataclasses import replace

from planner.core.dates import add_months
from planner.core.units import format_mg
from planner.domain.schedule import DoseStep, Schedule
from planner.models import Guideline


def with_reviews(schedule: Schedule, guideline: Guideline) -> Schedule:
    """A review with the prescriber at least every 3 months (ASAM 2025) for as long as the
    patient takes the drug: each due date (every 3 months from day 1, then from the last
    review) that falls on a day with a dose starts a step of its own, so the review shows
    on every output as a dated line. Where the schedule ends on a dose the patient goes
    on taking, the review due after it is kept as ``next_review``."""
    every = guideline.reviews.every_months
    due = add_months(schedule.start, every)
    steps: list[DoseStep] = []
    for step in schedule.steps:
        part = step
        # Due on or before the part's last day (in day ordinals: a batch asks millions).
        while (part.total_mcg or part.other_mcg) and (
            due.toordinal() <= part.start.toordinal() + part.days - 1
        ):
            if due > part.start:
                head = part.replaced(days=(due - part.start).days)
                steps.append(head)
                part = part.replaced(
                    start=due,
                    first_day=part.first_day + head.days,
                    days=part.days - head.days,
                    note="",
                    edit="",
                )
            part = part.replaced(review=True, note=_with_review(part.note, part.total_mcg))
            due = add_months(due, every)
        steps.append(part)
    last = steps[-1]
    going_on = bool(last.total_mcg or last.other_mcg)
    return replace(schedule, steps=tuple(steps), next_review=due if going_on else None)


def _with_review(note: str, total: int) -> str:
    review = (
        f"Review with the prescriber at {format_mg(total)}/day: risks and benefits, and the "
        "plan from here (at least every 3 months, ASAM 2025)."
    )
    return f"{note} {review}" if note else review
