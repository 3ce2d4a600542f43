"""Fuzzing: protocol files and inputs, valid or not, give a safe schedule or a PlannerError.

Never another exception: a traceback would reach a clinician as a crash.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import safe_or_refused

from planner import taper, titrate
from planner.core.files import bundled_dir, read_toml
from planner.domain.protocols import load_library, validate_data
from planner.domain.schedule import Schedule
from planner.models import ProductCatalog, Protocol
from planner.plans import PlanFile, run_plan

BASE = read_toml(bundled_dir() / "seizure-pediatric.toml")

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.decimals(allow_nan=True, allow_infinity=True, places=4),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates(),
    st.lists(st.integers(-5, 50), max_size=3),
    st.dictionaries(st.sampled_from(["mg_per_day", "mg_per_kg_per_day", "x"]), st.integers(-2, 30)),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a nested TOML document."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


PATHS = paths(BASE)


@st.composite
def mutated_protocols(draw: st.DrawFn) -> dict[str, Any]:
    """The bundled pediatric protocol with up to three values replaced or removed."""
    document = copy.deepcopy(BASE)
    for path in draw(st.lists(st.sampled_from(PATHS), max_size=3)):
        parent = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(odd_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    return document


inputs = st.fixed_dictionaries(
    {
        "weight_kg": st.one_of(
            st.decimals(3, 30, places=1),
            st.none(),
            st.decimals(-5, 400, places=2),
            st.text(max_size=5),
        ),
        "age_years": st.one_of(st.none(), st.integers(-5, 150)),
        "product": st.one_of(
            st.none(),
            st.sampled_from(sorted(load_library().products.products)),
            st.text(max_size=6),
        ),
    }
)


@pytest.mark.slow
@given(
    document=mutated_protocols(),
    patient=inputs,
    start=st.dates(dt.date(1850, 1, 1), dt.date(3100, 1, 1)),
)
def test_mutated_protocol_files_never_crash(
    document: dict[str, Any], patient: dict[str, Any], start: dt.date
) -> None:

    def plan() -> Schedule:
        protocol = validate_data(document, Protocol, source="fuzz.toml")
        load_library().check_references(protocol, Path("fuzz.toml"))
        return titrate(protocol, start=start, **patient)

    safe_or_refused(plan)


@given(
    current=st.one_of(
        st.sampled_from(["2", "1.5", "0.75", "4", "0.25"]),
        st.decimals(-1, 30, places=3),
        st.text(max_size=6),
        st.integers(-3, 40),
    ),
    pace=st.one_of(
        st.none(), st.sampled_from(sorted(load_library().paces.paces)), st.text(max_size=6)
    ),
    patient=st.fixed_dictionaries(
        {
            "age_years": st.one_of(st.none(), st.integers(18, 90)),
            "product": st.one_of(
                st.none(), st.sampled_from(sorted(load_library().products.products))
            ),
        }
    ),
    ec50=st.one_of(st.none(), st.none(), st.decimals(-1, 5, places=2)),
    slow=st.one_of(st.none(), st.none(), st.decimals(-1, 6, places=2)),
    edits=st.lists(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["pause", "step_back", "pause", "step_back", "holiday"]),
                "date": st.dates(dt.date(2026, 12, 1), dt.date(2027, 12, 1)),
                "days": st.integers(-3, 60),
            }
        ),
        max_size=2,
    ),
)
def test_any_taper_input_is_safe_or_a_clear_error(
    current: Any,
    pace: Any,
    patient: dict[str, Any],
    ec50: Any,
    slow: Any,
    edits: list[dict[str, Any]],
) -> None:
    cleaned = [
        {k: v for k, v in e.items() if not (k == "days" and e["kind"] != "pause")} for e in edits
    ]
    schedule = safe_or_refused(
        lambda: taper(
            load_library().protocol("panic-adult"),
            start=dt.date(2027, 1, 4),
            from_mg_per_day=current,
            pace=pace,
            edits=cleaned,
            ec50_mg_per_day=ec50,
            slow_down_factor=slow,
            **patient,
        )
    )
    if schedule is not None:
        assert schedule.steps[-1].total_mcg == 0


# Plan files and products files, as a user may hand-edit them ------------------------------

PLAN = {
    "kind": "plan",
    "protocol": "panic-adult",
    "lang": "es",
    "taper": {
        "start": dt.date(2027, 3, 1),
        "from_mg_per_day": Decimal(2),
        "pace": "hyperbolic",
        "product": "us-tablet",
        "switch_product": {"at_or_below_mg_per_day": Decimal("0.5"), "product": "rivotril-drops"},
        "patient": {"age_years": 45},
        "edits": [
            {"kind": "pause", "date": dt.date(2027, 5, 3), "days": 14},
            {"kind": "step_back", "date": dt.date(2027, 7, 12)},
        ],
    },
}
PLAN_PATHS = paths(PLAN)
PRODUCTS = read_toml(bundled_dir() / "products.toml")
PRODUCT_PATHS = paths(PRODUCTS)


def mutated(base: dict[str, Any], where: list[tuple[Any, ...]]) -> st.SearchStrategy[Any]:
    @st.composite
    def documents(draw: st.DrawFn) -> dict[str, Any]:
        document = copy.deepcopy(base)
        for path in draw(st.lists(st.sampled_from(where), max_size=3)):
            parent = document
            try:
                for key in path[:-1]:
                    parent = parent[key]
                if draw(st.booleans()) and isinstance(parent, dict):
                    parent.pop(path[-1], None)
                else:
                    parent[path[-1]] = draw(odd_values)
            except (KeyError, IndexError, TypeError):
                continue
        return document

    return documents()


@given(document=mutated(PLAN, PLAN_PATHS))
def test_mutated_plan_files_never_crash(document: dict[str, Any]) -> None:
    """A hand-edited plan file gives a checked schedule or one PlannerError."""

    def plan() -> Schedule:
        plan_file = validate_data(document, PlanFile, source="fuzz.plan.toml")
        return run_plan(plan_file, folder=Path()).schedule

    safe_or_refused(plan)


@given(document=mutated(PRODUCTS, PRODUCT_PATHS), current=st.sampled_from(["2", "0.5", "1.2"]))
def test_mutated_products_files_never_crash(document: dict[str, Any], current: str) -> None:
    """A clinic's own products file, damaged any way, plans or is refused in one line:
    its products are renamed so they do not clash with the bundled ids."""
    products = document.get("products")
    if isinstance(products, dict):
        document = {**document, "products": {f"clinic-{k}": v for k, v in products.items()}}
        product = next(iter(document["products"]), None)
    else:
        product = None

    def plan() -> Schedule:
        users = validate_data(document, ProductCatalog, source="fuzz.toml")
        library = load_library().with_catalog(users, "0" * 64, Path("fuzz.toml"))
        return taper(
            library.protocol("panic-adult"),
            start=dt.date(2027, 1, 4),
            from_mg_per_day=current,
            product=product,
            library=library,
        )

    safe_or_refused(plan)
