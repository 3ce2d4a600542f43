"""Plans shared across a batch's patients who differ only in their start date give the
same bytes, and the same checked schedules, as planning each patient alone."""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from pathlib import Path

import pytest
from batch_helpers import output_bytes

import planner.batch
from planner.api import load_protocol, plan_checked
from planner.batch import run_batch
from planner.batch.columns import COLUMNS
from planner.batch.rows import BatchRow, plan_row
from planner.batch.sharing import NAMES_A_DATE, SharedPlans, names_a_date
from planner.domain.protocols import load_library
from planner.models import TaperRequest
from planner.render.outputs import OutputOptions

PANIC_PACES = ["asam", "hyperbolic", "label", "linear", "nardi-2010", "proportional", "two-phase"]
SEIZURE_PACES = ["asam", "hyperbolic", "linear", "proportional"]
PRODUCTS = ["", "us-tablet", "us-odt", "rivotril-tablet", "rivotril-drops"]


def patient(rng: random.Random, number: int) -> dict[str, str]:
    """One row of a varied cohort in which patients often ask for what others ask for on
    another day: starts over 2027 and 2028 (month ends, a leap day), few ages and doses."""
    start = dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(731))
    row = {"id": f"p{number:04d}", "start": start.isoformat(), "lang": rng.choice(["", "es"])}
    kind = rng.random()
    if kind < 0.25:
        row.update(protocol="panic-adult", schedule="titration", age_years=rng.choice(["", "40"]))
        row.update(target_mg_per_day=rng.choice(["1", "2", "3.5"]), product=rng.choice(PRODUCTS))
        row.update(interval_days=rng.choice(["", "7"]), hold_days=rng.choice(["", "28"]))
    elif kind < 0.35:
        row.update(protocol="seizure-pediatric", schedule="titration", age_years="6")
        row.update(weight_kg=rng.choice(["12.5", "20"]), product=rng.choice(["", "rivotril-drops"]))
    elif kind < 0.85:
        protocol = rng.choice(["panic-adult", "seizure-adult"])
        pace = rng.choice(PANIC_PACES if protocol == "panic-adult" else SEIZURE_PACES)
        product = rng.choice(PRODUCTS)
        row.update(protocol=protocol, schedule="taper", pace=pace, product=product)
        row.update(age_years=rng.choice(["45", "70"]), from_mg_per_day=rng.choice(["1", "2"]))
        if product not in ("", "rivotril-drops") and rng.random() < 0.2:
            row.update(switch_product="rivotril-drops", switch_at_mg_per_day="0.5")
        if pace == "hyperbolic" and rng.random() < 0.3:
            row["ec50_mg_per_day"] = "0.5"
        if pace in ("asam", "hyperbolic", "proportional") and rng.random() < 0.15:
            row["pauses"] = f"{start + dt.timedelta(days=20)}:14"
        if pace in ("asam", "hyperbolic", "proportional") and rng.random() < 0.1:
            row["step_backs"] = str(start + dt.timedelta(days=40))
    elif kind < 0.93:
        row.update(protocol="panic-adult", schedule="course", target_mg_per_day="2", pace="asam")
        row.update(maintain_days=rng.choice(["90", "200"]), age_years="50")
    else:
        row.update(protocol="panic-adult", schedule="switch", from_drug="alprazolam")
        row.update(from_mg_per_day="2", then_pace=rng.choice(["", "asam"]))
    return row


def cohort(size: int) -> list[dict[str, str]]:
    rng = random.Random(22)
    return [patient(rng, number) for number in range(size)]


def write_cohort(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.slow
def test_a_shared_cohort_writes_the_bytes_of_planning_each_patient_alone(tmp_path: Path) -> None:
    """The combined CSV, the summary and each patient's CSV (the calendar and FHIR files
    are made from the same schedule, which the next test compares field by field)."""
    plans = write_cohort(tmp_path / "plans.csv", cohort(300))
    options = OutputOptions()
    outputs = ["csv"]
    shared = planner.batch._shared
    built_before, moved_before = shared.built, shared.moved
    run_batch(plans, tmp_path / "shared", outputs=outputs, options=options)
    moved = shared.moved - moved_before
    run_batch(plans, tmp_path / "alone", outputs=outputs, options=options, share_plans=False)
    assert shared.built - built_before >= 50  # the alone run asked it nothing
    assert moved >= 100  # the cohort shares plans, or this test proves nothing
    alone = output_bytes(tmp_path / "alone")
    assert output_bytes(tmp_path / "shared") == alone
    summary = alone["summary.csv"]
    assert isinstance(summary, bytes)
    assert summary.count(b",ok,") >= 250


def test_each_shared_schedule_and_report_is_the_one_planned_alone() -> None:
    """In process, row by row: the checked schedule itself, every field of it."""
    library = load_library()
    shared = SharedPlans()
    for number, cells in enumerate(cohort(300), start=2):
        row = BatchRow(number, {name: cells.get(name, "") for name in COLUMNS})
        together = plan_row(row, source="plans", folder=Path(), library=library, shared=shared)
        alone = plan_row(row, source="plans", folder=Path(), library=library)
        assert together == alone, cells
    assert shared.moved >= 100


def test_a_plan_that_names_a_date_or_an_edit_on_a_date_is_never_shared() -> None:
    protocol = load_protocol("panic-adult")
    library = load_library()
    shared = SharedPlans()
    paused = {"kind": "pause", "date": dt.date(2027, 3, 21), "days": 14}
    for start in (dt.date(2027, 3, 1), dt.date(2027, 3, 2)):
        request = TaperRequest(start=start, from_mg_per_day=2, pace="asam", edits=(paused,))
        assert shared.plan(protocol, request, library=library) == plan_checked(protocol, request)
    label = TaperRequest(start=dt.date(2027, 3, 1), from_mg_per_day=2, pace="label")
    schedule = plan_checked(protocol, label).schedule
    assert names_a_date(schedule)  # a published pace faster than the guideline's, by date
    shared.plan(protocol, label, library=library)
    assert shared.moved == 0
    assert len(shared) == 0


def test_the_shared_plans_are_bounded() -> None:
    protocol = load_protocol("panic-adult")
    library = load_library()
    shared = SharedPlans(size=2)
    for dose in ("1", "1.5", "2", "1"):
        request = TaperRequest(start=dt.date(2027, 3, 1), from_mg_per_day=dose, pace="asam")
        shared.plan(protocol, request, library=library)
    assert len(shared) == 2
    assert (shared.built, shared.moved) == (4, 0)  # the first 1 mg/day was dropped


@pytest.mark.parametrize("size", [0, 1])
def test_sharing_nothing_plans_each_alone(size: int) -> None:
    protocol = load_protocol("panic-adult")
    library = load_library()
    shared = SharedPlans(size=size)
    for day in (1, 31):
        request = TaperRequest(start=dt.date(2027, 1, day), from_mg_per_day="2", pace="asam")
        assert shared.plan(protocol, request, library=library) == plan_checked(protocol, request)
    assert shared.moved == (0 if size == 0 else 1)


def test_a_date_is_found_wherever_an_iso_date_is() -> None:
    """The quick pattern finds a YYYY-MM-DD exactly where the plain one does."""
    plain = re.compile(r"\d{4}-\d{2}-\d{2}")
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice("0123456789--a ٣") for _ in range(rng.randint(0, 14)))
        assert bool(NAMES_A_DATE.search(text)) == bool(plain.search(text)), text
    assert NAMES_A_DATE.search("Paused on 2027-05-03: 1 mg/day is kept")
