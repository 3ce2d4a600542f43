"""``diff_schedules``: what changes from one plan to another, as a clinician revising a
plan reads it: the first day that differs, each period whose dose or dates change, and
the end.

Every comparison here is also held to what it must account for: the first difference
is the first day a day-by-day reading finds, and every period of either plan that the
other does not have appears once in the changed periods, each plan's in its order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from planner import Pause, Schedule, StepBack, diff_schedules, load_protocol, taper, titrate
from planner.core.units import format_mg
from planner.domain.differences import DayDose, Period, ScheduleDiff, periods
from planner.render.differences import change_words, render_diff_json

START = dt.date(2027, 3, 1)
DAY = dt.timedelta(days=1)
PROTOCOL = load_protocol("panic-adult")
# 0.25 mg/day less every 14 days from 2 mg/day, in Klonopin tablets.
LINEAR: dict[str, Any] = {
    "start": START,
    "from_mg_per_day": "2",
    "pace": "linear",
    "product": "us-tablet",
}


def linear(**changes: Any) -> Schedule:
    return taper(PROTOCOL, **(LINEAR | changes))


def compared(old: Schedule, new: Schedule) -> ScheduleDiff:
    """The comparison, checked against a day-by-day reading of both plans."""
    diff = diff_schedules(old, new)
    by_day = day_by_day(old), day_by_day(new)
    days = sorted(by_day[0].keys() | by_day[1].keys())
    first = next((day for day in days if by_day[0].get(day) != by_day[1].get(day)), None)
    assert diff.first_difference == first
    if first is not None:
        assert (diff.first_old, diff.first_new) == (by_day[0].get(first), by_day[1].get(first))
    olds = [c.old for c in diff.changed if c.old is not None]
    news = [c.new for c in diff.changed if c.new is not None]
    assert olds == [p for p in periods(old) if p not in periods(new)]
    assert news == [p for p in periods(new) if p not in periods(old)]
    assert (diff.old.end, diff.new.end) == (old.end, new.end)
    assert diff.end_shift_days == (new.end - old.end).days
    assert diff.length_change_days == new.days - old.days
    return diff


def day_by_day(schedule: Schedule) -> dict[dt.date, DayDose]:
    return {
        period.start + n * DAY: period.dose
        for period in periods(schedule)
        for n in range(period.days)
    }


def period_on(schedule: Schedule, day: dt.date) -> Period:
    return next(p for p in periods(schedule) if p.start <= day <= p.end)


def test_the_same_plan_twice_has_no_difference() -> None:
    diff = compared(linear(), linear())
    assert diff.identical
    assert diff.changed == ()
    assert (diff.first_old, diff.first_new) == (None, None)
    assert diff.old.fingerprint == diff.new.fingerprint


def test_a_pause_holds_its_period_longer_and_moves_every_later_one_14_days() -> None:
    old = linear()
    paused = dt.date(2027, 3, 20)
    held = period_on(old, paused)
    new = linear(edits=[Pause(kind="pause", date=paused, days=14)])

    diff = compared(old, new)
    # The first day that differs: the day the old plan stepped down and the new holds.
    assert diff.first_difference == held.end + DAY
    assert diff.first_new is not None and diff.first_new.total_mcg == held.dose.total_mcg
    assert diff.first_old == period_on(old, held.end + DAY).dose
    assert diff.end_shift_days == diff.length_change_days == 14
    first, *later = diff.changed
    assert (first.old, first.new) == (held, dataclasses.replace(held, days=held.days + 14))
    assert change_words(first) == "14 days longer"
    assert later
    for changed in later:
        assert changed.old is not None and changed.new is not None
        assert changed.new == dataclasses.replace(changed.old, start=changed.old.start + 14 * DAY)
        assert change_words(changed) == "starts 14 days later"


def test_a_step_back_cuts_its_period_short_and_adds_the_higher_dose_from_its_date() -> None:
    old = linear()
    back = dt.date(2027, 4, 20)
    cut = period_on(old, back)
    before = periods(old)[periods(old).index(cut) - 1]
    new = linear(edits=[StepBack(kind="step_back", date=back)])

    diff = compared(old, new)
    assert diff.first_difference == back
    assert diff.first_new is not None and diff.first_new.total_mcg == before.dose.total_mcg
    assert diff.first_old == cut.dose
    first, added, *_ = diff.changed
    assert (first.old, first.new) == (cut, dataclasses.replace(cut, days=(back - cut.start).days))
    assert added.old is None and added.new is not None
    assert (added.new.start, added.new.dose.total_mcg) == (back, before.dose.total_mcg)
    assert change_words(added) == "added"
    assert diff.end_shift_days > 0


def test_a_different_pace_changes_the_dates_of_the_same_doses() -> None:
    old, new = linear(), linear(pace="proportional")
    diff = compared(old, new)
    assert diff.first_difference == START
    assert diff.new.end > diff.old.end
    same_doses = [c for c in diff.changed if c.old and c.new and c.old.dose == c.new.dose]
    assert len(same_doses) >= 5  # each step of the slower pace, held longer and later
    words = [change_words(c) for c in same_doses]
    assert all(w.startswith("starts ") or w.endswith(" days longer") for w in words), words


def test_a_later_start_moves_every_period_and_the_first_day_is_the_old_start() -> None:
    old, new = linear(), linear(start=START + 14 * DAY)
    diff = compared(old, new)
    assert diff.first_difference == START
    assert diff.first_new is None and diff.first_old == periods(old)[0].dose
    assert (diff.end_shift_days, diff.length_change_days) == (14, 0)
    assert len(diff.changed) == len(periods(old))
    assert {change_words(c) for c in diff.changed} == {"starts 14 days later"}


def test_the_dose_at_one_time_of_day_differs_while_the_daily_total_is_the_same() -> None:
    old = linear()
    index, step = next(
        (i, s) for i, s in enumerate(old.steps) if len({d.mcg for d in s.doses}) == 2
    )
    morning, bedtime = step.doses
    swapped = (
        dataclasses.replace(morning, mcg=bedtime.mcg, units=bedtime.units),
        dataclasses.replace(bedtime, mcg=morning.mcg, units=morning.units),
    )
    steps = list(old.steps)
    steps[index] = dataclasses.replace(step, doses=swapped)
    new = dataclasses.replace(old, steps=tuple(steps))

    diff = compared(old, new)
    assert diff.first_difference == step.start
    assert diff.first_old is not None and diff.first_new is not None
    assert diff.first_old.total_mcg == diff.first_new.total_mcg
    (changed,) = diff.changed
    assert changed.old is not None and changed.new is not None
    assert (changed.old.start, changed.old.days) == (changed.new.start, changed.new.days)
    assert change_words(changed) == (
        f"morning {format_mg(morning.mcg)} -> {format_mg(bedtime.mcg)}, "
        f"bedtime {format_mg(bedtime.mcg)} -> {format_mg(morning.mcg)}"
    )


def test_other_units_for_the_same_doses_are_a_difference() -> None:
    """Only 0.5 mg tablets on hand: 1 mg at bedtime is two of them, not one 1 mg tablet."""
    diff = compared(linear(), linear(strengths_mg=["0.5"]))
    assert diff.first_difference == START
    assert diff.end_shift_days == 0
    assert "bedtime 1 x 1 mg -> 2 x 0.5 mg" in [change_words(c) for c in diff.changed]


def test_another_product_pairs_the_steps_by_their_daily_totals() -> None:
    diff = compared(linear(), linear(product="us-odt"))
    first = diff.changed[0]
    assert first.old is not None and first.new is not None
    assert first.old.start == first.new.start == START
    assert first.old.dose.total_mcg == first.new.dose.total_mcg
    assert "product Klonopin tablets -> ODT tablets" in change_words(first)


def test_plans_of_different_kinds_are_compared_day_by_day() -> None:
    up = titrate(PROTOCOL, start=START)
    down = linear()
    diff = compared(up, down)
    assert (diff.old.kind, diff.new.kind) == ("titration", "taper")
    assert diff.first_difference == START
    document = json.loads(render_diff_json(diff, old_name="up", new_name="down"))
    assert any("a titration and the new one a taper" in note for note in document["notes"])


def test_the_document_keeps_doses_exact_and_names_both_plans() -> None:
    old, new = linear(), linear(edits=[Pause(kind="pause", date=dt.date(2027, 3, 20), days=14)])
    document = json.loads(render_diff_json(compared(old, new), old_name="a", new_name="b"))
    assert document["disclaimer"].startswith("For clinician review")
    assert document["first_difference"]["new"]["total_mg"] == "1.5"
    assert document["first_difference"]["old"]["total_mg"] == "1.25"
    assert document["end"] == {
        "old": old.end.isoformat(),
        "new": new.end.isoformat(),
        "later_days": 14,
        "longer_days": 14,
    }
    for role, name in (("old", "a"), ("new", "b")):
        plan = document[role]
        assert plan["name"] == name
        assert plan["protocol"] == {"id": "panic-adult", "version": PROTOCOL.version}
        assert len(plan["fingerprint"]) == 12
    assert document["old"]["fingerprint"] != document["new"]["fingerprint"]
    row = document["changed_periods"][0]
    assert row["new"]["dose"]["doses"][0] == {
        "time": "morning",
        "mg": "0.75",
        "units": "1 1/2 x 0.5 mg",
    }


@pytest.mark.parametrize("days", [1, 7, 30])
def test_a_pause_of_any_length_moves_the_end_by_that_many_days(days: int) -> None:
    pause = Pause(kind="pause", date=dt.date(2027, 4, 30), days=days)
    diff = compared(linear(), linear(edits=[pause]))
    assert diff.end_shift_days == days


def test_a_plan_that_goes_on_where_the_other_ends_differs_from_the_day_after() -> None:
    """A titration held 60 days at its target instead of 30: the same days, then more."""
    old, new = (
        titrate(PROTOCOL, start=START, hold_days=30),
        titrate(PROTOCOL, start=START, hold_days=60),
    )
    diff = compared(old, new)
    assert diff.first_difference == old.end + DAY
    assert diff.first_old is None and diff.first_new == periods(old)[-1].dose
    assert diff.end_shift_days == 30
    (held,) = diff.changed
    assert held.old == periods(old)[-1] and held.new is not None
    assert change_words(held) == "30 days longer"
    summary = json.loads(render_diff_json(diff, old_name="a", new_name="b"))["summary"]
    assert f"nothing planned (the plan ended {old.end}) in the old." in summary[0]
