"""The whole course of care in one command: titration, maintenance, then the taper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from planner.cli.inputs import input_options, request_fields
from planner.cli.outputs import _OUTPUT_OPTIONS, SAVE_PLAN, _options, plan_and_emit


@click.command()
@click.argument("protocol")
@_options([*input_options("course"), SAVE_PLAN, *_OUTPUT_OPTIONS])
def course(protocol: str, save_plan: Path | None, **params: Any) -> None:
    """Plan the whole course: titrate to the target, keep it, then taper at a pace.

    One schedule, one safety report, one calendar, one plot and one dispensing table, with
    a review of the maintenance dose every 3 months (ASAM 2025).

    PROTOCOL is a bundled protocol id or the path of a .toml protocol file.

    \b
    Examples:
        planner course panic-adult --start 2027-01-04 --target 2 --maintain 180 --csv c.csv
        planner course seizure-adult --start 2027-01-04 --from 2 --target 4 --maintain 365
        planner course panic-adult --start 2027-01-04 --maintain 90 --pace asam --to 0.5
    """
    from planner.api import course_request

    request = course_request(**request_fields("course", params))
    plan_and_emit(protocol, request, save_plan, params)
