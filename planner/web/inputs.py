"""Reading the page's form and the API's query into typed values, and every error into
a ``Problem``: the fields it concerns, the command line's words (the API's) and the
page's (the field's label, never an option).

The text is read by the functions the command line's option types call (exact numbers,
strict dates, DATE:DAYS pauses), so ``from=abc`` fails here as ``--from abc`` does there.
Each field is read on its own, so one reply names every field that cannot be read.
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
# The page's words for what the web reads itself.
LABELS = {"protocol": "Protocol", "format": "Format"}


class OptionError(InputError):
    """A value that cannot be read, named by its option (``from``, ``pause``): ``reason``
    in the command line's words, ``plain`` in the page's (naming no option)."""

    def __init__(
        self, option: str, reason: str, *, invalid: bool = True, plain: str | None = None
    ) -> None:
        message = f"Invalid value for '--{option}': {reason}" if invalid else reason
        super().__init__(message)
        self.option = option
        self.reason = reason
        self.plain = plain or reason


class Refusal(InputError):
    """Every input one request got wrong, in the order the command line meets them (the
    API reports the first, as the command line does; the page shows them all)."""

    def __init__(self, errors: Sequence[PlannerError]) -> None:
        super().__init__(errors[0].reason, field=errors[0].field)
        self.errors = tuple(errors)


@dataclass(frozen=True)
class Problem:
    """An error as the page shows it beside its fields and the API reports it."""

    option: str | None  # the form field and command-line option: "from"
    field: str | None  # the library's name for the input: "from_mg_per_day"
    reason: str
    message: str  # the command line's error line, without "planner: error: "
    words: str = ""  # the page's line: "Target dose: 50 mg/day is above ..."
    options: tuple[str, ...] = ()  # every form field it concerns

    def as_json(self) -> dict[str, str | None]:
        # The protocol is the command line's argument, not an option.
        option = "PROTOCOL" if self.option == "protocol" else self.option and f"--{self.option}"
        return {
            "field": self.field or self.option,
            "option": option,
            "reason": self.reason,
            "message": self.message,
        }


def general(reason: str) -> Problem:
    """A problem of no one field (the server's limits): the same words everywhere."""
    return Problem(None, None, reason, reason, reason)


def late(seconds: float) -> Problem:
    """A request that passed the server's time limit."""
    return general(
        f"planning took longer than {seconds:g} seconds, the server's limit, and was "
        "stopped: plan a shorter schedule here, or make a file this large with the "
        "command line"
    )


def busy() -> Problem:
    """A client with too many plans waiting."""
    return general("too many plans from this computer are waiting already; try again in a moment")


@dataclass(frozen=True)
class Reading:
    """The options read, typed, and an error for each that cannot be."""

    values: Values
    errors: tuple[OptionError, ...]


def read_values(fields: Sequence[Field], raw: Mapping[str, Sequence[str]]) -> Reading:
    """The options given, typed, each read on its own; an empty value is an option not
    given. Errors come in the fields' order, an unknown option first (as click's)."""
    errors: list[OptionError] = []
    for name in sorted(set(raw) - {f.option for f in fields} - RESERVED):
        close = difflib.get_close_matches(name, [f.option for f in fields])
        named = ", ".join(repr(f"--{option}") for option in close)
        hint = f" (Did you mean one of: {named}?)" if close else ""
        plain = f"{name[:40]!r} is not a field of this form"
        errors.append(
            OptionError(name, f"No such option '--{name}'.{hint}", invalid=False, plain=plain)
        )
    values: Values = {}
    for one in fields:
        texts = [text.strip() for text in raw.get(one.option, ()) if text.strip()]
        try:
            if one.repeatable:
                items = [item for text in texts for item in SEPARATORS.split(text) if item]
                if items:
                    values[one.option] = [_typed(one, item) for item in items]
            elif texts:
                values[one.option] = _typed(one, texts[-1])  # the last, as click takes it
            elif one.required:
                missing = f"Missing option '--{one.option}'."
                raise OptionError(one.option, missing, invalid=False, plain="required")
        except OptionError as error:
            errors.append(error)
    return Reading(values, tuple(errors))


def _typed(field: Field, text: str) -> Any:
    try:
        return _convert(field, text)
    except OptionError:
        raise
    except InputError as error:
        raise OptionError(field.option, str(error)) from None


def _convert(field: Field, text: str) -> Any:
    if field.kind in ("date", "dates"):
        return date_from_text(text)
    if field.kind == "number":
        number = number_from_text(text)
        if field.positive and number <= 0:
            raise InputError(f"{text} must be more than 0")
        return number
    if field.kind == "whole":
        return _whole(field, text)
    if field.kind == "flag":
        return _flag(field, text)
    if field.kind == "pauses":
        return pause_from_text(text)
    if field.kind == "clocks":
        return clock_from_text(text)
    if field.kind == "old_doses":
        return old_dose_from_text(text)
    if field.kind == "paper" and text not in PAPERS:
        plain = f"{text[:40]!r} is not one of letter, a4"
        raise OptionError(field.option, f"{text!r} is not one of 'letter', 'a4'.", plain=plain)
    if field.kind == "language":
        return text.lower()  # a language code in any case: ES is es
    return text


def _flag(field: Field, text: str) -> bool:
    """A command-line flag: a ticked box sends 'on'; the API may say true or false."""
    if text.lower() in ("1", "true", "yes", "on", "t", "y"):
        return True
    if text.lower() in ("0", "false", "no", "off", "f", "n"):
        return False
    plain = f"{text[:40]!r} is not yes or no (a ticked box)"
    raise OptionError(field.option, f"{text!r} is not a valid boolean.", plain=plain)


def _whole(field: Field, text: str) -> int:
    """A whole number in the field's range, in the digits 0 to 9, refused in the command
    line's words (its WholeRange)."""
    number = whole_from_text(text)
    low, high = field.low, field.high
    if (low is not None and number < low) or (high is not None and number > high):
        raise OptionError(
            field.option,
            f"{number} is not in the range {low}<=x<={high}.",
            plain=f"{number} is not between {low} and {high}",
        )
    return number


def problem(error: PlannerError, fields: Sequence[Field]) -> Problem:
    """The error as the page and API report it: its fields, the command line's words and
    the page's (the label of each field it concerns, from ``error.field``)."""
    labels = {**LABELS, **{f.option: f.label for f in fields}}
    if isinstance(error, OptionError):
        options: tuple[str, ...] = (error.option,) if error.option in labels else ()
        said = _said(options, labels, plain_words(error.plain, fields))
        return Problem(error.option, None, error.reason, str(error), said, options)
    location = error.field
    found = list(fields_for(location, fields))
    plain = plain_words(error.reason, fields)
    if location is None or not found:
        return Problem(None, location, error.reason, str(error), plain)
    options = tuple(dict.fromkeys(f.option for f in found))
    names = "/".join(f"--{option}" for option in options)
    message = f"{names} ({location}): {error.reason}"
    said = _said(options, labels, plain)
    return Problem(options[0], location, error.reason, message, said, options)


def _said(options: Sequence[str], labels: Mapping[str, str], plain: str) -> str:
    """'Target dose: 50 mg/day is above ...': the page's line, led by the field's label."""
    if not options:
        return plain
    return f"{' / '.join(labels[option] for option in options)}: {plain}"


def plain_words(reason: str, fields: Sequence[Field]) -> str:
    """A reason with each input it names in the page's words: 'give to_mg_per_day too'
    reads 'give “Taper down to” too', '(--product us-odt)' reads '(“Product” us-odt)'."""
    names: dict[str, str] = {}
    for one in fields:
        names.setdefault(f"--{one.option}", one.label)
        # A request field's own name ("to_mg_per_day"), never a plain word ("pace").
        for path in one.paths:
            if "_" in path or "." in path:
                names.setdefault(path, one.label)
    if not names:
        return reason
    pattern = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.sub(rf"(?<![\w-])(?:{pattern})(?![\w-])", lambda m: f"“{names[m.group(0)]}”", reason)


def fields_for(location: str | None, fields: Iterable[Field]) -> Iterable[Field]:
    """The fields that fill ``location`` (``edits[0].days`` is the edits' field)."""
    if location is None:
        return
    for one in fields:
        for path in one.paths:
            if location == path or location.startswith((f"{path}.", f"{path}[")):
                yield one
                break


# The OpenAPI answers every POSTed form's endpoint may give beside its own 200 and 400.
ERROR_BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
FORM_REFUSALS = {
    "405": {"description": "not a POST", **ERROR_BODY},
    "413": {"description": "the request body is too large", **ERROR_BODY},
    "415": {"description": "a body that is not a form", **ERROR_BODY},
    "429": {"description": "too many requests of this client waiting", **ERROR_BODY},
    "503": {"description": "planning took too long, and was stopped", **ERROR_BODY},
}
