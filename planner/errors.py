"""Every error a user can cause is a PlannerError; the CLI turns one into exit code 2.

    PlannerError
     +-- ProtocolError          a protocol, product or pace file is unreadable or invalid
     +-- InputError             patient inputs or options do not fit the protocol
     |    +-- DoseError         a dose that no product can make, or that is not exact
     +-- UnsafeScheduleError    a built schedule failed a safety check (never written)
     +-- OutputError            an output file cannot be written

Anything else escaping the library is a bug in the planner, not in the input.
"""

from __future__ import annotations

import re

# A message that names its field starts with the field's path: "patient.weight_kg: ...".
FIELD_PATH = re.compile(
    r"^(?P<field>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*|\[\d+\])*): (?P<reason>.+)$"
)


class PlannerError(Exception):
    """Base of every error caused by input; the message is one line for a person.

    ``field`` is the input it concerns (``"patient.weight_kg"``, ``"custom_steps[2]"``),
    so a front end can point at its own option or form field; ``reason`` is the message
    without it. A raise site may give ``field``; else a message that starts with a
    field's path names it, as every message about one input does.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        named = FIELD_PATH.match(message)
        if field is None and named and _is_field(named["field"]):
            field, message = named["field"], named["reason"]
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


def _is_field(path: str) -> bool:
    """A field path, not a file name ('start.toml: no such file' names no field)."""
    return path.rsplit(".", 1)[-1] not in FILE_SUFFIXES


# What a file name ends with, where a message starts with one.
FILE_SUFFIXES = frozenset({"toml", "csv", "json", "pdf", "png", "svg", "ics", "xlsx", "txt"})


class ProtocolError(PlannerError):
    """A protocol, product or pace file cannot be read or fails validation."""


class InputError(PlannerError):
    """Patient inputs or command options that do not fit the protocol."""


class DoseError(InputError):
    """A dose that is not exact, or that the chosen product cannot make."""


class UnsafeScheduleError(PlannerError):
    """A schedule failed a safety check; it carries the report so the failure can be shown."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message, field=None)
        self.report = report


class OutputError(PlannerError):
    """An output file cannot be written where the user asked."""
