"""The batch command: a clinic's worth of plans from one CSV (or a Parquet cohort)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import click

from planner.cli.outputs import _options
from planner.cli.types import WholeRange
from planner.render.formats import BATCH_FILES


@click.command()
@click.argument("plans_path", metavar="PLANS.csv", type=click.Path(path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder."
)
@_options(
    [
        click.option(f"--{name}", f"per_{name}", is_flag=True, help=f"Each patient's {file}.")
        for name, file in BATCH_FILES.items()
    ]
)
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
@click.option("--tz", "timezone", help="IANA time zone of the calendar files.")
@click.option(
    "--workers",
    type=WholeRange(1, 64),
    help="Processes planning in parallel (default: this machine's cores); the files are "
    "the same bytes whatever the number.",
)
@click.option(
    "--dask",
    "scheduler",
    metavar="SCHEDULER",
    help="Plan a Parquet cohort on Dask: 'local' (a cluster of --workers processes on this "
    "machine) or a scheduler's address (tcp://host:8786). Needs: pip install "
    "'dose-planner[dask]'.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the files an earlier batch wrote in OUT (its manifest lists them); "
    "never a file or folder the planner did not write.",
)
def batch(
    plans_path: Path,
    out: Path,
    paper: Literal["letter", "a4"],
    timezone: str | None,
    workers: int | None,
    scheduler: str | None,
    force: bool,
    **per_patient: bool,
) -> None:
    """Plan many patients from a CSV: one row each, the fields of a plan file.

    Columns: id, protocol, schedule (titration or taper), start, and as needed weight_kg,
    age_years, product, target_mg_per_day, step_mg_per_day, interval_days, hold_days,
    from_mg_per_day, pace, switch_product, switch_at_mg_per_day, ec50_mg_per_day, pauses
    (DATE:DAYS;...), step_backs (DATE;...), off_label_reason. Writes OUT/all-days.csv (every
    patient's days), OUT/summary.csv (one line a patient) and, as asked, OUT/<id>/ files.
    A bad row is reported (as it is found) and skipped; the exit code is 1 when any row
    failed, 2 for a bad batch file, 130 on Ctrl-C and 143 on SIGTERM (OUT then holds the
    earlier cohort, or the new one whole if the signal came while it was swapped in).

    PLANS may also be a Parquet cohort (a .parquet file or folder, the same columns; doses
    as text or decimals, never floats), planned here or, with --dask, on a Dask cluster:
    the same bytes either way.

    \b
    Example:
        planner batch examples/batch-patients.csv --out cohort --csv
    """
    from planner.batch import Interrupted, run_batch
    from planner.batch.on_dask import is_parquet, parquet_cohort
    from planner.render.outputs import OutputOptions

    options = OutputOptions(paper=paper, timezone=timezone)
    wanted = {name: per_patient[f"per_{name}"] for name in BATCH_FILES}
    show_progress = sys.stderr.isatty() and not os.environ.get("CI")

    def track(results: Iterator[Any], total: int) -> Iterator[Any]:
        if not show_progress:
            yield from results
            return
        with click.progressbar(results, length=total, label="Planning", file=sys.stderr) as bar:
            yield from bar

    def failed(result: Any) -> None:
        click.echo(
            ("\r\x1b[K" if show_progress else "") + f"planner: error: {result.error}", err=True
        )

    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(_terminate_as_interrupt())
            cohort = None
            if scheduler is not None or is_parquet(plans_path):
                cohort = stack.enter_context(
                    parquet_cohort(plans_path, scheduler=scheduler, workers=workers or _cores())
                )
            report = run_batch(
                plans_path,
                out,
                outputs=[name for name, asked in wanted.items() if asked],
                options=options,
                force=force,
                workers=workers or _cores(),
                track=track,
                cohort=cohort,
                on_failure=failed,
            )
    except KeyboardInterrupt as stop:  # a cluster is stopped before the line that says so
        signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
        name = "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C"
        if isinstance(stop, Interrupted) and stop.swapped_in:
            said = f"after the new cohort was swapped in whole: {out} holds it"
        else:
            said = f"{out} is as it was"
        click.echo(f"planner: error: stopped by {name}, {said}", err=True)
        sys.exit(128 + signum)
    if report.kept_earlier:
        click.echo(f"Planned no patient; the earlier batch in {out} is left as it was.")
    else:
        click.echo(f"Planned {report.planned} of {report.total} patients into {out}.")
    if report.failed:
        sys.exit(1)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a batch as Ctrl-C does: its staging cleared, a swap finished first."""
    from planner.batch import Interrupted

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _cores() -> int:
    """The cores this process may use (affinity, not the machine's count), at most 64."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return min(len(usable) if usable else os.cpu_count() or 1, 64)
