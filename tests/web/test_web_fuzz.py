"""Any field, any value, any combination: the page answers with the schedule or with the
form and every error beside its field, never a traceback or a blank page; the API
answers a 4xx JSON error naming the input. Values are missing, empty, huge, non-ASCII,
or near what a field takes (dates, exact numbers, the library's ids in any case)."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import client

from planner.web.commands import COMMANDS, Command
from planner.web.fields import Field

# Slow: each test posts 30 forms, each planned and rendered by the server's workers.
pytestmark = pytest.mark.slow

IDS = {
    "product": ["us-tablet", "us-odt", "rivotril-drops", "US-TABLET", "nope"],
    "pace": ["asam", "hyperbolic", "linear", "two-phase", "custom", "Asam", "nope"],
    "drug": ["alprazolam", "diazepam", "lorazepam", "clonazepam", "x"],
    "source": ["va-dod-2021", "ashton-2002", "nope"],
    "paper": ["letter", "a4", "A4", "b5"],
    "language": ["en", "es", "fr", "ES", "Fr", "de", "e"],
}
NUMBERS = st.one_of(
    st.decimals(min_value=-5, max_value=400, places=3, allow_nan=False).map(str),
    st.sampled_from(["0", "0.3", "1,5", "1e400", "NaN", "-0", ".5", "5.", "٣", "½"]),
)
DATES = st.one_of(
    st.dates(min_value=dt.date(1890, 1, 1)).map(lambda d: d.isoformat()),
    st.sampled_from(["2027-02-30", "2027-13-01", "27-01-04", "2027/01/04", "tomorrow"]),
)
WHOLE = st.one_of(st.integers(min_value=-10, max_value=5000).map(str), st.just("2.5"))
CLOCKS = st.sampled_from(["morning=07:30", "bedtime=22:00", "noon=07:00", "morning=25:00", "x"])


def near(field: Field) -> st.SearchStrategy[str]:
    """Values near what the field takes, right or wrong."""
    if field.kind in IDS:
        return st.sampled_from(IDS[field.kind])
    if field.kind == "number":
        return NUMBERS
    if field.kind in ("date", "dates"):
        return DATES
    if field.kind == "whole":
        return WHOLE
    if field.kind == "flag":
        return st.sampled_from(["on", "true", "0", "maybe"])
    if field.kind == "pauses":
        return st.builds(lambda date, days: f"{date}:{days}", DATES, WHOLE)
    if field.kind == "clocks":
        return CLOCKS
    if field.kind == "old_doses":
        return st.builds(
            lambda time, mg: f"{time}={mg}", st.sampled_from(["morning", "x"]), NUMBERS
        )
    return st.text(max_size=40)


def value(field: Field) -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),  # not sent at all
        st.just(""),
        st.text(max_size=20),  # any characters, most of them not ASCII
        st.text(min_size=500, max_size=1200),  # huge (a whole form stays under 64 KB)
        near(field),
        near(field),
    )


@st.composite
def forms(draw: st.DrawFn, command: Command) -> list[tuple[str, str]]:
    protocol = draw(
        st.sampled_from(["panic-adult", "seizure-adult", "seizure-pediatric", "nope", ""])
    )
    pairs = [("protocol", protocol)]
    for field in command.fields:
        text = draw(value(field))
        if text is not None:
            pairs.append((field.option, text))
    return pairs


FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SUMMARY_ITEM = re.compile(r'<div class="error-summary".*?</div>', re.DOTALL)
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("view", ["", "/print"], ids=["page", "calendar"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
@FUZZ
@given(data=st.data())
def test_any_form_gives_the_schedule_or_every_error_beside_its_field(
    name: str, view: str, data: st.DataObject
) -> None:
    form = data.draw(forms(COMMANDS[name]))
    body = urllib.parse.urlencode(form)
    response = client().post(f"/{name}{view}", content=body, headers=FORM)
    assert response.status_code in (200, 400), response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Traceback" not in page
    if response.status_code == 200:
        assert ('class="month-page"' if view else "Safety checks:") in page
        return
    summary = SUMMARY_ITEM.search(page)
    assert summary is not None, "the errors are listed at the top"
    items = re.findall(r"<li>(.*?)</li>", summary.group(0), re.DOTALL)
    assert items
    for item in items:
        linked = re.match(r'<a href="#field-([a-z0-9-]+)">', item)
        assert linked is not None, f"an error beside no field: {item}"
        assert f'id="field-{linked.group(1)}-error"' in page, linked.group(1)


@pytest.mark.parametrize("name", sorted(COMMANDS))
@FUZZ
@given(data=st.data())
def test_any_query_gives_json_or_a_4xx_json_error_naming_the_input(
    name: str, data: st.DataObject
) -> None:
    query = urllib.parse.urlencode(data.draw(forms(COMMANDS[name])))
    response = client().get(f"/api/{name}?{query}")
    assert response.status_code in (200, 400, 414), response.text[:500]
    assert response.headers["content-type"] == "application/json"
    if response.status_code != 200:
        error = response.json()["error"]
        assert error["field"], error
        assert error["message"], error
