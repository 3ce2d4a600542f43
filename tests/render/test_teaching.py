"""The teaching views: paces compared in mg and in occupancy; the concentration panel."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction

from planner import load_protocol, taper, titrate
from planner.domain.schedule import Schedule
from planner.planning.pharmacokinetics import EDUCATION_NOTE, concentration_curve
from planner.render.plot import schedule_figure
from planner.render.teaching import comparison_figure, comparison_text, summarize

PANIC = load_protocol("panic-adult")


def tapers(*paces: str) -> list[Schedule]:
    return [
        taper(
            PANIC, start=dt.date(2027, 3, 1), from_mg_per_day=2, pace=pace, product="rivotril-drops"
        )
        for pace in paces
    ]


def occupancy_steps(schedule: Schedule) -> list[Fraction]:
    totals = [schedule.previous_mcg] + [step.total_mcg for step in schedule.steps]
    return [
        Fraction(b, b + 1000) - Fraction(a, a + 1000)
        for b, a in itertools.pairwise(totals)
        if 0 < a < b
    ]


def test_linear_steps_grow_in_occupancy_while_hyperbolic_ones_stay_even() -> None:
    """Equal mg steps remove more receptor occupancy as the dose falls (Maudsley); equal
    occupancy steps do not. Over the first four reductions from 2 mg/day (EC50 1 mg)."""
    linear, hyperbolic = (occupancy_steps(s)[:4] for s in tapers("linear", "hyperbolic"))
    assert linear == sorted(linear)  # each larger than the one before
    assert max(linear) / min(linear) > Fraction(3, 2)
    assert max(hyperbolic) / min(hyperbolic) < max(linear) / min(linear)
    assert max(hyperbolic) / min(hyperbolic) < Fraction(13, 10)  # even, within the drops
    assert all(summarize(s, 1000).stops_from == "0.1 mg/day" for s in tapers("linear"))


def test_comparison_text_and_figure() -> None:
    schedules = tapers("linear", "proportional", "hyperbolic")
    text = comparison_text(schedules, 1000)
    assert [line.split()[0] for line in text.splitlines()[1:4]] == [
        "linear",
        "proportional",
        "hyperbolic",
    ]
    assert EDUCATION_NOTE in text and "illustrative" in text
    figure = comparison_figure(schedules, ec50_mcg=1000)
    dose_axes, occupancy_axes = figure.axes
    legend = dose_axes.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "linear",
        "proportional",
        "hyperbolic",
    ]
    assert "EC50 = 1 mg/day (illustrative)" in occupancy_axes.get_title(loc="left")
    assert any(EDUCATION_NOTE in t.get_text() for t in figure.texts)


def test_plot_with_concentration_has_the_range_shaded_and_the_note() -> None:
    schedule = titrate(
        load_protocol("seizure-adult"), start=dt.date(2027, 1, 4), target_mg_per_day=4
    )
    figure = schedule_figure(schedule, concentration=concentration_curve(schedule))
    _, panel = figure.axes
    assert EDUCATION_NOTE in panel.get_title(loc="left")
    assert "70 kg assumed" in panel.get_title(loc="left")
    assert any("anticonvulsant range 20 to 70 ng/mL" in t.get_text() for t in panel.texts)
    band = panel.patches[0].get_extents()
    assert band.height > 0
