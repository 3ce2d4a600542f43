"""The start and held doses of a titration, chosen inside the protocol's ranges.

For a weight-based protocol the label gives ranges, not single numbers: start within
0.01 to 0.03 mg/kg/day (never above the start limit), hold within 0.1 to 0.2 mg/kg/day,
and give every day in at least two divided doses. A product makes only some daily
totals, so the dose chosen is a total it makes inside the range, divided as asked;
where none lies inside, the planner says which product can, rather than giving fewer
doses a day or a dose outside the range silently.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from planner.core.units import format_decimal, format_mg, mg_to_mcg
from planner.core.units import format_per_kg as per_kg
from planner.domain.products import DoseMaker, dose_maker
from planner.domain.protocols import Library
from planner.domain.schedule import Limits
from planner.errors import DoseError, InputError
from planner.models import Guideline, OlderAdults, PatientInputs, Protocol


def dose_count(maker: DoseMaker, total_mcg: int, times: int) -> int:
    """How many doses a day ``total_mcg`` is divided into (0: the product cannot)."""
    try:
        return sum(1 for amount in maker.split_daily(total_mcg, times) if amount)
    except DoseError:
        return 0


def _mcg_range(band: tuple[Decimal, Decimal], weight_kg: Decimal) -> tuple[int, int]:
    """A mg/kg/day range as whole micrograms a day, rounded inwards."""
    low = (band[0] * weight_kg * 1000).to_integral_value(rounding=ROUND_CEILING)
    high = (band[1] * weight_kg * 1000).to_integral_value(rounding=ROUND_FLOOR)
    return int(low), int(high)


def choose_start(
    protocol: Protocol,
    patient: PatientInputs,
    maker: DoseMaker,
    limits: Limits,
    wanted: int,
    library: Library,
) -> tuple[int, list[str]]:
    """The first daily dose, and the notes that explain it."""
    titration = protocol.titration
    times = len(protocol.dose_times)
    need = min(titration.min_doses_per_day, times)
    band = titration.start_range_mg_per_kg_per_day
    if band is None or patient.weight_kg is None:
        return _plain_start(maker, limits, wanted, need, times)
    weight = patient.weight_kg
    low, high = _mcg_range(band, weight)
    high = min(high, limits.start_limit_mcg)
    first = math.ceil(low / maker.resolution_mcg) * maker.resolution_mcg
    inside = [
        total
        for total in range(first, high + 1, maker.resolution_mcg)
        if dose_count(maker, total, times) >= need
    ]
    notes = []
    if inside:
        # The most doses a day (three preferred), then the nearest to the protocol's start,
        # from below where a dose below it is close (a start is rounded down, the safe way).
        start = max(
            inside, key=lambda t: (dose_count(maker, t, times), t <= wanted, -abs(t - wanted))
        )
    else:
        resolution = maker.resolution_mcg
        past_high = max(first, math.ceil((high + 1) / resolution) * resolution)
        beyond = range(past_high, limits.start_limit_mcg + 1, resolution)
        above = [total for total in beyond if dose_count(maker, total, times) >= need]
        if not above:
            other = _finer(library, protocol, maker, weight, need, limits.start_limit_mcg)
            raise DoseError(
                f"{maker.product.name} cannot divide a start dose of "
                f"{format_decimal(band[0])} to {format_decimal(band[1])} mg/kg/day "
                f"(never above {_limit_per_kg(limits, weight)} mg/kg/day) into {need} doses a "
                f"day for {format_decimal(weight)} kg"
                f"; {_who_can(other)}",
                field="product",
            )
        start = above[0]
        other = _finer(library, protocol, maker, weight, need, high)
        to_start_inside = (
            f"; {other.product.name} can start inside the usual range (product {other.product.id})"
            if other
            else ""
        )
        notes.append(
            f"Start {format_mg(start)}/day ({per_kg(start, weight)} mg/kg/day) is above the "
            f"usual {format_decimal(band[0])} to {format_decimal(band[1])} mg/kg/day: it is "
            f"the smallest dose {maker.product.name} divides into {need} doses a day, within "
            f"the start limit of {_limit_per_kg(limits, weight)} mg/kg/day{to_start_inside}."
        )
    return start, notes


def _limit_per_kg(limits: Limits, weight: Decimal) -> str:
    return per_kg(limits.start_limit_mcg, weight)


def _plain_start(
    maker: DoseMaker, limits: Limits, wanted: int, need: int, times: int
) -> tuple[int, list[str]]:
    """A start given in mg/day: the dose rounded down, or the smallest the product gives."""
    notes = []
    start = maker.round_down(wanted)
    if start == 0 and maker.smallest_dose_mcg <= limits.start_limit_mcg:
        start = maker.smallest_dose_mcg
        notes.append(
            f"The start dose of {format_mg(wanted)}/day is below the smallest dose "
            f"{maker.product.name} gives; starting at {format_mg(start)}/day, within the start "
            f"limit of {format_mg(limits.start_limit_mcg)}/day."
        )
    if start == 0:
        raise DoseError(
            f"the start dose of {format_mg(wanted)}/day is below the smallest dose "
            f"{maker.product.name} can give ({format_mg(maker.smallest_dose_mcg)}); choose a "
            "product with smaller units",
            field="product",
        )
    if dose_count(maker, start, times) < need:
        raise DoseError(
            f"{maker.product.name} cannot divide the start dose of "
            f"{format_mg(start)}/day into {need} doses a day",
            field="product",
        )
    return start, notes


def _who_can(other: DoseMaker | None) -> str:
    """Which product can start this child, as the end of a refusal."""
    if other is None:
        return "no bundled product can"
    return f"{other.product.name} can (product {other.product.id})"


def _finer(
    library: Library,
    protocol: Protocol,
    chosen: DoseMaker,
    weight: Decimal,
    need: int,
    limit_mcg: int,
) -> DoseMaker | None:
    """Another product that can start this child, divided, at or below ``limit_mcg``."""
    times = len(protocol.dose_times)
    band = protocol.titration.start_range_mg_per_kg_per_day
    assert band is not None
    low, _ = _mcg_range(band, weight)
    region = chosen.product.region
    makers = [dose_maker(library.product(p)) for p in sorted(library.products.products)]
    # Products sold where the chosen one is come first (US ODT before drops sold elsewhere).
    for maker in sorted(makers, key=lambda m: m.product.region != region):
        if maker is chosen:
            continue
        first = math.ceil(low / maker.resolution_mcg) * maker.resolution_mcg
        if any(
            dose_count(maker, total, times) >= need
            for total in range(first, limit_mcg + 1, maker.resolution_mcg)
        ):
            return maker
    return None


def choose_target(
    protocol: Protocol,
    patient: PatientInputs,
    maker: DoseMaker,
    limits: Limits,
    target: int,
    *,
    by_default: bool,
) -> tuple[int, list[str]]:
    """The held dose: the target rounded to a dose the product makes, and notes.

    A default weight-based target is rounded into the maintenance range, never below
    it; a target the clinician gave is rounded down, as any dose is.
    """
    band = protocol.titration.maintenance_range_mg_per_kg_per_day
    made = maker.round_down(target)
    name = maker.product.name
    if by_default and band is not None and patient.weight_kg is not None:
        low, high = _mcg_range(band, patient.weight_kg)
        high = min(high, limits.maximum_mcg)
        if made < low:
            made = math.ceil(low / maker.resolution_mcg) * maker.resolution_mcg
        if made > high:
            raise InputError(
                f"no daily dose {name} makes lies inside the maintenance "
                f"range of {format_decimal(band[0])} to {format_decimal(band[1])} mg/kg/day "
                f"for {format_decimal(patient.weight_kg)} kg; give a target",
                field="target_mg_per_day",
            )
        if made != target:
            return made, [
                f"Target {format_mg(target)}/day rounded to {format_mg(made)}/day "
                f"({per_kg(made, patient.weight_kg)} mg/kg/day), the nearest dose {name} "
                f"makes inside the maintenance range of {format_decimal(band[0])} to "
                f"{format_decimal(band[1])} mg/kg/day."
            ]
        return made, []
    if made != target:
        return made, [
            f"Target {format_mg(target)}/day rounded down to {format_mg(made)}/day, "
            f"the nearest {name} can make."
        ]
    return made, []


def step_mcg(
    protocol: Protocol, step_mg: Decimal | None, *, smaller_allowed: bool = False
) -> tuple[int, bool]:
    """The step asked for, within the protocol's range (a ceiling where no min is set, or
    where ``smaller_allowed``: an older adult), and whether it is below the usual range."""
    steps = protocol.titration.step_mg_per_day
    step = step_mg if step_mg is not None else steps.default
    below = steps.min is not None and step < steps.min
    if step > steps.max or (below and not smaller_allowed):
        bounds = (
            f"range of {format_decimal(steps.min)} to {format_decimal(steps.max)} mg/day"
            if steps.min is not None
            else f"largest step of {format_decimal(steps.max)} mg/day"
        )
        raise InputError(
            f"{format_decimal(step)} mg/day is outside the protocol's {bounds}",
            field="step_mg_per_day",
        )
    return mg_to_mcg(step), below


def older_adult_numbers(
    protocol: Protocol, patient: PatientInputs, asked: bool, guideline: Guideline
) -> tuple[OlderAdults | None, list[str]]:
    """The protocol's cited numbers for older adults when asked for, and what to say.

    The label only says to start low and observe closely: lower numbers come from a
    cited geriatric source in the protocol file, are used only when asked for, and are
    named; without such a source, the output says there is none rather than invent one.
    """
    older = protocol.older_adults
    threshold = older.from_age if older is not None else guideline.older_adults.from_age_years
    age = patient.age_years
    if asked:
        if older is None:
            raise InputError(
                f"{protocol.id} gives no lower numbers from a cited geriatric "
                "source; choose a smaller step or a longer interval yourself",
                field="older_adult",
            )
        if age is None or age < threshold:
            raise InputError(
                f"the protocol's older-adult numbers are for {threshold} years "
                "and over; give the patient's age",
                field="older_adult",
            )
        source = next(s.citation for s in protocol.sources if s.id == older.source)
        return older, [
            f"Older adult ({threshold} and over): a lower start of "
            f"{format_decimal(older.start_mg_per_day)} mg/day and steps of at most "
            f"{format_decimal(older.step_mg_per_day)} mg/day every {older.min_interval_days} "
            f"days, from {source} (planned with them: older adult asked for)"
        ]
    if age is None or age < threshold:
        return None, []
    if older is None:
        return None, [
            f"Age {age}: no cited geriatric source gives clonazePAM a lower start or slower "
            "steps, so this plan uses the protocol's numbers unless others are asked for; the "
            "label says to start at the low end of the dosing range and observe closely: a "
            "lower target (the titration then starts at it), a smaller step or a longer "
            "interval is the prescriber's choice."
        ]
    return None, [
        f"Age {age}: the protocol cites lower numbers for {threshold} and over (start "
        f"{format_decimal(older.start_mg_per_day)} mg/day, steps of "
        f"{format_decimal(older.step_mg_per_day)} mg/day every {older.min_interval_days} "
        "days); plan with them by asking for the older adult's numbers (older adult)."
    ]
