"""Switching to clonazePAM from another benzodiazepine in stages, from the patient's own
regimen of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from planner.cli.outputs import _OUTPUT_OPTIONS, _PATIENT_OPTIONS, _options, plan_and_emit
from planner.cli.types import DATE, NUMBER, OldDoseSetting, WholeRange


@click.command()
@click.argument("protocol")
@click.option("--from-drug", required=True, help="The drug taken now: alprazolam, lorazepam...")
@click.option("--from", "from_mg", required=True, type=NUMBER, help="Its daily dose in mg/day.")
@click.option(
    "--from-dose",
    "from_doses",
    multiple=True,
    type=OldDoseSetting(),
    help="A dose as the patient takes it, TIME=MG, once for each time of day, in the day's "
    "order (morning, midday, afternoon, evening, bedtime); they add up to --from "
    "(default: the drug's usual times from its label).",
)
@click.option("--from-product", help="Its product (default: the first listed for the drug).")
@click.option("--start", required=True, type=DATE, help="Day of the first exchange.")
@click.option(
    "--equivalence",
    help="Source of the equivalence, e.g. ashton-2002 or va-dod-2021 (default: the table's).",
)
@click.option(
    "--step-days",
    type=WholeRange(7, 365),
    help="Days each stage is held (at least 7, Ashton's week; default 7).",
)
@click.option("--then-pace", help="After the switch, taper clonazePAM at this pace.")
@_options(_PATIENT_OPTIONS + _OUTPUT_OPTIONS)
def switch(
    protocol: str,
    from_drug: str,
    from_mg: Decimal,
    from_doses: tuple[tuple[str, Decimal], ...],
    from_product: str | None,
    start: dt.date,
    equivalence: str | None,
    step_days: int | None,
    then_pace: str | None,
    weight: Decimal | None,
    age: int | None,
    product: str | None,
    strengths: tuple[Decimal, ...],
    save_plan: Path | None,
    off_label_reason: str | None,
    **outputs: Any,
) -> None:
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

    request = switch_request(
        start=start,
        from_drug=from_drug,
        from_mg_per_day=from_mg,
        from_doses=from_doses,
        from_product=from_product,
        weight_kg=weight,
        age_years=age,
        product=product,
        strengths_mg=strengths,
        equivalence=equivalence,
        step_days=step_days,
        then_pace=then_pace,
        off_label_reason=off_label_reason,
    )
    plan_and_emit(protocol, request, save_plan, outputs)
