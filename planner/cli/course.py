"""The whole course of care in one command: titration, maintenance, then the taper."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from planner.cli.inputs import input_options
from planner.cli.outputs import _OUTPUT_OPTIONS, SAVE_PLAN, _options, plan_and_emit


@click.command()
@click.argument("protocol")
@_options([*input_options("course"), SAVE_PLAN, *_OUTPUT_OPTIONS])
def course(
    protocol: str,
    start: dt.date,
    from_mg: Decimal | None,
    target: Decimal | None,
    step: Decimal | None,
    interval: int | None,
    maintain: int,
    pace: str | None,
    ec50: Decimal | None,
    to_mg: Decimal | None,
    hold: int | None,
    older_adult: bool,
    weight: Decimal | None,
    age: int | None,
    product: str | None,
    strengths: tuple[Decimal, ...],
    save_plan: Path | None,
    off_label_reason: str | None,
    **outputs: Any,
) -> None:
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

    request = course_request(
        start=start,
        from_mg_per_day=from_mg,
        weight_kg=weight,
        age_years=age,
        product=product,
        strengths_mg=strengths,
        target_mg_per_day=target,
        step_mg_per_day=step,
        interval_days=interval,
        maintain_days=maintain,
        pace=pace,
        ec50_mg_per_day=ec50,
        to_mg_per_day=to_mg,
        taper_hold_days=hold,
        older_adult=older_adult,
        off_label_reason=off_label_reason,
    )
    plan_and_emit(protocol, request, save_plan, outputs)
