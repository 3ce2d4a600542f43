"""Every front end takes the same inputs with the same bounds: the command line, a batch
row, a plan file and the Python API each refuse a value just outside an input's range,
naming the input in their own words (the option, the column, the plan key, the field),
and none refuses the bound itself as out of range.

The values are made here from the inputs' one description, and sent to each front end as
a user would type them; what comes back is read as a user would read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest
from cli_helpers import run

from planner import api
from planner.batch.rows import BatchRow, plan_row
from planner.cli import cli
from planner.domain.protocols import load_library, validate_data
from planner.errors import PlannerError
from planner.inputs import INPUTS, SCHEDULES, Command, Input
from planner.plans import PlanFile

# What each command needs beside the input tried: the least a user must give.
NEEDED: dict[Command, dict[str, str]] = {
    "titrate": {"start": "2027-01-04"},
    "taper": {"start": "2027-01-04", "from_mg_per_day": "2"},
    "course": {"start": "2027-01-04", "maintain_days": "30"},
    "switch": {"start": "2027-01-04", "from_drug": "alprazolam", "from_mg_per_day": "1"},
}
KIND = {"titrate": "titration", "taper": "taper", "course": "course", "switch": "switch"}
RANGED = [entry for entry in INPUTS if entry.low is not None or entry.high is not None]
OUT_OF_RANGE = ("must be at least", "must be more than", "must be at most", "is not in the range")


def outside(entry: Input) -> list[str]:
    """Values just outside the range, as typed."""
    step = Decimal(1) if entry.kind == "whole" else Decimal("0.01")
    values = []
    if entry.low is not None:
        values.append(entry.low if entry.above else entry.low - step)
    if entry.high is not None:
        values.append(entry.high + step)
    return [format(value, "f") for value in values]


def at_the_bounds(entry: Input) -> list[str]:
    values = [] if entry.low is None or entry.above else [entry.low]
    values += [] if entry.high is None else [entry.high]
    return [format(value, "f") for value in values]


CASES = [
    (entry, command, value)
    for entry in RANGED
    for command in entry.commands
    for value in outside(entry)
]
BOUNDS = [
    (entry, command, value)
    for entry in RANGED
    for command in entry.commands
    for value in at_the_bounds(entry)
]


def case_id(case: tuple[Input, Command, str]) -> str:
    entry, command, value = case
    return f"{command}-{entry.option}={value}"


def on_the_command_line(entry: Input, command: Command, value: str) -> tuple[bool, str]:
    """Whether the command line refused it, and what it said."""
    options: list[object] = [command, "panic-adult"]
    for name, typed in NEEDED[command].items():
        if name != entry.field:
            options += [f"--{_option(name, command)}", typed]
    options += [f"--{entry.option}", value]
    if entry.field.startswith("switch_product."):  # the pair is given together
        other = "switch-at" if entry.option == "switch-product" else "switch-product"
        options += [f"--{other}", "us-odt" if other == "switch-product" else "0.5"]
    result = run(*options)
    return result.exit_code == 2, result.stderr


def typed_needs(command: Command) -> dict[str, Any]:
    """What a command needs, as Python values (a date, a whole number)."""
    needs: dict[str, Any] = dict(NEEDED[command])
    needs["start"] = dt.date.fromisoformat(needs["start"])
    if "maintain_days" in needs:
        needs["maintain_days"] = int(needs["maintain_days"])
    return needs


def in_the_api(entry: Input, command: Command, value: str) -> tuple[bool, str]:
    fields = typed_needs(command)
    name = entry.field.removeprefix("patient.")
    if entry.field.startswith("switch_product."):
        fields["switch_product"] = {"product": "us-odt", "at_or_below_mg_per_day": value}
    elif entry.kind == "numbers":
        fields[name] = [value]
    else:
        fields[name] = int(value) if entry.kind == "whole" else value
    build: dict[Command, Callable[..., object]] = {
        "titrate": api.titration_request,
        "taper": api.taper_request,
        "course": api.course_request,
        "switch": api.switch_request,
    }
    try:
        build[command](**fields)
    except PlannerError as error:
        return True, f"{error.field}: {error.reason}"
    return False, ""


def in_a_plan_file(entry: Input, command: Command, value: str) -> tuple[bool, str]:
    request = typed_needs(command)  # as TOML reads them
    typed: object = int(value) if entry.kind == "whole" else value
    if entry.kind == "numbers":
        typed = [value]
    head, _, tail = entry.field.partition(".")
    if tail and head == "switch_product":
        request[head] = {"product": "us-odt", "at_or_below_mg_per_day": "0.5", tail: typed}
    elif tail:
        request[head] = {tail: typed}
    else:
        request[head] = typed
    plan = {"kind": "plan", "protocol": "panic-adult", KIND[command]: request}
    try:
        validate_data(plan, PlanFile, source="plan.toml")
    except PlannerError as error:
        return True, str(error)
    return False, ""


def in_a_batch_row(entry: Input, command: Command, value: str) -> tuple[bool, str]:
    cells = {"id": "p1", "protocol": "panic-adult", "schedule": KIND[command]}
    cells |= {_column(name): typed for name, typed in NEEDED[command].items()}
    cells[entry.key] = value
    if entry.field.startswith("switch_product."):
        cells.setdefault("switch_product", "us-odt")
        cells.setdefault("switch_at_mg_per_day", "0.5")
    result = plan_row(BatchRow(2, cells), source="plans.csv", folder=Path(), library=load_library())
    return result.error is not None, result.error or ""


def on_the_page(entry: Input, command: Command, value: str) -> tuple[bool, str]:
    """The web API (the page reads its fields the same way): a 4xx JSON naming the field."""
    from web_helpers import client, query

    options = [(f"--{_option(name, command)}", typed) for name, typed in NEEDED[command].items()]
    options = [pair for pair in options if pair[0] != f"--{entry.option}"]
    options.append((f"--{entry.option}", value))
    if entry.field.startswith("switch_product."):
        other = "switch-at" if entry.option == "switch-product" else "switch-product"
        options.append((f"--{other}", "us-odt" if other == "switch-product" else "0.5"))
    response = client().get(f"/api/{command}?{query('panic-adult', options, 'json')}")
    if response.status_code < 400:
        return False, ""
    error = response.json()["error"]
    return True, f"{error['field']}: {error['message']}"


def _option(field: str, command: Command) -> str:
    return next(e.option for e in INPUTS if e.field == field and command in e.commands)


def _column(field: str) -> str:
    return next(e.key for e in INPUTS if e.field == field)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_a_value_outside_the_range_is_refused_by_every_front_end(
    case: tuple[Input, Command, str],
) -> None:
    entry, command, value = case
    kind = KIND[command]
    expected = {
        "cli": f"--{entry.option}",
        "api": f"{entry.field}",
        "plan": f"plan.toml::{kind}.{entry.field}",
        "batch": f"plans.csv:row 2: {entry.key}",
        "web": f"--{entry.option}",  # the API's errors are in the command line's words
    }
    fronts = {
        "cli": on_the_command_line,
        "api": in_the_api,
        "plan": in_a_plan_file,
        "batch": in_a_batch_row,
        "web": on_the_page,
    }
    for front, send in fronts.items():
        if front not in entry.fronts:
            continue
        refused, said = send(entry, command, value)
        assert refused, (front, entry.option, value)
        assert expected[front] in said, (front, said)


@pytest.mark.parametrize("case", BOUNDS, ids=[case_id(c) for c in BOUNDS])
def test_the_bound_itself_is_in_range_on_every_front_end(case: tuple[Input, Command, str]) -> None:
    """At the bound a plan may still be refused for a clinical reason (an age of 0 on the
    adults' protocol), never as out of range."""
    entry, command, value = case
    for send in (on_the_command_line, in_the_api, in_a_plan_file, in_a_batch_row, on_the_page):
        _, said = send(entry, command, value)
        assert not any(words in said for words in OUT_OF_RANGE), (send.__name__, said)


def test_the_command_line_offers_each_input_with_its_range_and_no_other() -> None:
    """Each schedule command's options (beside its outputs) are its inputs' options, with
    the whole numbers' ranges and the required ones required."""
    for command in SCHEDULES:
        params = {p.name: p for p in cli.commands[command].params if isinstance(p, click.Option)}
        options = {p.opts[0]: p for p in params.values()}
        for entry in (e for e in INPUTS if command in e.commands):
            offered = f"--{entry.option}" in options
            assert offered is ("cli" in entry.fronts), (command, entry.option)
            if not offered:
                continue
            option = options[f"--{entry.option}"]
            assert option.required is (command in entry.required), (command, entry.option)
            if entry.kind == "whole":
                assert isinstance(option.type, click.IntRange)
                assert (option.type.min, option.type.max) == (entry.low, entry.high)


def test_a_batch_file_has_a_column_for_every_input_a_plan_file_takes() -> None:
    """The batch columns are the plan keys of every input that is not the API's or a plan
    file's alone (a clinician's own steps)."""
    from planner.batch.columns import COLUMNS

    wanted = {entry.key for entry in INPUTS if "batch" in entry.fronts}
    assert wanted <= set(COLUMNS)
    assert {"strengths_mg", "slow_down_factor"} <= set(COLUMNS)  # once missing


def test_the_page_offers_each_input_with_its_range_and_no_other() -> None:
    """The page's fields for each command are its inputs' (beside the outputs' settings),
    with the words a person reads, whole numbers' ranges and the required ones marked."""
    from planner.web.commands import COMMANDS
    from planner.web.fields import OUTPUTS

    outputs = {field.option for field in OUTPUTS}
    for command in SCHEDULES:
        fields = {f.option: f for f in COMMANDS[command].fields if f.option not in outputs}
        wanted = {e.option: e for e in INPUTS if command in e.commands and "web" in e.fronts}
        assert set(fields) == set(wanted), command
        for option, entry in wanted.items():
            field = fields[option]
            assert (field.label, field.unit) == (entry.label, entry.unit), option
            assert entry.field in field.paths, option
            assert field.required is (command in entry.required), (command, option)
            if entry.kind == "whole":
                assert (field.low, field.high) == (entry.low, entry.high), option
