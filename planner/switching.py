"""Switching to clonazePAM from another benzodiazepine, one dose of the day at a time.

Ashton's method (2002): the day's doses of the old drug are exchanged for clonazePAM one
at a time, the evening dose first, each step held about a week; ASAM 2025: a switch "may
be more successful if the doses are slowly transitioned over 1-2 weeks rather than 1-2
days". Each exchanged dose is the equivalent by one named source, rounded to the nearest
dose the clonazePAM product makes. Then, if asked, clonazePAM is tapered at a pace.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from planner.dose_limits import above_maximum, resolve_limits, shown_weight
from planner.engine import cautions_for
from planner.errors import DoseError, InputError, PlannerError
from planner.models import EquivalenceTable, Protocol, SwitchRequest, TaperRequest
from planner.population import off_label_note, population_warnings
from planner.products import DoseMaker, dose_maker
from planner.protocols import Library, load_equivalences
from planner.schedule import Dose, DoseStep, OtherDose, Schedule, Switch
from planner.tapering import build_taper
from planner.units import format_decimal, format_mg, mcg_to_mg, mg_to_mcg


def build_switch(protocol: Protocol, request: SwitchRequest, *, library: Library) -> Schedule:
    """Exchange the old drug's doses for clonazePAM, then optionally taper clonazePAM."""
    table = load_equivalences()
    switch = _switch(table, request)
    product = library.product(request.product or protocol.default_product, request.strengths_mg)
    maker, other = dose_maker(product), dose_maker(switch.product)
    current = mg_to_mcg(request.from_mg_per_day)
    if not other.can_make_daily(current):
        raise DoseError(
            f"from_mg_per_day: {format_mg(current)}/day cannot be made exactly with "
            f"{switch.product.name}; its doses go in steps of {format_mg(other.resolution_mcg)}"
        )
    if protocol.by_weight and request.patient.weight_kg is None:
        raise InputError(f"patient.weight_kg: {protocol.id} doses by weight: give the weight")
    times = protocol.dose_times
    try:
        old = other.split_daily(current, len(times))
    except DoseError:
        raise DoseError(
            f"from_mg_per_day: {format_mg(current)}/day of {switch.drug_name} cannot be divided "
            f"over the {len(times)} times of day of {protocol.id} with {switch.product.name}: "
            "the switch gives the old drug at clonazePAM's times of day; give a dose that "
            "divides"
        ) from None
    new = _equivalents(old, switch, maker, protocol.titration.min_doses_per_day)
    limits = resolve_limits(protocol, request.patient, maker, library.guideline)
    if sum(new) > limits.maximum_mcg:
        why = above_maximum("from_mg_per_day", sum(new), limits, request.patient, library.guideline)
        raise InputError(
            f"{why} ({format_mg(current)}/day of {switch.drug_name} is {format_mg(sum(new))}/day "
            "of clonazePAM)"
        )
    # The evening dose first, as in Ashton's schedules; times without a dose are skipped.
    order = [index for index in reversed(range(len(times))) if old[index]]
    steps = []
    for count in range(1, len(order) + 1):
        exchanged = set(order[:count])
        doses = tuple(
            Dose(time, new[i], maker.make(new[i]))
            if i in exchanged
            else Dose(time, 0, (), OtherDose(old[i], other.make(old[i])) if old[i] else None)
            for i, time in enumerate(times)
        )
        first_day = (count - 1) * request.step_days + 1
        steps.append(
            DoseStep(
                start=request.start + dt.timedelta(days=first_day - 1),
                first_day=first_day,
                days=request.step_days,
                total_mcg=sum(dose.mcg for dose in doses),
                doses=doses,
                phase="switch",
                product=product,
                note=_exchange_note(
                    switch, times[order[count - 1]].name, old, new, order[count - 1]
                ),
            )
        )
    notes = [
        f"The {switch.drug_name} dose of {format_mg(current)}/day is divided over "
        f"{protocol.id}'s times of day ({', '.join(t.name for t in times)}) as "
        f"{', '.join(format_mg(amount) for amount in old)}: check that this is how the "
        "patient takes it, or ask the prescriber before day 1."
    ]
    warnings = [
        *population_warnings(protocol, request.patient, request.off_label_reason),
        *_equivalence_warnings(switch, old, new),
        *cautions_for(protocol, request.patient, "switch"),
    ]
    schedule = Schedule(
        kind="switch",
        protocol=protocol,
        product=product,
        request=request,
        limits=limits,
        steps=tuple(steps),
        previous_mcg=0,
        warnings=tuple(warnings),
        off_label=off_label_note(tuple(warnings)),
        notes=tuple(notes),
        switch=switch,
        weight_kg=shown_weight(protocol, request.patient, library.guideline),
    )
    if request.then_pace is None:
        # The last exchange is the dose to go on with: a maintenance, never a stop.
        return replace(schedule, steps=(*steps[:-1], replace(steps[-1], phase="maintenance")))
    return _then_taper(schedule, request, library)


def _then_taper(switched: Schedule, request: SwitchRequest, library: Library) -> Schedule:
    """The switch, then a clonazePAM taper from the dose the switch ends on."""
    end = switched.steps[-1]
    taper = TaperRequest(
        start=end.end + dt.timedelta(days=1),
        from_mg_per_day=mcg_to_mg(end.total_mcg),
        patient=request.patient,
        product=request.product,
        strengths_mg=request.strengths_mg,
        pace=request.then_pace,
        off_label_reason=request.off_label_reason,
    )
    try:
        falling = build_taper(
            switched.protocol,
            taper,
            library=library,
            held_before_days=request.step_days,
            held_before_as="of the last exchange",
        )
    except PlannerError as error:
        if error.field != "pace":
            raise
        raise InputError(str(error.reason), field="then_pace") from None  # a switch's option
    return switched.followed_by(falling)


def _switch(table: EquivalenceTable, request: SwitchRequest) -> Switch:
    """The drug switched from, its product and the equivalence asked for, or why not."""
    if request.from_drug not in table.from_drugs:
        raise InputError(
            f"from_drug: {request.from_drug!r} is not a drug the planner switches from; "
            f"known: {', '.join(table.from_drugs)}"
        )
    source = request.equivalence or table.default_source
    known = [
        s.id for s in table.sources if s.id in table.drugs[table.switch_to].mg_per_10_mg_diazepam
    ]
    if source not in known:
        raise InputError(
            f"equivalence: {source!r} is not a source of the equivalence table; "
            f"known: {', '.join(known)}"
        )
    drug = table.drugs[request.from_drug]
    product_id = request.from_product or next(iter(drug.products))
    if product_id not in drug.products:
        raise InputError(
            f"from_product: {product_id!r} is not a product of {drug.name}; "
            f"known: {', '.join(drug.products)}"
        )
    return Switch(
        drug_id=request.from_drug,
        drug_name=drug.name,
        product=drug.product(product_id).read_from(table.file_digests),
        source=source,
        citation=table.citation(source),
        ratio=table.ratio(request.from_drug, source),
        figures=tuple((other, table.ratio(request.from_drug, other)) for other in known),
    )


def _equivalents(
    old: tuple[int, ...], switch: Switch, maker: DoseMaker, fewest_doses: int
) -> tuple[int, ...]:
    """The clonazePAM dose for each of the old drug's doses of the day.

    The day's total is rounded once, to the nearest the product makes (half down), so it
    stays within half a product step of the source's exact figure; each dose is its own
    exact equivalent rounded down, and the steps left go to the doses with the largest
    remainders, the latest first (the largest dose at bedtime). A dose taken is never
    exchanged for nothing: where the product's steps are too coarse, the switch is
    refused rather than rounded away.
    """
    step = maker.resolution_mcg
    exact = [amount * switch.ratio for amount in old]
    total = math.ceil(sum(exact) / step - Fraction(1, 2)) * step
    doses = [math.floor(e / step) * step for e in exact]
    by_remainder = sorted(
        (i for i, amount in enumerate(old) if amount),
        key=lambda i: (exact[i] - doses[i], i),
        reverse=True,
    )
    for index in by_remainder[: (total - sum(doses)) // step]:
        doses[index] += step
    given = [d for d in doses if d]
    unmade = [i for i, amount in enumerate(old) if amount and not maker.can_make(doses[i])]
    if unmade or any(amount and not dose for amount, dose in zip(old, doses, strict=True)):
        index = next(i for i, amount in enumerate(old) if amount and (i in unmade or not doses[i]))
        raise DoseError(
            f"from_mg_per_day: {format_mg(old[index])} of {switch.drug_name} at one time of day "
            f"is {_mg(exact[index])} mg of clonazePAM by {switch.source}, which "
            f"{maker.product.name} cannot give (steps of {format_mg(step)}): choose a product "
            "with smaller steps (us-odt, rivotril-drops)"
        )
    if len(given) < fewest_doses:
        raise DoseError(
            f"from_mg_per_day: the protocol gives at least {fewest_doses} doses a day; "
            f"{maker.product.name} makes this switch in {len(given)}: choose a product with "
            "smaller steps"
        )
    return tuple(doses)


def _mg(mcg: Fraction) -> str:
    """An exact equivalent in mg as people read it, to the microgram."""
    rounded = Decimal(math.floor(mcg + Fraction(1, 2))) / 1000
    return format_decimal(rounded)


def _exchange_note(
    switch: Switch, time: str, old: tuple[int, ...], new: tuple[int, ...], index: int
) -> str:
    return (
        f"Switch the {time} dose: {format_mg(old[index])} of {switch.drug_name} becomes "
        f"{format_mg(new[index])} of clonazePAM."
    )


def _equivalence_warnings(switch: Switch, old: tuple[int, ...], new: tuple[int, ...]) -> list[str]:
    """The equivalence used, by name, and every other source's figure where it differs."""
    total = sum(old)
    planned = (
        ""
        if sum(new) == total * switch.ratio
        else f" This plan gives {format_mg(sum(new))}/day, the nearest the product makes."
    )
    used = (
        f"Equivalence: {switch.drug_name} {format_mg(total)}/day is clonazePAM "
        f"{_mg(total * switch.ratio)} mg/day by {switch.source} ({switch.citation}).{planned} "
        "Equivalences are approximate and individual: review the patient at every step."
    )
    others = [
        f"{source} gives {_mg(total * ratio)} mg/day"
        for source, ratio in switch.figures
        if source != switch.source and ratio != switch.ratio
    ]
    if not others:
        agree = ", ".join(source for source, _ in switch.figures)
        return [f"{used} The sources agree for {switch.drug_name} ({agree})."]
    return [f"{used} The sources disagree: {'; '.join(others)}; this plan uses {switch.source}."]
