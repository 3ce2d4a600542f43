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
    """Base of every error caused by input; the message is one line for a person."""


class ProtocolError(PlannerError):
    """A protocol, product or pace file cannot be read or fails validation."""


class InputError(PlannerError):
    """Patient inputs or command options that do not fit the protocol."""


class DoseError(InputError):
    """A dose that is not exact, or that the chosen product cannot make."""


class UnsafeScheduleError(PlannerError):
    """A schedule failed a safety check; it carries the report so the failure can be shown."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class OutputError(PlannerError):
    """An output file cannot be written where the user asked."""
