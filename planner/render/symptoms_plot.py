"""The symptom log as a panel under the plot's doses: each visit's score at its date, on
the scale's whole range, so a rise reads against the dose that day. What it shows is
what was recorded; the plan above it is the same with it as without it."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from matplotlib import dates as mdates
from matplotlib.ticker import MaxNLocator

from planner.core.i18n import Language
from planner.domain.symptoms import SELF_RATING, SymptomLog, rising_scores
from planner.render.colours import WARNING_COLOUR

SCORE_COLOUR = "#00707a"
MOST_LABELS = 24  # beyond this many scores, only the last is labelled with its number
LABEL_WIDTH = 24  # characters a line of the axis's label: a scale's name may be long


def symptoms_panel(axes: Any, log: SymptomLog, lang: Language) -> None:
    """The scores as points joined by a line, each at the middle of its day; the scale's
    name and range on the axis; where the score rose at each of the last two visits,
    those three points in the warning colour, said in words."""
    _ = lang.gettext
    scale = log.scale
    days = [_middle(entry.date) for entry in log.scores]
    scores = [entry.score for entry in log.scores]
    axes.plot(days, scores, color=SCORE_COLOUR, linewidth=1.4, marker="o", markersize=4,
              zorder=3)  # fmt: skip
    rising = rising_scores(log)
    if rising:
        axes.plot([_middle(e.date) for e in rising], [e.score for e in rising],
                  color=WARNING_COLOUR, linewidth=1.8, marker="o", markersize=5,
                  zorder=4)  # fmt: skip
        axes.text(
            0.995,
            0.97,
            _("rose at each of the last two visits: for the clinician to review"),
            transform=axes.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color=WARNING_COLOUR,
        )
    labelled = range(len(scores)) if len(scores) <= MOST_LABELS else [len(scores) - 1]
    for index in labelled:
        axes.annotate(str(scores[index]), (days[index], scores[index]), xytext=(3, 5),
                      textcoords="offset points", fontsize=8, color=SCORE_COLOUR)  # fmt: skip
    name = _(scale.name) if scale == SELF_RATING else scale.name
    label = f"{name} ({scale.lowest}-{scale.highest})"
    axes.set_ylabel(textwrap.fill(label, LABEL_WIDTH))
    span = scale.highest - scale.lowest
    axes.set_ylim(scale.lowest - 0.04 * span, scale.highest + 0.12 * span)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
    axes.set_title(_("Symptom log: scores recorded at visits"), fontsize=8.5, loc="left")
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)


def _middle(date: dt.date) -> float:
    """The middle of a day, as matplotlib's date number: a score belongs to its whole day."""
    return float(mdates.date2num(date)) + 0.5  # type: ignore[no-untyped-call]  # untyped in matplotlib
