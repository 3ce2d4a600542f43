"""Commands that plan one schedule: titrate, taper, and re-running a plan file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from planner.cli.inputs import input_options, request_fields
from planner.cli.outputs import (
    _OUTPUT_OPTIONS,
    SAVE_PLAN,
    _emit,
    _options,
    library_for,
    plan_and_emit,
)

if TYPE_CHECKING:
    from planner.models import Pause


@click.command()
@click.argument("protocol")
@_options([*input_options("titrate"), SAVE_PLAN, *_OUTPUT_OPTIONS])
def titrate(protocol: str, save_plan: Path | None, **params: Any) -> None:
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

    request = titration_request(**request_fields("titrate", params))
    plan_and_emit(protocol, request, save_plan, params)


@click.command()
@click.argument("protocol")
@_options([*input_options("taper"), SAVE_PLAN, *_OUTPUT_OPTIONS])
def taper(protocol: str, save_plan: Path | None, **params: Any) -> None:
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

    fields = request_fields("taper", params)
    switch_product, switch_at = params.pop("switch_product"), params.pop("switch_at")
    if (switch_product is None) != (switch_at is None):
        raise InputError("give --switch-product and --switch-at together")
    edits: list[Pause | StepBack] = [*params.pop("pause")]
    edits += [StepBack(kind="step_back", date=date) for date in params.pop("step_back")]
    switch = None
    if switch_product is not None:
        switch = {"at_or_below_mg_per_day": switch_at, "product": switch_product}
    request = taper_request(**fields, switch_product=switch, edits=edits)
    plan_and_emit(protocol, request, save_plan, params)


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
