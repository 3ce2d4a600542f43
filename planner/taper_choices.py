"""Which pace and which products a taper uses: the protocol's offer, an EC50 asked for,
and a switch to a product with smaller steps for the end."""

from __future__ import annotations

from decimal import Decimal

from planner.errors import InputError
from planner.models import (
    CustomPhase,
    HyperbolicPhase,
    Pace,
    Product,
    Protocol,
    TaperRequest,
)
from planner.products import DoseMaker, dose_maker
from planner.protocols import Library
from planner.units import format_decimal, format_mg, mg_to_mcg


def choose_pace(protocol: Protocol, request: TaperRequest, library: Library) -> Pace:
    if not request.custom_steps:
        pace_id = request.pace or protocol.default_pace
        if pace_id not in protocol.paces and pace_id in library.paces.paces:
            raise InputError(
                f"pace: {pace_id!r} is not offered for {protocol.id}; its paces are "
                f"{', '.join(protocol.paces)}"
            )
        pace = library.pace(pace_id)
        return with_ec50(pace, request.ec50_mg_per_day)
    phase = CustomPhase(kind="custom")
    return Pace(
        id="custom",
        published=True,  # the clinician's own schedule runs at its own speed
        title=(
            f"Custom steps: the clinician's own, each compared with "
            f"{phase.limit_percent}% of the dose per {phase.limit_days} days (ASAM 2025)"
        ),
        phases=(phase,),
        sources=("clinician",),
    )


def with_ec50(pace: Pace, ec50_mg_per_day: Decimal | None) -> Pace:
    """The pace with its hyperbolic phases' illustrative EC50 replaced, as asked."""
    if ec50_mg_per_day is None:
        return pace
    hyperbolic = [p for p in pace.phases if isinstance(p, HyperbolicPhase)]
    if not hyperbolic:
        raise InputError(
            f"ec50_mg_per_day: applies only to hyperbolic paces; {pace.id} has no hyperbolic phase"
        )
    phases = tuple(
        p.model_copy(update={"ec50_mg_per_day": ec50_mg_per_day}) if p in hyperbolic else p
        for p in pace.phases
    )
    return pace.model_copy(
        update={
            "phases": phases,
            "title": f"{pace.title}; EC50 set to {format_decimal(ec50_mg_per_day)} mg/day",
        }
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
                    f"switch_product: {finer.product.name} gives "
                    f"{format_mg(finer.smallest_dose_mcg)} at the least, more than "
                    f"{main.name} ({format_mg(self.main.smallest_dose_mcg)}); a switch is to a "
                    "product with smaller steps for the end of the taper"
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
        last = self.switch[1] if self.switch else self.main
        catalog = sorted(self.library.products.products)
        makers = [dose_maker(self.library.product(product_id)) for product_id in catalog]
        finer = [m for m in makers if m.smallest_dose_mcg < last.smallest_dose_mcg]
        if not finer:
            return []
        # The finest product sold where the patient's product is, else the finest anywhere.
        local = [m for m in finer if m.product.region == last.product.region]
        finest = min(local or finer, key=lambda maker: maker.smallest_dose_mcg)
        return [
            f"{finest.product.name} can give steps of {format_mg(finest.smallest_dose_mcg)}: "
            f"--product {finest.product.id}, or switch to it for the last steps "
            "(switch_product in a plan file)."
        ]
