"""Every input the planner refuses, in one reply: the library raises its first refusal
only, so the request is planned again with each refused input left out, until it plans
or no input is left to judge. A target above the maximum is reported with a bad date.

The library stays the only judge: nothing here knows a bound. What is here is which
inputs lean on which, so that an input left out never makes another look wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from planner.api import Checked, plan_checked
from planner.errors import PlannerError
from planner.web.inputs import OptionError, Values, fields_for

if TYPE_CHECKING:
    from planner.domain.protocols import Library
    from planner.models import Protocol
    from planner.web.commands import Command

# A required input in error is planned with a stand-in, so the protocol can still judge
# the others: any valid value does, for nothing else is judged against these.
STAND_INS: dict[str, Any] = {"start": dt.date(2027, 1, 4), "maintain": 28}
# Inputs judged against another's value are left out while that one is in error (the
# pauses' dates against the start, a partial taper's hold against its dose).
NEEDS = {
    "pause": "start",
    "step-back": "start",
    "hold": "to",
    "switch-at": "switch-product",
    "switch-product": "switch-at",
    "strengths": "product",
    "ec50": "pace",
}
# Inputs every other one is judged with: while one is in error, nothing more is planned.
GROUNDS = frozenset({"product", "from-drug"})


def judged(
    library: Library,
    protocol: Protocol,
    command: Command,
    values: Values,
    errors: list[PlannerError],
) -> Checked | None:
    """The checked schedule, or None with every refusal added to ``errors`` (after the
    errors already there, which name the inputs that could not be read)."""
    wrong = {option for error in errors if (option := _option(error)) is not None}
    required = {field.option for field in command.fields if field.required}
    for _round in range(len(command.fields) + 1):  # each round leaves one more input out
        stand_ins = {
            option: value
            for option, value in STAND_INS.items()
            if option in wrong and command.field(option) is not None
        }
        if wrong & GROUNDS or (wrong & required) - set(stand_ins):
            return None
        given = {
            option: value
            for option, value in values.items()
            if option not in wrong and NEEDS.get(option) not in wrong
        }
        try:
            checked = plan_checked(protocol, command.build({**given, **stand_ins}), library=library)
        except PlannerError as error:
            concerned = {f.option for f in fields_for(error.field, command.fields)}
            if isinstance(error, OptionError):
                concerned.add(error.option)
            if concerned & wrong or (errors and not concerned):
                return None  # an echo of an input in error, or of no input at all
            errors.append(error)
            if not concerned & set(given):
                return None  # not given: planning again meets it again
            wrong |= concerned
        else:
            return None if errors else checked
    return None


def _option(error: PlannerError) -> str | None:
    return error.option if isinstance(error, OptionError) else None
