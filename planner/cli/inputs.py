"""The command line's options for a schedule's inputs, made from their one description
(``planner.inputs``): name, type, range, help and whether a command needs it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from planner.cli.types import (
    DATE,
    NUMBER,
    NUMBERS,
    DecimalType,
    OldDoseSetting,
    PauseSetting,
    WholeRange,
)
from planner.inputs import Command, Input, inputs_of

Decorator = Callable[[Any], Any]


def input_options(command: Command) -> list[Decorator]:
    """One option for each input ``command`` takes on the command line, in order."""
    return [_option(entry, command) for entry in inputs_of(command, "cli")]


def _option(entry: Input, command: Command) -> Decorator:
    settings: dict[str, Any] = {
        "help": entry.help_for(command),
        "required": command in entry.required,
    }
    kind = entry.kind
    if kind == "flag":
        settings["is_flag"] = True
    elif kind == "whole":
        assert entry.low is not None and entry.high is not None  # every whole input has both
        settings["type"] = WholeRange(int(entry.low), int(entry.high))
    elif kind == "number":  # more than 0 is read at once; the rest of a range by the request
        settings["type"] = NUMBER if entry.above and entry.low == 0 else DecimalType()
    elif kind == "numbers":
        settings |= {"type": NUMBERS, "default": ()}
    elif kind == "date":
        settings["type"] = DATE
    elif kind in ("pauses", "dates", "old_doses"):
        one = {"pauses": PauseSetting(), "dates": DATE, "old_doses": OldDoseSetting()}[kind]
        settings |= {"type": one, "multiple": True}
    elif kind == "text":
        settings["metavar"] = "REASON"
    return click.option(f"--{entry.option}", entry.parameter, **settings)


def request_fields(command: Command, params: dict[str, Any]) -> dict[str, Any]:
    """Each input's option taken out of ``params`` into its request field (the patient's
    without ``patient.``), by the inputs' one description; the paired inputs are left in
    ``params`` under their options' names, for the command to gather."""
    fields: dict[str, Any] = {}
    for entry in inputs_of(command, "cli"):
        if not entry.gathered:
            fields[entry.field.removeprefix("patient.")] = params.pop(entry.parameter)
    return fields
