"""The ``planner`` command: a thin click shell over the library.

Each command parses its options, calls the library, prints, and writes outputs. Every
``PlannerError`` and usage error becomes one line on stderr and exit code 2. The library
is imported inside the commands, so ``planner --help`` loads neither pydantic nor pandas.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import click

from planner import __version__

if TYPE_CHECKING:
    from planner.safety import SafetyReport
    from planner.schedule import Schedule

EXIT_INPUT_ERROR = 2


class DecimalType(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """An exact decimal number of mg or kg: '0.5' stays 0.5, never a binary float."""

    name = "number"

    def __init__(self, *, positive: bool = False) -> None:
        self.positive = positive

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Decimal):
            return value
        from planner.errors import InputError
        from planner.units import number_from_text

        try:
            number = number_from_text(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)
        if self.positive and number <= 0:
            self.fail(f"{value} must be more than 0", param, ctx)
        return number


class IsoDate(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """A calendar date as YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        from planner.errors import InputError
        from planner.units import date_from_text

        try:
            return date_from_text(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)


class OutputFile(click.Path):
    """A file to write: 'plans/' names a folder, so it is refused rather than written
    as a file called 'plans'."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.endswith(("/", os.sep)):
            self.fail(f"{value!r} names a folder; give a file name", param, ctx)
        return super().convert(value, param, ctx)


NUMBER = DecimalType(positive=True)
DATE = IsoDate()
OUTPUT = OutputFile()


class PlannerGroup(click.Group):
    """Reports every error as one line on stderr, with exit code 2 for bad input."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from planner.errors import PlannerError

        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except PlannerError as error:
            _fail(str(_with_option_names(error)))
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help() if error.ctx else error.format_message())
            sys.exit(0)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        except MemoryError:
            _fail("out of memory: split the batch file, or plan fewer patients at once", 1)
        sys.exit(code if isinstance(code, int) else 0)


# The library names inputs by field; the command line by option.
OPTION_FOR_FIELD = {
    "edits": "--pause/--step-back",
    "slow_down_factor": "--slow-down",
    "ec50_mg_per_day": "--ec50",
    "switch_product": "--switch-product/--switch-at",
    "patient.weight_kg": "--weight",
    "patient.age_years": "--age",
    "from_mg_per_day": "--from",
    "target_mg_per_day": "--target",
    "step_mg_per_day": "--step",
    "interval_days": "--interval",
    "hold_days": "--hold",
    "start": "--start",
    "product": "--product",
    "pace": "--pace",
    "off_label_reason": "--off-label",
}


def _with_option_names(error: Exception) -> Exception:
    """'edits[0].days: must be at least 1' as '--pause/--step-back (edits[0].days): ...'."""
    from planner.errors import PlannerError

    location, colon, reason = str(error).partition(": ")
    for field, option in OPTION_FOR_FIELD.items():
        if colon and (location == field or location.startswith((f"{field}.", f"{field}["))):
            return PlannerError(f"{option} ({location}): {reason}")
    return error


def _fail(message: str, code: int = EXIT_INPUT_ERROR) -> NoReturn:
    from planner.plaintext import one_line

    click.echo(f"planner: error: {one_line(message)}", err=True)  # a path may hold a newline
    sys.exit(code)


@click.group(cls=PlannerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planner")
def cli() -> None:
    """Day-by-day clonazePAM titration and taper schedules from reviewed protocol files.

    Every schedule is checked against the protocol's safety rules before it is shown or
    written. For clinician review and education; not medical advice.

    \b
    Example:
        planner titrate panic-adult --start 2027-01-04 --csv panic.csv
    """


@cli.command()
def protocols() -> None:
    """List the bundled protocols, products and taper paces.

    \b
    Example:
        planner protocols
    """
    from planner.files import bundled_dir
    from planner.render.listing import render_library

    click.echo(render_library(bundled_dir()))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Validate protocol, product and pace files; exit 2 if any is invalid.

    Errors are reported as FILE::dotted.path: reason, one line each.

    \b
    Example:
        planner validate protocols/*.toml
    """
    from planner.errors import PlannerError
    from planner.protocols import load_library, validate_file

    library = load_library()
    failed = False
    for path in files:
        try:
            kind = validate_file(path, library)
        except PlannerError as error:
            click.echo(f"planner: error: {error}", err=True)
            failed = True
        else:
            click.echo(f"ok  {path} ({kind})")
    if failed:
        sys.exit(EXIT_INPUT_ERROR)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a protocol file.

    \b
    Example:
        planner schema > protocols/protocol.schema.json
    """
    from planner.protocols import protocol_schema_json

    click.echo(protocol_schema_json(), nl=False)


class ClockSetting(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """A time of day for the calendar file, as NAME=HH:MM (morning=07:30)."""

    name = "NAME=HH:MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        name, _, clock = str(value).partition("=")
        try:
            return name.strip(), dt.time.fromisoformat(clock.strip())
        except ValueError:
            self.fail(f"{value!r} is not NAME=HH:MM, for example morning=07:30", param, ctx)


class PauseSetting(click.ParamType):  # type: ignore[type-arg]  # generic in the stubs only
    """A pause as DATE:DAYS (2027-05-03:14): hold that day's dose for DAYS more days."""

    name = "YYYY-MM-DD:DAYS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dict):
            return value
        from planner.errors import InputError
        from planner.units import date_from_text, whole_from_text

        date, _, days = str(value).partition(":")
        try:
            return {"kind": "pause", "date": date_from_text(date), "days": whole_from_text(days)}
        except InputError:
            self.fail(f"{value!r} is not DATE:DAYS, for example 2027-05-03:14", param, ctx)


_PATIENT_OPTIONS = [
    click.option("--weight", type=NUMBER, help="Patient weight in kg (needed by mg/kg protocols)."),
    click.option("--age", type=click.IntRange(0, 120), help="Patient age in years (age cautions)."),
    click.option(
        "--product", help="Product id (see `planner protocols`); default: the protocol's."
    ),
    click.option(
        "--save-plan", type=OUTPUT, help="Also save a plan file that re-makes this schedule."
    ),
    click.option(
        "--off-label",
        "off_label_reason",
        metavar="REASON",
        help="Plan for a patient outside the protocol's population; the reason is printed "
        "on every output.",
    ),
]

_OUTPUT_OPTIONS = [
    click.option("--csv", "csv_path", type=OUTPUT, help="Write the day-by-day table as CSV."),
    click.option("--pdf", "pdf_path", type=OUTPUT, help="Write the printable calendar (PDF)."),
    click.option("--plot", "plot_path", type=OUTPUT, help="Write a plot (.png, .svg or .pdf)."),
    click.option("--ics", "ics_path", type=OUTPUT, help="Write an iCalendar file of every dose."),
    click.option("--xlsx", "xlsx_path", type=OUTPUT, help="Write a workbook (daily and steps)."),
    click.option(
        "--paper",
        type=click.Choice(["letter", "a4"]),
        default="letter",
        show_default=True,
        help="Paper size of the PDF.",
    ),
    click.option("--patient", help="Patient name or id, printed on the PDF."),
    click.option(
        "--supply-days",
        type=click.IntRange(1, 365),
        default=30,
        show_default=True,
        help="Days per prescription for the dispensing totals.",
    ),
    click.option(
        "--tz", "timezone", help="IANA time zone of the calendar file (default: this machine's)."
    ),
    click.option(
        "--dose-time",
        "dose_times",
        type=ClockSetting(),
        multiple=True,
        help="Override a dose's time of day in the calendar file: morning=07:30 (repeatable).",
    ),
    click.option(
        "--concentration",
        is_flag=True,
        help="Add the estimated plasma concentration (a model, for education) to --plot.",
    ),
    click.option(
        "--concentration-csv",
        type=OUTPUT,
        help="Write the estimated concentration hour by hour (time, ng_per_ml).",
    ),
    click.option(
        "--instructions",
        is_flag=True,
        help="Also print the patient instructions and pharmacy directions.",
    ),
]


def _options(options: list[Any]) -> Callable[[Any], Any]:
    def apply(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


@cli.command()
@click.argument("protocol")
@click.option("--start", required=True, type=DATE, help="First day of the schedule.")
@click.option(
    "--target", type=NUMBER, help="Target daily dose in mg/day (default: the protocol's)."
)
@click.option(
    "--step", type=NUMBER, help="Increase per step in mg/day (within the protocol's range)."
)
@click.option(
    "--interval",
    type=click.IntRange(1, 365),
    help="Days between increases (at least the protocol minimum).",
)
@click.option(
    "--hold",
    type=click.IntRange(1, 3650),
    help="Days of maintenance at the target (default: the protocol's).",
)
@_options(_PATIENT_OPTIONS + _OUTPUT_OPTIONS)
def titrate(
    protocol: str,
    start: dt.date,
    target: Decimal | None,
    step: Decimal | None,
    interval: int | None,
    hold: int | None,
    weight: Decimal | None,
    age: int | None,
    product: str | None,
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
    """
    from planner.api import load_protocol
    from planner.api import titrate as plan_titration

    schedule = plan_titration(
        load_protocol(protocol),
        start=start,
        weight_kg=weight,
        age_years=age,
        product=product,
        target_mg_per_day=target,
        step_mg_per_day=step,
        interval_days=interval,
        hold_days=hold,
        off_label_reason=off_label_reason,
    )
    _emit(
        schedule, plan=_plan_file(schedule, protocol, save_plan), inputs=[Path(protocol)], **outputs
    )


@cli.command()
@click.argument("protocol")
@click.option("--start", required=True, type=DATE, help="Day of the first reduction.")
@click.option("--from", "from_mg", required=True, type=NUMBER, help="Current daily dose in mg/day.")
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
    pace: str | None,
    pauses: tuple[dict[str, Any], ...],
    step_backs: tuple[dt.date, ...],
    slow_down: Decimal | None,
    ec50: Decimal | None,
    switch_product: str | None,
    switch_at: Decimal | None,
    weight: Decimal | None,
    age: int | None,
    product: str | None,
    save_plan: Path | None,
    off_label_reason: str | None,
    **outputs: Any,
) -> None:
    """Plan a taper from the current daily dose to zero, never stopping abruptly.

    PROTOCOL is a bundled protocol id or the path of a .toml protocol file.

    \b
    Examples:
        planner taper panic-adult --start 2027-03-01 --from 2 --csv taper.csv
        planner taper panic-adult --start 2027-03-01 --from 2 --pace label --pdf label.pdf
        planner taper panic-adult --start 2027-03-01 --from 2 --ics taper.ics --tz Europe/Berlin
        planner taper panic-adult --start 2027-03-01 --from 2 --pace hyperbolic --pause 2027-04-05:7
    """
    from planner.api import load_protocol
    from planner.api import taper as plan_taper
    from planner.errors import InputError

    if (switch_product is None) != (switch_at is None):
        raise InputError("give --switch-product and --switch-at together")
    edits = [*pauses, *({"kind": "step_back", "date": date} for date in step_backs)]
    switch = None
    if switch_product is not None:
        switch = {"at_or_below_mg_per_day": switch_at, "product": switch_product}
    schedule = plan_taper(
        load_protocol(protocol),
        start=start,
        from_mg_per_day=from_mg,
        pace=pace,
        weight_kg=weight,
        age_years=age,
        product=product,
        switch_product=switch,
        edits=edits,
        ec50_mg_per_day=ec50,
        slow_down_factor=slow_down,
        off_label_reason=off_label_reason,
    )
    _emit(
        schedule, plan=_plan_file(schedule, protocol, save_plan), inputs=[Path(protocol)], **outputs
    )


@cli.command()
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
    try:
        schedule = run_plan(plan_file, folder=plan_path.parent)
    except PlannerError as error:
        raise PlannerError(f"{plan_path}: {error}") from None
    inputs = [plan_path, plan_path.parent / plan_file.protocol]
    _emit(schedule, plan=None, inputs=inputs, **outputs)


@cli.command()
@click.argument("protocol", default="panic-adult")
@click.option("--from", "from_mg", required=True, type=NUMBER, help="Current daily dose in mg/day.")
@click.option(
    "--paces",
    default="linear,proportional,hyperbolic",
    show_default=True,
    help="Comma-separated pace ids to compare.",
)
@click.option("--product", help="Product id; default: the protocol's.")
@click.option("--start", type=DATE, help="First day (default: today).")
@click.option("--ec50", type=NUMBER, help="Illustrative EC50 in mg/day (default: the pace's).")
@click.option("--plot", "plot_path", type=OUTPUT, help="Write the figure (.png, .svg or .pdf).")
def compare(
    protocol: str,
    from_mg: Decimal,
    paces: str,
    product: str | None,
    start: dt.date | None,
    ec50: Decimal | None,
    plot_path: Path | None,
) -> None:
    """Compare taper paces in mg and in estimated receptor occupancy (for teaching).

    PROTOCOL is a bundled protocol id or a .toml path (default: panic-adult).

    \b
    Example:
        planner compare --from 2 --paces linear,proportional,hyperbolic --plot compare.png
    """
    from planner.api import load_protocol
    from planner.api import taper as plan_taper
    from planner.errors import InputError
    from planner.files import write_atomic
    from planner.protocols import load_library
    from planner.render.outputs import PLOT_FORMATS
    from planner.render.teaching import comparison_text, render_comparison
    from planner.units import mg_to_mcg

    names = [name.strip() for name in paces.split(",") if name.strip()]
    if not names:
        raise InputError("--paces: name at least one pace")
    if plot_path is not None and plot_path.suffix.lower() not in PLOT_FORMATS:
        raise InputError(f"cannot write plot {plot_path}: use a .png, .svg or .pdf file name")
    library = load_library()
    chosen = load_protocol(protocol, library=library)
    schedules = []
    for name in names:
        hyperbolic = any(p.kind == "hyperbolic" for p in library.pace(name).phases)
        schedules.append(
            plan_taper(
                chosen,
                start=start or dt.date.today(),
                from_mg_per_day=from_mg,
                pace=name,
                product=product,
                ec50_mg_per_day=ec50 if hyperbolic else None,
                library=library,
            )
        )
    ec50_mcg = mg_to_mcg(ec50) if ec50 is not None else _ec50_mcg(library)
    click.echo(comparison_text(schedules, ec50_mcg))
    if plot_path is not None:
        image_format = PLOT_FORMATS[plot_path.suffix.lower()]
        write_atomic(
            plot_path, render_comparison(schedules, ec50_mcg=ec50_mcg, image_format=image_format)
        )
        click.echo(f"Wrote {plot_path}")


@cli.command()
@click.argument("plans_path", metavar="PLANS.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder."
)
@click.option("--csv", "per_csv", is_flag=True, help="Write each patient's day-by-day CSV.")
@click.option("--pdf", "per_pdf", is_flag=True, help="Write each patient's PDF calendar.")
@click.option("--plot", "per_plot", is_flag=True, help="Write each patient's plot (PNG).")
@click.option("--ics", "per_ics", is_flag=True, help="Write each patient's calendar file.")
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
@click.option("--tz", "timezone", help="IANA time zone of the calendar files.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Processes planning in parallel (default: this machine's cores); the files are "
    "the same bytes whatever the number.",
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
    per_csv: bool,
    per_pdf: bool,
    per_plot: bool,
    per_ics: bool,
    paper: Literal["letter", "a4"],
    timezone: str | None,
    workers: int | None,
    force: bool,
) -> None:
    """Plan many patients from a CSV: one row each, the fields of a plan file.

    Columns: id, protocol, schedule (titration or taper), start, and as needed weight_kg,
    age_years, product, target_mg_per_day, step_mg_per_day, interval_days, hold_days,
    from_mg_per_day, pace, switch_product, switch_at_mg_per_day, ec50_mg_per_day, pauses
    (DATE:DAYS;...), step_backs (DATE;...). Writes OUT/all-days.csv (every patient's days),
    OUT/summary.csv (one line a patient) and, as asked, OUT/<id>/ files. A bad row is
    reported and skipped; the exit code is 1 when any row failed, 2 for a bad batch file.

    \b
    Example:
        planner batch examples/batch-patients.csv --out cohort --csv
    """
    from planner.batch import run_batch
    from planner.render.outputs import OutputOptions

    options = OutputOptions(paper=paper, timezone=timezone)
    wanted = {"csv": per_csv, "pdf": per_pdf, "plot": per_plot, "ics": per_ics}
    show_progress = sys.stderr.isatty() and not os.environ.get("CI")

    def track(results: Iterator[Any], total: int) -> Iterator[Any]:
        if not show_progress:
            yield from results
            return
        with click.progressbar(results, length=total, label="Planning", file=sys.stderr) as bar:
            yield from bar

    report = run_batch(
        plans_path,
        out,
        outputs=[name for name, asked in wanted.items() if asked],
        options=options,
        force=force,
        workers=workers or os.cpu_count() or 1,
        track=track,
    )
    for result in report.failed:
        click.echo(f"planner: error: {result.error}", err=True)
    if report.kept_earlier:
        click.echo(f"Planned no patient; the earlier batch in {out} is left as it was.")
    else:
        click.echo(f"Planned {report.planned} of {report.total} patients into {out}.")
    if report.failed:
        sys.exit(1)


def _ec50_mcg(library: Any) -> int:
    """The illustrative EC50 of the bundled hyperbolic pace."""
    from planner.models import HyperbolicPhase
    from planner.units import mg_to_mcg

    phase = library.pace("hyperbolic").phases[0]
    assert isinstance(phase, HyperbolicPhase)
    return mg_to_mcg(phase.ec50_mg_per_day)


def _plan_file(schedule: Schedule, protocol: str, path: Path | None) -> tuple[Path, bytes] | None:
    if path is None:
        return None
    from planner.plans import plan_for, plan_toml

    text = plan_toml(plan_for(schedule, protocol=protocol, saved_to=path))
    return path, text.encode("utf-8")


def _emit(
    schedule: Schedule,
    *,
    plan: tuple[Path, bytes] | None,
    inputs: list[Path],
    csv_path: Path | None,
    pdf_path: Path | None,
    plot_path: Path | None,
    ics_path: Path | None,
    xlsx_path: Path | None,
    paper: Literal["letter", "a4"],
    patient: str | None,
    supply_days: int,
    timezone: str | None,
    dose_times: tuple[tuple[str, dt.time], ...],
    concentration: bool,
    concentration_csv: Path | None,
    instructions: bool,
) -> None:
    """Render every requested output in memory, then write them all, then print the report."""
    from planner.render.outputs import OutputOptions, render_outputs, write_outputs
    from planner.render.text import render_text
    from planner.safety import check_schedule

    report: SafetyReport = check_schedule(schedule)
    options = OutputOptions(
        csv=csv_path,
        pdf=pdf_path,
        plot=plot_path,
        ics=ics_path,
        xlsx=xlsx_path,
        paper=paper,
        patient=patient,
        supply_days=supply_days,
        timezone=timezone,
        clocks=dict(dose_times),
        concentration=concentration,
        concentration_csv=concentration_csv,
    )
    files = render_outputs(schedule, report, options, extra=[plan] if plan else [], inputs=inputs)
    write_outputs(files)
    click.echo(render_text(schedule, report, supply_days=supply_days, instructions=instructions))
    for path, _ in files:
        click.echo(f"Wrote {path}")


def main() -> None:
    """Console entry point."""
    cli()
