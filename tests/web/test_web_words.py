"""The page speaks clinic: each error beside its field in the field's label words, never
an option's name, every error of a submit at once; fields required for the protocol
chosen marked so; dates and lists as the browser's own inputs. The API keeps the
command line's words."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from web_helpers import client

from planner.web.commands import COMMANDS

ERROR = re.compile(r'<p class="error" id="field-([a-z0-9-]+)-error">(.*?)</p>', re.DOTALL)
OPTION_NAME = re.compile(r"--[a-z]")
REQUEST_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")  # target_mg_per_day, patient.weight_kg


def errors_beside_fields(page: str) -> dict[str, str]:
    """Each field's error as a person reads it (the hidden 'Error: ' prefix dropped)."""
    return {
        name: html.unescape(re.sub(r"<[^>]+>", "", text)).removeprefix("Error: ").strip()
        for name, text in ERROR.findall(page)
    }


# Inputs the planner refuses, one or more fields each: (command, form, the fields in error).
REFUSED = {
    "a date that is no date": ("titrate", {"start": "2027-13-01"}, {"start"}),
    "not a number": ("titrate", {"start": "2027-01-04", "from": "abc"}, {"from"}),
    "above the maximum": ("titrate", {"start": "2027-01-04", "target": "50"}, {"target"}),
    "below the protocol's interval": (
        "titrate",
        {"start": "2027-01-04", "interval": "1"},
        {"interval"},
    ),
    "a hold with no dose to hold": (
        "taper",
        {"start": "2027-03-01", "from": "2", "hold": "3"},
        {"hold"},
    ),
    "a pause outside the taper": (
        "taper",
        {"start": "2027-03-01", "from": "2", "pause": "2026-01-01:3"},
        {"pause", "step-back"},
    ),
    "a switch half given": (
        "taper",
        {"start": "2027-03-01", "from": "2", "switch-at": "0.5"},
        {"switch-product"},
    ),
    "weight missing on the children's protocol": (
        "titrate",
        {"protocol": "seizure-pediatric", "start": "2027-01-04"},
        {"weight"},
    ),
    "a strength the product lacks": (
        "titrate",
        {"start": "2027-01-04", "strengths": "0.3"},
        {"strengths"},
    ),
    "a dose the product cannot make": (
        "titrate",
        {"start": "2027-01-04", "from": "0.3"},
        {"from"},
    ),
    "a maintenance missing": ("course", {"start": "2027-01-04"}, {"maintain"}),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_error_is_beside_its_field_in_the_labels_words(case: str) -> None:
    command, form, fields = REFUSED[case]
    response = client().post(f"/{command}", data={"protocol": "panic-adult", **form})
    assert response.status_code == 400
    errors = errors_beside_fields(response.text)
    assert set(errors) == fields
    labels = {field.option: field.label for field in COMMANDS[command].fields}
    for name, text in errors.items():
        assert labels[name] in text.split(": ")[0].split(" / "), text
        assert not OPTION_NAME.search(text), text
        assert not REQUEST_NAME.search(text), text


def test_a_target_above_the_maximum_is_reported_with_a_bad_date() -> None:
    form = {"protocol": "panic-adult", "start": "2027-13-01", "target": "50", "interval": "1"}
    errors = errors_beside_fields(client().post("/titrate", data=form).text)
    assert errors == {
        "start": "Start date: '2027-13-01' is not a date as YYYY-MM-DD",
        "target": (
            "Target dose: 50 mg/day is above the maximum of 4 mg/day for this protocol and patient"
        ),
        "interval": "Days between increases: 1 days is shorter than the protocol minimum of 3 days",
    }


def test_every_error_of_a_submit_is_in_the_summary_too() -> None:
    form = {"protocol": "panic-adult", "start": "x", "target": "50", "weight": "400", "age": "2.5"}
    page = client().post("/titrate", data=form).text
    summary = page[
        page.index('id="error-summary"') : page.index("</ul>", page.index("error-summary"))
    ]
    for name in ("start", "target", "weight", "age"):
        assert f'href="#field-{name}"' in summary


def test_an_input_left_out_never_makes_another_look_wrong() -> None:
    """A bad start leaves out the pauses (judged against it); a bad lower dose, the
    hold (judged against it): neither is reported for the other's error."""
    form = {"protocol": "panic-adult", "start": "bad", "from": "2", "pause": "2026-01-01:3"}
    assert set(errors_beside_fields(client().post("/taper", data=form).text)) == {"start"}
    form = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "to": "x", "hold": "3"}
    assert set(errors_beside_fields(client().post("/taper", data=form).text)) == {"to"}


def test_the_api_keeps_the_command_lines_words_and_reports_the_first() -> None:
    response = client().get("/api/titrate?protocol=panic-adult&start=2027-13-01&target=50")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "field": "start",
        "option": "--start",
        "reason": "'2027-13-01' is not a date as YYYY-MM-DD",
        "message": "Invalid value for '--start': '2027-13-01' is not a date as YYYY-MM-DD",
    }


@pytest.mark.parametrize(
    ("command", "protocol", "required"),
    [
        ("titrate", "seizure-pediatric", True),
        ("course", "seizure-pediatric", True),
        ("switch", "seizure-pediatric", True),
        ("taper", "seizure-pediatric", False),  # a taper starts from the dose taken
        ("titrate", "panic-adult", False),
    ],
)
def test_the_weight_is_marked_required_where_the_protocol_doses_by_weight(
    command: str, protocol: str, required: bool
) -> None:
    page = client().get(f"/{command}?protocol={protocol}").text
    weight = page[page.index('<label for="field-weight">') :]
    weight = weight[: weight.index("</div>")]
    assert ("(required)" in weight) is required
    assert (re.search(r'<input id="field-weight"[^>]* required', weight) is not None) is required


def test_a_new_protocol_chosen_without_javascript_marks_its_required_fields() -> None:
    form = {"protocol": "seizure-pediatric", "action": "refresh", "start": "2027-01-04"}
    page = client().post("/titrate", data=form)
    assert page.status_code == 200
    assert re.search(r'<input id="field-weight"[^>]* required', page.text)
    assert errors_beside_fields(page.text) == {}


def test_dates_are_the_browsers_date_input_and_choices_are_lists() -> None:
    page = client().get("/taper").text
    assert re.search(r'<input id="field-start"[^>]* type="date"', page)
    for name in ("protocol", "product", "pace", "lang"):
        assert f'<select id="field-{name}"' in page, name


def test_a_language_code_is_taken_in_any_case() -> None:
    form = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "lang": "ES"}
    page = client().post("/taper", data=form)
    assert page.status_code == 200, errors_beside_fields(page.text)
    assert '<option value="es" selected>' in page.text
    api = client().get(
        "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&lang=Es&format=plan"
    )
    assert api.status_code == 200
    assert 'lang = "es"' in api.text
