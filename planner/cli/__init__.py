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
from planner.cli.library import compare, protocols, schema, validate
from planner.cli.schedules import plan, taper, titrate
from planner.cli.serve import serve
from planner.cli.switch import switch
from planner.cli.types import EXIT_INPUT_ERROR, EXIT_INTERRUPTED
from planner.errors import PlannerError


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


# The library names inputs by field; the command line by option.
OPTION_FOR_FIELD = {
    "edits": "--pause/--step-back",
    "slow_down_factor": "--slow-down",
    "ec50_mg_per_day": "--ec50",
    "switch_product": "--switch-product/--switch-at",
    "patient.weight_kg": "--weight",
    "patient.age_years": "--age",
    "from_mg_per_day": "--from",
    "to_mg_per_day": "--to",
    "from_drug": "--from-drug",
    "from_doses": "--from-dose",
    "from_product": "--from-product",
    "equivalence": "--equivalence",
    "step_days": "--step-days",
    "then_pace": "--then-pace",
    "older_adult": "--older-adult",
    "target_mg_per_day": "--target",
    "step_mg_per_day": "--step",
    "interval_days": "--interval",
    "hold_days": "--hold",
    "taper_hold_days": "--hold",
    "maintain_days": "--maintain",
    "start": "--start",
    "product": "--product",
    "strengths_mg": "--strengths",
    "pace": "--pace",
    "off_label_reason": "--off-label",
    "lang": "--lang",
}


def _with_option_names(error: PlannerError) -> str:
    """An error about ``edits[0].days`` as '--pause/--step-back (edits[0].days): ...'."""
    location = error.field if error.source is None else None  # a file's field is its own
    for field, option in OPTION_FOR_FIELD.items():
        if location and (location == field or location.startswith((f"{field}.", f"{field}["))):
            return f"{option} ({location}): {error.reason}"
    return str(error)


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


for command in (protocols, validate, schema, titrate, taper, course, switch, plan, compare, batch):
    cli.add_command(command)
cli.add_command(serve)  # planner.web is imported only when it runs


def main() -> None:
    """Console entry point."""
    cli()
