"""Every renderer of what a person reads takes the patient's language as a code, ``lang``,
and uses it (issue 21: ``schedule_figure(s, lang="es")`` raised AttributeError while the
other renderers took ``lang``). Found by inspecting the renderers' modules, so a renderer
added later is held to it too."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import planner.render
from planner.api import load_protocol, taper
from planner.safety import check_schedule

RENDERER = re.compile(r"render_\w+|\w+_figure|\w+_text|first_month")
# Machine outputs stay English (README: CSV, JSON and FHIR, with '.' decimals); the files a
# command writes take ``lang`` in their options (OutputOptions.lang).
NOT_READ_BY_PEOPLE = {"render_csv", "render_json", "render_fhir"}
OPTIONS_CARRY_LANG = {"render_outputs"}


def renderers() -> dict[str, Callable[..., Any]]:
    """Each public function of planner.render named as a renderer whose first argument is
    the schedule (or the schedules compared)."""
    found: dict[str, Callable[..., Any]] = {}
    for module_info in pkgutil.walk_packages(planner.render.__path__, "planner.render."):
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            first = next(iter(inspect.signature(function).parameters), "")
            if (
                function.__module__ == module.__name__
                and RENDERER.fullmatch(name)
                and first in ("schedule", "schedules")
            ):
                found[name] = function
    return found


def test_the_renderers_are_found() -> None:
    assert {"render_pdf", "render_plot", "schedule_figure", "render_ics", "render_xlsx",
            "render_text", "comparison_figure", "render_comparison", "first_month",
            *NOT_READ_BY_PEOPLE, *OPTIONS_CARRY_LANG} <= set(renderers())  # fmt: skip


@functools.cache
def arguments() -> dict[str, Any]:
    panic = load_protocol("panic-adult")
    tapers = [
        taper(panic, start=dt.date(2027, 3, 1), from_mg_per_day=2, pace=pace,
              product="rivotril-drops")
        for pace in ("linear", "hyperbolic")
    ]  # fmt: skip
    return {
        "schedule": tapers[0],
        "report": check_schedule(tapers[0]),
        "schedules": tapers,
        "ec50_mcg": 1000,
        "image_format": "svg",
        "timezone": "Europe/Madrid",
        "instructions": True,
    }


def said(output: Any) -> Any:
    """What a person reads in an output: a figure's words, or the output itself."""
    if isinstance(output, Figure):
        return [text.get_text() for text in output.findobj(Text)]
    return output


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(renderers()) - NOT_READ_BY_PEOPLE - OPTIONS_CARRY_LANG))
def test_every_renderer_takes_the_language_as_a_code_and_uses_it(name: str) -> None:
    renderer = renderers()[name]
    parameters = inspect.signature(renderer).parameters
    assert "lang" in parameters, f"{name} has no lang"
    assert (
        parameters["lang"].default == "en"
        and parameters["lang"].kind is inspect.Parameter.KEYWORD_ONLY
    )
    given = {key: value for key, value in arguments().items() if key in parameters}
    english, spanish = (said(renderer(**given, lang=lang)) for lang in ("en", "es"))
    assert spanish != english, f"{name} ignores lang"
    assert said(renderer(**given)) == english  # English unless asked
