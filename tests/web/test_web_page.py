"""The page end to end in a real headless browser: Debian's chromium driven by
Playwright, the form filled by its labels, the table and downloads checked, no console
error, and axe-core's accessibility rules with no serious or critical violation.

Playwright's own browser download cannot work here: ``.ci/run`` installs Debian's
``chromium`` and the tests launch it by path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from playwright.sync_api import expect, sync_playwright
from web_helpers import cli_file, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium (apt-get install chromium)")
    pytest.skip("no chromium on this machine", allow_module_level=True)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        locale="en-US",
    )
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert problems == [], f"console errors: {problems}"


def plan_taper(page: Page, *, open_page: bool = True) -> None:
    if open_page:
        page.goto("/taper")
    page.get_by_label("Start date").fill("2027-03-01")
    page.get_by_label("Current dose").fill("2")
    page.get_by_label("Taper pace").select_option("asam")
    page.get_by_label("Product", exact=True).select_option("us-odt")
    page.get_by_role("button", name="Plan the schedule").click()
    page.get_by_role("heading", name="Safety checks: 8 of 8 passed").wait_for()


def test_a_taper_planned_by_labels_shows_its_table_without_a_reload(page: Page) -> None:
    page.goto("/taper")
    page.evaluate("window.notReloaded = true")
    plan_taper(page, open_page=False)
    assert page.evaluate("window.notReloaded") is True, "the page was reloaded"
    rows = page.locator("table.steps tbody tr")
    assert rows.count() == 19  # 16 doses, three of them split by a review every 3 months
    assert rows.first.locator("td").nth(4).inner_text() == "2 mg"
    assert rows.last.locator("td").nth(3).inner_text() == "stop"
    assert page.get_by_text("For clinician review and education").first.is_visible()
    source = page.locator("figure.plot img").get_attribute("src") or ""
    assert source.startswith("data:image/svg+xml;base64,")
    assert page.get_by_role("heading", name="First month: March 2027").is_visible()


@pytest.mark.parametrize("format_name", ["csv", "pdf", "ics", "plan"])
def test_a_download_is_the_command_lines_file(page: Page, format_name: str, tmp_path: Path) -> None:
    plan_taper(page)
    labels = {
        "csv": "CSV table",
        "pdf": "PDF calendar",
        "ics": "Calendar file",
        "plan": "Plan file",
    }
    with page.expect_download() as download:
        page.get_by_role("button", name=labels[format_name]).click()
    saved = tmp_path / "download"
    download.value.save_as(saved)
    options = [("--start", "2027-03-01"), ("--from", "2"), ("--pace", "asam")]
    options.append(("--product", "us-odt"))
    assert saved.read_bytes() == cli_file("taper", "panic-adult", options, format_name, tmp_path)


def test_an_error_is_shown_beside_its_field_in_the_planners_words(page: Page) -> None:
    page.goto("/titrate")
    page.get_by_label("Start date").fill("2027-01-04")
    page.get_by_label("Target dose").fill("50")
    page.get_by_role("button", name="Plan the schedule").click()
    field = page.get_by_label("Target dose")
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby") or ""
    error = page.locator(f"#{described.split()[-1]}")
    assert "50 mg/day is above the maximum of 4 mg/day" in error.inner_text()
    assert page.locator("#error-summary").evaluate("e => e === document.activeElement")


def test_the_form_works_by_keyboard_alone(page: Page) -> None:
    page.goto("/titrate")
    page.get_by_label("Start date").focus()
    page.keyboard.type("01042027")  # the date input's own fields: month, day, year (en-US)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Safety checks: 8 of 8 passed").wait_for()
    assert page.evaluate("document.activeElement.id") == "results-title"


def test_a_new_protocol_brings_its_hints(page: Page) -> None:
    page.goto("/titrate")
    page.get_by_label("Protocol", exact=True).select_option("seizure-pediatric")
    hint = page.locator("#field-weight-hint")
    expect(hint).to_contain_text("needed: this protocol doses by weight")


def test_the_page_works_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/taper")
    page.get_by_label("Start date").fill("2027-03-01")
    page.get_by_label("Current dose").fill("2")
    page.get_by_role("button", name="Plan the schedule").click()
    page.get_by_role("heading", name="Safety checks: 8 of 8 passed").wait_for()
    context.close()


def test_the_teaching_view_compares_paces(page: Page) -> None:
    page.goto("/compare")
    page.get_by_label("Current dose").fill("2")
    page.get_by_role("button", name="Compare").click()
    for pace in ("linear", "proportional", "hyperbolic"):
        assert page.get_by_role("cell", name=pace, exact=True).is_visible()


@pytest.mark.parametrize("path", ["/taper", "/compare", "/docs"])
def test_no_serious_or_critical_accessibility_violation(page: Page, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    if path == "/taper":
        plan_taper(page)
        page.locator("details summary").click()  # the more options too
    else:
        page.goto(path)
    results = Axe().run(page)
    serious = [
        (v["id"], v["help"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_the_browsers_print_is_a_one_page_summary(page: Page) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    plan_taper(page)
    printed = PdfReader(BytesIO(page.pdf(format="A4")))
    assert len(printed.pages) == 1
    text = printed.pages[0].extract_text()
    assert "Safety checks: 8 of 8 passed" in text
    assert "For clinician review and education" in text
    assert "Plan the schedule" not in text, "the form is not printed"


def test_another_site_cannot_make_the_browser_start_a_download(
    browser: Browser, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A page elsewhere (another origin on this machine, so the browser lets it reach
    loopback at all) that shows a heavy format as an image and posts the download form
    (issue 19): the browser says where the requests come from, and both are refused."""
    import http.server
    import threading

    query = "protocol=panic-adult&start=2027-03-01&from=2"
    attack = f"""<!doctype html><title>elsewhere</title>
      <img src="{base_url}/api/taper?{query}&format=pdf" alt="">
      <form method="post" action="{base_url}/taper/download">
        <input name="protocol" value="panic-adult"><input name="start" value="2027-03-01">
        <input name="from" value="2"><input name="format" value="pdf"></form>""".encode()

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(attack)))
            self.end_headers()
            self.wfile.write(attack)

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.2", 0), Elsewhere) as elsewhere:
        threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
        caplog.set_level("INFO", logger="planner.web.access")
        context = browser.new_context()
        page = context.new_page()
        with page.expect_event("requestfailed"):  # the image: the answer is not for it
            page.goto(f"http://127.0.0.2:{elsewhere.server_address[1]}/")
        log = [r.getMessage() for r in caplog.records if r.name == "planner.web.access"]
        assert any('"GET /api/taper" 403' in line for line in log), log
        with page.expect_response(lambda r: r.url.endswith("/taper/download")) as posted:
            page.evaluate("document.forms[0].submit()")
        assert posted.value.status == 403
        assert "another site" in posted.value.json()["error"]["reason"]
        context.close()
        elsewhere.shutdown()
