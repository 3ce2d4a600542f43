"""Two saved plan files compared on the page (``/diff``) and by the API (``POST
/api/diff``): the same comparison as ``planner diff``, every problem named by its plan
(``old`` or ``new``), and a plan's protocol read by id only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from cli_helpers import ROOT, ok
from web_helpers import client

EXAMPLE = ROOT / "examples/hyperbolic-drops.plan.toml"
HELD = ROOT / "examples/hyperbolic-drops-held.plan.toml"
OLD, NEW = EXAMPLE.read_text(encoding="utf-8"), HELD.read_text(encoding="utf-8")
NAMES = {"old_name": EXAMPLE.name, "new_name": HELD.name}


def test_the_api_says_what_the_command_line_says() -> None:
    response = client().post("/api/diff", data={"old": OLD, "new": NEW, **NAMES})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    printed = ok("diff", EXAMPLE, HELD)
    for line in document["summary"]:
        assert line in printed
    for row in document["changed_periods"]:
        assert row["change"] in printed
    assert document["first_difference"]["date"] == "2027-12-02"
    assert document["first_difference"]["new"]["total_mg"] == "0.2"  # exact, as text
    assert document["end"] == {
        "old": "2027-12-23",
        "new": "2028-01-06",
        "later_days": 14,
        "longer_days": 14,
    }
    assert (document["old"]["name"], document["new"]["name"]) == (EXAMPLE.name, HELD.name)
    assert document["old"]["fingerprint"] in printed and document["new"]["fingerprint"] in printed
    assert document["disclaimer"].startswith("For clinician review")


def test_the_same_plan_twice_is_no_difference() -> None:
    document = client().post("/api/diff", data={"old": OLD, "new": OLD}).json()
    assert document["identical"] is True
    assert document["changed_periods"] == []
    assert document["summary"][0].startswith("No difference")


def test_the_page_shows_the_comparison() -> None:
    page = client().post("/diff", data={"old": OLD, "new": NEW, **NAMES})
    assert page.status_code == 200
    text = page.text
    assert "First day that differs: 2027-12-02: 0.2 mg/day in the new plan" in text
    assert '<table class="steps periods">' in text
    assert text.count('<td class="change">') == 3
    assert f"{EXAMPLE.name}: taper, protocol panic-adult" in text
    assert "For clinician review and education" in text
    assert OLD.splitlines()[-1] in text, "the plans' text is kept in the form"


def test_the_page_is_offered_beside_the_others() -> None:
    page = client().get("/diff")
    assert page.status_code == 200
    assert 'href="/diff" aria-current="page"' in page.text
    assert "Compare the plans" in page.text
    assert 'href="/diff"' in client().get("/taper").text


def test_every_problem_is_shown_beside_its_plan() -> None:
    page = client().post("/diff", data={"old": "", "new": "kind = 'protocol'\n"})
    assert page.status_code == 400
    assert "The planner cannot compare these plans" in page.text
    assert page.text.count('aria-invalid="true"') == 2
    assert 'href="#field-old">Old plan file: no plan given' in page.text
    assert "New plan file: the new plan::kind: not a plan file: its kind is &#39;protocol&#39;" in (
        page.text
    )


TAPER = (
    'kind = "plan"\nprotocol = "panic-adult"\n[taper]\nstart = 2027-03-01\nfrom_mg_per_day = 2\n'
)
PAUSE_BEFORE_IT = 'edits = [{ kind = "pause", date = 2026-01-01, days = 14 }]\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "no plan given"),
        ('kind = "plan"\n[', "Failed to parse the {role} plan"),
        ("a = 1\n", "the {role} plan::kind: not a plan file"),
        (TAPER.replace("[taper]", "[tapr]"), "the {role} plan::tapr: unknown key"),
        # A path is never read: a plan names a protocol by id on the server.
        (TAPER.replace('"panic-adult"', '"/etc/x.toml"'), "unknown protocol '/etc/x.toml'"),
        (TAPER + PAUSE_BEFORE_IT, "the {role} plan: edits: 2026-01-01: the taper has no dose"),
    ],
    ids=["empty", "bad toml", "no kind", "unknown key", "a path", "edit outside"],
)
@pytest.mark.parametrize("role", ["old", "new"])
def test_a_bad_plan_is_a_400_naming_its_field(text: str, expected: str, role: str) -> None:
    form = {"old": OLD, "new": OLD, role: text}
    response = client().post("/api/diff", data=form)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == role
    assert expected.format(role=role) in error["reason"], error
    assert error["message"] == f"{role}: {error['reason']}"
    assert "Traceback" not in response.text


def test_the_api_takes_a_form_by_post_only() -> None:
    response = client().get("/api/diff")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"]["field"] == "method"
    as_json = client().post(
        "/api/diff",
        content=json.dumps({"old": OLD, "new": NEW}),
        headers={"content-type": "application/json"},
    )
    assert as_json.status_code == 415
    assert as_json.json()["error"]["field"] == "body"


def test_plans_of_different_kinds_are_compared_with_a_note() -> None:
    titration = 'kind = "plan"\nprotocol = "panic-adult"\n[titration]\nstart = 2027-03-01\n'
    document = client().post("/api/diff", data={"old": titration, "new": TAPER}).json()
    assert document["notes"] == [
        "the old plan is a titration and the new one a taper: they are compared day by "
        "day, on what the patient takes"
    ]


def test_the_api_is_described_in_openapi() -> None:
    document = client().get("/openapi.json").json()
    post = document["paths"]["/api/diff"]["post"]
    body = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert set(body["required"]) == {"old", "new"}
    assert "/api/diff" in client().get("/docs").text


def test_a_plan_file_the_page_saves_compares(tmp_path: Path) -> None:
    """The page's own plan file download is a plan the comparison reads."""
    query = "protocol=panic-adult&start=2027-03-01&from=2&pace=asam&format=plan"
    saved = client().get(f"/api/taper?{query}").text
    slower = client().get(f"/api/taper?{query.replace('asam', 'linear')}").text
    document = client().post("/api/diff", data={"old": saved, "new": slower}).json()
    assert document["first_difference"] is not None


def test_a_revised_plan_is_made_as_planner_plan_makes_it(tmp_path: Path) -> None:
    """Its revisions applied, each named beside the plan, as the command line does."""
    first = tmp_path / "v1.plan.toml"
    first.write_text(TAPER, encoding="utf-8")
    second = tmp_path / "v2.plan.toml"
    ok(
        "revise", first, "--on", "2027-04-20", "--hold", 14, "--reason", "struggling",
        "--out", second,
    )  # fmt: skip
    form = {"old": TAPER, "new": second.read_text(encoding="utf-8")}
    document = client().post("/api/diff", data=form).json()
    assert document["new"]["revisions"] == ["2027-04-20, version 2: held 14 days: struggling"]
    assert document["end"]["later_days"] == 14
    assert document["first_difference"]["date"] >= "2027-04-20"
    assert "Revised 2027-04-20, version 2" in client().post("/diff", data=form).text


def test_a_plan_of_the_servers_own_protocol_folder_compares(tmp_path: Path) -> None:
    """The page's plan file names such a protocol by its file name: that name is read,
    as the server's own, and nothing else of the folder."""
    from starlette.testclient import TestClient

    from planner.web.app import create_app
    from planner.web.service import load_site

    source = (ROOT / "protocols" / "panic-adult.toml").read_text(encoding="utf-8")
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "clinic-panic.toml").write_text(
        source.replace('id = "panic-adult"', 'id = "clinic-panic"'), encoding="utf-8"
    )
    test = TestClient(create_app(load_site(folder)), base_url="http://127.0.0.1")
    query = "protocol=clinic-panic&start=2027-03-01&from=2&format=plan"
    saved = test.get(f"/api/taper?{query}").text
    assert 'protocol = "clinic-panic.toml"' in saved
    slower = test.get(f"/api/taper?{query}&pace=linear").text
    document = test.post("/api/diff", data={"old": saved, "new": slower}).json()
    assert document["old"]["protocol"]["id"] == "clinic-panic"
    assert document["first_difference"] is not None
    outside = saved.replace('"clinic-panic.toml"', '"../clinic/clinic-panic.toml"')
    refused = test.post("/api/diff", data={"old": outside, "new": slower})
    assert refused.status_code == 400
    assert "unknown protocol '../clinic/clinic-panic.toml'" in refused.json()["error"]["reason"]
