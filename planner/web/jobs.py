"""The work a request asks for, as run in a worker process (``workers``): plan, check and
render, and every ``PlannerError`` turned into the problems the page and the API show.

Each job is a module-level function of plain, picklable values (the protocol folder, the
command's name, the form or query, the format) returning a picklable value, so a job can
run in a process that is killed when the work is abandoned.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from planner.errors import PlannerError
from planner.web.calendar import PatientCalendar
from planner.web.calendar import patient_calendar as calendar_of
from planner.web.commands import COMMANDS
from planner.web.fields import TEACHING
from planner.web.inputs import OptionError, Problem, Refusal, problem
from planner.web.pages import Result, Teaching, result_view, teaching_view
from planner.web.service import FORMATS, Site, file_name, load_site, plan_for, render

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planner.web.fields import Field

Raw = dict[str, list[str]]


@dataclass(frozen=True)
class Refused:
    """Inputs the planner refuses: every problem found, the first as the API reports."""

    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Download:
    """One output file: its bytes, media type and the name a browser saves it under."""

    body: bytes
    media_type: str
    name: str
    inline: bool  # JSON is shown, every file is downloaded


def page(folder: Path | None, command_name: str, raw: Raw) -> Result | Refused:
    """The page's view of a planned schedule."""
    command = COMMANDS[command_name]
    try:
        site = _site(folder)
        return result_view(site, plan_for(site, command, raw), raw)
    except PlannerError as error:
        return Refused(problems(error, command.fields))


def patient_calendar(folder: Path | None, command_name: str, raw: Raw) -> PatientCalendar | Refused:
    """The patient's calendar to print: the PDF calendar's days, as a page."""
    command = COMMANDS[command_name]
    try:
        planned = plan_for(_site(folder), command, raw)
    except PlannerError as error:
        return Refused(problems(error, command.fields))
    return calendar_of(planned.checked.schedule, planned.options)


def download(
    folder: Path | None, command_name: str, raw: Raw, format_name: str
) -> Download | Refused:
    """One output of the schedule, the bytes the command line writes."""
    command = COMMANDS[command_name]
    try:
        if format_name not in FORMATS:
            choices = ", ".join(repr(name) for name in FORMATS)
            raise OptionError("format", f"{format_name!r} is not one of {choices}.")
        site = _site(folder)
        planned = plan_for(site, command, raw)
        body = render(site, planned, format_name)
    except PlannerError as error:
        return Refused(problems(error, command.fields))
    media_type = FORMATS[format_name][2]
    return Download(body, media_type, file_name(planned, format_name), format_name == "json")


def teaching(folder: Path | None, raw: Raw) -> Teaching | Refused:
    """The teaching view: paces side by side."""
    try:
        return teaching_view(_site(folder), raw)
    except PlannerError as error:
        return Refused(problems(error, TEACHING))


def problems(error: PlannerError, fields: Sequence[Field]) -> tuple[Problem, ...]:
    """Every input the request got wrong (the API reports the first)."""
    found = error.errors if isinstance(error, Refusal) else (error,)
    return tuple(problem(one, fields) for one in found)


@functools.cache
def _site(folder: Path | None) -> Site:
    """The server's protocols, loaded once per worker process."""
    return load_site(folder)
