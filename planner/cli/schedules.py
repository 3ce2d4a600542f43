"""Commands that plan one schedule: titrate, taper, and re-running a plan file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from planner.cli.outputs import (
    _OUTPUT_OPTIONS,
    _PATIENT_OPTIONS,
    _RISE_OPTIONS,
    _emit,
    _options,
    library_for,
    plan_and_emit,
)
from planner.cli.types import DATE, NUMBER, PauseSetting, WholeRange

if TYPE_CHECKING:
    from planner.models import Pause


@click.command()
@click.argument("protocol")
@click.option("--start", required=True, type=DATE, help="First day of the schedule.")
@_options(_RISE_OPTIONS)
@click.option(
    "--hold",
    type=WholeRange(1, 3650),
    help="Days of maintenance at the target (default: the protocol's).",
)
@_options(_PATIENT_OPTIONS + _OUTPUT_OPTIONS)
def titrate(
    protocol: str,
    start: dt.date,
    from_mg: Decimal | None,
    target: Decimal | None,
    step: Decimal | None,
    interval: int | None,
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
    """Plan a titration: start low, raise no sooner than every interval, hold at the target.

    PROTOCOL is a bundled protocol id or the path of a .toml protocol file.

    \b
    Examples:
        planner titrate panic-adult --start 2027-01-04 --csv panic.csv
        planner titrate seizure-adult --start 2027-01-04 --target 4 --pdf seizure.pdf
        planner titrate seizure-pediatric --start 2027-01-04 --weight 20 --plot child.png
        planner titrate seizure-adult --start 2027-01-04 --from 2 --target 4 --csv up.csv
    """
    from planner.api import titration_request

    request = titration_request(
        start=start,
        from_mg_per_day=from_mg,
        weight_kg=weight,
        age_years=age,
        product=product,
        strengths_mg=strengths,
        target_mg_per_day=target,
        step_mg_per_day=step,
        interval_days=interval,
        hold_days=hold,
        older_adult=older_adult,
        off_label_reason=off_label_reason,
    )
    plan_and_emit(protocol, request, save_plan, outputs)


@click.command()
@click.argument("protocol")
@click.option("--start", required=True, type=DATE, help="Day of the first reduction.")
@click.option("--from", "from_mg", required=True, type=NUMBER, help="Current daily dose in mg/day.")
@click.option(
    "--to",
    "to_mg",
    type=NUMBER,
    help="Come down to this lower daily dose in mg/day and hold it (default 0: stop).",
)
@click.option(
    "--hold",
    type=WholeRange(1, 3650),
    help="Days to hold the --to dose (default 28), for a review before going on.",
)
@click.option("--pace", help="Taper pace id (see `planner protocols`); default: the protocol's.")
@click.option(
    "--pause",
    "pauses",
    type=PauseSetting(),
    multiple=True,
    help="Hold the dose of DATE for DAYS more days; later steps move (repeatable).",
)
@click.option(
    "--step-back",
    "step_backs",
    type=DATE,
    multiple=True,
    help="From DATE, return to the previous dose, then reduce more slowly (repeatable).",
)
@click.option(
    "--slow-down",
    type=NUMBER,
    help="After a step back, intervals are this many times as long (default 1.5).",
)
@click.option("--ec50", type=NUMBER, help="Illustrative EC50 of a hyperbolic pace, in mg/day.")
@click.option("--switch-product", help="Switch to this product for the last steps.")
@click.option("--switch-at", type=NUMBER, help="... at or below this daily dose in mg/day.")
@_options(_PATIENT_OPTIONS + _OUTPUT_OPTIONS)
def taper(
    protocol: str,
    start: dt.date,
    from_mg: Decimal,
    to_mg: Decimal | None,
    hold: int | None,
    pace: str | None,
    pauses: tuple[Pause, ...],
    step_backs: tuple[dt.date, ...],
    slow_down: Decimal | None,
    ec50: Decimal | None,
    switch_product: str | None,
    switch_at: Decimal | None,
    weight: Decimal | None,
    age: int | None,
    product: str | None,
    strengths: tuple[Decimal, ...],
    save_plan: Path | None,
    off_label_reason: str | None,
    **outputs: Any,
) -> None:
    """Plan a taper from the current daily dose to zero, or down to a lower dose held
    (--to, --hold), never stopping abruptly.

    PROTOCOL is a bundled protocol id or the path of a .toml protocol file.

    \b
    Examples:
        planner taper panic-adult --start 2027-03-01 --from 2 --csv taper.csv
        planner taper panic-adult --start 2027-03-01 --from 2 --pace label --pdf label.pdf
        planner taper panic-adult --start 2027-03-01 --from 2 --ics taper.ics --tz Europe/Berlin
        planner taper panic-adult --start 2027-03-01 --from 2 --pace hyperbolic --pause 2027-04-05:7
        planner taper panic-adult --start 2027-03-01 --from 3 --to 1 --hold 90 --csv partial.csv
    """
    from planner.api import taper_request
    from planner.errors import InputError
    from planner.models import StepBack

    if (switch_product is None) != (switch_at is None):
        raise InputError("give --switch-product and --switch-at together")
    edits: list[Pause | StepBack] = [*pauses]
    edits += [StepBack(kind="step_back", date=date) for date in step_backs]
    switch = None
    if switch_product is not None:
        switch = {"at_or_below_mg_per_day": switch_at, "product": switch_product}
    request = taper_request(
        start=start,
        from_mg_per_day=from_mg,
        to_mg_per_day=to_mg,
        hold_days=hold,
        pace=pace,
        weight_kg=weight,
        age_years=age,
        product=product,
        strengths_mg=strengths,
        switch_product=switch,
        edits=edits,
        ec50_mg_per_day=ec50,
        slow_down_factor=slow_down,
        off_label_reason=off_label_reason,
    )
    plan_and_emit(protocol, request, save_plan, outputs)


@click.command()
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@_options(_OUTPUT_OPTIONS)
def plan(plan_path: Path, **outputs: Any) -> None:
    """Re-run a saved plan file (protocol, patient, pace, product, edits).

    The same plan always gives the same schedule and the same output files.

    \b
    Example:
        planner plan examples/hyperbolic-drops.plan.toml --pdf taper.pdf
    """
    from planner.errors import PlannerError
    from planner.plans import load_plan, run_plan

    plan_file = load_plan(plan_path)
    library = library_for(outputs)
    try:
        checked = run_plan(plan_file, folder=plan_path.parent, library=library)
    except PlannerError as error:
        raise PlannerError(f"{plan_path}: {error}") from None
    outputs["lang"] = outputs["lang"] or plan_file.lang  # --lang overrides the plan's
    _emit(checked, plan=None, **outputs)
