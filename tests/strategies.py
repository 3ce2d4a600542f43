"""Hypothesis builders for protocols, paces and patient inputs (valid by construction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import event
from hypothesis import strategies as st

from planner.domain.protocols import load_library
from planner.domain.schedule import Schedule
from planner.errors import PlannerError, UnsafeScheduleError
from planner.models import Pace, Protocol

TIMES = [
    ("morning", dt.time(8)),
    ("midday", dt.time(13)),
    ("evening", dt.time(18)),
    ("bedtime", dt.time(21)),
]
PRODUCTS = sorted(load_library().products.products)
PACES = sorted(load_library().paces.paces)


def mg(mcg: int) -> Decimal:
    return Decimal(mcg) / 1000


def mcg_amounts(low: int, high: int, step: int = 125) -> st.SearchStrategy[int]:
    return st.integers(low // step, high // step).map(lambda n: n * step)


@st.composite
def protocols(draw: st.DrawFn) -> Protocol:
    """Any protocol the validator accepts: by mg/day or by mg/kg/day, 1 to 4 doses a day."""
    times = sorted(
        draw(st.sets(st.sampled_from(TIMES), min_size=1, max_size=4)), key=lambda t: t[1]
    )
    step_min = draw(mcg_amounts(125, 1000))
    step_max = draw(mcg_amounts(step_min, 2000))
    step_default = draw(mcg_amounts(step_min, step_max))
    titration: dict[str, Any] = {
        "step_mg_per_day": {"min": mg(step_min), "max": mg(step_max), "default": mg(step_default)},
        "min_interval_days": draw(st.integers(3, 10)),
        "hold_days": draw(st.integers(1, 30)),
    }
    if draw(st.booleans()):
        start = draw(mcg_amounts(125, 3000))
        start_limit = draw(mcg_amounts(start, start + 1000))
        maximum = draw(mcg_amounts(max(start_limit, step_max), 20000))
        titration |= {
            "start": {"mg_per_day": mg(start)},
            "start_limit": {"mg_per_day": mg(start_limit)},
            "maximum": {"mg_per_day": mg(maximum)},
        }
        if draw(st.booleans()):
            titration["target"] = {"mg_per_day": mg(draw(mcg_amounts(start, maximum)))}
    else:
        per_kg = draw(st.sampled_from(["0.01", "0.02", "0.03", "0.05"]))
        max_per_kg = draw(st.sampled_from(["0.1", "0.2", "0.3"]))
        titration |= {
            "start": {"mg_per_kg_per_day": Decimal(per_kg)},
            "start_limit": {"mg_per_kg_per_day": Decimal("0.05")},
            "maximum": {"mg_per_day": 20, "mg_per_kg_per_day": Decimal(max_per_kg)},
            "target": {"mg_per_kg_per_day": Decimal("0.1")},
        }
    return Protocol.model_validate(
        {
            "kind": "protocol",
            "id": "generated",
            "version": "0.0.1",
            "title": "Generated",
            "indication": "test",
            "condition": "panic-disorder",
            "population": {
                "description": "adults",
                "age_years": {"at_least": 18},
                "source": "test",
            },
            "reviewed": dt.date(2026, 1, 1),
            "drug": {"name": "testazepam", "tall_man": "testazePAM", "ceiling_mg_per_day": 20},
            "default_product": draw(st.sampled_from(PRODUCTS)),
            "default_pace": draw(st.sampled_from(PACES)),
            "paces": PACES,
            "dose_times": [{"name": n, "clock": c, "label": n} for n, c in times],
            "titration": titration,
            "sources": [{"id": "test", "citation": "generated"}],
        }
    )


@st.composite
def paces(draw: st.DrawFn) -> Pace:
    """Any valid pace: one or two phases, linear, proportional or hyperbolic."""

    def phase(until: Decimal) -> dict[str, Any]:
        interval = draw(st.integers(1, 28))
        if draw(st.booleans()):
            return {
                "kind": "linear",
                "step_mg_per_day": mg(draw(mcg_amounts(100, 2000, 50))),
                "interval_days": interval,
                "until_mg_per_day": until,
            }
        if draw(st.integers(0, 2)) == 0:
            points = draw(st.integers(1, 20))
            return {
                "kind": "hyperbolic",
                "occupancy_step_points": points,
                "interval_days": interval,
                "ec50_mg_per_day": mg(draw(mcg_amounts(100, 5000, 100))),
                "limit_points": draw(st.integers(points, 30)),
                "limit_days": interval,
                "until_mg_per_day": until,
            }
        step = draw(st.integers(1, 50))
        return {
            "kind": "proportional",
            "step_percent": step,
            "interval_days": interval,
            "limit_percent": draw(st.integers(step, 60)),
            "limit_days": interval,
            "until_mg_per_day": until,
        }

    phases = [phase(Decimal(0))]
    if draw(st.booleans()):
        phases.insert(0, phase(mg(draw(mcg_amounts(250, 5000, 250)))))
    return Pace.model_validate(
        {
            "id": "generated",
            "title": "Generated",
            "phases": phases,
            "sources": ["test"],
            "population": {"studied": "generated patients", "source": "test"},
            "published": True,  # any speed: the engine must still keep each pace's rate
        }
    )


dates = st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))


@st.composite
def edits(draw: st.DrawFn, start: dt.date) -> list[dict[str, Any]]:
    """Up to three pauses and step backs on distinct days in the first year."""
    days = draw(st.lists(st.integers(0, 365), max_size=3, unique=True))
    return [
        {"kind": "pause", "date": start + dt.timedelta(days=day), "days": draw(st.integers(1, 30))}
        if draw(st.booleans())
        else {"kind": "step_back", "date": start + dt.timedelta(days=day)}
        for day in days
    ]


weights = st.decimals(Decimal(3), Decimal(120), places=1)


def safe_or_refused(make: Callable[[], Schedule]) -> Schedule | None:
    """A checked schedule, or None where the input is refused with a PlannerError.

    Never another exception, and never a schedule that fails its safety checks: the
    library would have raised UnsafeScheduleError, which is let through as a failure.
    """
    try:
        schedule = make()
    except UnsafeScheduleError:
        raise
    except PlannerError as error:
        event(f"refused: {type(error).__name__}")
        return None
    event("planned")
    return schedule
