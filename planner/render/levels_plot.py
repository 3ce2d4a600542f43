"""The levels of both drugs through a switch, as a panel under the plot's doses: a
teaching picture from half-lives (planner.planning.levels), labelled as such, never a gate."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from planner.core.i18n import Language
from planner.planning.levels import SwitchLevels
from planner.render.colours import LINE_COLOUR, OLD_DRUG_COLOUR, WARNING_COLOUR
from planner.render.date_axis import dates_x

TITLE_WIDTH = 120


def levels_panel(axes: Any, levels: SwitchLevels, lang: Language) -> None:
    """Each drug's modelled level as a share of its own steady state, and their sum, day
    by day; the file's dip drawn as a dotted line, the lowest day marked."""
    _ = lang.gettext
    days = levels.dates()
    edges = dates_x([*days, days[-1] + dt.timedelta(days=1)])
    percent = {
        "old": [100 * share for share in levels.old_share],
        "new": [100 * share for share in levels.new_share],
        "sum": [100 * share for share in levels.total],
    }
    axes.stairs(percent["old"], edges, color=OLD_DRUG_COLOUR, linewidth=1.4, linestyle="--",
                baseline=None, label=levels.old_drug)  # fmt: skip
    axes.stairs(percent["new"], edges, color=LINE_COLOUR, linewidth=1.4, baseline=None,
                label=levels.new_drug)  # fmt: skip
    axes.stairs(percent["sum"], edges, color="#222222", linewidth=2.2, baseline=None,
                label=_("both together"))  # fmt: skip
    floor = 100 - float(levels.dip_percent)
    axes.axhline(floor, color=WARNING_COLOUR, linewidth=0.9, linestyle=":")
    axes.text(
        0.995,
        floor,
        _("warned below {percent}% of the start").format(percent=f"{floor:g}"),
        transform=axes.get_yaxis_transform(),
        ha="right",
        va="bottom",
        fontsize=8,
        color=WARNING_COLOUR,
    )
    total = levels.total
    marks = [
        (levels.lowest(), "v", -12, _("lowest {percent}%"), min(total) < 0.995),
        (levels.highest(), "^", 6, _("highest {percent}%"), max(total) > 1.005),
    ]
    for (date, share), marker, offset, label, shown in marks:
        if not shown:
            continue  # no dip (or no rise) worth a mark
        axes.plot([_day(date) + 0.5], [100 * share], marker=marker, color="#222222", markersize=5)
        axes.annotate(
            label.format(percent=round(100 * share)),
            (_day(date) + 0.5, 100 * share),
            xytext=(4, offset),
            textcoords="offset points",
            fontsize=8,
        )
    axes.set_ylabel(_("level, % of its steady state"))
    axes.set_ylim(0, max(120.0, *percent["sum"], *percent["old"]) * 1.08)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="center right", fontsize=8, frameon=False)
    axes.set_title(
        "\n".join(
            [
                _("Levels through the switch: a teaching estimate from half-lives, not a check"),
                textwrap.shorten(
                    _("Half-lives: {half_lives}").format(half_lives=levels.half_lives),
                    TITLE_WIDTH,
                    placeholder="...",
                ),
            ]
        ),
        fontsize=8.5,
        loc="left",
    )


def _day(date: dt.date) -> float:
    return float(dates_x([date])[0])
