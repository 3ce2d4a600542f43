"""The symptom log under the dose curve (issue 23), read back from the matplotlib figure:
a panel of its own at the foot sharing the dates, each score at its date and value, the
scale's name and range on its axis, a rise marked, every word in the patient's language,
and the lines under the plot clear of its dates."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.api import load_protocol, taper, titrate
from planner.core.i18n import language
from planner.domain.schedule import Schedule
from planner.domain.symptoms import SymptomLog, parse_symptoms
from planner.errors import InputError
from planner.planning.pharmacokinetics import concentration_curve
from planner.render.colours import WARNING_COLOUR
from planner.render.plot import render_plot, schedule_figure
from planner.safety import check_schedule

ROSE = "rose at each of the last two visits: for the clinician to review"
TITLE = "Symptom log: scores recorded at visits"


@functools.cache
def tapering() -> Schedule:
    return taper(load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=2)


def log(text: str) -> SymptomLog:
    return parse_symptoms(text.encode(), source="log.csv")


RISING = log("date,CIWA-B (0-80)\n2027-03-01,9\n2027-03-22,8\n2027-04-05,12\n2027-04-19,17\n")
FALLING = log("date,score\n2027-03-01,6\n2027-05-03,5\n2027-10-29,2\n")


def points(axes: Axes) -> list[tuple[dt.date, float]]:
    """The first line's points: each one's date (the day it falls in) and value."""
    line = axes.get_lines()[0]
    xs: list[float] = list(line.get_xdata())  # type: ignore[arg-type]  # matplotlib's arrays
    ys: list[float] = list(line.get_ydata())  # type: ignore[arg-type]  # ditto
    days = [mdates.num2date(x).date() for x in xs]  # type: ignore[no-untyped-call]  # untyped
    return list(zip(days, map(float, ys), strict=True))


def texts(axes: Axes) -> list[str]:
    return [text.get_text() for text in axes.texts]


def test_the_log_is_a_panel_at_the_foot_sharing_the_dose_curves_dates() -> None:
    figure = schedule_figure(tapering(), symptoms=FALLING)
    doses, scores = figure.axes
    assert doses.get_shared_x_axes().joined(doses, scores)
    assert scores.get_position().y1 < doses.get_position().y0  # under it
    assert points(scores) == [
        (dt.date(2027, 3, 1), 6.0),
        (dt.date(2027, 5, 3), 5.0),
        (dt.date(2027, 10, 29), 2.0),  # the schedule's last day, inside the axis
    ]
    assert scores.get_xlim() == doses.get_xlim()
    assert scores.get_ylabel() == "self-rating (0-10)"
    assert scores.get_title(loc="left") == TITLE
    low, high = scores.get_ylim()
    assert low < 0 and high > 10  # the scale's whole range, its ends in sight
    assert ROSE not in texts(scores)
    assert texts(scores) == ["6", "5", "2"]  # each score's number beside its point


@pytest.mark.slow
def test_without_a_log_the_plot_is_as_it_was() -> None:
    assert len(schedule_figure(tapering()).axes) == 1
    before = render_plot(tapering(), check_schedule(tapering()))
    assert render_plot(tapering(), check_schedule(tapering()), symptoms=None) == before


def test_a_rise_at_each_of_the_last_two_visits_is_marked_and_said() -> None:
    scores = schedule_figure(tapering(), symptoms=RISING).axes[1]
    assert scores.get_ylabel() == "CIWA-B (0-80)"
    marked = scores.get_lines()[1]
    assert marked.get_color() == WARNING_COLOUR
    assert list(marked.get_ydata()) == [8, 12, 17]  # type: ignore[arg-type]  # arrays
    assert ROSE in texts(scores)


def test_with_the_concentration_panel_the_log_is_last() -> None:
    schedule = tapering()
    figure = schedule_figure(
        schedule, concentration=concentration_curve(schedule), symptoms=FALLING
    )
    assert [axes.get_ylabel() for axes in figure.axes] == [
        "total daily dose (mg/day)",
        "estimated plasma (ng/mL)",
        "self-rating (0-10)",
    ]
    tops = [axes.get_position().y0 for axes in figure.axes]
    assert tops == sorted(tops, reverse=True)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_panels_words_are_in_the_patients_language(lang: str) -> None:
    _ = language(lang).gettext
    scores = schedule_figure(tapering(), symptoms=log(
        "date,score\n2027-03-01,1\n2027-03-08,2\n2027-03-15,3\n"), lang=lang).axes[1]  # fmt: skip
    for english in (TITLE, ROSE, "self-rating"):
        assert _(english) != english, f"{english!r} has no {lang} translation"
    assert scores.get_title(loc="left") == _(TITLE)
    assert scores.get_ylabel() == f"{_('self-rating')} (0-10)"
    assert _(ROSE) in texts(scores)
    named = schedule_figure(tapering(), symptoms=RISING, lang=lang).axes[1]
    assert named.get_ylabel() == "CIWA-B (0-80)"  # a scale's own name is the clinician's


def test_a_score_outside_the_schedule_is_refused_before_it_is_drawn() -> None:
    late = log("date,score\n2027-03-01,1\n2027-11-01,2\n")
    with pytest.raises(InputError, match=r"^log\.csv::row 3: 2027-11-01 is after"):
        schedule_figure(tapering(), symptoms=late)


def test_a_long_scale_name_wraps_on_its_axis() -> None:
    name = "Benzodiazepine Withdrawal Symptom Scale"
    figure: Figure = schedule_figure(
        tapering(), symptoms=log(f"date,{name} (0-60)\n2027-03-01,3\n")
    )
    label = figure.axes[1].get_ylabel()
    assert label.replace("\n", " ") == f"{name} (0-60)"
    assert max(len(line) for line in label.splitlines()) <= 24


@pytest.mark.parametrize("with_log", [False, True])
def test_the_footers_lines_clear_the_date_labels(with_log: bool) -> None:
    """Every line under the plot (the footer, an off-label reason, a revision) has room
    of its own below the lowest panel's dates, with the log's panel or without it."""
    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 3, 1), age_years=16,
                       off_label_reason="Refractory panic, reviewed by two clinicians")  # fmt: skip
    symptoms = log("date,score\n2027-03-01,4\n") if with_log else None
    figure = schedule_figure(schedule, symptoms=symptoms)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]  # untyped in matplotlib
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # ditto
    footer = figure.texts[-1]
    assert footer.get_text().count("\n") == 1  # the footer and the off-label reason
    lowest = figure.axes[-1].xaxis.get_ticklabels()
    dates = [label.get_window_extent(renderer) for label in lowest if label.get_text()]
    assert dates and footer.get_window_extent(renderer).y1 < min(box.y0 for box in dates)
