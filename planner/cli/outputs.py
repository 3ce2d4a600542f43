"""The options every schedule command shares, and writing what they ask for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

if TYPE_CHECKING:
    from planner.api import Checked
    from planner.domain.protocols import Library
    from planner.models import CourseRequest, SwitchRequest, TaperRequest, TitrationRequest

from planner.cli.types import OUTPUT, ClockSetting, WholeRange
from planner.render.formats import FORMATS

# Beside a schedule's inputs (planner.cli.inputs): a plan file that re-makes it.
SAVE_PLAN = click.option(
    "--save-plan", type=OUTPUT, help="Also save a plan file that re-makes this schedule."
)

_OUTPUT_OPTIONS = [
    *(
        click.option(f"--{name}", f"{name}_path", type=OUTPUT, help=entry.help)
        for name, entry in FORMATS.items()
    ),
    click.option(
        "--products",
        "products_file",
        type=click.Path(path_type=Path),
        help="A products file of your own, validated like protocols/products.toml: its "
        "products can be named with --product (and in a plan file).",
    ),
    click.option(
        "--symptoms",
        "symptoms_file",
        type=click.Path(path_type=Path),
        metavar="FILE.csv",
        help="A symptom log, rows of date,score (header date,score for a 0-10 self-rating, "
        "or date,<scale> (<lowest>-<highest>)): drawn under the dose on --plot, listed beside "
        "it on the PDF summary and the report; a score that rose at each of the last two "
        "visits is noted for the clinician. The plan is never changed by it.",
    ),
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
        type=WholeRange(1, 365),
        default=30,
        show_default=True,
        help="Days per prescription for the dispensing totals.",
    ),
    click.option(
        "--tz",
        "timezone",
        help="IANA time zone of the calendar file (default: this machine's, named on output).",
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
    # The patient's materials: language and print size (planner.core.i18n, planner.render.pdf).
    click.option(
        "--lang",
        metavar="CODE",
        help="Language of what the patient reads (calendar, instructions, calendar file, "
        "plot labels): en (default), es, fr.",
    ),
    click.option(
        "--large-print",
        is_flag=True,
        help="Print the PDF calendar in large type, a week or two a page.",
    ),
]


def _options(options: list[Any]) -> Callable[[Any], Any]:
    def apply(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def _plan_file(
    checked: Checked, protocol: str, path: Path | None, lang: str | None = None
) -> tuple[Path, bytes] | None:
    if path is None:
        return None
    from planner.core.i18n import language
    from planner.plans import plan_for, plan_toml

    if lang is not None:
        language(lang)  # an unknown language is refused before the plan is written
    text = plan_toml(plan_for(checked.schedule, protocol=protocol, saved_to=path, lang=lang))
    return path, text.encode("utf-8")


def _emit(
    checked: Checked,
    *,
    plan: tuple[Path, bytes] | None,
    paper: Literal["letter", "a4"],
    patient: str | None,
    supply_days: int,
    timezone: str | None,
    dose_times: tuple[tuple[str, dt.time], ...],
    concentration: bool,
    concentration_csv: Path | None,
    instructions: bool,
    lang: str | None,
    large_print: bool,
    symptoms_file: Path | None,
    **paths: Path | None,
) -> None:
    """Render every requested output in memory, then write them all, then print the report."""
    from planner.domain.symptoms import read_symptoms
    from planner.render.outputs import OutputOptions, render_outputs, write_outputs
    from planner.render.text import render_text

    schedule, report = checked
    # Read before any output is checked: the log is an input, and no output may replace it.
    symptoms = read_symptoms(symptoms_file) if symptoms_file is not None else None
    options = OutputOptions(
        **{name: paths[f"{name}_path"] for name in FORMATS},
        paper=paper,
        patient=patient,
        supply_days=supply_days,
        timezone=timezone,
        clocks=_clocks(dose_times),
        concentration=concentration,
        concentration_csv=concentration_csv,
        lang=lang or "en",
        large_print=large_print,
        symptoms=symptoms,
    )
    files = render_outputs(schedule, report, options, extra=[plan] if plan else [])
    write_outputs(files)
    text = render_text(
        schedule,
        report,
        supply_days=supply_days,
        instructions=instructions,
        lang=lang or "en",
        symptoms=symptoms,
    )
    click.echo(text)
    for path, _ in files:
        click.echo(f"Wrote {path}{_zone_note(timezone) if path == paths['ics_path'] else ''}")


def _zone_note(timezone: str | None) -> str:
    """The calendar file's zone, which the user may not have named (the machine's)."""
    from planner.render.ics import resolve_timezone

    return f" (times in {resolve_timezone(timezone).key})"


def plan_and_emit(
    protocol: str,
    request: TitrationRequest | TaperRequest | CourseRequest | SwitchRequest,
    save_plan: Path | None,
    outputs: dict[str, Any],
) -> None:
    """What every planning command does once it has its request: plan it through the
    front door, then write the files asked for and print the report."""
    from planner.api import load_protocol, plan_checked

    library = library_for(outputs)
    checked = plan_checked(load_protocol(protocol, library=library), request, library=library)
    _emit(
        checked,
        plan=_plan_file(checked, protocol, save_plan, outputs["lang"]),
        **outputs,
    )


def library_for(outputs: dict[str, Any]) -> Library:
    """The bundled library, with the user's products file if ``--products`` names one
    (taken out of ``outputs``: it is an input, not an output)."""
    from planner.domain.protocols import load_library

    products_file: Path | None = outputs.pop("products_file", None)
    library = load_library()
    return library.with_products(products_file) if products_file is not None else library


def _clocks(dose_times: tuple[tuple[str, dt.time], ...]) -> dict[str, dt.time]:
    """``--dose-time`` settings by name; a time of day given twice is refused, not chosen."""
    names = [name for name, _ in dose_times]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        from planner.errors import InputError

        raise InputError(f"--dose-time: {twice} is given twice; give each time of day once")
    return dict(dose_times)
