"""The safety invariants every schedule must keep, checked independently of the engine.

The engine is written to keep these rules; this package does not trust it (and never
imports it). Each check
reads only the finished schedule and the resolved limits, and reports the first day on
which it fails. A schedule with any failed check is never written or shown as a plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.errors import UnsafeScheduleError
from planner.safety.common import COMMON
from planner.safety.cuts import ENDS_AT_ZERO, TAPER, ends_at_floor, floor_mcg
from planner.safety.rises import FROM_CURRENT, TITRATION, divided_check, per_kg_check
from planner.schedule import Schedule


@dataclass(frozen=True)
class CheckResult:
    """One invariant: whether it held and, if not, the first day it failed and why."""

    name: str
    description: str
    passed: bool
    day: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class SafetyReport:
    """Every check run on one schedule."""

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if not result.passed)


def check_schedule(schedule: Schedule) -> SafetyReport:
    """Run every check that applies to this kind of schedule."""
    checks = COMMON + (TITRATION if schedule.kind == "titration" else TAPER)
    floor = floor_mcg(schedule)
    if floor:
        checks = tuple(ends_at_floor(floor) if c[0] == ENDS_AT_ZERO else c for c in checks)
    if schedule.kind == "titration" and schedule.previous_mcg:
        checks = tuple(
            FROM_CURRENT if check[0] == "start_within_limit" else check for check in checks
        )
    if schedule.kind == "titration" and schedule.protocol.titration.min_doses_per_day > 1:
        checks += (divided_check(schedule),)
    if schedule.weight_kg is not None:
        checks += (per_kg_check(schedule),)
    results = []
    for name, description, check in checks:
        failure = check(schedule)
        if failure is None:
            results.append(CheckResult(name, description, passed=True))
        else:
            day, detail = failure
            results.append(CheckResult(name, description, passed=False, day=day, detail=detail))
    return SafetyReport(tuple(results))


def ensure_safe(schedule: Schedule) -> SafetyReport:
    """Check ``schedule`` and raise UnsafeScheduleError naming the first failed check."""
    report = check_schedule(schedule)
    if not report.passed:
        first = report.failures[0]
        raise UnsafeScheduleError(
            f"safety check '{first.name}' failed on day {first.day}: {first.detail}", report
        )
    return report
