"""A plot reads in the patient's language (issue 21, "Materials that fill the page in every
language"): its date axis gives real dates in the language, their labels never overlap,
and no English word of a title, axis label, legend or note is left in a translation."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from typing import Any

import pytest
from babel.dates import get_month_names
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.api import course, load_protocol, switch, taper, titrate
from planner.core.i18n import NOT_REVIEWED
from planner.domain.schedule import Schedule
from planner.planning.pharmacokinetics import concentration_curve
from planner.render.plot import schedule_figure
from planner.render.teaching import comparison_figure

LANGS = ("en", "es", "fr")


@functools.cache
def schedules() -> dict[str, Schedule]:
    panic = load_protocol("panic-adult")
    return {
        "titration": titrate(load_protocol("seizure-adult"), start=dt.date(2027, 1, 4),
                             target_mg_per_day=4),
        "short": titrate(panic, start=dt.date(2027, 1, 29), hold_days=3),
        "taper": taper(panic, start=dt.date(2027, 12, 6), from_mg_per_day=2),
        "years": taper(load_protocol("seizure-adult"), start=dt.date(2027, 11, 15),
                       from_mg_per_day=20, product="rivotril-drops"),
        "course": course(panic, start=dt.date(2027, 1, 4), target_mg_per_day=2,
                         maintain_days=180, pace="asam"),
        "switch": switch(panic, start=dt.date(2027, 1, 4), from_drug="alprazolam",
                         from_mg_per_day=4, age_years=40),
    }  # fmt: skip


def drawn(figure: Figure) -> Any:
    """The figure laid out and drawn, as saving it would; its renderer."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]  # untyped in matplotlib
    return canvas.get_renderer()  # type: ignore[no-untyped-call]  # ditto


def read_date(text: str, lang: str) -> dt.date:
    """A tick label as the patient reads it: '4 Jan 2027', '4 ene 2027', '4 janv. 2027'."""
    months = {
        str(name): number for number, name in get_month_names("abbreviated", locale=lang).items()
    }
    found = re.fullmatch(r"(\d{1,2}) (\S+) (\d{4})", text)
    assert found and found[2] in months, f"{text!r} is not a date in {lang}"
    return dt.date(int(found[3]), months[found[2]], int(found[1]))


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("name", "width_in"),
    [("short", 10), ("short", 6), ("titration", 10), ("taper", 6), ("years", 10), ("switch", 6)],
)
def test_each_tick_is_the_date_it_marks_and_no_two_labels_touch(
    name: str, width_in: float, lang: str
) -> None:
    schedule = schedules()[name]
    concentration = concentration_curve(schedule) if name == "titration" else None
    figure = schedule_figure(schedule, concentration=concentration, width_in=width_in, lang=lang)
    renderer = drawn(figure)
    for axes in figure.axes:  # each panel labels its own dates
        labels = [label for label in axes.get_xticklabels() if label.get_text()]
        assert len(labels) >= 3, [label.get_text() for label in labels]
        for label, tick in zip(labels, axes.get_xticks(), strict=True):
            marked = mdates.num2date(tick).date()  # type: ignore[no-untyped-call]  # untyped
            assert read_date(label.get_text(), lang) == marked
        boxes = sorted((label.get_window_extent(renderer) for label in labels), key=lambda b: b.x0)
        for left, right in itertools.pairwise(boxes):
            assert left.x1 < right.x0, (left, right)


def texts(figure: Figure) -> list[str]:
    """Every title, axis label, legend entry and note of a figure, without its footer
    (the provenance stays English: protocol id, version, fingerprint) or the English half
    of the review warning, which every unreviewed language prints beside its own."""
    found = [text.get_text() for text in figure.texts if "fingerprint" not in text.get_text()]
    suptitle = getattr(figure, "_suptitle", None)
    found += [suptitle.get_text()] if suptitle is not None else []
    for axes in figure.axes:
        found += [axes.get_title(loc=loc) for loc in ("left", "center", "right")]
        found += [axes.get_xlabel(), axes.get_ylabel()]
        found += [text.get_text() for text in axes.texts]
        legend = axes.get_legend()
        found += [text.get_text() for text in legend.get_texts()] if legend is not None else []
    return [text.replace(NOT_REVIEWED, "") for text in found]


# Words both languages write the same way: names of drugs and brands, units, source ids,
# pace ids (what --pace takes), and the cognates.
SHARED = {"clonazePAM", "ALPRAZolam", "Klonopin", "Xanax", "Rivotril", "smpc", "alprazolam",
          "clonazepam", "linear", "proportional", "hyperbolic", "mg", "kg", "min", "ng",
          "EC50"}  # fmt: skip
COGNATES = {
    "es": {"total"},
    "fr": {
        "Illustration",
        "illustrative",
        "volume",
        "maximum",
        "points",
        "absorption",
        "dose",
        "patient",
    },
}


def words(found: list[str]) -> set[str]:
    return {word for text in found for word in re.findall(r"[^\W\d_]{2,}\d*", text)}


def figures(lang: str) -> dict[str, Figure]:
    chosen = schedules()
    drops = [taper(load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=2,
                   pace=pace, product="rivotril-drops")
             for pace in ("linear", "proportional", "hyperbolic")]  # fmt: skip
    plots = {
        name: schedule_figure(
            chosen[name],
            concentration=concentration_curve(chosen[name]) if name == "titration" else None,
            lang=lang,
        )
        for name in ("titration", "taper", "course", "switch")
    }
    return {**plots, "paces": comparison_figure(drops, ec50_mcg=1000, lang=lang)}


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_no_english_word_is_left_in_a_translated_plot(lang: str) -> None:
    english, translated = figures("en"), figures(lang)
    for name, figure in translated.items():
        english_words = words(texts(english[name]))
        left = words(texts(figure)) & english_words - SHARED - COGNATES[lang]
        assert not left, (name, sorted(left))
        assert english_words - SHARED, name  # a test of words, not of names
