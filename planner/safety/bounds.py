"""The bounds every check holds a schedule to, read afresh from the protocol file, the
guideline file, the paces file and the request: never a limit or a pace the scheduling
code worked out and attached to the schedule (clinical rules 7). A wrong limit in the
engine must make a check fail, not move the check's own yardstick.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from planner.core.memo import remembered_by_identity
from planner.domain.products import dose_maker
from planner.domain.protocols import load_guideline, load_library
from planner.domain.schedule import Schedule
from planner.models import (
    CourseRequest,
    DailyAmount,
    Guideline,
    Pace,
    PaceCatalog,
    PatientInputs,
    PhaseRule,
    Product,
    Protocol,
    SwitchRequest,
    TaperRequest,
)


def guideline() -> Guideline:
    """The bundled guideline file's bounds (ASAM 2025, the label's pediatric numbers)."""
    return load_guideline()[0]


def paces_file() -> PaceCatalog:
    """The bundled paces file, as read from disk: the paces a request may name."""
    return load_library().paces


@dataclass(frozen=True)
class PerKg:
    """A bound in mg/kg/day for one patient's weight, exact: 'above' compares the exact
    product, never a rounded number of micrograms."""

    mg_per_kg_per_day: Decimal
    weight_kg: Decimal
    source: str  # whose bound: 'the protocol', 'label, pediatric maintenance'

    def exceeded_by(self, mcg: int) -> bool:
        return Decimal(mcg) > self.mg_per_kg_per_day * self.weight_kg * 1000


@dataclass(frozen=True)
class Bounds:
    """What a schedule for this protocol, patient and request may never pass."""

    ceiling_mcg: int  # the drug's ceiling
    maximum_mcg: int  # the protocol's maximum in mg/day, at most the ceiling
    start_limit_mcg: int | None  # the protocol's start limit in mg/day, where it gives one
    step_max_mcg: int
    min_interval_days: int
    weight_kg: Decimal | None  # the weight per-kg bounds are read for, where any apply
    maximum_per_kg: tuple[PerKg, ...]
    start_per_kg: tuple[PerKg, ...]


def minor(patient: PatientInputs) -> bool:
    """Whether the patient is known to be under the guideline's age for minors."""
    age = patient.age_years
    return age is not None and age < guideline().minors.under_age_years


@remembered_by_identity(1 << 10)
def bounds_for(protocol: Protocol, patient: PatientInputs) -> Bounds:
    """The protocol's numbers for this patient, and the guideline's for a patient under
    18 whose weight is known. Remembered: a clinic's patients share them."""
    titration = protocol.titration
    ceiling = _mcg(protocol.drug.ceiling_mg_per_day)
    maximum = titration.maximum.mg_per_day
    start = titration.start_limit.mg_per_day
    weight = patient.weight_kg
    by_weight = protocol.by_weight or minor(patient)
    per_kg: list[PerKg] = []
    start_per_kg: list[PerKg] = []
    if weight is not None and by_weight:
        per_kg += _per_kg(titration.maximum, weight, "the protocol")
        start_per_kg += _per_kg(titration.start_limit, weight, "the protocol")
        if minor(patient):
            rule = guideline().minors
            why = f"under {rule.under_age_years} years: label, pediatric"
            per_kg.append(PerKg(rule.max_mg_per_kg_per_day, weight, why))
            start_per_kg.append(PerKg(rule.start_limit_mg_per_kg_per_day, weight, why))
    return Bounds(
        ceiling_mcg=ceiling,
        maximum_mcg=min(_mcg(maximum), ceiling) if maximum is not None else ceiling,
        start_limit_mcg=_mcg(start) if start is not None else None,
        step_max_mcg=_mcg(titration.step_mg_per_day.max),
        min_interval_days=titration.min_interval_days,
        weight_kg=weight if by_weight else None,
        maximum_per_kg=tuple(per_kg),
        start_per_kg=tuple(start_per_kg),
    )


def _per_kg(amount: DailyAmount, weight: Decimal, source: str) -> list[PerKg]:
    if amount.mg_per_kg_per_day is None:
        return []
    return [PerKg(amount.mg_per_kg_per_day, weight, source)]


def _mcg(mg: Decimal) -> int:
    """mg/day as whole micrograms (the protocol files hold whole micrograms)."""
    return int(mg * 1000)


def pace_of(schedule: Schedule) -> Pace | None:
    """The pace the request asks for, read afresh from the paces file (with its EC50 as
    asked), or the clinician's own steps; None where no taper is asked for."""
    request = schedule.request
    bound = guideline().taper_pace
    if isinstance(request, TaperRequest) and request.custom_steps:
        return Pace.custom(bound.max_percent, bound.per_days)
    if isinstance(request, TaperRequest | CourseRequest):
        pace_id = request.pace or schedule.protocol.default_pace
        ec50 = request.ec50_mg_per_day
    elif isinstance(request, SwitchRequest) and request.then_pace is not None:
        pace_id, ec50 = request.then_pace, None
    else:
        return None
    return _filed_pace(paces_file(), pace_id, None if ec50 is None else str(ec50))


@remembered_by_identity(1 << 8)
def _filed_pace(paces: PaceCatalog, pace_id: str, ec50: str | None) -> Pace | None:
    """A pace of the paces file, with its EC50 as asked, exactly as written (None if the
    file has no such pace). Remembered: a batch asks for the same few thousands of times."""
    if pace_id not in paces.paces:
        return None
    return paces.get(pace_id).with_ec50(None if ec50 is None else Decimal(ec50))


def source_stops(pace: Pace, phase: PhaseRule, before: int, start: int, smallest: int) -> bool:
    """Whether a published pace's source would stop from ``before``: its next step goes
    below ``smallest``, the least the product gives (a step of 1.875 mg from 2 mg, once
    rounding made 1.875 into 2, would leave 0.125). Any cut from there short of the stop
    is the planner's, not the source's, and keeps the guideline's pace."""
    if not pace.published or phase.sets_own_speed:
        return False
    return phase.ideal_next(before, start) < smallest


@remembered_by_identity(1 << 10)
def smallest_dose(product: Product) -> int:
    """The least a product gives at one time of day, from the whole product the library
    has under its id (strengths on hand are held to it). Remembered by product."""
    return dose_maker(whole_product(product)).smallest_dose_mcg


def whole_product(product: Product) -> Product:
    """The product with all its strengths, where only some were on hand (a bundled product
    restricted by --strengths); any other product as it is."""
    library = load_library()
    if product.id not in library.products.products:
        return product
    whole = library.product(product.id)
    if whole is product:
        return whole
    return whole if set(product.strengths) <= set(whole.strengths) else product
