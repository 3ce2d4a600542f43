"""The commands the page and the API offer, one entry each: its fields and how their
values become the library's typed request, exactly as the command line builds it.

Adding a command (``switch``) is adding one ``Command`` to ``COMMANDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.api import course_request, switch_request, taper_request, titration_request
from planner.inputs import Command as InputCommand
from planner.inputs import inputs_of
from planner.models import (
    CourseRequest,
    StepBack,
    SwitchRequest,
    TaperRequest,
    TitrationRequest,
)
from planner.web.fields import OUTPUTS, Field, schedule_fields
from planner.web.inputs import OptionError, Values

Request = TitrationRequest | TaperRequest | CourseRequest | SwitchRequest


@dataclass(frozen=True)
class Command:
    """One planning command: ``planner NAME PROTOCOL ...`` and ``/api/NAME``."""

    name: str
    title: str
    summary: str
    fields: tuple[Field, ...]
    build: Callable[[Values], Request]

    def field(self, option: str) -> Field | None:
        return next((f for f in self.fields if f.option == option), None)


def _fields(command: InputCommand, values: Values) -> dict[str, Any]:
    """The page's values as the request's fields, by the inputs' one description: each
    input's option read into its field (the patient's without ``patient.``)."""
    fields: dict[str, Any] = {}
    for entry in inputs_of(command, "web"):
        if entry.gathered:
            continue
        if command in entry.required:
            value = values[entry.option]
        elif entry.kind == "flag":
            value = values.get(entry.option, False)
        elif entry.kind in ("numbers", "old_doses"):
            value = tuple(values.get(entry.option, ()))
        else:
            value = values.get(entry.option)
        fields[entry.field.removeprefix("patient.")] = value
    return fields


def _titration(values: Values) -> Request:
    return titration_request(**_fields("titrate", values))


def _taper(values: Values) -> Request:
    switch_product, switch_at = values.get("switch-product"), values.get("switch-at")
    if (switch_product is None) != (switch_at is None):
        missing = "switch-product" if switch_product is None else "switch-at"
        plain = "give the product to switch to and the dose to switch at, together"
        raise OptionError(
            missing, "give --switch-product and --switch-at together", invalid=False, plain=plain
        )
    switch = None
    if switch_product is not None:
        switch = {"at_or_below_mg_per_day": switch_at, "product": switch_product}
    edits = [*values.get("pause", ())]
    edits += [StepBack(kind="step_back", date=date) for date in values.get("step-back", ())]
    return taper_request(**_fields("taper", values), switch_product=switch, edits=edits)


def _course(values: Values) -> Request:
    return course_request(**_fields("course", values))


def _switch(values: Values) -> Request:
    return switch_request(**_fields("switch", values))


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        Command(
            "titrate",
            "Titrate",
            "Start low, raise no sooner than every interval, hold at the target.",
            (*schedule_fields("titrate"), *OUTPUTS),
            _titration,
        ),
        Command(
            "taper",
            "Taper",
            "From the current daily dose to zero, or to a lower dose held, never abruptly.",
            (*schedule_fields("taper"), *OUTPUTS),
            _taper,
        ),
        Command(
            "course",
            "Course",
            "Titrate to the target, keep it, then taper at a pace: one schedule.",
            (*schedule_fields("course"), *OUTPUTS),
            _course,
        ),
        Command(
            "switch",
            "Switch",
            "To clonazePAM from another benzodiazepine, in weekly stages from the patient's doses.",
            (*schedule_fields("switch"), *OUTPUTS),
            _switch,
        ),
    )
}
