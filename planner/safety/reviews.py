"""Reviews with the prescriber at least every 3 months for as long as the patient takes
the drug (ASAM 2025; the guideline file): in a titration's maintenance, in a long taper,
in a partial taper's hold, through a switch. Day 1 is a visit (the plan is made at one);
each review is due within 3 calendar months of the one before."""

from __future__ import annotations

import datetime as dt

from planner.core.dates import add_months
from planner.domain.schedule import Schedule
from planner.safety.bounds import guideline
from planner.safety.common import Check, Failure


def _reviewed(schedule: Schedule) -> Failure:
    every = guideline().reviews.every_months
    due = add_months(schedule.start, every)
    for step in schedule.steps:
        if step.review:
            if step.start > due:
                return step.first_day, f"the review due by {due} comes on {step.start}"
            due = add_months(step.start, every)
        taken = step.total_mcg or step.other_mcg
        if taken and step.start.toordinal() + step.days - 1 >= due.toordinal():  # its end
            return step.first_day + (due - step.start).days, f"no review by {due}"
    last = schedule.steps[-1]
    if (last.total_mcg or last.other_mcg) and not _stated(schedule.next_review, due):
        return last.first_day, f"the schedule goes on past its end without the review due by {due}"
    return None


def _stated(next_review: dt.date | None, due: dt.date) -> bool:
    return next_review is not None and next_review <= due


REVIEWS: Check = (
    "reviewed",
    "reviewed with the prescriber at least every 3 months while the drug is taken (ASAM 2025)",
    _reviewed,
)
