"""Several taper paces planned side by side from one dose, for the teaching view.

``planner compare`` and the web page's teaching view both come here, so a class sees
the same schedules whichever it uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from planner.api import load_protocol, taper
from planner.core.units import mg_to_mcg
from planner.domain.protocols import Library, load_library
from planner.domain.schedule import Schedule
from planner.errors import InputError
from planner.models import HyperbolicPhase

DEFAULT_PACES = ("linear", "proportional", "hyperbolic")


@dataclass(frozen=True)
class Comparison:
    """The checked taper of each pace, and the illustrative EC50 occupancy is shown at."""

    schedules: tuple[Schedule, ...]
    ec50_mcg: int


def compare_paces(
    protocol: str,
    *,
    from_mg_per_day: Decimal,
    paces: tuple[str, ...] = DEFAULT_PACES,
    product: str | None = None,
    start: dt.date | None = None,
    ec50_mg_per_day: Decimal | None = None,
    library: Library | None = None,
) -> Comparison:
    """One taper per pace (an EC50 given applies to the hyperbolic ones only)."""
    if not paces:
        raise InputError("name at least one pace", field="paces")
    library = library or load_library()
    chosen = load_protocol(protocol, library=library)
    schedules = []
    for name in paces:
        hyperbolic = any(p.kind == "hyperbolic" for p in library.pace(name).phases)
        schedules.append(
            taper(
                chosen,
                start=start or dt.date.today(),
                from_mg_per_day=from_mg_per_day,
                pace=name,
                product=product,
                ec50_mg_per_day=ec50_mg_per_day if hyperbolic else None,
                library=library,
            )
        )
    ec50 = mg_to_mcg(ec50_mg_per_day) if ec50_mg_per_day is not None else _ec50_mcg(library)
    return Comparison(tuple(schedules), ec50)


def _ec50_mcg(library: Library) -> int:
    """The illustrative EC50 of the bundled hyperbolic pace."""
    phase = library.pace("hyperbolic").phases[0]
    assert isinstance(phase, HyperbolicPhase)
    return mg_to_mcg(phase.ec50_mg_per_day)
