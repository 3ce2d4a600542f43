"""Who a protocol is for: the label's bounds on age and weight, checked before planning.

A patient outside the population is refused, with the protocol that fits named; a bound
that cannot be checked (age or weight not given) is named in the warnings; only a
clinician's recorded reason (``off_label_reason``) plans past a gate, and it is printed
on every output.
"""

from __future__ import annotations

from decimal import Decimal

from planner.core.units import format_decimal
from planner.errors import InputError
from planner.models import Bound, PatientInputs, Protocol

AGE, WEIGHT = "patient.age_years", "patient.weight_kg"
OFF_LABEL = "Off-label: "


def off_label_note(warnings: tuple[str, ...]) -> str:
    """The off-label warning among a schedule's warnings, to print on every output."""
    return next((text for text in warnings if text.startswith(OFF_LABEL)), "")


def population_warnings(
    protocol: Protocol, patient: PatientInputs, off_label_reason: str | None
) -> list[str]:
    """Refuse a patient outside the protocol's population; the warnings of a partial check.

    Each bound holds, fails or is unknown (no value given); ``all`` fails when any bound
    fails, ``any`` fails when every bound fails.
    """
    population = protocol.population
    bounds: list[tuple[str, Bound, Decimal | int | None, str]] = []
    if population.age_years is not None:
        bounds.append(("age", population.age_years, patient.age_years, "years"))
    if population.weight_kg is not None:
        bounds.append(("weight", population.weight_kg, patient.weight_kg, "kg"))
    if not bounds:
        return _recorded(off_label_reason, f"{protocol.id} sets no bounds on age or weight")
    results = [None if value is None else bound.holds(value) for _, bound, value, _ in bounds]
    joiner = " and " if population.combine == "all" else " or "
    rule = joiner.join(bound.describe(unit) for _, bound, _, unit in bounds)
    who = f"{protocol.id} is for {population.description} ({population.source})"
    if population.combine == "all":
        fits = False if False in results else (True if all(results) else None)
    else:
        fits = True if True in results else (False if all(r is False for r in results) else None)
    if fits is False:
        given = ", ".join(
            f"{format_decimal(Decimal(value))} {unit}"
            for _, _, value, unit in bounds
            if value is not None
        )
        if off_label_reason is None:
            what = next(w for (w, _, _, _), r in zip(bounds, results, strict=True) if r is False)
            field = AGE if what == "age" else WEIGHT
            instead = f": use {population.otherwise}" if population.otherwise else ""
            raise InputError(
                f"a patient of {given} is outside {protocol.id} ({rule}; "
                f"{population.source}){instead}; to plan it anyway, give an off-label reason",
                field=field,
            )
        return [
            f"{OFF_LABEL}a patient of {given} is outside {protocol.id} ({rule}; "
            f"{population.source}). Prescriber's reason: {off_label_reason}"
        ]
    if fits is None:
        missing = [what for what, _, value, _ in bounds if value is None]
        return [
            f"Population not checked: {' and '.join(missing)} not given; {who}.",
            *_recorded(off_label_reason, "the population could not be checked"),
        ]
    return _recorded(off_label_reason, f"the patient is within {protocol.id}'s population")


def _recorded(off_label_reason: str | None, why: str) -> list[str]:
    """A reason given is never dropped silently, even where no gate needed it."""
    if off_label_reason is None:
        return []
    return [f"Off-label reason recorded ({why}): {off_label_reason}"]
