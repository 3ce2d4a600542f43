"""Switching to clonazePAM from another benzodiazepine in stages, from the patient's own
regimen of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from planner.cli.inputs import input_options, request_fields
from planner.cli.outputs import _OUTPUT_OPTIONS, SAVE_PLAN, _options, plan_and_emit


@click.command()
@click.argument("protocol")
@_options([*input_options("switch"), SAVE_PLAN, *_OUTPUT_OPTIONS])
def switch(protocol: str, save_plan: Path | None, **params: Any) -> None:
    """Switch to clonazePAM from alprazolam, lorazepam or diazepam, then optionally taper.

    The old drug stays at the patient's own times (--from-dose, else its label's usual
    times). Each stage replaces part of one dose, the latest of the day first: at most a
    quarter of the day's equivalent or Ashton's 10 mg of diazepam, each held at least 7
    days. Then the dose is held, or --then-pace asam tapers clonazePAM. The equivalence is
    named on every output; where its sources disagree for the drug, both figures are shown.

    PROTOCOL is a bundled protocol id or the path of a .toml protocol file.

    \b
    Examples:
        planner switch panic-adult --from-drug alprazolam --from 2 --start 2027-01-04
        planner switch panic-adult --from-drug diazepam --from 20 --start 2027-01-04 --pdf s.pdf
        planner switch seizure-adult --from-drug lorazepam --from 3 --start 2027-01-04
        planner switch panic-adult --from-drug alprazolam --from 1.5 --start 2027-01-04 \\
            --from-dose morning=0.5 --from-dose bedtime=1
    """
    from planner.api import switch_request

    request = switch_request(**request_fields("switch", params))
    plan_and_emit(protocol, request, save_plan, params)
