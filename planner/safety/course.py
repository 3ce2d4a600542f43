"""What a whole course adds to its titration's and its taper's checks: the target is
kept at least one interval of the pace before the first cut, as a taper assumes of the
dose it starts from."""

from __future__ import annotations

from planner.domain.schedule import Schedule
from planner.safety.bounds import pace_of
from planner.safety.common import Check, Failure, days_held_last

MAINTAINED = "maintained_before_taper"
MAINTAINED_TEXT = "the target is kept at least one interval of the pace before the first cut"


def maintained_check(course: Schedule, first_cut: int) -> Check:
    """The run of the target before ``steps[first_cut]`` lasts the pace's interval."""

    def kept(course: Schedule) -> Failure:
        target = course.steps[first_cut - 1].total_mcg
        pace = pace_of(course)  # the pace the request names, read afresh
        if pace is None:
            return 1, "the request names no pace of the paces file"
        interval = pace.phase_at(target, target).interval_days
        held = days_held_last(course.steps[:first_cut])
        if held < interval:
            return course.steps[first_cut].first_day, (
                f"the first cut comes after {held} days at the target; the pace holds {interval}"
            )
        return None

    return (MAINTAINED, MAINTAINED_TEXT, kept)
