"""The safety invariants every schedule must keep, checked independently of the engine.

The engine is written to keep these rules; this package does not trust it (and never
imports it). Each check reads the finished schedule's days and doses, and holds them to
bounds read afresh from the protocol file, the guideline file, the paces file and the
request (``bounds``), never to a limit or pace the engine attached to the schedule; it
reports the first day on which it fails. A schedule with any failed check is never
written or shown as a plan. Where a schedule goes beyond a guideline bound by a choice
the sources allow (a published pace, a clinician's own steps), the check passes but
says so: "exceeded by choice", with each step and who chose it; such a report never
reads "all passed". A whole course is checked as a titration up to its first cut and as
a taper from there, after the maintenance that must come between.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from planner.domain.schedule import Schedule
from planner.errors import UnsafeScheduleError
from planner.safety.bounds import bounds_for
from planner.safety.common import COMMON, Check, Exceeded, days_held_last
from planner.safety.course import MAINTAINED, MAINTAINED_TEXT, maintained_check
from planner.safety.cuts import ENDS_AT_ZERO, TAPER, ends_at_floor, floor_mcg
from planner.safety.guideline import guideline_pace_check
from planner.safety.reviews import REVIEWS
from planner.safety.rises import FROM_CURRENT, TITRATION, divided_check, per_kg_check
from planner.safety.switch import SWITCH, switch_steps

SWITCHED = "switch_then_taper"
SWITCHED_TEXT = "the switch comes first; after it the dose is held, or tapered at a pace"


@dataclass(frozen=True)
class CheckResult:
    """One invariant: whether it held and, if not, the first day it failed and why.

    ``chosen_by`` names who chose to go beyond a guideline bound, where the check passed
    only by such a choice (then ``day`` is the first such step and ``detail`` lists them).
    """

    name: str
    description: str
    passed: bool
    day: int | None = None
    detail: str = ""
    chosen_by: str = ""

    @property
    def status(self) -> str:
        """'passed', 'exceeded by choice' or 'failed'."""
        if not self.passed:
            return "failed"
        return "exceeded by choice" if self.chosen_by else "passed"

    @property
    def mark(self) -> str:
        """The status as a report line's mark: 'pass', 'EXCEEDED BY CHOICE', 'FAIL'."""
        return {"passed": "pass", "failed": "FAIL"}.get(self.status, self.status.upper())

    @property
    def line(self) -> str:
        """The check in words, with where it failed or was exceeded, and by whose choice."""
        if self.status == "failed":
            return f"{self.description} (day {self.day}: {self.detail})"
        if self.status == "exceeded by choice":
            return (
                f"{self.description}: exceeded by choice on {self.detail}; chosen by "
                f"{self.chosen_by}"
            )
        return self.description


@dataclass(frozen=True)
class SafetyReport:
    """Every check run on one schedule."""

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """No check failed (some may have passed only by a choice: see ``exceeded``)."""
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    @property
    def exceeded(self) -> tuple[CheckResult, ...]:
        """The checks a guideline bound was gone beyond by choice."""
        return tuple(result for result in self.results if result.status == "exceeded by choice")

    @property
    def summary(self) -> str:
        """'6 of 6 passed', or '6 passed, 1 exceeded by choice', or with failures too:
        never 'all passed' where a bound was gone beyond."""
        counts = {
            status: sum(result.status == status for result in self.results)
            for status in ("passed", "exceeded by choice", "failed")
        }
        if counts["passed"] == len(self.results):
            return f"{counts['passed']} of {len(self.results)} passed"
        return ", ".join(f"{count} {status}" for status, count in counts.items() if count)


def check_schedule(schedule: Schedule) -> SafetyReport:
    """Run every check that applies to this kind of schedule."""
    # How long the dose before day 1 was held is the checks' own to work out (a course's
    # maintenance), never a number a schedule brings with it.
    if schedule.prior_days is not None:
        schedule = replace(schedule, prior_days=None)
    if schedule.kind == "course":
        return _course_report(schedule)
    if schedule.kind == "switch":
        return _switch_report(schedule)
    return SafetyReport(_run(WHOLE + _checks_for(schedule), schedule))


# What every schedule is checked for as a whole, whatever its kind and parts.
WHOLE = (*COMMON, REVIEWS)


def _switch_report(switched: Schedule) -> SafetyReport:
    """A switch: the common checks and the switch's own; then, if clonazePAM is tapered
    after it, the taper's checks from the dose the switch ended on."""
    results = _run(WHOLE + SWITCH, switched)
    exchange = switch_steps(switched)
    rest = switched.steps[len(exchange) :]
    if not exchange:
        failed = CheckResult(SWITCHED, SWITCHED_TEXT, False, 1, "no step exchanges a dose")
        return SafetyReport((*results, failed))
    if switched.pace is None:
        # Without a taper, the switch's last dose is held (and reviewed), the old drug gone.
        ended = exchange[-1].total_mcg
        moved = next((s for s in rest if s.total_mcg != ended or s.other_doses), None)
        if moved is not None:
            detail = "the dose moves after the switch, but no taper pace holds it"
            failed = CheckResult(SWITCHED, SWITCHED_TEXT, False, moved.first_day, detail)
            return SafetyReport((*results, failed))
        return SafetyReport(results)
    if rest:
        falling = replace(
            switched,
            kind="taper",
            steps=rest,
            previous_mcg=exchange[-1].total_mcg,
            prior_days=days_held_last(exchange),  # a review may split the last stage
        )
        results += _run(_checks_for(falling), falling)
    return SafetyReport(results)


def _course_report(course: Schedule) -> SafetyReport:
    """A course: the common checks on the whole, then its titration up to the first cut
    and its taper from there, each by its own checks, and the maintenance between."""
    first_cut = next(
        (
            index
            for index, step in enumerate(course.steps[1:], 1)
            if step.total_mcg < course.steps[index - 1].total_mcg
        ),
        None,
    )
    results = _run(WHOLE, course)
    if first_cut is None:
        detail = (course.steps[-1].last_day, "the course never comes down: no taper")
        return SafetyReport((*results, CheckResult(MAINTAINED, MAINTAINED_TEXT, False, *detail)))
    rising = replace(course, kind="titration", steps=course.steps[:first_cut])
    target = course.steps[first_cut - 1].total_mcg
    falling = replace(
        course,
        kind="taper",
        steps=course.steps[first_cut:],
        previous_mcg=target,
        prior_days=days_held_last(rising.steps),
    )
    results += _run(_checks_for(rising), rising)
    results += _run(_checks_for(falling), falling)
    return SafetyReport((*results, *_run((maintained_check(course, first_cut),), course)))


def _run(checks: tuple[Check, ...], schedule: Schedule) -> tuple[CheckResult, ...]:
    results = []
    for name, description, check in checks:
        outcome = check(schedule)
        if outcome is None:
            results.append(_passed(name, description))
        elif isinstance(outcome, Exceeded):
            results.append(
                CheckResult(
                    name,
                    description,
                    passed=True,
                    day=outcome.day,
                    detail=outcome.detail,
                    chosen_by=outcome.chosen_by,
                )
            )
        else:
            day, detail = outcome
            results.append(CheckResult(name, description, passed=False, day=day, detail=detail))
    return tuple(results)


@functools.lru_cache(maxsize=1 << 10)
def _passed(name: str, description: str) -> CheckResult:
    """A check that passed: one result, shared (results are never changed)."""
    return CheckResult(name, description, passed=True)


def _checks_for(schedule: Schedule) -> tuple[Check, ...]:
    """The checks of a titration or a taper (after ``WHOLE``), as this one needs."""
    checks = TITRATION if schedule.kind == "titration" else (*TAPER, guideline_pace_check())
    floor = floor_mcg(schedule)
    if floor:
        checks = tuple(ends_at_floor(floor) if c[0] == ENDS_AT_ZERO else c for c in checks)
    if schedule.kind == "titration" and schedule.previous_mcg:
        checks = tuple(
            FROM_CURRENT if check[0] == "start_within_limit" else check for check in checks
        )
    if schedule.kind == "titration" and schedule.protocol.titration.min_doses_per_day > 1:
        checks += (divided_check(schedule),)
    if bounds_for(schedule.protocol, schedule.request.patient).weight_kg is not None:
        checks += (per_kg_check(schedule),)
    return checks


def ensure_safe(schedule: Schedule) -> SafetyReport:
    """Check ``schedule`` and raise UnsafeScheduleError naming the first failed check."""
    report = check_schedule(schedule)
    if not report.passed:
        first = report.failures[0]
        raise UnsafeScheduleError(
            f"safety check '{first.name}' failed on day {first.day}: {first.detail}", report
        )
    return report
