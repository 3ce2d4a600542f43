"""A schedule's steps: copied with changes exactly as ``dataclasses.replace`` copies them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from planner import load_protocol, taper
from planner.domain.schedule import DoseStep


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


def test_a_step_made_is_the_step_its_dataclass_makes() -> None:
    schedule = taper(load_protocol("panic-adult"), start=dt.date(2027, 1, 4), from_mg_per_day=2)
    step = schedule.steps[0]
    given = {name: getattr(step, name) for name in ("start", "first_day", "days", "total_mcg")}
    given |= {"doses": step.doses, "phase": step.phase, "product": step.product}
    for extra in ({}, {"note": "Reduce.", "review": True}):
        made = DoseStep.made(**given, **extra)
        assert made == DoseStep(**given, **extra)  # type: ignore[arg-type]
        assert vars(made) == vars(DoseStep(**given, **extra))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="missing \\['days'\\]"):
        DoseStep.made(**{k: v for k, v in given.items() if k != "days"})
    with pytest.raises(TypeError, match="unknown \\['colour'\\]"):
        DoseStep.made(**given, colour="red")
