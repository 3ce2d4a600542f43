"""Teaching view: several taper paces side by side, in mg and in receptor occupancy.

Equal steps in mg are unequal in effect: occupancy, D / (D + EC50) at steady state, is
hyperbolic in the dose, so a fixed mg step removes little occupancy at high doses and
much near the end. The EC50 is an illustrative assumption, shown on the figure.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter

from planner.core.i18n import ENGLISH, Language, language
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


def summarize(schedule: Schedule, ec50_mcg: int, lang: str = "en") -> PaceSummary:
    totals = [schedule.previous_mcg] + [step.total_mcg for step in schedule.steps]
    drops = [(before, after) for before, after in itertools.pairwise(totals) if after < before]
    # The last step, to zero, is the same for every pace with one product: leave it out.
    effects = [occupancy(b, ec50_mcg) - occupancy(a, ec50_mcg) for b, a in drops if a]
    assert schedule.pace is not None
    words = language(lang)
    return PaceSummary(
        pace=schedule.pace.id,
        days=schedule.days,
        reductions=len(drops),
        largest_occupancy_step_points=float(max(effects, default=Fraction(0)) * 100),
        stops_from=words.gettext("{dose}/day").format(dose=words.mg(drops[-1][0])),
    )


def comparison_text(schedules: list[Schedule], ec50_mcg: int, *, lang: str = "en") -> str:
    """A table of the paces side by side, its columns and notes in ``lang`` (the paces
    keep their ids: the names ``--pace`` takes)."""
    words = language(lang)
    _ = words.gettext
    rows = [[_("pace"), _("days"), _("reductions"), _("largest step in occupancy*"),
             _("stops from")]]  # fmt: skip
    for schedule in schedules:
        summary = summarize(schedule, ec50_mcg, lang)
        points = words.fixed(summary.largest_occupancy_step_points, 1)
        rows.append(
            [
                summary.pace,
                str(summary.days),
                str(summary.reductions),
                _("{points} points").format(points=points),
                summary.stops_from,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(
        [
            *(line.rstrip() for line in lines),
            "",
            _("* before the last step to zero."),
            _(
                "Occupancy = D / (D + EC50) at steady state, EC50 = {ec50}/day "
                "(illustrative: no published clonazePAM value)."
            ).format(ec50=words.mg(ec50_mcg)),
            _(EDUCATION_NOTE),
            *filter(None, [words.review_note()]),
        ]
    )


def comparison_figure(schedules: list[Schedule], *, ec50_mcg: int, lang: str = "en") -> Figure:
    """Daily dose (left) and estimated occupancy (right) of each pace over the days, the
    words in ``lang``."""
    words = language(lang)
    _ = words.gettext
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
    _style(dose_axes, words, _("daily dose (mg/day)"), _("Daily dose: the steps in mg"))
    _style(
        occupancy_axes,
        words,
        _("estimated receptor occupancy (%)"),
        _("Occupancy, D / (D + EC50), EC50 = {ec50}/day (illustrative)").format(
            ec50=words.mg(ec50_mcg)
        ),
    )
    occupancy_axes.set_ylim(0, 100)
    dose_axes.legend(frameon=False)
    figure.suptitle(
        _("{drug} tapers from {dose}/day with {product}: equal mg steps are unequal in effect")
        .format(drug=first.protocol.drug.tall_man, dose=words.mg(first.previous_mcg),
                product=_(first.product.name)),
        fontsize=12,
        x=0.01,
        ha="left",
    )  # fmt: skip
    notes = [_(EDUCATION_NOTE), _("Occupancy assumes steady state at each dose."), _(DISCLAIMER)]
    figure.text(
        0.01,
        0.015,
        " ".join([*notes, *filter(None, [words.review_note()])]),
        fontsize=8,
        color="#555555",
    )
    return figure


def _style(axes: Any, lang: Language, ylabel: str, title: str) -> None:
    axes.set_xlabel(lang.gettext("days from the start of the taper"))
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10, loc="left")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    if lang is not ENGLISH:  # the language's decimal sign: 0,5
        axes.yaxis.set_major_formatter(
            FuncFormatter(lambda y, _pos: lang.number(Decimal(f"{y:.3f}")))
        )


def render_comparison(
    schedules: list[Schedule], *, ec50_mcg: int, image_format: str, lang: str = "en"
) -> bytes:
    buffer = io.BytesIO()
    metadata: dict[str, dict[str, str | None]] = {
        "png": {"Software": None},
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
    }
    figure = comparison_figure(schedules, ec50_mcg=ec50_mcg, lang=lang)
    with rc_context({"svg.hashsalt": "dose-planner compare"}):
        figure.savefig(
            buffer, format=image_format, dpi=150, metadata=metadata.get(image_format, {})
        )
    return buffer.getvalue()
