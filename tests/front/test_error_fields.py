"""Errors name their field where they are raised (``field=``), never at the start of
their text for a front end to read back: every raise site of the package is read here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import planner

PACKAGE = Path(planner.__file__).parent
# "patient.weight_kg: ...", "custom_steps[2]: ...", "{where}: ..." where ``where`` is a name.
FIELD_FIRST = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*|\[\d+\])*: ")
NAMED_FIRST = re.compile(r"^\{[a-z_][a-z0-9_]*\}: ")
# Names a message may start with that hold a file, a folder or the text typed, not a field.
NOT_FIELDS = {"path", "shown", "plan_path", "out", "target", "journal_path", "source", "user"}


def opening(argument: ast.expr) -> str | None:
    """The start of a message, as written: its first literal, or ``{name}`` then one."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if not isinstance(argument, ast.JoinedStr) or not argument.values:
        return None
    first, *rest = argument.values
    if isinstance(first, ast.Constant):
        return str(first.value)
    if not (isinstance(first, ast.FormattedValue) and first.conversion == -1 and rest):
        return None
    value = first.value.value if isinstance(first.value, ast.Subscript) else first.value
    if isinstance(value, ast.Name) and isinstance(rest[0], ast.Constant):
        return "{" + value.id + "}" + str(rest[0].value)  # {where}: or {names[0]}:
    return None


def field_in_text(call: ast.Call) -> str | None:
    """The field a raise of an error puts at the start of its text, if it does."""
    name = call.func.id if isinstance(call.func, ast.Name) else None
    if not (name and name.endswith("Error") and call.args):
        return None
    if any(keyword.arg == "field" for keyword in call.keywords):
        return None
    text = opening(call.args[0])
    if text is None:
        return None
    named = FIELD_FIRST.match(text)
    if named and named[0].rsplit(".", 1)[-1].rstrip(": ") not in {"toml", "csv", "json"}:
        return named[0]
    variable = NAMED_FIRST.match(text)
    if variable and variable[0][1:-3] not in NOT_FIELDS:
        return variable[0]
    return None


def raise_sites() -> list[tuple[str, int, str]]:
    found = []
    for module in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                field = field_in_text(node.exc)
                if field:
                    found.append((str(module.relative_to(PACKAGE)), node.lineno, field))
    return found


@pytest.mark.slow
def test_no_error_is_raised_with_its_field_in_its_text() -> None:
    assert raise_sites() == []


def test_the_reader_finds_a_field_written_into_a_message() -> None:
    """The reader above, shown the ways a field was once written into messages."""
    written = [
        'raise InputError("patient.weight_kg: give the weight")',
        'raise InputError(f"custom_steps[2]: stops after {dose}")',
        'raise ValueError(f"{where}: out of order")',
        'raise DoseError(f"target_mg_per_day: {x} is too much")',
        'raise InputError(f"{other[0]}: is not a field of a taper")',
    ]
    fine = [
        'raise InputError("give the weight", field="patient.weight_kg")',
        'raise InputError(f"{path}: no such file")',
        'raise InputError("plans.csv: no rows")',
        'raise InputError(f"{text!r}: not a number")',
    ]
    calls = [ast.parse(line).body[0].exc for line in written + fine]  # type: ignore[attr-defined]
    assert [field_in_text(call) is not None for call in calls] == [True] * 5 + [False] * 4
