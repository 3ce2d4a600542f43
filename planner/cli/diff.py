"""``planner diff``: what changes from one saved plan file to another."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from planner.domain.protocols import Library
    from planner.domain.schedule import Schedule


@click.command()
@click.argument("old_path", metavar="OLD", type=click.Path(path_type=Path))
@click.argument("new_path", metavar="NEW", type=click.Path(path_type=Path))
def diff(old_path: Path, new_path: Path) -> None:
    """Show what changes from the plan file OLD to NEW: the first day that differs, each
    period whose dose or dates change, and the end.

    Both plans are re-made and safety-checked, as planner plan does; plans of different
    kinds are compared day by day, on what the patient takes.

    \b
    Example:
        planner diff examples/hyperbolic-drops.plan.toml examples/hyperbolic-drops-held.plan.toml
    """
    from planner.domain.differences import diff_schedules
    from planner.domain.protocols import load_library
    from planner.render.differences import render_diff_text

    library = load_library()
    old, new = (_remade(path, library) for path in (old_path, new_path))
    compared = diff_schedules(old, new)
    click.echo(render_diff_text(compared, old_name=str(old_path), new_name=str(new_path)))


def _remade(path: Path, library: Library) -> Schedule:
    """The checked schedule a plan file makes; an error names the file."""
    from planner.errors import PlannerError
    from planner.plans import load_plan, run_plan

    plan = load_plan(path)
    try:
        return run_plan(plan, folder=path.parent, library=library).schedule
    except PlannerError as error:
        raise PlannerError(f"{path}: {error}") from None
