"""For any valid protocol, product, weight, target and pace: a safe schedule or a clear error.

The checks here are written out again rather than delegated to ``planner.safety``, so a
mistake shared by the engine and the checker would still be caught.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal
from fractions import Fraction
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import PRODUCTS, dates, edits, paces, protocols, safe_or_refused, weights
from tables import levels

from planner import load_protocol, taper, titrate
from planner.domain.products import dose_maker
from planner.domain.protocols import Library, load_library
from planner.domain.schedule import Schedule
from planner.models import DailyAmount, Pace, PaceBody, Protocol

BUNDLED = ["panic-adult", "seizure-adult", "seizure-pediatric"]


def assert_doses_exact(schedule: Schedule) -> None:
    for step in schedule.steps:
        strengths = {s.mcg: s.split for s in step.product.strengths}
        assert sum(d.mcg for d in step.doses) == step.total_mcg
        for dose in step.doses:
            assert sum(u.count * u.strength_mcg for u in dose.units) == dose.mcg
            assert all((u.count * strengths[u.strength_mcg]).denominator == 1 for u in dose.units)
    days = [day for _, day, _ in schedule.daily()]
    assert days == list(range(1, len(days) + 1))


def per_day(amount: DailyAmount, weight: Decimal) -> Decimal:
    """A protocol's daily amount for ``weight`` in mcg, exact (the lower of mg and mg/kg)."""
    values = [amount.mg_per_day * 1000] if amount.mg_per_day is not None else []
    if amount.mg_per_kg_per_day is not None:
        values.append(amount.mg_per_kg_per_day * weight * 1000)
    return min(values)


def assert_safe_titration(schedule: Schedule, weight: Decimal) -> None:
    """Held to the protocol file's own numbers, never the engine's limits."""
    assert_doses_exact(schedule)
    titration = schedule.protocol.titration
    held = levels(schedule)
    totals = [s.total_mcg for s in held]
    assert 0 < totals[0] <= per_day(titration.start_limit, weight)
    assert max(totals) <= per_day(titration.maximum, weight)
    for before, after, step in zip(totals, totals[1:], held, strict=False):
        assert 0 < after - before <= titration.step_mg_per_day.max * 1000
        assert step.days >= titration.min_interval_days


def assert_safe_taper(schedule: Schedule) -> None:
    assert_doses_exact(schedule)
    totals = [schedule.previous_mcg] + [s.total_mcg for s in schedule.steps]
    assert all(after <= before for before, after in itertools.pairwise(totals))
    assert totals[-1] == 0
    smallest = dose_maker(schedule.steps[-2].product).smallest_dose_mcg if len(totals) > 2 else 0
    assert totals[-2] == smallest or totals[-2] == totals[0]


def offering(protocol: Protocol, pace_id: str) -> Protocol:
    """The protocol with one more pace among those it offers."""
    return protocol.model_copy(update={"paces": (*protocol.paces, pace_id)})


def library_with(pace: Pace) -> Library:
    library = load_library()
    body = PaceBody.model_validate(pace.model_dump(exclude={"id"}))
    paces = library.paces.model_copy(update={"paces": {**library.paces.paces, pace.id: body}})
    return dataclasses.replace(library, paces=paces)


@pytest.mark.slow
@settings(deadline=None)
@given(
    protocol=protocols(),
    product=st.sampled_from(PRODUCTS),
    weight=weights,
    start=dates,
    target_share=st.fractions(0, 1),
    use_target=st.booleans(),
)
def test_any_titration_is_safe_or_a_clear_error(
    protocol: Protocol,
    product: str,
    weight: Decimal,
    start: dt.date,
    target_share: Fraction,
    use_target: bool,
) -> None:
    target = None
    if use_target:
        # Anywhere from zero to a little above the maximum: out-of-range must be refused.
        top = protocol.titration.maximum.mg_per_day or Decimal(20)
        target = (
            top
            * Decimal(target_share.numerator)
            / Decimal(target_share.denominator)
            * Decimal("1.1")
        ).quantize(Decimal("0.001"))
        if target <= 0:
            target = None
    schedule = safe_or_refused(
        lambda: titrate(
            protocol, start=start, weight_kg=weight, product=product, target_mg_per_day=target
        )
    )
    if schedule is None:
        return
    assert_safe_titration(schedule, weight)


@pytest.mark.slow
@settings(deadline=None)
@given(
    pace=paces(),
    protocol=st.sampled_from(BUNDLED),
    product=st.sampled_from(PRODUCTS),
    quanta=st.integers(1, 200),
    start=dates,
)
def test_any_taper_is_safe_or_a_clear_error(
    pace: Pace, protocol: str, product: str, quanta: int, start: dt.date
) -> None:
    """Doses the product makes, up to a little above the 20 mg/day ceiling."""
    current = quanta * dose_maker(load_library().product(product)).resolution_mcg
    library = library_with(pace)
    # The check reads its paces file afresh: here it is the one the planner was given.
    with mock.patch("planner.safety.bounds.paces_file", return_value=library.paces):
        schedule = safe_or_refused(
            lambda: taper(
                offering(load_protocol(protocol), pace.id),
                start=start,
                from_mg_per_day=Decimal(current) / 1000,
                pace=pace.id,
                product=product,
                library=library,
            )
        )
    if schedule is None:
        return
    assert_safe_taper(schedule)


@pytest.mark.slow
@settings(deadline=None)
@given(
    protocol=st.sampled_from(BUNDLED),
    product=st.sampled_from(PRODUCTS),
    data=st.data(),
    start=dates,
)
def test_bundled_paces_taper_any_dose_the_product_makes(
    protocol: str, product: str, data: st.DataObject, start: dt.date
) -> None:
    """No error at all: every dose a product makes, up to 20 mg/day, can be tapered at
    every pace the protocol offers."""
    pace = data.draw(st.sampled_from(load_protocol(protocol).paces))
    resolution = dose_maker(load_library().product(product)).resolution_mcg
    current = data.draw(st.integers(1, 20000 // resolution)) * resolution
    schedule = taper(
        load_protocol(protocol),
        start=start,
        from_mg_per_day=Decimal(current) / 1000,
        pace=pace,
        product=product,
    )
    assert_safe_taper(schedule)


@pytest.mark.slow
@settings(deadline=None)
@given(
    pace=st.sampled_from(sorted(load_library().paces.paces)),
    product=st.sampled_from(PRODUCTS),
    switch=st.sampled_from([None, "us-odt", "rivotril-drops"]),
    data=st.data(),
    start=dates,
)
def test_clinician_edits_and_switches_keep_every_taper_safe(
    pace: str, product: str, switch: str | None, data: st.DataObject, start: dt.date
) -> None:
    """Pauses, step backs and a product switch: a safe schedule or a clear error, where
    the only rises are the step backs asked for."""
    resolution = dose_maker(load_library().product(product)).resolution_mcg
    current = data.draw(st.integers(1, 8000 // resolution)) * resolution
    switch_product = None
    if switch is not None:
        switch_product = {"at_or_below_mg_per_day": "0.5", "product": switch}
    asked = data.draw(edits(start))
    schedule = safe_or_refused(
        lambda: taper(
            load_protocol("panic-adult"),
            start=start,
            from_mg_per_day=Decimal(current) / 1000,
            pace=pace,
            product=product,
            switch_product=switch_product,
            edits=asked,
        )
    )
    if schedule is None:
        return
    assert_doses_exact(schedule)
    totals = [schedule.previous_mcg] + [s.total_mcg for s in schedule.steps]
    rises = [
        s for s, (b, a) in zip(schedule.steps, itertools.pairwise(totals), strict=True) if a > b
    ]
    assert all(step.edit == "step back" for step in rises)
    assert len(rises) <= sum(edit["kind"] == "step_back" for edit in asked)
    assert totals[-1] == 0
    assert totals[-2] == schedule.limits.smallest_dose_mcg


@settings(deadline=None)
@given(
    weight=st.decimals(Decimal(5), Decimal(30), places=1),
    product=st.sampled_from(["us-odt", "rivotril-drops"]),
    start=dates,
)
def test_pediatric_titration_for_any_child_weight(
    weight: Decimal, product: str, start: dt.date
) -> None:
    """Label (clinical rules 1 and 6): for a child of 5 to 30 kg with ODT or drops, every
    day in 2 or 3 doses with the largest at bedtime; start at most 0.05 mg/kg/day (within
    0.01 to 0.03 wherever the product can divide one); held within 0.1 to 0.2 mg/kg/day;
    steps of at most 0.5 mg/day."""
    schedule = titrate(
        load_protocol("seizure-pediatric"), start=start, weight_kg=weight, product=product
    )
    assert_safe_titration(schedule, weight)
    for step in schedule.steps:
        given = [dose.mcg for dose in step.doses if dose.mcg]
        assert len(given) >= 2
        assert step.doses[-1].mcg == max(given)
    first, held = schedule.steps[0].total_mcg, schedule.steps[-1].total_mcg
    assert weight * 10 <= first <= weight * 50
    if first > weight * 30:  # only where two doses of the smallest unit are above 0.03
        assert first == 2 * dose_maker(schedule.product).smallest_dose_mcg
    assert weight * 100 <= held <= weight * 200


@pytest.mark.slow
@settings(deadline=None)
@given(
    product=st.sampled_from(["us-odt", "rivotril-drops", "us-tablet", "rivotril-tablet"]),
    data=st.data(),
    points=st.integers(2, 15),
    ec50=st.sampled_from(["0.5", "1", "2"]),
)
def test_hyperbolic_steps_are_equal_in_occupancy_within_rounding(
    product: str, data: st.DataObject, points: int, ec50: str
) -> None:
    """Each reduction taken at the pace's interval removes the pace's occupancy step, to
    within one product unit at that dose (unless 25% of the dose caps it); larger ones are
    held longer in proportion."""
    resolution = dose_maker(load_library().product(product)).resolution_mcg
    current = data.draw(st.integers(4, 8000 // resolution)) * resolution
    pace = Pace.model_validate(
        {
            "id": "generated",
            "title": "Generated hyperbolic",
            "sources": ["test"],
            "population": {"studied": "generated patients", "source": "test"},
            "phases": [
                {
                    "kind": "hyperbolic",
                    "occupancy_step_points": points,
                    "interval_days": 14,
                    "ec50_mg_per_day": Decimal(ec50),
                }
            ],
        }
    )
    library = library_with(pace)
    with mock.patch("planner.safety.bounds.paces_file", return_value=library.paces):
        schedule = taper(
            offering(load_protocol("panic-adult"), "generated"),
            start=dt.date(2027, 1, 4),
            from_mg_per_day=Decimal(current) / 1000,
            pace="generated",
            product=product,
            library=library,
        )
    ec50_mcg = int(Decimal(ec50) * 1000)

    def occupancy(dose: int) -> Fraction:
        return Fraction(dose, dose + ec50_mcg)

    smallest = schedule.limits.smallest_dose_mcg
    before, held = schedule.previous_mcg, 14  # the current dose counts as held one interval
    for step_ in schedule.steps:
        after = step_.total_mcg
        if after == before:
            held += step_.days
            continue
        if 0 < after < before:
            step = (occupancy(before) - occupancy(after)) * 100
            # Never faster than the pace's own rate, whatever the rounding.
            assert step * 14 <= points * held, (before, after, held)
            capped = (after - resolution) * 4 < before * 3  # never more than 25% of the dose
            if held == 14 and after > smallest and not capped:
                # Within one product unit below: rounding is to the safe side.
                one_unit = (occupancy(after) - occupancy(after - resolution)) * 100
                assert step >= points - one_unit, (before, after)
        before, held = after, step_.days


def cuts_held(schedule: Schedule) -> list[tuple[int, int, int, int]]:
    """Each cut short of the stop: doses before and after, the days the dose before was
    held (14 before day 1: one interval of the pace), the product's smallest step."""
    found = []
    before, held = schedule.previous_mcg, 14
    for step in schedule.steps:
        if step.total_mcg == before:
            held += step.days
            continue
        if step.total_mcg:
            step_mcg = dose_maker(step.product).resolution_mcg
            found.append((before, step.total_mcg, held, step_mcg))
        before, held = step.total_mcg, step.days
    return found


GRADED = sorted(pace for pace, body in load_library().paces.paces.items() if not body.published)


@settings(deadline=None)
@given(
    protocol=st.sampled_from(BUNDLED),
    pace=st.sampled_from(GRADED),
    product=st.sampled_from(PRODUCTS),
    data=st.data(),
    start=dates,
)
def test_no_graded_taper_outruns_asam_first_cut_included(
    protocol: str, pace: str, product: str, data: st.DataObject, start: dt.date
) -> None:
    """ASAM 2025 (clinical rules 6): a graded pace never cuts more than 25% per 2 weeks on
    average, first cut included (14 days on the current dose before day 1), nor more than
    25% at once beyond one product step. Every dose from 0.25 to 4 mg/day."""
    resolution = dose_maker(load_library().product(product)).resolution_mcg
    current = data.draw(st.integers(-(-250 // resolution), 4000 // resolution)) * resolution
    schedule = taper(
        load_protocol(protocol),
        start=start,
        from_mg_per_day=Decimal(current) / 1000,
        pace=pace,
        product=product,
    )
    for before, after, held, product_step in cuts_held(schedule):
        cut = Fraction(before - after, before)
        assert cut <= Fraction(25, 100) * held / 14, (before, after, held)
        assert cut <= Fraction(25, 100) or before - after <= product_step


@settings(deadline=None)
@given(
    pace=st.sampled_from(["asam", "proportional"]),
    product=st.sampled_from(PRODUCTS),
    data=st.data(),
    start=dates,
)
def test_every_cut_keeps_the_pace_rate_first_included(
    pace: str, product: str, data: st.DataObject, start: dt.date
) -> None:
    """Clinical rules 6 (ASAM 2025): a cut of fraction f waits n days with
    f <= 10% x n / 14; before day 1 the patient has held the dose one interval (14 days).
    Here over every dose from 0.25 to 4 mg/day that the product makes."""
    resolution = dose_maker(load_library().product(product)).resolution_mcg
    lowest = -(-250 // resolution)
    current = data.draw(st.integers(lowest, 4000 // resolution)) * resolution
    schedule = taper(
        load_protocol("panic-adult"),
        start=start,
        from_mg_per_day=Decimal(current) / 1000,
        pace=pace,
        product=product,
    )
    for before, after, held, _ in cuts_held(schedule):
        cut = Fraction(before - after, before)
        assert cut <= Fraction(10, 100) * held / 14, (before, after, held)
