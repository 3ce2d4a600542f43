"""The HTTP API through Starlette's test client: every command and format gives the
command line's bytes; every bad input is a 4xx naming its field in the command line's
words; limits, headers and the last catch hold."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")

from cli_helpers import ROOT, error_line, run
from web_helpers import cli_file, client, query
from worker_jobs import broken, slow

from planner.cli import option_for
from planner.web.commands import COMMANDS
from planner.web.guard import MAX_BODY_BYTES, MAX_QUERY_BYTES

OUTPUT_OPTIONS = [
    ("--tz", "Europe/Berlin"),
    ("--patient", "Zoë Example"),
    ("--paper", "a4"),
    ("--supply-days", "28"),
    ("--dose-time", "morning=07:30"),
]
CASES = {
    "titrate": (
        "panic-adult",
        [("--start", "2027-01-04"), ("--target", "2"), ("--interval", "7"), ("--age", "40")],
    ),
    "titrate-weight": (
        "seizure-pediatric",
        [("--start", "2027-01-04"), ("--weight", "12.5"), ("--product", "rivotril-drops")],
    ),
    "taper": (
        "panic-adult",
        [
            ("--start", "2027-03-01"),
            ("--from", "2"),
            ("--pace", "asam"),
            ("--product", "us-odt"),
            ("--pause", "2027-04-05:7"),
            ("--step-back", "2027-06-01"),
            ("--age", "45"),
        ],
    ),
    "taper-switch": (
        "panic-adult",
        [
            ("--start", "2027-03-01"),
            ("--from", "2"),
            ("--switch-product", "rivotril-drops"),
            ("--switch-at", "0.5"),
        ],
    ),
    "course": (
        "panic-adult",
        [("--start", "2027-01-04"), ("--target", "2"), ("--maintain", "90"), ("--pace", "asam")],
    ),
    "switch": (
        "panic-adult",
        [
            ("--start", "2027-01-04"),
            ("--from-drug", "diazepam"),
            ("--from", "20"),
            ("--equivalence", "va-dod-2021"),
            ("--then-pace", "asam"),
        ],
    ),
}
FORMATS = ["csv", "pdf", "ics", "xlsx", "png", "svg", "plan"]


@pytest.mark.slow
@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_file_is_the_bytes_the_command_line_writes(
    case: str, format_name: str, tmp_path: Path
) -> None:
    command = case.split("-", maxsplit=1)[0]
    protocol, options = CASES[case]
    options = [*options, *OUTPUT_OPTIONS]
    response = client().post(f"/api/{command}?{query(protocol, options, format_name)}")
    assert response.status_code == 200, response.text
    assert response.content == cli_file(command, protocol, options, format_name, tmp_path)
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"


def test_the_issue_example_is_the_command_lines_csv(tmp_path: Path) -> None:
    url = (
        "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&pace=asam&product=us-odt"
        "&format=csv"
    )
    response = client().get(url)
    options = [("--start", "2027-03-01"), ("--from", "2"), ("--pace", "asam")]
    options.append(("--product", "us-odt"))
    assert response.content == cli_file("taper", "panic-adult", options, "csv", tmp_path)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_json_holds_the_schedule_safety_report_and_warnings(command: str) -> None:
    protocol, options = CASES[command]
    response = client().get(f"/api/{command}?{query(protocol, options, 'json')}")
    assert response.status_code == 200
    document = response.json()
    assert document["safety"]["passed"] == document["safety"]["total"] > 0
    assert (
        document["safety"]["summary"]
        == f"{document['safety']['total']} of {document['safety']['total']} passed"
    )
    boxed = [w for w in document["prescribing_warnings"] if w["kind"] == "boxed"]
    assert [w["title"] for w in boxed] == [
        "Concomitant opioids",
        "Abuse, misuse and addiction",
        "Dependence and withdrawal reactions",
    ]
    assert document["disclaimer"] == "For clinician review and education. Not medical advice."
    assert document["steps"][0]["start"] == dict(options)["--start"]
    # Doses are exact decimal text, never JSON floats.
    assert all(isinstance(step["total_mg"], str) for step in document["steps"])


def test_json_is_the_default_format() -> None:
    response = client().get("/api/titrate?protocol=panic-adult&start=2027-01-04")
    assert response.headers["content-type"] == "application/json"
    assert response.json()["kind"] == "titration"


BAD = {
    "bad date": ("titrate", [("--start", "2027-13-01")]),
    "not a number": ("titrate", [("--start", "2027-01-04"), ("--from", "abc")]),
    "negative": ("titrate", [("--start", "2027-01-04"), ("--from", "-1")]),
    "above the maximum": ("titrate", [("--start", "2027-01-04"), ("--target", "50")]),
    "interval out of range": ("titrate", [("--start", "2027-01-04"), ("--interval", "0")]),
    "age not whole": ("titrate", [("--start", "2027-01-04"), ("--age", "2.5")]),
    "weight missing": ("titrate-pediatric", [("--start", "2027-01-04")]),
    "start missing": ("titrate", [("--target", "1")]),
    "unknown option": ("titrate", [("--start", "2027-01-04"), ("--foo", "1")]),
    "bad pause": ("taper", [("--start", "2027-03-01"), ("--from", "2"), ("--pause", "x")]),
    "pause of no days": (
        "taper",
        [("--start", "2027-03-01"), ("--from", "2"), ("--pause", "2027-04-05:0")],
    ),
    "unknown pace": ("taper", [("--start", "2027-03-01"), ("--from", "2"), ("--pace", "nope")]),
    "unknown product": (
        "taper",
        [("--start", "2027-03-01"), ("--from", "2"), ("--product", "nope")],
    ),
    "switch half given": (
        "taper",
        [("--start", "2027-03-01"), ("--from", "2"), ("--switch-at", "0.5")],
    ),
    "to above from": ("taper", [("--start", "2027-03-01"), ("--from", "2"), ("--to", "3")]),
    "short off-label": ("titrate", [("--start", "2027-01-04"), ("--off-label", "x")]),
    "bad paper": ("titrate", [("--start", "2027-01-04"), ("--paper", "b5")]),
    "maintain missing": ("course", [("--start", "2027-01-04")]),
    "too young": (
        "titrate-adult",
        [("--start", "2027-01-04"), ("--target", "1.5"), ("--weight", "10"), ("--age", "2")],
    ),
}
PROTOCOLS = {"pediatric": "seizure-pediatric", "adult": "seizure-adult"}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_input_is_a_400_in_the_command_lines_words(case: str) -> None:
    name, options = BAD[case]
    command, _, which = name.partition("-")
    protocol = PROTOCOLS.get(which, "panic-adult")
    response = client().get(f"/api/{command}?{query(protocol, options, 'csv')}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    cli = error_line(run(command, protocol, *(w for pair in options for w in pair)))
    if case == "unknown option":  # the CLI suggests its own options, the API its own
        assert cli.startswith(error["message"].split(" (")[0])
    else:
        assert error["message"] == cli
        assert error["reason"] in cli
    assert error["field"], "every one of these concerns one input"
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("format_name", "option", "value", "field"),
    [
        ("ics", "tz", "Mars/Base", "tz"),
        ("ics", "dose-time", "noon=07:00", "dose-time"),
        ("pdf", "patient", "x" * 130, "patient"),
    ],
)
def test_an_output_option_the_cli_refuses_is_refused_by_name(
    format_name: str, option: str, value: str, field: str, tmp_path: Path
) -> None:
    options = [("--start", "2027-03-01"), ("--from", "2"), (f"--{option}", value)]
    response = client().post(f"/api/taper?{query('panic-adult', options, format_name)}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    out = tmp_path / f"out.{format_name}"
    words = (w for pair in options for w in pair)
    assert error["reason"] in error_line(
        run("taper", "panic-adult", *words, f"--{format_name}", out)
    )


@pytest.mark.parametrize("protocol", ["nope", "protocols/panic-adult.toml", "/etc/passwd", ".."])
def test_a_protocol_is_chosen_by_id_only(protocol: str) -> None:
    response = client().get(f"/api/titrate?{query(protocol, [('--start', '2027-01-04')], 'csv')}")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "protocol"
    assert "known protocols: panic-adult" in response.json()["error"]["reason"]


def test_an_unknown_command_or_format_is_named() -> None:
    response = client().get("/api/frobnicate?protocol=panic-adult")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "command"
    response = client().get("/api/titrate?protocol=panic-adult&start=2027-01-04&format=doc")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "format"


def test_every_field_reports_under_the_command_lines_option_name() -> None:
    """The API's words for a field are the CLI's: its option names, from one registry."""
    for command in COMMANDS.values():
        for field in command.fields:
            for path in field.paths:
                names = "/".join(
                    dict.fromkeys(f"--{f.option}" for f in command.fields if path in f.paths)
                )
                assert option_for(path) == names, (command.name, path)


def test_too_long_a_query_or_too_big_a_body_is_refused_with_json() -> None:
    response = client().get("/api/titrate?protocol=panic-adult&start=" + "1" * MAX_QUERY_BYTES)
    assert response.status_code == 414
    assert response.json()["error"]["field"] == "query"
    response = client().post(
        "/taper",
        content=b"a=" + b"1" * MAX_BODY_BYTES,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "body"


def test_every_response_forbids_framing_and_third_party_content() -> None:
    for path in ("/", "/api/titrate?protocol=panic-adult", "/static/style.css", "/docs"):
        headers = client().get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    assert client().get("/taper").headers["cache-control"] == "no-store"


def test_another_host_name_is_refused() -> None:
    """A page on 127.0.0.1 is not reachable through a rebound DNS name."""
    response = client().get("/", headers={"host": "planner.example.com"})
    assert response.status_code == 400


def test_an_unexpected_error_is_a_500_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("planner.web.jobs.download", broken)
    response = client().get("/api/titrate?protocol=panic-adult&start=2027-01-04&format=csv")
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert "secret" not in response.text
    assert "secret" not in caplog.text, "an error's message may hold a patient's input"
    assert "unexpected RuntimeError in GET /api/titrate" in caplog.text
    assert "in broken" in caplog.text, "where it happened, in the worker process"
    assert "worker_jobs.py" in caplog.text


def test_a_request_past_its_time_limit_is_a_503_and_its_work_is_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from starlette.testclient import TestClient

    from planner.web.app import create_app
    from planner.web.workers import PROCESSES

    monkeypatch.setattr("planner.web.jobs.download", slow)
    killed = PROCESSES.killed
    app = create_app(time_limit=0.5)
    started = time.monotonic()
    response = TestClient(app, base_url="http://127.0.0.1").get(
        "/api/titrate?protocol=panic-adult&start=2027-01-04&format=csv"
    )
    assert response.status_code == 503
    assert "longer than 0.5 seconds" in response.json()["error"]["reason"]
    assert time.monotonic() - started < 5, "the answer did not wait for the work"
    assert PROCESSES.killed == killed + 1, "the work was not stopped"


@pytest.mark.slow
def test_the_access_log_has_no_query_string(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="planner.web.access")
    client().get("/api/titrate?protocol=panic-adult&start=2027-01-04&weight=71&format=csv")
    client().post("/titrate", data={"protocol": "panic-adult", "start": "2027-01-04"})
    lines = [r.getMessage() for r in caplog.records if r.name == "planner.web.access"]
    assert any('"GET /api/titrate" 200' in line for line in lines), lines
    assert any('"POST /titrate" 200' in line for line in lines), lines
    assert not any("2027-01-04" in line or "71" in line.split('"')[-1] for line in lines)


def test_the_api_is_described_in_openapi_and_on_a_page() -> None:
    document = client().get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for name, command in COMMANDS.items():
        parameters = {p["name"] for p in document["paths"][f"/api/{name}"]["get"]["parameters"]}
        assert {f.option for f in command.fields} | {"protocol", "format"} == parameters
    page = client().get("/docs").text
    assert "/api/taper" in page
    assert '<script src="http' not in page, "no CDN"


def test_the_protocols_listing_names_what_the_api_takes() -> None:
    listing = client().get("/api/protocols").json()
    assert {p["id"] for p in listing["protocols"]} == {
        "panic-adult",
        "seizure-adult",
        "seizure-pediatric",
    }
    assert set(listing["commands"]) == set(COMMANDS)


def test_the_form_works_without_javascript() -> None:
    """The page is rendered by the server: a plain form post shows the schedule."""
    form = {"protocol": "panic-adult", "start": "2027-03-01", "from": "2", "pace": "asam"}
    page = client().post("/taper", data=form).text
    assert "Safety checks: 8 of 8 passed" in page
    assert '<table class="steps' in page
    assert "For clinician review and education" in page
    bad = client().post("/taper", data={**form, "from": "abc"})
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.text
    assert "Current dose: &#39;abc&#39; is not a number" in bad.text
    download = client().post("/taper/download", data={**form, "format": "csv"})
    assert download.headers["content-type"] == "text/csv; charset=utf-8"


def test_the_teaching_view_compares_three_paces() -> None:
    page = client().post("/compare", data={"protocol": "panic-adult", "from": "2"}).text
    for pace in ("linear", "proportional", "hyperbolic"):
        assert f"<td>{pace}</td>" in page
    assert "occupancy" in page


def test_a_user_protocol_folder_is_offered_by_id(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from planner.web.app import create_app
    from planner.web.service import load_site

    source = (ROOT / "protocols" / "panic-adult.toml").read_text(encoding="utf-8")
    (tmp_path / "clinic-panic.toml").write_text(
        source.replace('id = "panic-adult"', 'id = "clinic-panic"'), encoding="utf-8"
    )
    app = create_app(load_site(tmp_path))
    test = TestClient(app, base_url="http://127.0.0.1")
    response = test.get("/api/titrate?protocol=clinic-panic&start=2027-01-04&format=plan")
    assert response.status_code == 200, response.text
    assert 'protocol = "clinic-panic.toml"' in response.text


def test_serve_without_the_web_extra_prints_how_to_install_it() -> None:
    code = """
import sys
sys.modules["uvicorn"] = None  # as if the web extra were not installed
from planner.cli import main
sys.argv = ["planner", "serve"]
main()
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "pip install" in result.stderr and "[web]" in result.stderr


def test_the_command_line_does_not_load_the_web_framework() -> None:
    web = "{'starlette', 'uvicorn', 'jinja2'}"
    code = f"import sys, planner.cli; print(sorted({web} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert json.loads(result.stdout.replace("'", '"')) == []


# Options of the command line that are files to write, not inputs: the API's format.
FILE_OPTIONS = {
    "--products",  # a file on the clinician's machine: the page offers bundled products
    "--symptoms",  # a symptom log on the clinician's machine: the page takes no upload yet
    "--csv",
    "--pdf",
    "--plot",
    "--ics",
    "--xlsx",
    "--fhir",
    "--save-plan",
    "--concentration",
    "--concentration-csv",
    "--instructions",
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_api_takes_every_input_option_of_the_command_line(name: str) -> None:
    """A new option on the command line needs its field here too (one registry entry)."""
    from planner.cli import cli

    options = {
        max(param.opts, key=len)
        for param in cli.commands[name].params
        if param.opts and param.opts[0].startswith("--")
    }
    assert options - FILE_OPTIONS == {f"--{field.option}" for field in COMMANDS[name].fields}


def test_a_flag_is_a_ticked_box_or_true() -> None:
    base = "/api/titrate?protocol=panic-adult&start=2027-01-04&age=70"
    assert client().get(base + "&older-adult=maybe").json()["error"]["field"] == "older-adult"
    for value in ("on", "true"):
        response = client().get(f"{base}&older-adult={value}")
        assert response.status_code in (200, 400), response.text


def test_serve_warns_when_other_machines_can_reach_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.web.server import Listening

    served: list[Listening] = []
    monkeypatch.setattr("planner.web.server.serve", lambda listening, **k: served.append(listening))
    result = run("serve", "--host", "0.0.0.0", "--port", "0", "--allow-host", "clinic-pc.local")
    assert result.exit_code == 0, result.output
    assert "warning: 0.0.0.0 is reachable from other machines" in result.stderr
    assert served[0].port != 0
    assert f"http://127.0.0.1:{served[0].port}/" in result.stdout
    quiet = run("serve", "--port", "0")
    assert quiet.stderr == ""
    assert len(served) == 2


def test_the_server_bounds_connections_and_keeps_queries_out_of_its_log() -> None:
    from planner.web.connections import GuardedH11
    from planner.web.server import config, listen

    listening = listen("127.0.0.1", 0)
    try:
        settings = config(listening)
    finally:
        listening.close()
    assert settings.access_log is False
    assert settings.server_header is False
    assert isinstance(settings.http, type) and issubclass(settings.http, GuardedH11)
    assert settings.limit_concurrency is None, "uvicorn's limit answers 503 to everyone"


def test_the_page_shows_every_field_it_cannot_read_at_once() -> None:
    form = {"protocol": "panic-adult", "start": "2027-13-01", "target": "abc", "step": "-1"}
    page = client().post("/titrate", data=form).text
    for field in ("start", "target", "step"):
        assert f'id="field-{field}-error"' in page
    api = client().get("/api/titrate?protocol=panic-adult&start=2027-13-01&target=abc").json()
    assert api["error"]["field"] == "start", "the API reports the first, as the CLI does"


def test_the_plan_file_keeps_the_patients_language(tmp_path: Path) -> None:
    options = [("--start", "2027-03-01"), ("--from", "2"), ("--lang", "es")]
    response = client().get(f"/api/taper?{query('panic-adult', options, 'plan')}")
    assert response.status_code == 200, response.text
    assert response.content == cli_file("taper", "panic-adult", options, "plan", tmp_path)
    assert b'lang = "es"' in response.content


def test_a_page_answers_head_as_it_answers_get() -> None:
    """Found by review: HEAD on a page was taken for a form post (400)."""
    for path in ("/", "/taper"):
        assert client().head(path).status_code == 200
