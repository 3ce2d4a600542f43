"""A schedule's steps: copied with changes exactly as ``dataclasses.replace`` copies them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from planner import load_protocol, taper


def test_a_step_replaced_is_the_step_dataclasses_replace_makes() -> None:
    schedule = taper(load_protocol("panic-adult"), start=dt.date(2027, 1, 4), from_mg_per_day=2)
    for step in schedule.steps:
        for changes in ({}, {"start": dt.date(2028, 2, 29), "note": ""}, {"review": True}):
            replaced = step.replaced(**changes)
            assert replaced == dataclasses.replace(step, **changes)
            assert replaced is not step
            assert vars(replaced) == vars(dataclasses.replace(step, **changes))
    with pytest.raises(TypeError, match="no field 'colour'"):
        schedule.steps[0].replaced(colour="red")
    with pytest.raises(dataclasses.FrozenInstanceError):
        schedule.steps[0].replaced(days=3).days = 4  # type: ignore[misc]
