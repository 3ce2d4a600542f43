"""A revised plan on its plot: what was planned before each revision, dotted from the day
it changed, and a line at each visit."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from matplotlib.lines import Line2D

from planner.render.colours import EARLIER_COLOUR, LINE_COLOUR
from planner.render.date_axis import dates_x

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from planner.core.i18n import Language
    from planner.domain.schedule import Schedule


def draw_earlier_versions(axes: Axes, schedule: Schedule, lang: Language) -> float:
    """A revised plan: each earlier version thin and dotted from the revision that ended
    it, and a line at each revision's date: what was planned, and when it changed."""
    _ = lang.gettext
    highest = 0.0
    if not schedule.revisions:
        return highest
    for version, revised in zip(schedule.earlier_versions, schedule.revisions, strict=True):
        steps = [step for step in version.steps if step.end >= revised.on]
        edges = [max(step.start, revised.on) for step in steps]
        edges.append(steps[-1].end + dt.timedelta(days=1))
        totals = [step.total_mcg / 1000 for step in steps]
        axes.stairs(totals, dates_x(edges), color=EARLIER_COLOUR, linewidth=1.2, linestyle=":",
                    baseline=None, zorder=2)  # fmt: skip
        on = float(dates_x([revised.on])[0])
        axes.axvline(on, color=EARLIER_COLOUR, linewidth=0.8, zorder=1)
        axes.annotate(_("revised"), (on, 1), xycoords=("data", "axes fraction"), xytext=(2, -2),
                      textcoords="offset points", va="top", fontsize=7,
                      color=EARLIER_COLOUR)  # fmt: skip
        highest = max(highest, *totals)
    axes.legend(
        handles=[
            Line2D([], [], color=LINE_COLOUR, linewidth=2, label=_("as revised")),
            Line2D(
                [],
                [],
                color=EARLIER_COLOUR,
                linewidth=1.2,
                linestyle=":",
                label=_("as planned before each revision"),
            ),
        ],
        loc="upper right",
        bbox_to_anchor=(1, 0.94),
        fontsize=8,
        frameon=False,
    )
    return highest
