"""Which pace and which products a taper uses: the protocol's offer, the population the
pace's source studied, an EC50 asked for, and a switch to a product with smaller steps
for the end."""

from __future__ import annotations

from planner.core.memo import remembered_by_identity
from planner.core.units import format_mg, mg_to_mcg
from planner.domain.products import DoseMaker, dose_maker
from planner.domain.protocols import Library
from planner.errors import FieldValueError, InputError
from planner.models import (
    Pace,
    PatientInputs,
    Product,
    Protocol,
    TaperRequest,
)


def choose_pace(protocol: Protocol, request: TaperRequest, library: Library) -> Pace:
    """The pace asked for, where the protocol offers it and its source studied patients
    like this one; or the clinician's own steps, compared with the guideline's pace."""
    if request.custom_steps:
        bound = library.guideline.taper_pace
        return Pace.custom(bound.max_percent, bound.per_days)
    pace_id = request.pace or protocol.default_pace
    if pace_id not in protocol.paces:
        offered = ", ".join(protocol.paces)
        if pace_id not in library.paces.paces:
            raise InputError(
                f"unknown pace {pace_id!r}; {protocol.id} offers {offered}", field="pace"
            )
        raise InputError(
            f"{pace_id!r} is not offered for {protocol.id}; its paces are {offered}", field="pace"
        )
    pace = library.pace(pace_id)
    _studied_in(pace, protocol, request.patient, library)
    try:
        return pace.with_ec50(request.ec50_mg_per_day)
    except FieldValueError as error:
        raise InputError(error.reason, field=error.field) from None


def _studied_in(pace: Pace, protocol: Protocol, patient: PatientInputs, library: Library) -> None:
    """A pace studied in adults only is not planned for a patient known to be under 18
    (who can be on an adults' protocol only past its gate, with an off-label reason)."""
    minors = library.guideline.minors.under_age_years
    age = patient.age_years
    if not pace.population.adults_only or age is None or age >= minors:
        return
    fitting = [
        pace_id for pace_id in protocol.paces if not library.pace(pace_id).population.adults_only
    ]
    raise InputError(
        f"{pace.id} was studied in {pace.population.studied} "
        f"({pace.population.source}), not in a patient of {age} years; choose "
        f"{', '.join(fitting)}",
        field="pace",
    )


class TaperProducts:
    """Which product makes a dose: the main one, or the switch product at or below its
    threshold (where it can make the dose exactly)."""

    def __init__(self, main: Product, request: TaperRequest, library: Library) -> None:
        self.main = dose_maker(main)
        self.library = library
        switch = request.switch_product
        self.switch: tuple[int, DoseMaker] | None = None
        if switch is not None:
            finer = dose_maker(library.product(switch.product))
            if finer.smallest_dose_mcg > self.main.smallest_dose_mcg:
                raise InputError(
                    f"{finer.product.name} gives "
                    f"{format_mg(finer.smallest_dose_mcg)} at the least, more than "
                    f"{main.name} ({format_mg(self.main.smallest_dose_mcg)}); a switch is to a "
                    "product with smaller steps for the end of the taper",
                    field="switch_product",
                )
            self.switch = (mg_to_mcg(switch.at_or_below_mg_per_day), finer)

    def for_reducing(self, dose: int) -> DoseMaker:
        """The product whose units set the next, lower dose."""
        if self.switch is not None and dose <= self.switch[0]:
            return self.switch[1]
        return self.main

    def for_level(self, dose: int) -> DoseMaker:
        """The product that gives ``dose``."""
        if (
            self.switch is not None
            and dose <= self.switch[0]
            and self.switch[1].can_make_daily(dose)
        ):
            return self.switch[1]
        return self.main

    def suggestions(self, lengthened: bool) -> list[str]:
        """Where the product made the taper wait, name a product with smaller steps."""
        if not lengthened:
            return []
        return list(_finer_product(self.library, self.switch[1] if self.switch else self.main))


@remembered_by_identity(1 << 8, objects=2)
def _finer_product(library: Library, last: DoseMaker) -> tuple[str, ...]:
    """A product of the library with smaller steps than ``last``, named in a suggestion:
    the finest sold where ``last`` is, else the finest anywhere (none: no suggestion)."""
    catalog = sorted(library.products.products)
    makers = [dose_maker(library.product(product_id)) for product_id in catalog]
    finer = [m for m in makers if m.smallest_dose_mcg < last.smallest_dose_mcg]
    if not finer:
        return ()
    local = [m for m in finer if m.product.region == last.product.region]
    finest = min(local or finer, key=lambda maker: maker.smallest_dose_mcg)
    return (
        f"{finest.product.name} can give steps of {format_mg(finest.smallest_dose_mcg)}: "
        f"choose product {finest.product.id}, or switch to it for the last steps "
        "(a product switch).",
    )


def gradual_with(on_hand: Product, whole: Product) -> None:
    """Strengths on hand that make coarser doses than the product's own would turn a taper
    into large cuts and a stop from a large dose: refuse them, naming what to add."""
    restricted, full = dose_maker(on_hand), dose_maker(whole)
    if (restricted.smallest_dose_mcg, restricted.resolution_mcg) == (
        full.smallest_dose_mcg,
        full.resolution_mcg,
    ):
        return
    helps = [
        strength
        for strength in whole.strengths
        if strength not in on_hand.strengths
        and (
            dose_maker(whole.only((*(s.mg for s in on_hand.strengths), strength.mg))).resolution_mcg
            == full.resolution_mcg
        )
    ]
    missing = helps or [s for s in whole.strengths if s not in on_hand.strengths]
    raise InputError(
        f"with only {', '.join(format_mg(s.mcg) for s in on_hand.strengths)} on "
        f"hand, the taper would cut in steps of {format_mg(restricted.resolution_mcg)} and stop "
        f"from {format_mg(restricted.smallest_dose_mcg)}/day, where {whole.name} goes down in "
        f"steps of {format_mg(full.resolution_mcg)} to {format_mg(full.smallest_dose_mcg)}: add "
        f"{' or '.join(format_mg(s.mcg) for s in missing)} to taper gradually",
        field="strengths_mg",
    )
