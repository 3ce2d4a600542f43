"""A saved plan file revised on the page (``/revise``) and by the API (``POST
/api/revise``): the new plan file keeps every revision and is re-made by ``run_plan``;
every problem is named by its field (the page in the field's words, never an option),
and nothing is a server error."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from cli_helpers import ROOT
from starlette.testclient import TestClient
from web_helpers import client

from planner.plans import first_change, load_plan, revised, run_plan

EXAMPLE = ROOT / "examples/hyperbolic-drops.plan.toml"
TEXT = EXAMPLE.read_text(encoding="utf-8")
HOLD = {
    "plan": TEXT,
    "plan_name": EXAMPLE.name,
    "on": "2027-05-10",
    "change": "hold",
    "value": "14",
    "reason": "anxious since the last cut",
}


@pytest.fixture(scope="module")
def web() -> Iterator[TestClient]:
    with client() as test_client:
        yield test_client


def _plan(text: str, tmp_path: Path) -> Path:
    path = tmp_path / "new.plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_api_answers_the_new_plan_file_which_run_plan_remakes(
    web: TestClient, tmp_path: Path
) -> None:
    response = web.post("/api/revise", data=HOLD)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/toml")
    assert 'filename="hyperbolic-drops-v2.plan.toml"' in response.headers["content-disposition"]
    new = load_plan(_plan(response.text, tmp_path))
    [revision] = new.revisions
    assert (revision.on, revision.change, revision.days) == (dt.date(2027, 5, 10), "hold", 14)
    assert revision.reason == HOLD["reason"]
    old_schedule = run_plan(load_plan(EXAMPLE), folder=EXAMPLE.parent).schedule
    schedule = run_plan(new, folder=tmp_path).schedule
    same = revised(
        load_plan(EXAMPLE), on=revision.on, change="hold", value=14, reason=HOLD["reason"]
    )
    assert schedule.steps == run_plan(same, folder=EXAMPLE.parent).schedule.steps
    assert schedule.end > old_schedule.end
    changed = first_change(old_schedule, schedule)
    assert changed is not None and changed >= revision.on  # the days lived are kept
    assert "2027-05-10, version 2: held 14 days: anxious since the last cut" in (
        schedule.revisions[0].mark
    )


def test_a_revised_plan_is_revised_again_and_keeps_both(web: TestClient, tmp_path: Path) -> None:
    first = web.post("/api/revise", data=HOLD).text
    second = web.post(
        "/api/revise",
        data={**HOLD, "plan": first, "on": "2027-07-01", "change": "step_back", "value": ""},
    )
    assert second.status_code == 200, second.text
    plan = load_plan(_plan(second.text, tmp_path))
    assert [r.change for r in plan.revisions] == ["hold", "step_back"]
    run_plan(plan, folder=tmp_path)
    earlier = web.post("/api/revise", data={**HOLD, "plan": first, "on": "2027-05-01"})
    assert earlier.status_code == 400
    assert earlier.json()["error"]["field"] == "on"
    assert "after the last revision" in earlier.json()["error"]["reason"]


BAD = [
    pytest.param({"on": "2027-02-01"}, "on", "before the plan's first day", id="before-plan"),
    pytest.param({"on": "2031-01-01"}, "on", "after the plan's last day", id="after-plan"),
    pytest.param({"on": "10/05/2027"}, "on", "YYYY-MM-DD", id="date-text"),
    pytest.param({"on": ""}, "on", "visit's date", id="no-date"),
    pytest.param({"change": "taken", "value": "0.0001"}, "value", "micrograms", id="bad-dose"),
    pytest.param({"change": "taken", "value": "abc"}, "value", "not a number", id="dose-text"),
    pytest.param({"value": "-3"}, "value", "", id="negative-days"),
    pytest.param({"change": "slower", "value": "9"}, "value", "", id="factor-too-large"),
    pytest.param({"change": "step_back", "value": "3"}, "value", "no amount", id="extra"),
    pytest.param({"change": "hold", "value": ""}, "value", "days to hold", id="no-days"),
    pytest.param({"change": "faster"}, "change", "choose one of", id="unknown-change"),
    pytest.param({"reason": "   "}, "reason", "say why", id="empty-reason"),
    pytest.param({"plan": ""}, "plan", "no plan given", id="no-plan"),
    pytest.param({"plan": "kind = 'protocol'"}, "plan", "not a plan file", id="a-protocol"),
    pytest.param({"plan": "this is [not toml"}, "plan", "", id="not-toml"),
    pytest.param(
        {"plan": TEXT.replace('"panic-adult"', '"/etc/x.toml"')}, "plan", "by id", id="a-path"
    ),
]


@pytest.mark.parametrize(("changed", "field", "words"), BAD)
def test_the_api_names_the_field_refused(
    web: TestClient, changed: dict[str, str], field: str, words: str
) -> None:
    response = web.post("/api/revise", data={**HOLD, **changed})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert words in error["reason"]


@pytest.mark.parametrize(("changed", "field", "words"), BAD)
def test_the_page_shows_the_error_beside_its_field(
    web: TestClient, changed: dict[str, str], field: str, words: str
) -> None:
    page = web.post("/revise", data={**HOLD, **changed, "action": "revise"})
    assert page.status_code == 400
    found = re.search(rf'<p class="error" id="field-{field}-error">(.*?)</p>', page.text, re.S)
    assert found is not None, page.text
    assert words in html.unescape(found.group(1))
    assert 'aria-invalid="true"' in page.text
    said = html.unescape(" ".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', page.text)))
    said += html.unescape(page.text.split('id="error-summary"', 1)[-1].split("</ul>", 1)[0])
    assert re.search(r"--[a-z]|mg_per_day|revisions\[|\bfactor\b", said) is None, said


def test_the_page_opens_a_plan_and_revises_it(web: TestClient) -> None:
    empty = web.get("/revise")
    assert empty.status_code == 200
    assert 'href="/revise" aria-current="page"' in empty.text
    opened = web.post("/revise", data={"plan": TEXT, "plan_name": EXAMPLE.name, "action": "open"})
    assert opened.status_code == 200
    assert "The plan's schedule" in opened.text and "2027-03-01" in opened.text
    assert "2027-12-23" in opened.text
    made = web.post("/revise", data={**HOLD, "action": "revise"})
    assert made.status_code == 200
    assert "The revised plan" in made.text
    assert 'download="hyperbolic-drops-v2.plan.toml"' in made.text
    assert "Revised 2027-05-10, version 2: held 14 days: anxious since the last cut" in made.text
    assert "2028-01-22" in made.text  # the revised plan's end
    assert "[[revisions]]" in html.unescape(made.text)


def test_the_api_takes_a_form_by_post_only(web: TestClient) -> None:
    assert web.get("/api/revise").status_code == 405
    response = web.post("/api/revise", content=b"{}", headers={"content-type": "application/json"})
    assert response.status_code == 415
    assert response.json()["error"]["field"] == "body"


@pytest.mark.parametrize("path", ["/revise", "/api/revise"])
def test_a_post_from_another_site_is_refused(web: TestClient, path: str) -> None:
    response = web.post(path, data=HOLD, headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "origin"


def test_the_api_is_described_on_the_docs_page(web: TestClient) -> None:
    document = web.get("/openapi.json").json()
    assert document["paths"]["/api/revise"]["post"]["operationId"] == "revise"
    assert "/api/revise" in web.get("/docs").text


ODD = ["", " ", "NaN", "inf", "1e999999999", "-0", "0", "9" * 40, "2027-05-10\x00", "é", "<b>x</b>"]


@pytest.mark.parametrize("name", ["on", "change", "value", "reason", "plan", "plan_name"])
def test_no_odd_value_is_a_server_error(web: TestClient, name: str) -> None:
    for odd in ODD:
        response = web.post("/api/revise", data={**HOLD, name: odd})
        assert response.status_code in (200, 400), (name, odd, response.text)
        page = web.post("/revise", data={**HOLD, name: odd, "action": "revise"})
        assert page.status_code in (200, 400), (name, odd)
        assert "<b>x</b>" not in page.text
