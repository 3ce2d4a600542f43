"""Teaching view: several taper paces side by side, in mg and in receptor occupancy.

Equal steps in mg are unequal in effect: occupancy, D / (D + EC50) at steady state, is
hyperbolic in the dose, so a fixed mg step removes little occupancy at high doses and
much near the end. The EC50 is an illustrative assumption, shown on the figure.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from planner.core.units import format_mg
from planner.core.wording import DISCLAIMER
from planner.planning.pharmacokinetics import EDUCATION_NOTE

if TYPE_CHECKING:
    from planner.domain.schedule import Schedule

COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6"]
LINESTYLES = ["-", "--", "-.", ":"]


@dataclass(frozen=True)
class PaceSummary:
    """What a learner compares: how long, how many steps, and the largest step in effect."""

    pace: str
    days: int
    reductions: int
    largest_occupancy_step_points: float
    stops_from: str


def occupancy(dose_mcg: int, ec50_mcg: int) -> Fraction:
    return Fraction(dose_mcg, dose_mcg + ec50_mcg)


def summarize(schedule: Schedule, ec50_mcg: int) -> PaceSummary:
    totals = [schedule.previous_mcg] + [step.total_mcg for step in schedule.steps]
    drops = [(before, after) for before, after in itertools.pairwise(totals) if after < before]
    # The last step, to zero, is the same for every pace with one product: leave it out.
    effects = [occupancy(b, ec50_mcg) - occupancy(a, ec50_mcg) for b, a in drops if a]
    assert schedule.pace is not None
    return PaceSummary(
        pace=schedule.pace.id,
        days=schedule.days,
        reductions=len(drops),
        largest_occupancy_step_points=float(max(effects, default=Fraction(0)) * 100),
        stops_from=f"{format_mg(drops[-1][0])}/day",
    )


def comparison_text(schedules: list[Schedule], ec50_mcg: int) -> str:
    rows = [["pace", "days", "reductions", "largest step in occupancy*", "stops from"]]
    for schedule in schedules:
        summary = summarize(schedule, ec50_mcg)
        rows.append(
            [
                summary.pace,
                str(summary.days),
                str(summary.reductions),
                f"{summary.largest_occupancy_step_points:.1f} points",
                summary.stops_from,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(
        [
            *(line.rstrip() for line in lines),
            "",
            "* before the last step to zero.",
            f"Occupancy = D / (D + EC50) at steady state, EC50 = {format_mg(ec50_mcg)}/day "
            "(illustrative: no published clonazePAM value).",
            EDUCATION_NOTE,
        ]
    )


def comparison_figure(schedules: list[Schedule], *, ec50_mcg: int) -> Figure:
    """Daily dose (left) and estimated occupancy (right) of each pace over the days."""
    figure = Figure(figsize=(12, 5))
    figure.set_layout_engine(ConstrainedLayoutEngine(rect=(0, 0.07, 1, 0.93)))
    dose_axes, occupancy_axes = figure.subplots(1, 2)
    for index, schedule in enumerate(schedules):
        assert schedule.pace is not None
        style = {
            "color": COLOURS[index % len(COLOURS)],
            "linestyle": LINESTYLES[index % len(LINESTYLES)],
            "linewidth": 2,
            "zorder": 3,
            "label": schedule.pace.id,
        }
        days = [0] + [step.first_day - 1 for step in schedule.steps] + [schedule.days]
        totals = [schedule.previous_mcg] + [step.total_mcg for step in schedule.steps]
        dose_axes.stairs([t / 1000 for t in totals], days, **style)
        occupancy_axes.stairs([float(occupancy(t, ec50_mcg)) * 100 for t in totals], days, **style)
    first = schedules[0]
    _style(dose_axes, "daily dose (mg/day)", "Daily dose: the steps in mg")
    _style(
        occupancy_axes,
        "estimated receptor occupancy (%)",
        f"Occupancy, D / (D + EC50), EC50 = {format_mg(ec50_mcg)}/day (illustrative)",
    )
    occupancy_axes.set_ylim(0, 100)
    dose_axes.legend(frameon=False)
    figure.suptitle(
        f"{first.protocol.drug.tall_man} tapers from {format_mg(first.previous_mcg)}/day "
        f"with {first.product.name}: equal mg steps are unequal in effect",
        fontsize=12,
        x=0.01,
        ha="left",
    )
    figure.text(
        0.01,
        0.015,
        f"{EDUCATION_NOTE} Occupancy assumes steady state at each dose. {DISCLAIMER}",
        fontsize=8,
        color="#555555",
    )
    return figure


def _style(axes: Any, ylabel: str, title: str) -> None:
    axes.set_xlabel("days from the start of the taper")
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10, loc="left")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)


def render_comparison(schedules: list[Schedule], *, ec50_mcg: int, image_format: str) -> bytes:
    buffer = io.BytesIO()
    metadata: dict[str, dict[str, str | None]] = {
        "png": {"Software": None},
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
    }
    figure = comparison_figure(schedules, ec50_mcg=ec50_mcg)
    with rc_context({"svg.hashsalt": "dose-planner compare"}):
        figure.savefig(
            buffer, format=image_format, dpi=150, metadata=metadata.get(image_format, {})
        )
    return buffer.getvalue()
