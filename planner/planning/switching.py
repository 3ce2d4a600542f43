"""Switching to clonazePAM from another benzodiazepine, in small stages.

Clinical rules 7 (the Ashton Manual 2002, slow withdrawal schedules; ASAM 2025: a switch
"may be more successful if the doses are slowly transitioned over 1-2 weeks rather than
1-2 days"): the old drug is taken at the patient's own times of day (by default its
label's usual divided schedule) until it is exchanged. Each stage replaces part of one
dose of the day, the latest first, with the clonazePAM its equivalent by one named
source, given at the protocol's time of day nearest to it; no stage replaces more than a
quarter of the day's starting equivalent, nor more than Ashton's 10 mg of diazepam; each
is held at least a week. ClonazePAM's day total is the exact equivalent of what has been
exchanged, rounded to the nearest dose the product makes (a tie to the lower), so at
every stage the day's equivalent stays within half a product step of where it started.
Then the dose is held (with reviews), or, if asked, clonazePAM is tapered at a pace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from planner.core.units import format_mg, mcg_to_mg, mg_to_mcg
from planner.domain.products import DoseMaker, dose_maker
from planner.domain.protocols import Library, load_equivalences
from planner.domain.schedule import Dose, DoseStep, OtherDose, Schedule, Switch
from planner.errors import DoseError, InputError, PlannerError
from planner.models import (
    DoseTime,
    EquivalenceTable,
    Protocol,
    SwitchRequest,
    TaperRequest,
)
from planner.planning.dose_limits import above_maximum, resolve_limits, shown_weight
from planner.planning.engine import cautions_for
from planner.planning.levels import switch_levels
from planner.planning.population import off_label_note, population_warnings
from planner.planning.switch_stages import Stages, TooCoarse, exact_mg, stages_or_none, too_coarse
from planner.planning.tapering import build_taper


def build_switch(protocol: Protocol, request: SwitchRequest, *, library: Library) -> Schedule:
    """Exchange the old drug for clonazePAM in stages, then hold it or taper it."""
    table = load_equivalences()
    if protocol.by_weight and request.patient.weight_kg is None:
        raise InputError(
            f"{protocol.id} doses by weight: give the weight", field="patient.weight_kg"
        )
    product = library.product(request.product or protocol.default_product, request.strengths_mg)
    maker = dose_maker(product)
    switch, regimen = _switch(table, request)
    if request.step_days < table.switching.stage_days_at_least:
        raise InputError(
            f"each stage is held at least {table.switching.stage_days_at_least} days",
            field="step_days",
        )

    def with_other_products() -> dict[str, Stages | None]:
        """The stages with each other product (asked only where this one falls short)."""
        return {
            other: stages_or_none(
                table, switch, regimen, dose_maker(library.product(other)), protocol
            )
            for other in library.products.products
            if other != product.id
        }

    try:
        stages = Stages.plan(table, switch, regimen, maker, protocol)
    except TooCoarse as coarse:
        can = [other for other, staged in with_other_products().items() if staged is not None]
        raise too_coarse(switch, maker, coarse.cap_mg, can) from None
    limits = resolve_limits(protocol, request.patient, maker, library.guideline)
    final = sum(stages.clonazepam[-1].values())
    if final > limits.maximum_mcg:
        why = above_maximum(final, limits, request.patient, library.guideline)
        raise InputError(
            f"{why} ({format_mg(sum(regimen.values()))}/day of {switch.drug_name} is "
            f"{format_mg(final)}/day of clonazePAM)",
            field="from_mg_per_day",
        )
    steps = _stage_steps(request, protocol, switch, stages, maker)
    warnings = [
        *population_warnings(protocol, request.patient, request.off_label_reason),
        *_equivalence_warnings(switch, sum(regimen.values()), final, maker),
        *(
            _unreplaced_warnings(switch, stages, maker, with_other_products())
            if stages.unreplaced
            else []
        ),
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
        notes=tuple(stages.notes),
        switch=switch,
        weight_kg=shown_weight(protocol, request.patient, library.guideline),
    )
    whole = (
        _then_hold(schedule)
        if request.then_pace is None
        else _then_taper(schedule, request, library)
    )
    dip = switch_levels(whole).dip_warning()
    return whole if dip is None else replace(whole, warnings=(*whole.warnings, dip))


def _switch(table: EquivalenceTable, request: SwitchRequest) -> tuple[Switch, dict[DoseTime, int]]:
    """The drug switched from, its product, the equivalence asked for and the patient's
    regimen of it (each time of day and its dose in mcg), or why not."""
    if request.from_drug not in table.from_drugs:
        raise InputError(
            f"{request.from_drug!r} is not a drug the planner switches from; "
            f"known: {', '.join(table.from_drugs)}",
            field="from_drug",
        )
    source = request.equivalence or table.default_source
    known = [
        s.id for s in table.sources if s.id in table.drugs[table.switch_to].mg_per_10_mg_diazepam
    ]
    if source not in known:
        raise InputError(
            f"{source!r} is not a source of the equivalence table; known: {', '.join(known)}",
            field="equivalence",
        )
    drug = table.drugs[request.from_drug]
    product_id = request.from_product or next(iter(drug.products))
    if product_id not in drug.products:
        raise InputError(
            f"{product_id!r} is not a product of {drug.name}; known: {', '.join(drug.products)}",
            field="from_product",
        )
    old_product = drug.product(product_id).read_from(table.file_digests)
    regimen = _regimen(table, request, dose_maker(old_product))
    switch = Switch(
        drug_id=request.from_drug,
        drug_name=drug.name,
        product=old_product,
        source=source,
        citation=table.citation(source),
        ratio=table.ratio(request.from_drug, source),
        figures=tuple((other, table.ratio(request.from_drug, other)) for other in known),
        times=tuple(regimen),
        regimen=tuple(regimen.values()),
    )
    return switch, regimen


def _regimen(
    table: EquivalenceTable, request: SwitchRequest, maker: DoseMaker
) -> dict[DoseTime, int]:
    """The old drug as the patient takes it: the doses given, at their times of day in the
    day's order; else the daily dose divided over the drug's usual times (its label's)."""
    name = table.drugs[request.from_drug].name
    total = mg_to_mcg(request.from_mg_per_day)
    if not request.from_doses:
        usual = [table.dose_time(time) for time in table.drugs[request.from_drug].usual_times]
        try:
            amounts = _usual_split(total, len(usual), maker)
        except DoseError:
            raise DoseError(
                f"{format_mg(total)}/day of {name} cannot be made with "
                f"{maker.product.name} (its doses go in steps of "
                f"{format_mg(maker.resolution_mcg)}); give the doses as the patient takes them",
                field="from_mg_per_day",
            ) from None
        return {time: amount for time, amount in zip(usual, amounts, strict=True) if amount}
    regimen: dict[DoseTime, int] = {}
    for index, dose in enumerate(request.from_doses):
        where = f"from_doses[{index}]"
        if dose.time not in table.times:
            raise InputError(
                f"{dose.time!r} is not a time of day; use {', '.join(table.times)}", field=where
            )
        time = table.dose_time(dose.time)
        if regimen and time.clock <= max(t.clock for t in regimen):
            raise InputError(f"{dose.time} is out of the day's order; list them in it", field=where)
        amount = mg_to_mcg(dose.mg)
        if not maker.can_make(amount):
            raise DoseError(
                f"{format_mg(amount)} of {name} cannot be made with "
                f"{maker.product.name} (steps of {format_mg(maker.resolution_mcg)})",
                field=where,
            )
        regimen[time] = amount
    return regimen


def _usual_split(total: int, times: int, maker: DoseMaker) -> tuple[int, ...]:
    """The daily dose divided over the usual times as a prescriber would: in whole
    tablets where they divide it, else in the parts the product allows."""
    whole = maker.product.model_copy(
        update={
            "strengths": tuple(s.model_copy(update={"split": 1}) for s in maker.product.strengths)
        }
    )
    try:
        return dose_maker(whole).split_daily(total, times)
    except DoseError:
        return maker.split_daily(total, times)


def _stage_steps(
    request: SwitchRequest,
    protocol: Protocol,
    switch: Switch,
    stages: Stages,
    maker: DoseMaker,
) -> list[DoseStep]:
    """One step per stage, each held ``step_days``: clonazePAM at the protocol's times,
    the old drug at its own."""
    old_maker = dose_maker(switch.product)
    steps = []
    for number, (old, new, exchanged) in enumerate(
        zip(stages.old, stages.clonazepam, stages.exchanged, strict=True), 1
    ):
        first_day = (number - 1) * request.step_days + 1
        steps.append(
            DoseStep(
                start=request.start + dt.timedelta(days=first_day - 1),
                first_day=first_day,
                days=request.step_days,
                total_mcg=sum(new.values()),
                doses=tuple(
                    Dose(time, new[time], maker.make(new[time])) for time in protocol.dose_times
                ),
                phase="switch",
                product=maker.product,
                note=_stage_note(number, switch, exchanged, old),
                other_doses=tuple(
                    OtherDose(time, amount, old_maker.make(amount))
                    for time, amount in old.items()
                    if amount
                ),
            )
        )
    return steps


def _stage_note(
    number: int,
    switch: Switch,
    exchanged: tuple[DoseTime, int, DoseTime, int],
    old: dict[DoseTime, int],
) -> str:
    time, part, target, added = exchanged
    left = old[time]
    after = f"{format_mg(left)} left" if left else "none left"
    if not added:
        return (
            f"Stage {number}: {format_mg(part)} of the {time.name} {switch.drug_name} "
            f"({after}) is not yet replaced: its clonazePAM equivalent is less than half a "
            "step of the product, and comes with a later stage."
        )
    return (
        f"Stage {number}: {format_mg(part)} of the {time.name} {switch.drug_name} ({after}) "
        f"becomes {format_mg(added)} more clonazePAM {target.label}."
    )


def _then_hold(switched: Schedule) -> Schedule:
    """After the last stage the clonazePAM is held, the old drug gone: a step of its own,
    the dose to go on with (reviewed every 3 months)."""
    last = switched.steps[-1]
    hold = replace(
        last,
        start=last.end + dt.timedelta(days=1),
        first_day=last.last_day + 1,
        days=switched.protocol.titration.hold_days or 1,
        phase="maintenance",
        note=(
            f"Hold {format_mg(last.total_mcg)}/day of clonazePAM: the switch is complete; "
            "keep taking it until the prescriber reviews it."
        ),
        other_doses=(),
    )
    return replace(switched, steps=(*switched.steps, hold))


def _then_taper(switched: Schedule, request: SwitchRequest, library: Library) -> Schedule:
    """The switch, then a clonazePAM taper from the dose the last stage ends on; each time
    of day keeps its dose until the taper's first cut."""
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
            held_before_as="of the last stage",
        )
    except PlannerError as error:
        if error.field != "pace":
            raise
        raise InputError(str(error.reason), field="then_pace") from None  # a switch's option
    held = []
    for step in falling.steps:
        if step.total_mcg != end.total_mcg:
            break
        held.append(replace(step, doses=end.doses))  # the last stage's doses, kept
    falling = replace(falling, steps=(*held, *falling.steps[len(held) :]))
    return switched.followed_by(falling)


def _unreplaced_warnings(
    switch: Switch, stages: Stages, maker: DoseMaker, others: dict[str, Stages | None]
) -> list[str]:
    """Where a stage lowers the old drug with nothing added yet (the product's step is
    coarser than the stage), say so, and which products would add clonazePAM at every
    stage."""
    finer = [other for other, staged in others.items() if staged and not staged.unreplaced]
    would = (
        f"{', '.join(finer)} would add clonazePAM at every stage"
        if finer
        else "no other product of the products file would add clonazePAM at every stage"
    )
    numbers = stages.unreplaced
    which = (
        f"Stage {numbers[0]} lowers"
        if len(numbers) == 1
        else f"Stages {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} lower"
    )
    return [
        f"{which} {switch.drug_name} with no clonazePAM added yet, as {maker.product.name} "
        f"cannot add less than {format_mg(maker.resolution_mcg)}; the day's equivalent stays "
        f"within half a step. {would}."
    ]


def _equivalence_warnings(switch: Switch, total: int, final: int, maker: DoseMaker) -> list[str]:
    """The equivalence used, by name, and every other source's figure where it differs."""
    planned = (
        ""
        if final == total * switch.ratio
        else (
            f" This plan gives {format_mg(final)}/day, the nearest the product makes "
            f"(steps of {format_mg(maker.resolution_mcg)}; exactly halfway, the lower)."
        )
    )
    used = (
        f"Equivalence: {switch.drug_name} {format_mg(total)}/day is clonazePAM "
        f"{exact_mg(total * switch.ratio)} mg/day by {switch.source} ({switch.citation}).{planned} "
        "Equivalences are approximate and individual: review the patient at every stage."
    )
    others = [
        f"{source} gives {exact_mg(total * ratio)} mg/day"
        for source, ratio in switch.figures
        if source != switch.source and ratio != switch.ratio
    ]
    if not others:
        agree = ", ".join(source for source, _ in switch.figures)
        return [f"{used} The sources agree for {switch.drug_name} ({agree})."]
    return [f"{used} The sources disagree: {'; '.join(others)}; this plan uses {switch.source}."]
