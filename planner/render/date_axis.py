"""A plot's date axis that reads as real dates in the patient's language: every tick a
whole date written in full ('4 Jan 2027', '4 ene 2027', '4 janv. 2027'), and only as many
ticks as the axis has room for, so no two labels touch.

matplotlib's own date labels are English and abbreviated by context ('05 09 ... Feb'
under a '2027-Feb' offset reads January as February); its locator counts ticks, not the
room their labels take in a language whose dates are longer.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from matplotlib import dates as mdates
from matplotlib import rcParams
from matplotlib.axis import Axis
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, Locator

from planner.core.i18n import Language

PATTERN = "d MMM y"  # CLDR: the catalogue may reorder it
GAP_PT = 12  # between two labels, at least
# From the finest ticks to the coarsest: days counted from the first date shown, weeks
# on Mondays (the calendar's first column), months on the 1st, years on 1 January.
STEPS = (("days", (1, 2, 3)), ("weeks", (1, 2, 3)), ("months", (1, 2, 3, 6)), ("years", (1, 2, 5)))


def date_axis(axis: Axis, lang: Language) -> None:
    """Put the language's full dates on ``axis`` (an x axis of matplotlib date numbers)."""
    axis.set_major_locator(DateTicks(axis, lang))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: label(x, lang)))


def label(x: float, lang: Language) -> str:
    return lang.date(mdates.num2date(x).date(), PATTERN)  # type: ignore[no-untyped-call]  # untyped in matplotlib


class DateTicks(Locator):
    """The finest of whole days, weeks, months or years whose labels all fit the axis."""

    def __init__(self, axis: Axis, lang: Language) -> None:
        self.owner = axis  # matplotlib's own ``axis`` attribute is typed loosely
        self.lang = lang

    def __call__(self) -> Sequence[float]:
        low, high = self.owner.get_view_interval()
        return self.tick_values(low, high)

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        first = mdates.num2date(vmin).date()  # type: ignore[no-untyped-call]  # untyped in matplotlib
        last = mdates.num2date(vmax).date()  # type: ignore[no-untyped-call]  # ditto
        if _number(first) < vmin:
            first += dt.timedelta(days=1)
        per_day = self._room_pt() / (vmax - vmin) if vmax > vmin else 0
        size = FontProperties(size=rcParams["xtick.labelsize"]).get_size_in_points()
        chosen: list[dt.date] = []
        for chosen in _candidates(first, last):
            if self._fits(chosen, per_day, size):
                break
        return [_number(date) for date in chosen]  # else the coarsest: five years apart

    def _fits(self, dates: list[dt.date], per_day: float, size: float) -> bool:
        """Whether labels centred on ``dates`` leave ``GAP_PT`` between each pair; the
        pairs measured in turn, so a spacing far too fine costs two labels, not all."""
        return all(
            (right - left).days * per_day
            >= (_width(self.lang, left, size) + _width(self.lang, right, size)) / 2 + GAP_PT
            for left, right in itertools.pairwise(dates)
        )

    def _room_pt(self) -> float:
        """The axis's length in points, once the layout has placed it."""
        axes = self.owner.axes
        return float(axes.get_window_extent().width / axes.figure.dpi * 72)


def _candidates(first: dt.date, last: dt.date) -> Iterator[list[dt.date]]:
    """Tick dates from the finest spacing to the coarsest."""
    monday = first + dt.timedelta(days=-first.weekday() % 7)
    month = first if first.day == 1 else _add_months(first.replace(day=1), 1)
    january = _add_months(month, -(month.month - 1) % 12)
    starts = {"days": first, "weeks": monday, "months": month, "years": january}
    for unit, steps in STEPS:
        for step in steps:
            dates = [starts[unit]]
            while (following := _add(dates[-1], unit, step)) <= last:
                dates.append(following)
            yield [date for date in dates if date <= last]


def _add(date: dt.date, unit: str, step: int) -> dt.date:
    if unit in ("days", "weeks"):
        return date + dt.timedelta(**{unit: step})
    return _add_months(date, step * (12 if unit == "years" else 1))


def _add_months(date: dt.date, months: int) -> dt.date:
    index = date.month - 1 + months
    return date.replace(year=date.year + index // 12, month=index % 12 + 1)


@functools.lru_cache(maxsize=4096)
def _width(lang: Language, date: dt.date, size: float) -> float:
    """A date's label's width in points (each measured once: layout asks many times)."""
    text = lang.date(date, PATTERN)
    font = FontProperties(size=size)
    width, _height, _descent = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return float(width)


def _number(date: dt.date) -> float:
    return float(mdates.date2num(date))  # type: ignore[no-untyped-call]  # untyped in matplotlib


def dates_x(dates: Sequence[dt.date] | Sequence[dt.datetime]) -> Any:
    """Dates as matplotlib's date numbers, where a plot places them."""
    return mdates.date2num(dates)  # type: ignore[no-untyped-call]  # untyped in matplotlib
