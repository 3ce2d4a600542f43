"""Running the CLI in process, and reading what it prints, for the CLI test modules."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result

from planner.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "planner: error: "
# Phrases from Python or pydantic that no clinician should have to read.
RAW_PHRASES = ("Input should", "Input tag", "Value error", "Decimal(", "Traceback")


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="planner")


def ok(*args: object) -> str:
    """Run a command that must succeed; its stdout."""
    result = run(*args)
    assert result.exception is None, result.stderr
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def error_line(result: Result) -> str:
    """The one error line of a failed command, after checking how it failed."""
    uncaught = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not uncaught, f"uncaught {result.exception!r}: a bug in the planner, not bad input"
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {result.stderr!r}"
    assert lines[0].startswith(PREFIX), lines[0]
    message = lines[0].removeprefix(PREFIX)
    for phrase in RAW_PHRASES:
        assert phrase not in message, f"{phrase!r} is not for a clinician: {message}"
    return message


@dataclass(frozen=True)
class TableRow:
    """One printed row of the schedule table: a run of days at one daily dose."""

    first: dt.date
    last: dt.date
    days: int
    phase: str
    daily_mg: Decimal


TABLE_ROW = re.compile(
    r"^(\d{4}-\d{2}-\d{2})\s+(\d{4}-\d{2}-\d{2})\s+(\d+)\s+(\S.*?)\s+(\d+(?:\.\d+)?) mg\s"
)


def table_rows(stdout: str) -> list[TableRow]:
    """The rows of the printed schedule table, one a dose held; the phase keeps any edit:
    'taper (pause)'. A review (every 3 months) starts a row of its own, '... (review)', at
    the dose of the row before: it is read back into that row."""
    rows: list[TableRow] = []
    for line in stdout.splitlines():
        match = TABLE_ROW.match(line)
        if match:
            first, last, days, phase, daily = match.groups()
            review = phase.endswith("review)")
            phase = phase.replace(", review)", ")").removesuffix(" (review)")
            row = TableRow(
                dt.date.fromisoformat(first),
                dt.date.fromisoformat(last),
                int(days),
                phase,
                Decimal(daily),
            )
            before = rows[-1] if rows else None
            if review and before is not None and before.daily_mg == row.daily_mg:
                rows[-1] = dataclasses.replace(before, last=row.last, days=before.days + row.days)
            else:
                rows.append(row)
    return rows
