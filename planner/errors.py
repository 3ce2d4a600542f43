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


class PlannerError(Exception):
    """Base of every error caused by input; the message is one line for a person.

    ``field`` is the input it concerns (``"patient.weight_kg"``, ``"custom_steps[2]"``),
    given where the error is raised, so a front end can point at its own option, form
    field, column or key; ``reason`` is the message without it. ``source`` is the file
    (or batch row) the field is in, when it is one: its field is the file's, not an
    option's, and the message reads ``source::field: reason``.
    """

    def __init__(
        self, message: str, *, field: str | None = None, source: str | None = None
    ) -> None:
        where = "::".join(part for part in (source, field) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.field = field
        self.reason = message
        self.source = source


class FieldValueError(ValueError):
    """A check across fields of a model (a pydantic validator) about one of them: pydantic
    places it at the model, so the field it is about travels with it."""

    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


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
