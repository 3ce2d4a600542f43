"""Issue 20's 'done when': a grid over every drug the equivalences file lists (alprazolam
0.5-6 mg/day, lorazepam 1-10, diazepam 5-60), each equivalence source and each clonazePAM
product. Every switch planned keeps every rule of clinical rules 7 (tests/switch_rules.py,
read from the data files, not the planner); every switch refused says why in one line, and
where it names products that could make the stages, they do."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from switch_rules import Asked, broken_rules, mcg, stage_cap

from planner import load_protocol
from planner.api import switch
from planner.domain.protocols import load_library
from planner.errors import DoseError, InputError

START = dt.date(2027, 1, 4)
PROTOCOL = load_protocol("seizure-adult")  # up to 20 mg/day: room for every dose listed
DOSES = {
    "alprazolam": [Decimal(n) / 4 for n in range(2, 25)],
    "lorazepam": [Decimal(n) / 2 for n in range(2, 21)],
    "diazepam": [Decimal(n) for n in range(5, 61)],
}
SOURCES = ["ashton-2002", "va-dod-2021"]
PRODUCTS = sorted(load_library().products.products)  # every clonazePAM product


def planned(asked: Asked) -> object:
    return switch(
        PROTOCOL,
        start=START,
        from_drug=asked.drug,
        from_mg_per_day=asked.mg,
        equivalence=asked.source,
        product=asked.product,
        age_years=40,
        weight_kg="70",
    )


def assert_refused_for_a_reason(asked: Asked, error: str) -> None:
    """A refusal is one of: the old drug's product cannot make a part as small as a stage
    may replace (checked here from the files); no clonazePAM product can, or the products
    named can (each then planned and held to the rules)."""
    where = f"{asked.drug} {asked.mg} mg by {asked.source} on {asked.product}: {error}"
    old = re.search(r"changes by ([0-9.]+) mg at the least", error)
    if old:
        assert mcg(old[1]) > stage_cap(asked.drug, mcg(asked.mg)), where
        return
    named = re.search(r"choose a product that can: (.+)$", error)
    assert named, where
    for other in named[1].split(", "):
        instead = replace(asked, product=other)
        assert not broken_rules(planned(instead), instead), where  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("drug", sorted(DOSES))
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("product", PRODUCTS)
def test_every_switch_in_the_grid_keeps_the_rules_or_says_why_not(
    drug: str, source: str, product: str
) -> None:
    planned_count, refused = 0, []
    for mg in DOSES[drug]:
        asked = Asked(drug, str(mg), source, product)
        try:
            schedule = planned(asked)
        except (DoseError, InputError) as error:
            refused.append((mg, str(error)))
            assert_refused_for_a_reason(asked, str(error))
            continue
        planned_count += 1
        broken = broken_rules(schedule, asked)  # type: ignore[arg-type]  # a Schedule
        assert not broken, f"{drug} {mg} mg/day by {source} on {product}: {broken}"
    assert planned_count, f"no {drug} switch planned by {source} on {product}: {refused[:3]}"
