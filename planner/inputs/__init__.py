"""Every input a plan takes, described once: its request field, its option, the words a
person reads, its unit, kind, range and help, the commands that take it and the front ends
that offer it.

The command line's options, the batch's columns, the plan file's keys, the request
models' bounds and the page's fields are made from this list (or, where a front end
cannot be made from it, held to it by ``tests/front/test_inputs.py``).
"""

from __future__ import annotations

from decimal import Decimal

from annotated_types import Interval

from planner.inputs.entries import INPUTS
from planner.inputs.model import SCHEDULES, Command, Front, Input, Kind

__all__ = [
    "INPUTS",
    "SCHEDULES",
    "Command",
    "Front",
    "Input",
    "Kind",
    "inputs_of",
    "within",
]


def inputs_of(command: Command, front: Front) -> tuple[Input, ...]:
    """The inputs ``command`` takes on ``front``, in the order a person meets them."""
    return tuple(i for i in INPUTS if command in i.commands and front in i.fronts)


def within(field: str, command: Command) -> Interval:
    """The range of ``field`` for ``command``, as the request models hold it (pydantic
    reads an ``Interval`` in a field's annotation): they take their bounds from here."""
    entry = next(e for e in INPUTS if e.field == field and command in e.commands)
    number = int if entry.kind == "whole" else Decimal
    low = None if entry.low is None else number(entry.low)
    high = None if entry.high is None else number(entry.high)
    return Interval(gt=low if entry.above else None, ge=None if entry.above else low, le=high)
