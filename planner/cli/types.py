"""Option types: exact numbers, strict dates, file names, times of day and pauses."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


class DecimalType(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """An exact decimal number of mg or kg: '0.5' stays 0.5, never a binary float."""

    name = "number"

    def __init__(self, *, positive: bool = False) -> None:
        self.positive = positive

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Decimal):
            return value
        from planner.core.units import number_from_text
        from planner.errors import InputError

        try:
            number = number_from_text(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)
        if self.positive and number <= 0:
            self.fail(f"{value} must be more than 0", param, ctx)
        return number


class WholeRange(click.IntRange):
    """A whole number within a range, in the digits 0 to 9: Python's int() would also read
    the digits of other scripts ('२' as 2)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            from planner.core.units import whole_from_text
            from planner.errors import InputError

            try:
                value = whole_from_text(value)
            except InputError as error:
                self.fail(str(error), param, ctx)
        return super().convert(value, param, ctx)


class IsoDate(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """A calendar date as YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        from planner.core.units import date_from_text
        from planner.errors import InputError

        try:
            return date_from_text(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)


class OutputFile(click.Path):
    """A file to write: 'plans/', 'plans/.' or '..' name a folder, so they are refused
    rather than written as a file called 'plans' (a path object drops a final '.')."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            last = value.rstrip("/" + os.sep).rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]
            if value.endswith(("/", os.sep)) or last in (".", "..", ""):
                self.fail(f"{value!r} names a folder; give a file name", param, ctx)
        return super().convert(value, param, ctx)


class NumberList(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """Comma-separated exact numbers: '0.5,1' is (0.5, 1)."""

    name = "mg,mg"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        return tuple(NUMBER.convert(part.strip(), param, ctx) for part in str(value).split(","))


NUMBER = DecimalType(positive=True)
NUMBERS = NumberList()
DATE = IsoDate()
OUTPUT = OutputFile()


class ClockSetting(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """A time of day for the calendar file, as NAME=HH:MM (morning=07:30)."""

    name = "NAME=HH:MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        from planner.domain.option_text import clock_from_text
        from planner.errors import InputError

        try:
            return clock_from_text(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)


class PauseSetting(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """A pause as DATE:DAYS (2027-05-03:14): hold that day's dose for DAYS more days."""

    name = "YYYY-MM-DD:DAYS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from planner.domain.option_text import pause_from_text
        from planner.errors import InputError
        from planner.models import Pause

        if isinstance(value, Pause):
            return value
        try:
            return pause_from_text(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)


class OldDoseSetting(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """A dose of the drug switched from as TIME=MG (bedtime=0.5), as the patient takes it."""

    name = "TIME=MG"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        from planner.domain.option_text import old_dose_from_text
        from planner.errors import InputError

        try:
            return old_dose_from_text(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)
