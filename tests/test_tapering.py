"""Tapers that follow the science: paces, clinician edits, product switches, custom steps."""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from fractions import Fraction

import pytest
from tables import levels, step_table

from planner import load_protocol, taper
from planner.domain.schedule import Schedule
from planner.errors import InputError
from planner.models import HyperbolicPhase
from planner.safety import check_schedule

START = dt.date(2027, 3, 1)
PANIC = load_protocol("panic-adult")


def expect(table: str) -> str:
    return textwrap.dedent(table).strip("\n")


def occupancy(dose_mcg: int, ec50_mcg: int = 1000) -> Fraction:
    return Fraction(dose_mcg, dose_mcg + ec50_mcg)


def test_hyperbolic_taper_with_drops_takes_smaller_mg_steps_as_the_dose_falls() -> None:
    schedule = taper(
        PANIC, start=START, from_mg_per_day=2, pace="hyperbolic", product="rivotril-drops"
    )
    assert step_table(schedule) == expect(
        """
        day   1  14 days  taper          1.7 mg  0.8 mg | 0.9 mg
        day  15  14 days  taper          1.4 mg  0.7 mg | 0.7 mg
        day  29  14 days  taper          1.2 mg  0.6 mg | 0.6 mg
        day  43  14 days  taper            1 mg  0.5 mg | 0.5 mg
        day  57  14 days  taper          0.9 mg  0.4 mg | 0.5 mg
        day  71  14 days  taper          0.8 mg  0.4 mg | 0.4 mg
        day  85  14 days  taper          0.7 mg  0.3 mg | 0.4 mg
        day  99  14 days  taper          0.6 mg  0.3 mg | 0.3 mg
        day 113  14 days  taper          0.5 mg  0.2 mg | 0.3 mg
        day 127  16 days  taper          0.4 mg  0.2 mg | 0.2 mg
        day 143  19 days  taper          0.3 mg  0.1 mg | 0.2 mg
        day 162  28 days  taper          0.2 mg  0.1 mg | 0.1 mg
        day 190  14 days  taper          0.1 mg  - | 0.1 mg
        day 204   1 days  stop             0 mg  - | -
        """
    )
    # The last dose is a single drop, and the EC50 assumption is shown as illustrative.
    assert any("illustrative" in warning for warning in schedule.warnings)


def test_hyperbolic_steps_are_equal_in_occupancy_within_the_products_rounding() -> None:
    schedule = taper(
        PANIC, start=START, from_mg_per_day=2, pace="hyperbolic", product="rivotril-drops"
    )
    totals = [schedule.previous_mcg] + [s.total_mcg for s in levels(schedule)]
    holds = [14] + [s.days for s in levels(schedule)]
    for before, after, held in zip(totals, totals[1:], holds, strict=False):
        if after == 0 or held > 14:  # the stop, and steps the product made wait longer
            continue
        step = occupancy(before) - occupancy(after)
        rounding = occupancy(after) - occupancy(after - 100)
        assert abs(step - Fraction(5, 100)) <= rounding, (before, after)


def test_ec50_is_overridable_and_changes_the_steps() -> None:
    default = taper(
        PANIC, start=START, from_mg_per_day=2, pace="hyperbolic", product="rivotril-drops"
    )
    other = taper(
        PANIC,
        start=START,
        from_mg_per_day=2,
        pace="hyperbolic",
        product="rivotril-drops",
        ec50_mg_per_day="0.5",
    )
    phase = other.pace.phases[0] if other.pace else None
    assert isinstance(phase, HyperbolicPhase) and phase.ec50_mg_per_day == Fraction(1, 2)
    assert "EC50 set to 0.5 mg/day" in (other.pace.title if other.pace else "")
    assert [s.total_mcg for s in other.steps] != [s.total_mcg for s in default.steps]
    with pytest.raises(InputError, match="ec50_mg_per_day: applies only to hyperbolic paces"):
        taper(PANIC, start=START, from_mg_per_day=2, pace="asam", ec50_mg_per_day=1)


@pytest.mark.parametrize("pace", ["linear", "proportional", "hyperbolic"])
def test_bundled_teaching_paces_are_safe(pace: str) -> None:
    schedule = taper(PANIC, start=START, from_mg_per_day="1.5", pace=pace, product="us-odt")
    assert schedule.steps[-2].total_mcg == 125


def test_pause_holds_the_dose_and_moves_every_later_step() -> None:
    plain = taper(PANIC, start=START, from_mg_per_day=1, pace="label")
    paused = taper(
        PANIC,
        start=START,
        from_mg_per_day=1,
        pace="label",
        edits=[{"kind": "pause", "date": dt.date(2027, 3, 5), "days": 3}],
    )
    assert paused.days == plain.days + 3
    assert step_table(paused) == expect(
        """
        day   1   3 days  taper         0.75 mg  0.25 mg | 0.5 mg
        day   4   1 days  taper          0.5 mg  0.25 mg | 0.25 mg
        day   5   5 days  taper          0.5 mg  0.25 mg | 0.25 mg
        day  10   3 days  taper         0.25 mg  - | 0.25 mg
        day  13   1 days  stop             0 mg  - | -
        """
    )
    assert paused.steps[2].edit == "pause"


def test_step_back_returns_to_the_previous_dose_then_reduces_more_slowly() -> None:
    schedule = taper(
        PANIC,
        start=START,
        from_mg_per_day=1,
        pace="label",
        edits=[{"kind": "step_back", "date": dt.date(2027, 3, 5)}],
    )
    # 3-day intervals become 5 days (3 x 1.5, rounded up) after the step back.
    assert step_table(schedule) == expect(
        """
        day   1   3 days  taper         0.75 mg  0.25 mg | 0.5 mg
        day   4   1 days  taper          0.5 mg  0.25 mg | 0.25 mg
        day   5   5 days  taper         0.75 mg  0.25 mg | 0.5 mg
        day  10   5 days  taper          0.5 mg  0.25 mg | 0.25 mg
        day  15   5 days  taper         0.25 mg  - | 0.25 mg
        day  20   1 days  stop             0 mg  - | -
        """
    )
    assert schedule.steps[2].edit == "step back"
    assert any("1.5 times as long" in note for note in schedule.notes)


def test_a_rise_without_a_step_back_fails_the_check() -> None:
    import dataclasses

    schedule = taper(
        PANIC,
        start=START,
        from_mg_per_day=1,
        pace="label",
        edits=[{"kind": "step_back", "date": dt.date(2027, 3, 5)}],
    )
    steps = list(schedule.steps)
    steps[2] = dataclasses.replace(steps[2], edit="")
    report = check_schedule(dataclasses.replace(schedule, steps=tuple(steps)))
    assert [(r.name, r.day) for r in report.failures] == [("never_up", 5)]


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ([{"kind": "pause", "date": dt.date(2027, 2, 1), "days": 3}], "no dose on that day"),
        ([{"kind": "pause", "date": dt.date(2027, 3, 10), "days": 3}], "no dose on that day"),
    ],
)
def test_edits_that_cannot_apply_are_clear_errors(
    edits: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        taper(PANIC, start=START, from_mg_per_day="0.75", pace="label", edits=edits)


def test_step_back_before_any_reduction_is_a_clear_error() -> None:
    # From 0.5 mg/day with tablets, ASAM's pace first holds the current dose 14 days.
    with pytest.raises(InputError, match="nothing to step back to"):
        taper(
            PANIC, start=START, from_mg_per_day="0.5", edits=[{"kind": "step_back", "date": START}]
        )


def test_step_back_on_the_first_reduction_returns_to_the_current_dose() -> None:
    schedule = taper(
        PANIC,
        start=START,
        from_mg_per_day="0.75",
        pace="label",
        edits=[{"kind": "step_back", "date": START}],
    )
    assert [s.total_mcg for s in schedule.steps][:2] == [750, 500]


def test_product_switch_gives_the_last_steps_in_drops() -> None:
    schedule = taper(
        PANIC,
        start=START,
        from_mg_per_day=1,
        pace="label",
        product="us-tablet",
        switch_product={"at_or_below_mg_per_day": "0.5", "product": "rivotril-drops"},
    )
    # The label's source stops from 0.3 mg/day (its next step, 0.05, is below the 0.1
    # mg drops make): from there the guideline's pace, 0.3 -> 0.2 (33%, 19 days) and
    # 0.2 -> 0.1 (50%, 28 days), never 0.3 -> 0.1 in 3 days (clinical rules 7).
    assert [(s.total_mcg, s.product.id, s.days) for s in schedule.steps] == [
        (750, "us-tablet", 3),
        (500, "rivotril-drops", 3),
        (300, "rivotril-drops", 19),
        (200, "rivotril-drops", 28),
        (100, "rivotril-drops", 3),
        (0, "rivotril-drops", 1),
    ]
    assert [p.id for p in schedule.products] == ["us-tablet", "rivotril-drops"]
    assert schedule.limits.smallest_dose_mcg == 100


def test_a_slow_product_names_one_that_can_take_smaller_steps() -> None:
    schedule = taper(PANIC, start=START, from_mg_per_day=1, pace="hyperbolic", product="us-tablet")
    assert "choose product us-odt" in schedule.notes[-1]
    drops = taper(
        PANIC, start=START, from_mg_per_day=1, pace="hyperbolic", product="rivotril-drops"
    )
    assert not any("--product" in note for note in drops.notes)  # nothing finer exists


def custom(*steps: tuple[str, int]) -> Schedule:
    return taper(
        PANIC,
        start=START,
        from_mg_per_day=2,
        custom_steps=[{"mg_per_day": mg, "days": days} for mg, days in steps],
    )


def test_custom_steps_are_used_as_written_and_checked() -> None:
    schedule = custom(("1.5", 14), ("1.25", 14), ("1", 21), ("0.75", 21), ("0.5", 28), ("0.25", 28))
    assert [(s.total_mcg, s.days) for s in levels(schedule)] == [
        (1500, 14),
        (1250, 14),
        (1000, 21),
        (750, 21),
        (500, 28),
        (250, 28),
        (0, 1),
    ]
    assert schedule.pace is not None and schedule.pace.id == "custom"


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ((("1.5", 14), ("1.75", 14), ("0.25", 90)), r"custom_steps\[1\]: 1.75 mg/day is a rise"),
        ((("1.5", 14), ("2.5", 14), ("0.25", 90)), r"custom_steps\[1\]: 2.5 mg/day is above 2"),
        ((("1.5", 14), ("1.25", 14), ("1", 14)), r"custom_steps\[2\]: the taper stops after 1 mg"),
    ],
    ids=["a rise that is no step back", "above the starting dose", "a stop from 1 mg/day"],
)
def test_custom_steps_keep_the_hard_rules(steps: tuple[tuple[str, int], ...], reason: str) -> None:
    """Clinical rules 6: a clinician's own steps are refused only for what is never safe."""
    with pytest.raises(InputError, match=reason):
        custom(*steps)


def test_a_custom_step_back_to_an_earlier_dose_is_allowed() -> None:
    schedule = custom(("1.5", 14), ("1", 14), ("1.5", 14), ("1", 21), ("0.25", 14))
    assert [s.edit for s in schedule.steps][:3] == ["", "", "step back"]


def test_custom_speed_is_the_clinicians_and_each_fast_step_is_warned_with_its_date() -> None:
    """Nardi 2010-like steps of 0.5 mg a week from 2 mg: fast, but the clinician's call."""
    schedule = custom(("1.5", 14), ("0.5", 14), ("0.25", 14))
    fast = [w for w in schedule.warnings if w.startswith("Faster than ASAM 2025")]
    assert fast == [
        "Faster than ASAM 2025's 25% of the dose per 14 days: "
        "2027-03-15: 1.5 to 0.5 mg/day, 66.7% after 14 days.",
        "Faster than ASAM 2025's 25% of the dose per 14 days: "
        "2027-03-29: 0.5 to 0.25 mg/day, 50% after 14 days.",
    ]
    report = check_schedule(schedule)
    (exceeded,) = report.exceeded
    assert exceeded.chosen_by == "the clinician's own steps"
    assert exceeded.detail == (
        "2027-03-15: 1.5 to 0.5 mg/day, 66.7% after 14 days; "
        "2027-03-29: 0.5 to 0.25 mg/day, 50% after 14 days"
    )
    assert report.summary == "7 passed, 1 exceeded by choice"


def test_a_long_hold_before_a_huge_custom_cut_is_still_warned() -> None:
    """Holding 2 mg for 98 days (112 counting the 14 before day 1), then 2 -> 0.25 mg
    (87.5%): 87.5% <= 25% x 112 / 14 = 200%, so the guideline's average is kept and the
    check passes; the warning still names the large cut at once, with its date."""
    schedule = custom(("2", 98), ("0.25", 14))
    assert not any(w.startswith("Faster than") for w in schedule.warnings)
    (large,) = [w for w in schedule.warnings if w.startswith("A large cut at once")]
    assert large.endswith("2027-06-07: 2 to 0.25 mg/day, 87.5% after 112 days.")
    assert check_schedule(schedule).summary == "8 of 8 passed"


def test_hyperbolic_steps_never_exceed_a_quarter_of_the_dose_whatever_the_ec50() -> None:
    for ec50, start in (("100", "4"), ("0.01", "4"), (None, "20")):
        schedule = taper(
            load_protocol("seizure-adult"),
            start=START,
            from_mg_per_day=start,
            pace="hyperbolic",
            product="us-odt",
            ec50_mg_per_day=ec50,
        )
        totals = [schedule.previous_mcg] + [s.total_mcg for s in schedule.steps]
        for before, after in itertools.pairwise(totals):
            if 0 < after < before and before - after > 125:  # more than one tablet step
                assert Fraction(before - after, before) <= Fraction(1, 4), (ec50, before, after)
        assert schedule.days > 180, ec50  # from 4 mg/day, never a stop within weeks


def test_a_paces_own_rate_is_kept_when_the_product_makes_larger_steps() -> None:
    """Below a quarter of the start the proportional pace takes 5% steps every 14 days:
    with drops a 0.1 mg step from 0.5 mg is 20%, so 0.5 mg is held four times as long."""
    schedule = taper(
        PANIC, start=START, from_mg_per_day=2, pace="proportional", product="rivotril-drops"
    )
    held = {s.total_mcg: s.days for s in levels(schedule)}
    assert held[500] == 56
    assert held[400] == 70  # 25%: five times 14 days
    assert any(note.startswith("0.5 mg/day is held 56 days") for note in schedule.notes)


@pytest.mark.parametrize("threshold", ["0.75", "0.25", "0.3"])
def test_product_switch_at_any_threshold(threshold: str) -> None:
    schedule = taper(
        PANIC,
        start=START,
        from_mg_per_day=2,
        pace="asam",
        product="us-tablet",
        switch_product={"at_or_below_mg_per_day": threshold, "product": "rivotril-drops"},
    )
    assert schedule.steps[-2].product.id == "rivotril-drops"
