"""The protocol's and the guideline's limits for one patient, in micrograms: what the
engine plans within. (The safety check reads the same files afresh, never these.)"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from planner.core.units import format_decimal, format_mg, format_per_kg, mg_to_mcg
from planner.domain.products import DoseMaker
from planner.domain.schedule import Limits, Schedule
from planner.errors import InputError
from planner.models import DailyAmount, Guideline, PatientInputs, Protocol


def resolve_limits(
    protocol: Protocol, patient: PatientInputs, maker: DoseMaker, guideline: Guideline
) -> Limits:
    """The protocol's limits in micrograms for this patient, and the guideline's for a
    patient under 18 whose weight is known (the label's pediatric mg/kg/day).

    Without a weight, a limit given only per kg falls back to the drug's ceiling: that
    happens only for tapers, which need no weight (a titration by weight requires one).
    """
    titration = protocol.titration
    ceiling = mg_to_mcg(protocol.drug.ceiling_mg_per_day)
    maximum = daily_mcg(titration.maximum, patient)
    start_limit = daily_mcg(titration.start_limit, patient)
    minors = minors_limits(patient, guideline)
    maximum = min(maximum if maximum is not None else ceiling, ceiling)
    start_limit = start_limit if start_limit is not None else ceiling
    if minors is not None:
        maximum, start_limit = min(maximum, minors[0]), min(start_limit, minors[1])
    return Limits(
        maximum_mcg=maximum,
        ceiling_mcg=ceiling,
        start_limit_mcg=start_limit,
        step_max_mcg=mg_to_mcg(titration.step_mg_per_day.max),
        min_interval_days=titration.min_interval_days,
        smallest_dose_mcg=maker.smallest_dose_mcg,
    )


def is_minor(patient: PatientInputs, guideline: Guideline) -> bool:
    """Whether the patient is known to be under the guideline's age for minors (18)."""
    age = patient.age_years
    return age is not None and age < guideline.minors.under_age_years


def minors_limits(patient: PatientInputs, guideline: Guideline) -> tuple[int, int] | None:
    """For a patient under 18 whose weight is known: the most a day (0.2 mg/kg/day) and
    the most a start (0.05 mg/kg/day) may be, in micrograms rounded down; else None."""
    weight = patient.weight_kg
    if weight is None or not is_minor(patient, guideline):
        return None
    rule = guideline.minors
    return (
        int((rule.max_mg_per_kg_per_day * weight * 1000).to_integral_value(rounding=ROUND_FLOOR)),
        int(
            (rule.start_limit_mg_per_kg_per_day * weight * 1000).to_integral_value(
                rounding=ROUND_FLOOR
            )
        ),
    )


def shown_weight(
    protocol: Protocol, patient: PatientInputs, guideline: Guideline
) -> Decimal | None:
    """The weight each daily total is shown per kg for: a weight-based protocol's, and
    that of any patient under 18 whose weight is known."""
    if protocol.by_weight or is_minor(patient, guideline):
        return patient.weight_kg
    return None


def above_maximum(mcg: int, limits: Limits, patient: PatientInputs, guideline: Guideline) -> str:
    """Why ``mcg`` a day is too much, naming mg/kg/day where the minors' bound is the one
    it breaks: '4 mg/day is 0.4 mg/kg/day for 10 kg, above ...'."""
    minors = minors_limits(patient, guideline)
    if minors is not None and mcg > minors[0] and patient.weight_kg is not None:
        rule = guideline.minors
        return (
            f"{format_mg(mcg)}/day is {format_per_kg(mcg, patient.weight_kg)} mg/kg/day "
            f"for {format_decimal(patient.weight_kg)} kg, above the "
            f"{format_decimal(rule.max_mg_per_kg_per_day)} mg/kg/day allowed under "
            f"{rule.under_age_years} years (label, pediatric maintenance)"
        )
    return (
        f"{format_mg(mcg)}/day is above the maximum of "
        f"{format_mg(limits.maximum_mcg)}/day for this protocol and patient"
    )


def daily_mcg(amount: DailyAmount, patient: PatientInputs) -> int | None:
    """A daily amount for this patient in whole micrograms, rounded down (the safe way).

    None when the amount is given only per kg and the weight is unknown.
    """
    values: list[int] = []
    if amount.mg_per_day is not None:
        values.append(mg_to_mcg(amount.mg_per_day))
    if amount.mg_per_kg_per_day is not None and patient.weight_kg is not None:
        exact = amount.mg_per_kg_per_day * patient.weight_kg * 1000
        values.append(int(exact.to_integral_value(rounding=ROUND_FLOOR)))
    return min(values, default=None)


def for_patient(amount: DailyAmount, patient: PatientInputs) -> int:
    """A daily amount that must be known: per-kg amounts need the patient's weight."""
    value = daily_mcg(amount, patient)
    if value is None:
        raise InputError(
            "this protocol doses by weight: give the weight", field="patient.weight_kg"
        )
    return value


def pediatric_warnings(schedule: Schedule, guideline: Guideline) -> tuple[str, ...]:
    """Where the label's pediatric ceiling cannot be checked, the words that say so: a
    patient under 18 without a weight; a weight without an age, where a dose would be above
    0.2 mg/kg/day if the patient were under 18. (With both, it is a refusal instead.)"""
    patient = schedule.request.patient
    rule = guideline.minors
    ceiling = format_decimal(rule.max_mg_per_kg_per_day)
    if is_minor(patient, guideline) and patient.weight_kg is None:
        return (
            f"Under {rule.under_age_years} and weight not given: the label's pediatric ceiling "
            f"of {ceiling} mg/kg/day (a start of at most "
            f"{format_decimal(rule.start_limit_mg_per_kg_per_day)}) could not be checked; "
            "give the weight.",
        )
    weight = patient.weight_kg
    if patient.age_years is not None or weight is None:
        return ()
    highest = max(step.total_mcg for step in schedule.steps)
    if Decimal(highest) <= rule.max_mg_per_kg_per_day * weight * 1000:
        return ()
    return (
        f"Age not given: if the patient is under {rule.under_age_years}, "
        f"{format_mg(highest)}/day is {format_per_kg(highest, weight)} mg/kg/day for "
        f"{format_decimal(weight)} kg, above the label's pediatric ceiling of {ceiling} "
        "mg/kg/day; give the age.",
    )
