"""Clinical rules 7, over a grid: every protocol, every pace it offers, every product,
current doses from 0.25 to 20 mg/day. No cut is faster than the guideline's pace
(ASAM 2025: 25% of the dose per 14 days, averaged over the days held, the dose before
day 1 counting 14 days, the stop exempt) unless the report says "exceeded by choice" and
names the published pace's source; and no pace is offered outside the population its
source studied.

The fast cuts are found here, by the rule's own arithmetic on the schedule's days, not
by the planner's check; the report is then held to what was found.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from planner.api import plan_checked, taper_request
from planner.domain.products import dose_maker
from planner.domain.protocols import load_library
from planner.domain.schedule import Schedule
from planner.errors import InputError

START = dt.date(2027, 1, 4)
LIBRARY = load_library()
PRODUCTS = sorted(LIBRARY.products.products)

# Clinical rules 7, "Paces by population": who may offer each pace.
GRADED = {"asam", "proportional", "hyperbolic", "linear"}
OFFERED = {
    "panic-adult": GRADED | {"label", "nardi-2010", "two-phase"},
    "seizure-adult": GRADED,
    "seizure-pediatric": GRADED,
}
# A patient each protocol takes: an adult of 40; a child known only by a weight of 30 kg.
PATIENTS: dict[str, dict[str, Any]] = {
    "panic-adult": {"age_years": 40},
    "seizure-adult": {"age_years": 40, "weight_kg": "70"},
    "seizure-pediatric": {"weight_kg": "30"},
}


def doses(product: str) -> list[int]:
    """Current doses in mcg the product makes: every 0.25 mg to 4 mg/day, then every mg to
    20 mg/day (drops, in 0.1 mg steps, take the nearest below)."""
    resolution = dose_maker(LIBRARY.product(product)).resolution_mcg
    wanted = [250 * k for k in range(1, 17)] + [1000 * k for k in range(5, 21)]
    return sorted({mcg // resolution * resolution for mcg in wanted})


def fast_cuts(schedule: Schedule) -> list[tuple[dt.date, int, int, int]]:
    """Each cut short of the stop with f > 25% x n / 14: (date, before, after, days held)."""
    found = []
    before, held = schedule.previous_mcg, 14
    for step in schedule.steps:
        if step.total_mcg == before:
            held += step.days
            continue
        after = step.total_mcg
        if 0 < after < before and Fraction(before - after, before) > Fraction(25, 100) * held / 14:
            found.append((step.start, before, after, held))
        before, held = after, step.days
    return found


def test_each_protocol_offers_exactly_the_paces_its_population_allows() -> None:
    for protocol_id, offered in OFFERED.items():
        assert set(LIBRARY.protocol(protocol_id).paces) == offered, protocol_id


@pytest.mark.parametrize("protocol_id", sorted(OFFERED))
def test_a_pace_outside_its_population_is_refused_naming_those_offered(protocol_id: str) -> None:
    for pace in sorted(set(LIBRARY.paces.paces) - OFFERED[protocol_id]):
        request = taper_request(
            start=START, from_mg_per_day="2", pace=pace, **PATIENTS[protocol_id]
        )
        with pytest.raises(InputError) as refused:
            plan_checked(LIBRARY.protocol(protocol_id), request)
        assert refused.value.field == "pace"
        assert f"its paces are {', '.join(LIBRARY.protocol(protocol_id).paces)}" in str(
            refused.value
        )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("protocol_id", "pace"),
    sorted((protocol_id, pace) for protocol_id, paces in OFFERED.items() for pace in paces),
)
def test_no_cut_outruns_the_guideline_unless_the_report_names_who_chose_it(
    protocol_id: str, pace: str
) -> None:
    protocol = LIBRARY.protocol(protocol_id)
    body = LIBRARY.paces.paces[pace]
    source = next(s.citation for s in LIBRARY.paces.sources if s.id == body.population.source)
    planned = exceeded = 0
    for product in PRODUCTS:
        for current in doses(product):
            request = taper_request(
                start=START,
                from_mg_per_day=Decimal(current) / 1000,
                pace=pace,
                product=product,
                **PATIENTS[protocol_id],
            )
            schedule, report = plan_checked(protocol, request)
            planned += 1
            fast = fast_cuts(schedule)
            guideline = next(r for r in report.results if r.name == "guideline_pace")
            if not fast:
                assert guideline.status == "passed", (product, current)
                continue
            exceeded += 1
            where = (product, current, fast)
            assert body.published, where  # a graded pace never goes faster
            assert guideline.status == "exceeded by choice", where
            assert f"the published pace {pace}, offered for {protocol_id}" in guideline.chosen_by
            assert source in guideline.chosen_by, where
            for date, *_ in fast:
                assert str(date) in guideline.detail, where
            assert report.summary.endswith("1 exceeded by choice"), where
    assert planned >= len(PRODUCTS) * 20
    if body.published and pace != "nardi-2010":  # Nardi's steps fit ASAM from 2 mg or less
        assert exceeded, f"{pace}: the grid never reaches its published speed"
