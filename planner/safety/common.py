"""What every check reads: the changes of dose and how long each was held; and the
checks every schedule must pass, whatever its kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from planner.core.memo import remembered_by_identity
from planner.core.units import format_mg, mg_to_mcg
from planner.domain.products import UnitCount
from planner.domain.protocols import load_library
from planner.domain.schedule import Dose, DoseStep, OtherDose, Schedule
from planner.models import Product, Taken
from planner.safety.bounds import bounds_for, guideline, pace_of, smallest_dose, source_stops


@dataclass(frozen=True)
class Exceeded:
    """A guideline bound gone beyond by a choice the sources allow: the check passes, but
    its line says so, names each step (``detail``) and who chose it (``chosen_by``)."""

    day: int
    detail: str
    chosen_by: str


Failure = tuple[int, str] | None
Outcome = Failure | Exceeded
Check = tuple[str, str, Callable[[Schedule], Outcome]]
Change = tuple[DoseStep, int, int]  # a step, the daily total before it, the days held


def taken_by_patient(schedule: Schedule) -> dict[dt.date, int]:
    """The doses the request records the patient as having taken from a date on (a
    revision at a visit), read from the request alone: a change to one of them on its
    date is the patient's, not the planner's."""
    return {
        edit.date: mg_to_mcg(edit.mg_per_day)
        for edit in getattr(schedule.request, "edits", ())
        if isinstance(edit, Taken)
    }


def recorded(schedule: Schedule, step: DoseStep) -> bool:
    """Whether ``step`` is a dose the patient took, as the request records it."""
    return taken_by_patient(schedule).get(step.start) == step.total_mcg


@remembered_by_identity(8)
def changes(schedule: Schedule, prior_days: int | None = None) -> tuple[Change, ...]:
    """Each step with the daily total before it and the days that total was held.

    The dose before day 1 (zero for a titration, the current dose for a taper) counts as
    held ``prior_days``, by default one interval of the protocol or pace (read afresh); a
    step that keeps the dose adds its days to the time held. Remembered for the last few
    schedules: most checks of one schedule read them.
    """
    changes = []
    before = schedule.previous_mcg
    held = prior_days if prior_days is not None else _assumed_prior_days(schedule)
    for step in schedule.steps:
        changes.append((step, before, held))
        if step.total_mcg == before:
            held += step.days
        else:
            before, held = step.total_mcg, step.days
    return tuple(changes)


def _assumed_prior_days(schedule: Schedule) -> int:
    if schedule.prior_days is not None:
        return schedule.prior_days
    interval = bounds_for(schedule.protocol, schedule.request.patient).min_interval_days
    if schedule.kind == "titration":
        # From nothing, the first dose may start at once; from a current dose, day 1
        # starts the interval: the first rise waits for it.
        return interval if schedule.previous_mcg == 0 else 0
    pace = pace_of(schedule)
    if pace is None:
        return interval
    current = schedule.previous_mcg
    phase = pace.phase_at(current, current)
    smallest = smallest_dose(schedule.steps[0].product)
    if source_stops(pace, phase, current, current, smallest):  # the guideline's pace goes on
        return guideline().taper_pace.per_days
    return phase.interval_days


def _contiguous(schedule: Schedule) -> Failure:
    expected_day, expected_date = 1, schedule.steps[0].start.toordinal()
    for step in schedule.steps:
        if step.days < 1:
            return step.first_day, f"a step of {step.days} days"
        if step.first_day != expected_day or step.start.toordinal() != expected_date:
            expected = dt.date.fromordinal(expected_date)
            return step.first_day, f"expected day {expected_day} on {expected}"
        # The day after the step's last: its last day and its end date, each plus one.
        expected_day += step.days
        expected_date += step.days
    return None


def _within_bounds(schedule: Schedule) -> Failure:
    """Never above the protocol's maximum (a titration, a course, a switch), or above the
    dose a taper starts from and the drug's ceiling; never below zero. The per-kg bounds
    are checked by ``per_kg_within_limits``."""
    bounds = bounds_for(schedule.protocol, schedule.request.patient)
    if schedule.kind != "taper":
        highest, what = bounds.maximum_mcg, "the protocol maximum"
    elif schedule.previous_mcg > bounds.ceiling_mcg:
        highest, what = bounds.ceiling_mcg, f"the {schedule.protocol.drug.name} ceiling"
    else:
        highest, what = schedule.previous_mcg, "the dose the taper started from"
    for step in schedule.steps:
        if step.total_mcg > highest:
            return step.first_day, f"{format_mg(step.total_mcg)}/day is above {what}"
        if step.total_mcg < 0 or any(dose.mcg < 0 for dose in step.doses):
            return step.first_day, "a dose below zero"
    return None


def _units_exact(schedule: Schedule) -> Failure:
    """Every dose, of clonazePAM and (during a switch) of the other drug, is made exactly of
    units its product has, split no further than the product allows; and every product is
    one the request asks for, with the strengths it asks for (read afresh by id)."""
    wrong = _product_not_asked(schedule)
    if wrong is not None:
        return wrong
    switch = schedule.switch
    for step in schedule.steps:
        problem = _doses_not_made_of(step.doses, step.product, "", step.total_mcg)
        if not problem and switch is not None and step.other_doses:
            problem = _doses_not_made_of(step.other_doses, switch.product, " (the old drug)", None)
        if problem:
            return step.first_day, problem
    return None


@remembered_by_identity(1 << 14, objects=2)
def _doses_not_made_of(
    doses: tuple[Dose | OtherDose, ...], product: Product, whose: str, total_mcg: int | None
) -> str:
    """Why ``doses`` do not add up to ``total_mcg`` (where it is given), or why the first
    of them not made exactly of ``product``'s units is not ('' if none). Remembered: a
    clinic's patients take the same doses."""
    if total_mcg is not None and sum(dose.mcg for dose in doses) != total_mcg:
        return "the doses do not add up to the daily total"
    splits = _splits(product)
    for dose in doses:
        problem = _made_of(dose.units, dose.mcg, splits, f"{dose.time.name}{whose}")
        if problem:
            return problem
    return ""


def _product_not_asked(schedule: Schedule) -> Failure:
    """The first step made of a product the request does not name: its main product (the
    protocol's default when none is named, only the strengths on hand where given), or a
    taper's product for the last steps. A bundled product must be the one under its id."""
    request = schedule.request
    main = request.product or schedule.protocol.default_product
    switch_product = getattr(request, "switch_product", None)
    asked = {main} | ({switch_product.product} if switch_product is not None else set())
    on_hand = {mg_to_mcg(mg) for mg in request.strengths_mg}
    verdicts: dict[int, str] = {}  # by product: a schedule holds one or two
    for step in schedule.steps:
        product = step.product
        verdict = verdicts.get(id(product))
        if verdict is None:
            verdict = verdicts[id(product)] = _not_asked(product, main, asked, on_hand)
        if verdict:
            return step.first_day, verdict
    return None


def _not_asked(product: Product, main: str, asked: set[str], on_hand: set[int]) -> str:
    """Why a step may not be made of ``product`` ('' if it may)."""
    if product.id not in asked:
        return f"made of {product.id}, not one the request names ({', '.join(sorted(asked))})"
    strengths = {strength.mcg for strength in product.strengths}
    if product.id == main and on_hand and strengths != on_hand:
        return f"made of strengths that are not the ones on hand in {main}"
    bundled = load_library().products.products
    if product.id in bundled and not (product.id == main and on_hand):
        filed = load_library().product(product.id)
        if _splits(product) != _splits(filed):
            return f"{product.id} is not the product of that id in the files"
    return ""


def _made_of(units: tuple[UnitCount, ...], mcg: int, splits: dict[int, int], name: str) -> str:
    """Why ``units`` do not make ``mcg`` exactly of a product with ``splits`` ('' if they do)."""
    made = 0
    for unit in units:
        split = splits.get(unit.strength_mcg)
        if split is None:
            return f"no {format_mg(unit.strength_mcg)} unit exists"
        # A count in lowest terms can be given when its denominator divides the split.
        if split % unit.count.denominator or unit.count.numerator <= 0:
            return f"{unit.count} of a {format_mg(unit.strength_mcg)} unit cannot be given"
        whole, rest = divmod(unit.count.numerator * unit.strength_mcg, unit.count.denominator)
        if rest:
            return f"{unit.count} of a {format_mg(unit.strength_mcg)} unit"
        made += whole
    if made != mcg:
        return f"the {name} units make {format_mg(made)}, not {format_mg(mcg)}"
    return ""


def _splits(product: Product) -> dict[int, int]:
    """Each strength of a product (mcg) and the parts it may be split into."""
    return {strength.mcg: strength.split for strength in product.strengths}


COMMON: tuple[Check, ...] = (
    ("contiguous", "dates run day by day from day 1 with no gap", _contiguous),
    ("within_bounds", "never above the maximum, never below zero", _within_bounds),
    ("units_exact", "every dose is made exactly of units that exist", _units_exact),
)


def days_held_last(steps: tuple[DoseStep, ...]) -> int:
    """How many days the last daily total is held at the end of ``steps``."""
    held = 0
    for step in reversed(steps):
        if step.total_mcg != steps[-1].total_mcg:
            break
        held += step.days
    return held
