"""Options typed as text, read the same way by every front end: a pause as DATE:DAYS and
a calendar file's time of day as NAME=HH:MM, a dose of the drug switched from as TIME=MG.

The command line's option types and the web page both call these, so a mistyped value
gets the same words wherever it was typed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from planner.core.units import date_from_text, number_from_text, whole_from_text
from planner.domain.protocols import validate_data
from planner.errors import InputError
from planner.models import Pause


def pause_from_text(text: str) -> Pause:
    """'2027-05-03:14': hold the dose of that day for 14 more days."""
    date, _, days = text.partition(":")
    try:
        fields = {"kind": "pause", "date": date_from_text(date), "days": whole_from_text(days)}
    except InputError:
        raise InputError(f"{text!r} is not DATE:DAYS, for example 2027-05-03:14") from None
    try:
        return validate_data(fields, Pause, source="", error_type=InputError)
    except InputError as error:
        raise InputError(f"{text!r}: {error}") from None


def clock_from_text(text: str) -> tuple[str, dt.time]:
    """'morning=07:30': the name of a time of day and its new clock time."""
    name, _, clock = text.partition("=")
    try:
        time = dt.time.fromisoformat(clock.strip())
    except ValueError:
        raise InputError(f"{text!r} is not NAME=HH:MM, for example morning=07:30") from None
    if time.tzinfo is not None:  # 07:30+05:00: the calendar's zone is --tz, not each time's
        raise InputError(
            f"{text!r} has a UTC offset; give the local time (NAME=HH:MM, for example "
            "morning=07:30) and the calendar's time zone on its own"
        )
    return name.strip(), time


def old_dose_from_text(text: str) -> tuple[str, Decimal]:
    """'bedtime=0.5': a time of day the drug switched from is taken at, and its dose in mg."""
    name, _, mg = text.partition("=")
    try:
        return name.strip(), number_from_text(mg.strip())
    except InputError:
        raise InputError(f"{text!r} is not TIME=MG, for example bedtime=0.5") from None
