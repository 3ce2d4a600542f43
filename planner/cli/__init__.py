"""The ``planner`` command: a thin click shell over the library.

Each command parses its options, calls the library, prints, and writes outputs. Every
``PlannerError`` and usage error becomes one line on stderr and exit code 2. The library
is imported inside the commands, so ``planner --help`` loads neither pydantic nor pandas.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from planner import __version__
from planner.cli.batch import batch
from planner.cli.course import course
from planner.cli.diff import diff
from planner.cli.library import compare, protocols, schema, validate
from planner.cli.revise import revise
from planner.cli.schedules import plan, taper, titrate
from planner.cli.serve import serve
from planner.cli.switch import switch
from planner.cli.types import EXIT_INPUT_ERROR, EXIT_INTERRUPTED
from planner.errors import PlannerError
from planner.inputs import INPUTS


class PlannerGroup(click.Group):
    """Reports every error as one line on stderr, with exit code 2 for bad input."""

    def main(self, *args: Any, **kwargs: Any) -> Any:

        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except PlannerError as error:
            _fail(_with_option_names(error))
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help() if error.ctx else error.format_message())
            sys.exit(0)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            _fail("aborted", EXIT_INTERRUPTED)
        except MemoryError:
            _fail("out of memory: split the batch file, or plan fewer patients at once", 1)
        sys.exit(code if isinstance(code, int) else 0)


def _with_option_names(error: PlannerError) -> str:
    """An error about ``edits[0].days`` as '--pause/--step-back (edits[0].days): ...'."""
    option = None if error.source is not None else option_for(error.field)  # a file's own
    return f"{option} ({error.field}): {error.reason}" if option else str(error)


# The outputs' settings an error may name (the inputs' options come from planner.inputs).
OUTPUT_OPTIONS = {
    "lang": "--lang",
    "timezone": "--tz",
    "patient_name": "--patient",
    "concentration": "--concentration",
    "paces": "--paces",
}


def option_for(field: str | None) -> str | None:
    """The options a field is given with ('--hold'; '--pause/--step-back' for edits; the
    pair for a product switch), from the inputs' description; the patient's language too."""
    if field is None:
        return None
    if field in OUTPUT_OPTIONS:
        return OUTPUT_OPTIONS[field]
    options = [
        f"--{entry.option}"
        for entry in INPUTS
        if "cli" in entry.fronts
        and any(
            a == b or a.startswith((f"{b}.", f"{b}["))
            for a, b in ((field, entry.field), (entry.field, field))
        )
    ]
    return "/".join(dict.fromkeys(options)) or None


def _fail(message: str, code: int = EXIT_INPUT_ERROR) -> NoReturn:
    from planner.core.plaintext import one_line

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


for command in (
    protocols,
    validate,
    schema,
    titrate,
    taper,
    course,
    switch,
    plan,
    revise,
    diff,
    compare,
    batch,
):
    cli.add_command(command)
cli.add_command(serve)  # planner.web is imported only when it runs


def main() -> None:
    """Console entry point."""
    cli()
