"""``planner revise``: a taper's plan file changed at a visit, its history kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from planner.cli.outputs import _OUTPUT_OPTIONS, _emit, _options, library_for
from planner.cli.types import DATE, OUTPUT, DecimalType, WholeRange

# Each change, the option that gives it, and the revision's field its value goes in.
CHANGES = {
    "hold": ("--hold", "days"),
    "step_back": ("--step-back", None),
    "slower": ("--slower", "factor"),
    "taken": ("--taken", "mg_per_day"),
    "target": ("--target", "mg_per_day"),
}
# The revision's fields, as the command line names them in an error.
OPTIONS = {"on": "--on", "reason": "--reason", "days": "--hold", "factor": "--slower"}


@click.command()
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@click.option(
    "--on", "on", type=DATE, required=True, help="The visit's date: the change is from it."
)
@click.option("--hold", type=WholeRange(1, 3650), help="Keep the dose of --on DAYS more days.")
@click.option("--step-back", is_flag=True, help="From --on, back to the previous dose.")
@click.option(
    "--slower", type=DecimalType(positive=True), help="Every later interval FACTOR times as long."
)
@click.option(
    "--taken",
    type=DecimalType(positive=True),
    help="The mg/day the patient has taken since --on: the taper goes on from it.",
)
@click.option(
    "--target",
    type=DecimalType(),
    help="A new end dose in mg/day from --on, held (0: on to a stop).",
)
@click.option("--reason", required=True, help="Why, in words: printed on every output.")
@click.option("--out", "out", type=OUTPUT, required=True, help="The revised plan file to write.")
@_options(_OUTPUT_OPTIONS)
def revise(
    plan_path: Path,
    on: Any,
    reason: str,
    out: Path,
    hold: int | None,
    step_back: bool,
    slower: Any,
    taken: Any,
    target: Any,
    **outputs: Any,
) -> None:
    """Revise a taper's plan at a visit: one change from --on, with its reason.

    The new plan file keeps every revision in order (date, change, reason, when made) and
    re-makes the plan from the first; every day before --on stays as it was (checked),
    and the revised plan passes every safety check. Give one change: --hold DAYS,
    --step-back, --slower FACTOR, --taken MG or --target MG.

    \b
    Example:
        planner revise examples/hyperbolic-drops.plan.toml --on 2027-05-10 \\
            --hold 14 --reason "anxious since the last cut" --out taper-v2.plan.toml
    """
    from planner.errors import InputError, PlannerError
    from planner.plans import load_plan, moved, plan_toml, revised, run_plan

    given = {
        "hold": hold,
        "step_back": step_back or None,
        "slower": slower,
        "taken": taken,
        "target": target,
    }
    changes = [change for change, value in given.items() if value is not None]
    if len(changes) != 1:
        listed = ", ".join(option for option, _ in CHANGES.values())
        raise click.UsageError(f"give one change of {listed}")
    [change] = changes
    option, field = CHANGES[change]
    plan_file = moved(load_plan(plan_path), read_from=plan_path.parent, saved_to=out.parent)
    try:
        new_plan = revised(
            plan_file, on=on, change=change, value=given[change] if field else None, reason=reason
        )
    except PlannerError as error:
        named = {**OPTIONS, "mg_per_day": option}.get(error.field or "")
        raise InputError(error.reason, field=named) if named else error from None
    library = library_for(outputs)
    try:
        checked = run_plan(new_plan, folder=out.parent, library=library)
    except PlannerError as error:  # about the new revision: its date, or its change
        named = "--on" if (error.field or "").endswith(".on") else option
        raise InputError(error.reason, field=named) from None
    text = plan_toml(new_plan).encode("utf-8")
    _emit(checked, plan=(out, text), **outputs)
