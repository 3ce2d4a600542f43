"""The safety invariants every schedule must keep, checked independently of the engine.

The engine is written to keep these rules; this module does not trust it. Each check
reads only the finished schedule and the resolved limits, and reports the first day on
which it fails. A schedule with any failed check is never written or shown as a plan.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from planner.errors import UnsafeScheduleError
from planner.models import PhaseRule, Product
from planner.products import dose_maker
from planner.schedule import DoseStep, Schedule
from planner.units import format_decimal, format_mg, format_per_kg

Failure = tuple[int, str] | None


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
    checks = _COMMON + (_TITRATION if schedule.kind == "titration" else _TAPER)
    if schedule.kind == "titration" and schedule.protocol.titration.min_doses_per_day > 1:
        checks += (_divided_check(schedule),)
    if schedule.weight_kg is not None:
        checks += (_per_kg_check(schedule),)
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


def _changes(schedule: Schedule) -> list[tuple[DoseStep, int, int]]:
    """Each step with the daily total before it and the days that total was held.

    The dose before day 1 (zero for a titration, the current dose for a taper) counts as
    held for one interval of the protocol or pace; a step that keeps the dose adds its days
    to the time held.
    """
    changes = []
    before = schedule.previous_mcg
    held = _assumed_prior_days(schedule)
    for step in schedule.steps:
        changes.append((step, before, held))
        if step.total_mcg == before:
            held += step.days
        else:
            before, held = step.total_mcg, step.days
    return changes


def _assumed_prior_days(schedule: Schedule) -> int:
    if schedule.pace is None:
        return schedule.limits.min_interval_days
    return schedule.pace.phase_at(schedule.previous_mcg, schedule.previous_mcg).interval_days


def _contiguous(schedule: Schedule) -> Failure:
    expected_day, expected_date = 1, schedule.steps[0].start
    for step in schedule.steps:
        if step.days < 1:
            return step.first_day, f"a step of {step.days} days"
        if step.first_day != expected_day or step.start != expected_date:
            return step.first_day, f"expected day {expected_day} on {expected_date}"
        expected_day = step.last_day + 1
        expected_date = step.end + dt.timedelta(days=1)
    return None


def _within_bounds(schedule: Schedule) -> Failure:
    limits = schedule.limits
    if schedule.kind == "titration":
        highest, what = limits.maximum_mcg, "the protocol maximum"
    else:
        highest = min(schedule.previous_mcg, limits.ceiling_mcg)
        what = "the dose the taper started from"
    for step in schedule.steps:
        if step.total_mcg > highest:
            return step.first_day, f"{format_mg(step.total_mcg)}/day is above {what}"
        if step.total_mcg < 0 or any(dose.mcg < 0 for dose in step.doses):
            return step.first_day, "a dose below zero"
    return None


def _units_exact(schedule: Schedule) -> Failure:
    splits_of: dict[int, dict[int, int]] = {}
    for step in schedule.steps:
        splits = splits_of.get(id(step.product))
        if splits is None:
            splits = splits_of[id(step.product)] = _splits(step.product)
        if sum(dose.mcg for dose in step.doses) != step.total_mcg:
            return step.first_day, "the doses do not add up to the daily total"
        for dose in step.doses:
            made = 0
            for unit in dose.units:
                split = splits.get(unit.strength_mcg)
                if split is None:
                    return step.first_day, f"no {format_mg(unit.strength_mcg)} unit exists"
                # A count in lowest terms can be given when its denominator divides the split.
                if split % unit.count.denominator or unit.count.numerator <= 0:
                    return step.first_day, (
                        f"{unit.count} of a {format_mg(unit.strength_mcg)} unit cannot be given"
                    )
                whole, rest = divmod(
                    unit.count.numerator * unit.strength_mcg, unit.count.denominator
                )
                if rest:
                    return step.first_day, f"{unit.count} of a {format_mg(unit.strength_mcg)} unit"
                made += whole
            if made != dose.mcg:
                return step.first_day, (
                    f"the {dose.time.name} units make {format_mg(made)}, not {format_mg(dose.mcg)}"
                )
    return None


def _splits(product: Product) -> dict[int, int]:
    """Each strength of a product (mcg) and the parts it may be split into."""
    return {strength.mcg: strength.split for strength in product.strengths}


def _start_within_limit(schedule: Schedule) -> Failure:
    first = schedule.steps[0]
    if first.total_mcg > schedule.limits.start_limit_mcg:
        return 1, (
            f"starts at {format_mg(first.total_mcg)}/day, above the start limit of "
            f"{format_mg(schedule.limits.start_limit_mcg)}/day"
        )
    return None


def _never_down(schedule: Schedule) -> Failure:
    for step, before, _ in _changes(schedule)[1:]:
        if step.total_mcg < before:
            return (
                step.first_day,
                f"goes down from {format_mg(before)} to {format_mg(step.total_mcg)}",
            )
    return None


def _increase_interval(schedule: Schedule) -> Failure:
    minimum = schedule.limits.min_interval_days
    for step, before, held in _changes(schedule)[1:]:
        if step.total_mcg > before and held < minimum:
            return step.first_day, f"raised after {held} days; the minimum is {minimum}"
    return None


def _increase_size(schedule: Schedule) -> Failure:
    largest = schedule.limits.step_max_mcg
    for step, before, _ in _changes(schedule)[1:]:
        if step.total_mcg - before > largest:
            return step.first_day, (
                f"raised by {format_mg(step.total_mcg - before)}/day; the largest step is "
                f"{format_mg(largest)}/day"
            )
    return None


def _never_up(schedule: Schedule) -> Failure:
    """A taper only rises where a clinician stepped back, and never above where it began."""
    for step, before, _ in _changes(schedule):
        stepped_back = step.edit == "step back" and step.total_mcg <= schedule.previous_mcg
        if step.total_mcg > before and not stepped_back:
            return (
                step.first_day,
                f"goes up from {format_mg(before)} to {format_mg(step.total_mcg)}",
            )
    return None


def _taper_steps_within_pace(schedule: Schedule) -> Failure:
    """Every reduction keeps the pace's limit as a rate over the days held, and no single
    reduction is larger than the limit allows in one window, unless it is the smallest
    step the product can make. Stopping is checked by ``ends_at_zero_from_smallest``."""
    pace = schedule.pace
    assert pace is not None
    start = schedule.previous_mcg
    previous_product = schedule.product
    for step, before, held in _changes(schedule):
        products = (previous_product, step.product)
        previous_product = step.product
        if step.total_mcg >= before:
            continue
        phase = pace.phase_at(before, start)
        if step.total_mcg == 0:
            if held < phase.interval_days:
                return (
                    step.first_day,
                    f"stopped after {held} days; the pace holds {phase.interval_days}",
                )
            continue
        if phase.sets_own_speed:  # a clinician's own steps (warned about, not held)
            continue
        resolution = max(map(_resolution, products))
        failure = _cut_failure(phase, start, before, step.total_mcg, held, resolution)
        if failure is not None:
            return step.first_day, failure
    return None


@functools.lru_cache(maxsize=1 << 16)
def _cut_failure(
    phase: PhaseRule, start: int, before: int, after: int, held: int, resolution: int
) -> str | None:
    """Why cutting ``before`` to ``after`` after ``held`` days outruns the phase, if it
    does. Remembered: a clinic's patients share their cuts."""
    limit = phase.limit(start)
    for bound, name in ((limit, "limit"), (phase.rate(start), "rate")):
        if not bound.allows(before, after, held):
            return (
                f"{format_mg(before)} to {format_mg(after)}/day after {held} days "
                f"is faster than the pace's {name} of {bound.describe()}"
            )
    single = limit.allows(before, after, limit.per_days)
    if not single and before - after > resolution:
        return (
            f"{format_mg(before)} to {format_mg(after)}/day in one step is larger "
            f"than the pace's limit of {limit.describe()}, and larger than the product's "
            "smallest step"
        )
    return None


def _resolution(product: Product) -> int:
    """The smallest step between two daily totals a product can give."""
    return dose_maker(product).resolution_mcg


def _ends_at_zero_from_smallest(schedule: Schedule) -> Failure:
    last = schedule.steps[-1]
    if last.total_mcg != 0:
        return last.first_day, f"ends at {format_mg(last.total_mcg)}/day, not zero"
    smallest = schedule.limits.smallest_dose_mcg
    before = schedule.steps[-2].total_mcg if len(schedule.steps) > 1 else schedule.previous_mcg
    if before > smallest:
        return last.first_day, (
            f"stops from {format_mg(before)}/day; the last dose must be the smallest the "
            f"product gives ({format_mg(smallest)})"
        )
    return None


Check = tuple[str, str, Callable[[Schedule], Failure]]


def _divided_check(schedule: Schedule) -> Check:
    """Label (pediatric): every day in 2 or 3 doses, the largest at bedtime."""
    need = schedule.protocol.titration.min_doses_per_day

    def divided(schedule: Schedule) -> Failure:
        for step in schedule.steps:
            given = [dose.mcg for dose in step.doses if dose.mcg]
            if len(given) < need:
                return step.first_day, f"{len(given)} doses a day; the protocol asks for {need}"
            if step.doses[-1].mcg != max(given):
                return step.first_day, "the largest dose is not the last of the day"
        return None

    description = f"every day in at least {need} doses, the largest at bedtime"
    return ("divided_doses", description, divided)


def _per_kg_check(schedule: Schedule) -> Check:
    """mg/kg/day shown and checked against the protocol's per-kg numbers, read afresh."""
    weight = schedule.weight_kg
    assert weight is not None
    titration = schedule.protocol.titration
    first = schedule.steps[0].total_mcg
    highest = max(step.total_mcg for step in schedule.steps)

    def within(schedule: Schedule) -> Failure:
        if schedule.kind != "titration":  # a taper comes down from the patient's dose
            return None
        for amount, total, what in (
            (titration.start_limit.mg_per_kg_per_day, first, "the start"),
            (titration.maximum.mg_per_kg_per_day, highest, "the highest dose"),
        ):
            if amount is not None and Decimal(total) > amount * weight * 1000:
                day = next(s.first_day for s in schedule.steps if s.total_mcg == total)
                return day, f"{what} is {format_per_kg(total, weight)} mg/kg/day, above {amount}"
        return None

    description = (
        f"mg/kg/day for {format_decimal(weight)} kg: starts at {format_per_kg(first, weight)}, "
        f"highest {format_per_kg(highest, weight)}"
    )
    limits = [
        f"{what} {format_decimal(amount)}"
        for what, amount in (
            ("start limit", titration.start_limit.mg_per_kg_per_day),
            ("maximum", titration.maximum.mg_per_kg_per_day),
        )
        if amount is not None and schedule.kind == "titration"
    ]
    if limits:
        description += f" ({', '.join(limits)})"
    return ("per_kg_within_limits", description, within)


_COMMON: tuple[Check, ...] = (
    ("contiguous", "dates run day by day from day 1 with no gap", _contiguous),
    ("within_bounds", "never above the maximum, never below zero", _within_bounds),
    ("units_exact", "every dose is made exactly of units that exist", _units_exact),
)
_TITRATION: tuple[Check, ...] = (
    (
        "start_within_limit",
        "the first dose is within the protocol's start limit",
        _start_within_limit,
    ),
    ("never_down", "a titration never lowers the dose", _never_down),
    ("increase_interval", "no increase sooner than the minimum interval", _increase_interval),
    ("increase_size", "no increase larger than the protocol's step", _increase_size),
)
_TAPER: tuple[Check, ...] = (
    ("never_up", "a taper never raises the dose", _never_up),
    (
        "taper_step_within_pace",
        "no reduction faster than the pace allows",
        _taper_steps_within_pace,
    ),
    (
        "ends_at_zero_from_smallest",
        "ends at zero, from the smallest dose",
        _ends_at_zero_from_smallest,
    ),
)
