"""Pure scheduling: a protocol and a request in, a ``Schedule`` out. No I/O, no pandas.

Titration starts at the protocol's start dose (by weight where the protocol says so),
raises it by one step every interval until the target, rounding down to what the
product can make, then holds. Tapers live in ``planner.planning.tapering``; the limits, cautions
and the turning of daily totals into dated steps are shared here.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

from planner.core.memo import remembered_by_identity
from planner.core.units import format_decimal, format_mg, mg_to_mcg
from planner.domain.products import DoseMaker, dose_maker
from planner.domain.protocols import Library
from planner.domain.schedule import (
    Dose,
    DoseStep,
    EditName,
    Limits,
    PhaseName,
    Schedule,
    check_length,
)
from planner.errors import DoseError, InputError
from planner.models import (
    DoseTime,
    Guideline,
    OlderAdults,
    PatientInputs,
    Protocol,
    TitrationRequest,
)
from planner.planning.dose_limits import (
    above_maximum,
    for_patient,
    resolve_limits,
    shown_weight,
)
from planner.planning.population import off_label_note, population_warnings
from planner.planning.titration_doses import (
    choose_start,
    choose_target,
    older_adult_numbers,
    step_mcg,
)


def build_titration(protocol: Protocol, request: TitrationRequest, *, library: Library) -> Schedule:
    """Start low, raise by one step no sooner than every interval, then hold at the target."""
    product = library.product(request.product or protocol.default_product, request.strengths_mg)
    maker = dose_maker(product)
    patient = request.patient
    if protocol.by_weight and patient.weight_kg is None:
        raise InputError(
            f"{protocol.id} doses by weight: give the weight", field="patient.weight_kg"
        )
    gate = population_warnings(protocol, patient, request.off_label_reason)
    guideline = library.guideline
    limits = resolve_limits(protocol, patient, maker, guideline)
    titration = protocol.titration

    target = _target_mcg(protocol, request, patient, limits, guideline)
    current = _current_mcg(request, maker, limits, target, guideline)
    older, older_words = older_adult_numbers(protocol, patient, request.older_adult, guideline)
    used = older_words if older else []  # numbers in use are a warning; an offer, a note
    if current is None:
        start, notes = _start_mcg(protocol, patient, maker, limits, older, target, library)
    else:
        start, notes = current, []
    if target < start:
        raise InputError(
            f"{format_mg(target)}/day is below the start dose {format_mg(start)}/day",
            field="target_mg_per_day",
        )
    made_target, rounded = choose_target(
        protocol, patient, maker, limits, target, by_default=request.target_mg_per_day is None
    )
    notes += rounded
    step, interval = _rise(protocol, request, older, guideline, notes)
    hold = request.hold_days if request.hold_days is not None else titration.hold_days

    levels = [start]
    while levels[-1] < made_target:
        raised = min(maker.round_down(levels[-1] + step), made_target)
        if raised == levels[-1]:
            raise DoseError(
                f"{product.name} cannot make a step of {format_mg(step)}/day; "
                f"its smallest daily step is {format_mg(maker.resolution_mcg)}",
                field="step_mg_per_day",
            )
        levels.append(raised)
    notes.extend(_maintenance_notes(protocol, patient, made_target))

    plan = [Level(dose, interval, maker, phase="titration") for dose in levels]
    plan[-1] = Level(made_target, max(hold, 1), maker, phase="maintenance")
    return Schedule(
        kind="titration",
        protocol=protocol,
        product=product,
        request=request,
        limits=limits,
        steps=steps_from_levels(request.start, plan, protocol, before=current),
        previous_mcg=current or 0,
        warnings=(*gate, *cautions_for(protocol, patient, "titration"), *used),
        off_label=off_label_note(tuple(gate)),
        notes=tuple(notes + ([] if older else older_words)),
        weight_kg=shown_weight(protocol, patient, guideline),
    )


def _start_mcg(
    protocol: Protocol,
    patient: PatientInputs,
    maker: DoseMaker,
    limits: Limits,
    older: OlderAdults | None,
    target: int,
    library: Library,
) -> tuple[int, list[str]]:
    """The first dose from nothing, and the notes that explain it: the protocol's start
    (a cited older-adult start where asked for), or the target where it is lower."""
    wanted = min(for_patient(protocol.titration.start, patient), limits.start_limit_mcg)
    if older is not None:
        wanted = min(wanted, mg_to_mcg(older.start_mg_per_day))
    notes = []
    if target < wanted:  # the label's start is a ceiling: a lower target starts lower
        notes.append(
            f"The target of {format_mg(target)}/day is below the protocol's start of "
            f"{format_mg(wanted)}/day: the titration starts at the target (the label's "
            "start dose is a ceiling)."
        )
        wanted = target
    start, more = choose_start(protocol, patient, maker, limits, wanted, library)
    return start, notes + more


def _rise(
    protocol: Protocol,
    request: TitrationRequest,
    older: OlderAdults | None,
    guideline: Guideline,
    notes: list[str],
) -> tuple[int, int]:
    """The step and interval of each rise, noted where they differ from the protocol's:
    an older adult may take a smaller step than its usual range (the label's is a ceiling),
    and a cited older-adult source's slower steps are used where asked for."""
    titration = protocol.titration
    older_age = guideline.older_adults.from_age_years
    age = request.patient.age_years
    step, smaller = step_mcg(
        protocol, request.step_mg_per_day, smaller_allowed=age is not None and age >= older_age
    )
    if smaller:
        notes.append(
            f"Older adult ({older_age} and over): a step of {format_mg(step)}/day, below the "
            "protocol's usual smallest step; the label's step is a ceiling, and it says to "
            "start at the low end of the dosing range (AGS Beers Criteria 2023)."
        )
    interval = request.interval_days or titration.min_interval_days
    if older is not None:  # the cited source's slower steps, unless the request set its own
        if request.step_mg_per_day is None:
            step = min(step, mg_to_mcg(older.step_mg_per_day))
        if request.interval_days is None:
            interval = max(interval, older.min_interval_days)
        if request.step_mg_per_day is not None or request.interval_days is not None:
            notes.append(
                f"Older adult: the step of {format_mg(step)}/day every {interval} days asked "
                "for is used instead of the source's steps; only its lower start is kept."
            )
    if interval < titration.min_interval_days:
        raise InputError(
            f"{interval} days is shorter than the protocol minimum of "
            f"{titration.min_interval_days} days",
            field="interval_days",
        )
    return step, interval


def cautions_for(protocol: Protocol, patient: PatientInputs, kind: str) -> tuple[str, ...]:
    """The protocol's cautions that apply to this patient and this kind of schedule.

    An age caution is kept when the age is unknown: a missing age must not hide it.
    """
    kept: list[str] = []
    for caution in protocol.cautions:
        threshold = caution.threshold
        match caution.applies:
            case "always":
                applies = True
            case "titration" | "taper":
                applies = caution.applies == kind
            case "age_below" | "age_at_least":
                assert threshold is not None
                age = patient.age_years
                below = age is not None and age < threshold
                applies = age is None or below == (caution.applies == "age_below")
            case "weight_above":
                assert threshold is not None
                applies = patient.weight_kg is not None and patient.weight_kg > threshold
        if applies:
            unknown_age = caution.applies.startswith("age") and patient.age_years is None
            kept.append(f"Age not given: {caution.text}" if unknown_age else caution.text)
    return tuple(kept)


def _target_mcg(
    protocol: Protocol,
    request: TitrationRequest,
    patient: PatientInputs,
    limits: Limits,
    guideline: Guideline,
) -> int:
    if request.target_mg_per_day is not None:
        target = mg_to_mcg(request.target_mg_per_day)
    elif protocol.titration.target is not None:
        target = for_patient(protocol.titration.target, patient)
    else:
        raise InputError(
            f"{protocol.id} has no default target (the label "
            f"individualizes it): give one, at most {format_mg(limits.maximum_mcg)}/day",
            field="target_mg_per_day",
        )
    if target > limits.maximum_mcg:
        raise InputError(
            above_maximum(target, limits, patient, guideline), field="target_mg_per_day"
        )
    return target


def _current_mcg(
    request: TitrationRequest, maker: DoseMaker, limits: Limits, target: int, guideline: Guideline
) -> int | None:
    """The dose the patient already takes, if any: one the product makes, not above the
    target (lowering a dose is a taper's work)."""
    if request.from_mg_per_day is None:
        return None
    current = mg_to_mcg(request.from_mg_per_day)
    if current > limits.maximum_mcg:
        raise InputError(
            above_maximum(current, limits, request.patient, guideline), field="from_mg_per_day"
        )
    if current > target:
        raise InputError(
            f"{format_mg(current)}/day is above the target of "
            f"{format_mg(target)}/day; to lower a dose, plan a taper (to a lower dose)",
            field="from_mg_per_day",
        )
    if not maker.can_make_daily(current):
        raise DoseError(
            f"{format_mg(current)}/day cannot be made exactly with "
            f"{maker.product.name}; its doses go in steps of {format_mg(maker.resolution_mcg)}",
            field="from_mg_per_day",
        )
    return current


def _maintenance_notes(protocol: Protocol, patient: PatientInputs, target: int) -> list[str]:
    """Where a weight-based target falls outside the protocol's maintenance range."""
    band = protocol.titration.maintenance_range_mg_per_kg_per_day
    if band is None or patient.weight_kg is None:
        return []
    per_kg = Decimal(target) / 1000 / patient.weight_kg
    if band[0] <= per_kg <= band[1]:
        return []
    return [
        f"Target {format_mg(target)}/day is {format_decimal(per_kg.quantize(Decimal('0.001')))} "
        f"mg/kg/day, outside the maintenance range of {format_decimal(band[0])} to "
        f"{format_decimal(band[1])} mg/kg/day."
    ]


@dataclass
class Level:
    """A daily total while a schedule is being built: its days may still change."""

    total: int
    days: int
    maker: DoseMaker
    phase: PhaseName = "taper"
    edit: EditName = ""
    why: str = ""  # why the level is held longer than its pace's interval, for the notes


def steps_from_levels(
    start: dt.date, levels: list[Level], protocol: Protocol, *, before: int | None
) -> tuple[DoseStep, ...]:
    """Dated steps, each daily total divided over the times of day and made of units.

    ``before`` is the daily dose taken before day 1 (None when starting a new drug).
    """
    check_length(sum(level.days for level in levels))
    steps: list[DoseStep] = []
    day = 1
    for level in levels:
        maker = level.maker
        doses = _doses(maker, protocol.dose_times, level.total)
        steps.append(
            DoseStep.made(
                start=start + dt.timedelta(days=day - 1),
                first_day=day,
                days=level.days,
                total_mcg=level.total,
                doses=doses,
                phase=level.phase,
                product=maker.product,
                note=_change_note(before, level.total, level.edit),
                edit=level.edit,
            )
        )
        day += level.days
        before = level.total
    return tuple(steps)


@remembered_by_identity(1 << 14, objects=2)
def _doses(maker: DoseMaker, times: tuple[DoseTime, ...], total: int) -> tuple[Dose, ...]:
    """A daily total divided over the times of day, each made of units. Remembered: a
    clinic's patients take the same doses."""
    amounts = maker.split_daily(total, len(times))
    return tuple(
        Dose(time=time, mcg=amount, units=maker.make(amount))
        for time, amount in zip(times, amounts, strict=True)
    )


@functools.lru_cache(maxsize=1 << 12)
def _change_note(before: int | None, total: int, edit: EditName = "") -> str:
    """What a step changes, as a pharmacist or patient reads it in a table."""
    if edit == "pause":
        return f"Pause: keep {format_mg(total)}/day longer (clinician edit)."
    if edit == "step back":
        return f"Step back to {format_mg(total)}/day (clinician edit); then reduce more slowly."
    if edit == "taken":
        return f"{format_mg(total)}/day, as the patient has taken it from this day (revision)."
    if total == 0:
        return "Stop: no more doses."
    if before is None:
        return f"Start at {format_mg(total)}/day."
    if total > before:
        return f"Increase to {format_mg(total)}/day."
    if total < before:
        return f"Reduce to {format_mg(total)}/day."
    return f"Keep {format_mg(total)}/day."
