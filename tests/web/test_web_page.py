"""The page end to end in a real headless browser (Debian's chromium driven by
Playwright) at a clinic screen's width and a phone's: the form filled by its labels, the
table and downloads checked, every error at once beside its field, no sideways scrolling
on a phone, no console error, and no violation of axe-core's accessibility rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from playwright.sync_api import expect
from web_helpers import (
    DESKTOP,
    PHONE,
    axe_violations,
    chromium,
    cli_file,
    open_every_fold,
    plan_taper,
    require_chromium,
    serving,
    sideways_scroll,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# A browser: slow. The module's server and chromium are started once, in one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web_page")]

require_chromium()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(params=[DESKTOP], ids=["desktop"])
def page(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Page]:
    """A tab at the width asked for (``indirect`` parametrizing: DESKTOP or PHONE)."""
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": request.param, "height": 900},
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


BOTH_WIDTHS = pytest.mark.parametrize(
    "page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True
)
PHONE_ONLY = pytest.mark.parametrize("page", [PHONE], ids=["phone"], indirect=True)


@BOTH_WIDTHS
def test_a_taper_planned_by_labels_shows_its_table_without_a_reload(page: Page) -> None:
    page.goto("/taper")
    page.evaluate("window.notReloaded = true")
    plan_taper(page, open_page=False)
    assert page.evaluate("window.notReloaded") is True, "the page was reloaded"
    rows = page.locator("table.steps tbody tr")
    assert rows.count() == 19  # 16 doses, three of them split by a review every 3 months
    assert rows.first.locator("td.total").inner_text().endswith("2 mg")
    assert rows.last.locator("td.phase").inner_text() == "stop"
    assert page.get_by_text("For clinician review and education").first.is_visible()
    source = page.locator("figure.plot img").get_attribute("src") or ""
    assert source.startswith("data:image/svg+xml;base64,")
    page.get_by_text("First month: March 2027").click()
    assert page.locator("table.month").is_visible()


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


def error_of(page: Page, label: str) -> str:
    """The error a field's aria-describedby names, as a screen reader reads it out."""
    field = page.get_by_label(label)
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    text = page.locator(f"#{described[-1]}").inner_text()
    return text.removeprefix("Error:").strip()


@BOTH_WIDTHS
def test_every_error_is_shown_at_once_beside_its_field_in_its_labels_words(page: Page) -> None:
    page.goto("/titrate")
    page.get_by_label("Target dose").fill("50")
    page.get_by_role("button", name="Plan the schedule").click()
    assert error_of(page, "Start date") == "Start date: required"
    assert error_of(page, "Target dose") == (
        "Target dose: 50 mg/day is above the maximum of 4 mg/day for this protocol and patient"
    )
    summary = page.locator("#error-summary")
    assert summary.evaluate("e => e === document.activeElement")
    assert summary.get_by_role("link").count() == 2
    assert "--" not in summary.inner_text(), "no option's name on the page"


def test_the_form_works_by_keyboard_alone(page: Page) -> None:
    page.goto("/titrate")
    page.get_by_label("Start date").focus()
    page.keyboard.type("01042027")  # the date input's own fields: month, day, year (en-US)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Safety checks: 8 of 8 passed").wait_for()
    assert page.evaluate("document.activeElement.id") == "results-title"


def test_a_new_protocol_marks_the_fields_it_needs(page: Page) -> None:
    page.goto("/titrate")
    weight = page.get_by_label("Weight (kg)")
    expect(weight).not_to_have_attribute("required", "")
    page.get_by_label("Protocol", exact=True).select_option("seizure-pediatric")
    expect(page.locator("#field-weight-hint")).to_contain_text("this protocol doses by weight")
    expect(page.get_by_label("Weight (kg) (required)")).to_have_attribute("required", "")


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


def show(page: Page, view: str) -> None:
    """A view of the page to check: a planned taper with every fold open, a submit with
    errors, or another page of the site."""
    if view == "planned":
        plan_taper(page)
        page.locator("summary", has_text="More options").click()
        open_every_fold(page)
    elif view == "errors":
        page.goto("/titrate")
        page.get_by_label("Target dose").fill("50")
        page.get_by_role("button", name="Plan the schedule").click()
        page.locator("#error-summary").wait_for()
    else:
        page.goto(view)


@BOTH_WIDTHS
@pytest.mark.parametrize("view", ["planned", "errors", "/compare", "/docs"])
def test_no_accessibility_violation(page: Page, view: str) -> None:
    show(page, view)
    assert axe_violations(page) == []


@PHONE_ONLY
@pytest.mark.parametrize("view", ["planned", "errors", "/switch", "/compare"])
def test_a_phone_never_scrolls_sideways(page: Page, view: str) -> None:
    show(page, view)
    assert sideways_scroll(page) == 0


@PHONE_ONLY
def test_on_a_phone_each_steps_doses_are_stacked_and_the_page_is_short(page: Page) -> None:
    """Each time of day's dose on a line of its own under the step's daily total, all
    within the screen; the long sections folded, so that this taper's page, 18,000 px
    long at 390 px wide before, is under 7,000."""
    plan_taper(page)
    first = page.locator("table.steps tbody tr").first
    total = first.locator("td.total").bounding_box()
    doses = [first.locator("td.dose").nth(index).bounding_box() for index in range(2)]
    assert total is not None and None not in doses
    tops = [total["y"], *(box["y"] for box in doses if box)]
    assert tops == sorted(tops) and len(set(tops)) == 3, "one line each"
    for box in (total, *doses):
        assert box is not None and box["x"] + box["width"] <= PHONE
    assert page.evaluate("document.documentElement.scrollHeight") < 7000


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
