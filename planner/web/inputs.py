"""Reading the page's form and the API's query into typed values, and every error into
a ``Problem``: the field it concerns and the reason, in the command line's words.

The text is read by the functions the command line's option types call (exact numbers,
strict dates, DATE:DAYS pauses), so ``from=abc`` fails here as ``--from abc`` does there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.core.units import date_from_text, number_from_text, whole_from_text
from planner.domain.option_text import clock_from_text, old_dose_from_text, pause_from_text
from planner.errors import InputError, PlannerError
from planner.web.fields import Field

Values = dict[str, Any]  # option name -> typed value, for the options given
PAPERS = ("letter", "a4")
# Parameters the web reads itself, beside a command's options.
RESERVED = frozenset({"protocol", "format", "action"})
SEPARATORS = re.compile(r"[,\s]+")


class OptionError(InputError):
    """A value that cannot be read, named by its option (``from``, ``pause``)."""

    def __init__(self, option: str, reason: str, *, invalid: bool = True) -> None:
        message = f"Invalid value for '--{option}': {reason}" if invalid else reason
        super().__init__(message)
        self.option = option
        self.reason = reason
        self.also: list[OptionError] = []  # the other fields that cannot be read either


@dataclass(frozen=True)
class Problem:
    """An error as the page shows it beside its field and the API reports it."""

    option: str | None  # the form field and command-line option: "from"
    field: str | None  # the library's name for the input: "from_mg_per_day"
    reason: str
    message: str  # the command line's error line, without "planner: error: "

    def as_json(self) -> dict[str, str | None]:
        # The protocol is the command line's argument, not an option.
        option = "PROTOCOL" if self.option == "protocol" else self.option and f"--{self.option}"
        return {
            "field": self.field or self.option,
            "option": option,
            "reason": self.reason,
            "message": self.message,
        }


def read_values(fields: Sequence[Field], raw: Mapping[str, Sequence[str]]) -> Values:
    """The options given, typed; an empty value is an option not given."""
    unknown = sorted(set(raw) - {f.option for f in fields} - RESERVED)
    if unknown:
        close = difflib.get_close_matches(unknown[0], [f.option for f in fields])
        hint = (
            f" (Did you mean one of: {', '.join(repr('--' + c) for c in close)}?)" if close else ""
        )
        raise OptionError(unknown[0], f"No such option '--{unknown[0]}'.{hint}", invalid=False)
    values: Values = {}
    errors: list[OptionError] = []
    for field in fields:
        texts = [text.strip() for text in raw.get(field.option, ()) if text.strip()]
        try:
            if field.repeatable:
                items = [item for text in texts for item in SEPARATORS.split(text) if item]
                if items:
                    values[field.option] = [_typed(field, item) for item in items]
            elif texts:
                values[field.option] = _typed(field, texts[-1])  # the last, as click takes it
            elif field.required:
                missing = f"Missing option '--{field.option}'."
                raise OptionError(field.option, missing, invalid=False)
        except OptionError as error:
            errors.append(error)
    if errors:  # the first, as the command line reports it; the page shows them all
        errors[0].also = errors[1:]
        raise errors[0]
    return values


def _typed(field: Field, text: str) -> Any:
    try:
        return _convert(field, text)
    except InputError as error:
        raise OptionError(field.option, str(error)) from None


def _convert(field: Field, text: str) -> Any:
    if field.kind in ("date", "dates"):
        return date_from_text(text)
    if field.kind == "number":
        number = number_from_text(text)
        if number <= 0:
            raise InputError(f"{text} must be more than 0")
        return number
    if field.kind == "whole":
        return _whole(field, text)
    if field.kind == "flag":
        return _flag(text)
    if field.kind == "pauses":
        return pause_from_text(text)
    if field.kind == "clocks":
        return clock_from_text(text)
    if field.kind == "old_doses":
        return old_dose_from_text(text)
    if field.kind == "paper" and text not in PAPERS:
        raise InputError(f"{text!r} is not one of 'letter', 'a4'.")
    return text


def _flag(text: str) -> bool:
    """A command-line flag: a ticked box sends 'on'; the API may say true or false."""
    if text.lower() in ("1", "true", "yes", "on", "t", "y"):
        return True
    if text.lower() in ("0", "false", "no", "off", "f", "n"):
        return False
    raise InputError(f"{text!r} is not a valid boolean.")


def _whole(field: Field, text: str) -> int:
    """A whole number in the field's range, in the digits 0 to 9, refused in the command
    line's words (its WholeRange)."""
    number = whole_from_text(text)
    low, high = field.low, field.high
    if (low is not None and number < low) or (high is not None and number > high):
        raise InputError(f"{number} is not in the range {low}<=x<={high}.")
    return number


def problem(error: PlannerError, fields: Sequence[Field]) -> Problem:
    """The error as the page and API report it: its option, and the command line's words."""
    if isinstance(error, OptionError):
        return Problem(error.option, None, error.reason, str(error))
    location = error.field
    fields = list(_fields_for(location, fields))
    if location is None or not fields:
        return Problem(None, location, error.reason, str(error))
    names = "/".join(dict.fromkeys(f"--{field.option}" for field in fields))
    message = f"{names} ({location}): {error.reason}"
    return Problem(fields[0].option, location, error.reason, message)


def _fields_for(location: str | None, fields: Iterable[Field]) -> Iterable[Field]:
    """The fields that fill ``location`` (``edits[0].days`` is the edits' field)."""
    if location is None:
        return
    for field in fields:
        for path in field.paths:
            if location == path or location.startswith((f"{path}.", f"{path}[")):
                yield field
                break
