"""Commands about the bundled files: list, validate, schema; and the paces compared."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import click

from planner.cli.types import DATE, EXIT_INPUT_ERROR, NUMBER, OUTPUT


@click.command()
def protocols() -> None:
    """List the bundled protocols, products and taper paces.

    \b
    Example:
        planner protocols
    """
    from planner.core.files import bundled_dir
    from planner.render.listing import render_library

    click.echo(render_library(bundled_dir()))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Validate protocol, product and pace files; exit 2 if any is invalid.

    Errors are reported as FILE::dotted.path: reason, one line each.

    \b
    Example:
        planner validate protocols/*.toml
    """
    from planner.domain.protocols import load_library, validate_file
    from planner.errors import PlannerError

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


@click.command()
@click.argument(
    "kind",
    default="protocol",
    type=click.Choice(["protocol", "products", "paces", "equivalences"]),
)
def schema(kind: str) -> None:
    """Print the JSON Schema of a protocol file (or of the products, paces or
    equivalences file).

    \b
    Examples:
        planner schema > protocols/protocol.schema.json
        planner schema equivalences > protocols/equivalences.schema.json
    """
    from planner.domain.protocols import protocol_schema_json

    click.echo(protocol_schema_json(kind), nl=False)


@click.command()
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
    from planner.core.files import check_outputs, write_all
    from planner.errors import InputError
    from planner.planning.comparison import compare_paces
    from planner.render.outputs import PLOT_FORMATS
    from planner.render.teaching import comparison_text, render_comparison

    names = tuple(name.strip() for name in paces.split(",") if name.strip())
    if plot_path is not None and plot_path.suffix.lower() not in PLOT_FORMATS:
        raise InputError(f"cannot write plot {plot_path}: use a .png, .svg or .pdf file name")
    if plot_path is not None:
        check_outputs([plot_path])  # before any work
    compared = compare_paces(
        protocol,
        from_mg_per_day=from_mg,
        paces=names,
        product=product,
        start=start,
        ec50_mg_per_day=ec50,
    )
    schedules, ec50_mcg = list(compared.schedules), compared.ec50_mcg
    click.echo(comparison_text(schedules, ec50_mcg))
    if plot_path is not None:
        image_format = PLOT_FORMATS[plot_path.suffix.lower()]
        plot = render_comparison(schedules, ec50_mcg=ec50_mcg, image_format=image_format)
        write_all([(plot_path, plot)])
        click.echo(f"Wrote {plot_path}")
