"""The revise page in a real browser (Debian's chromium, by Playwright): a chosen plan
file fills the form, its schedule shows, the revision offers the new plan file to
download, errors sit beside their fields, and the page passes axe-core's rules and never
scrolls sideways on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from cli_helpers import ROOT
from playwright.sync_api import expect
from web_helpers import (
    DESKTOP,
    PHONE,
    axe_violations,
    chromium,
    require_chromium,
    serving,
    sideways_scroll,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# A browser: slow. The module's server and chromium are started once, in one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web_revise_page")]

require_chromium()

EXAMPLE = ROOT / "examples/hyperbolic-drops.plan.toml"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_chosen_plan_is_revised_and_downloaded(
    browser: Browser, base_url: str, width: int
) -> None:
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": 900}, accept_downloads=True
    )
    page: Page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/revise")
    page.get_by_label("Choose the plan file").set_input_files(EXAMPLE)
    # The script has read the file (Playwright's own check: a string expression to wait for
    # is evaluated by eval, which the page's Content-Security-Policy refuses)
    expect(page.locator("#field-plan")).not_to_have_value("", timeout=30_000)
    page.get_by_role("button", name="Show its schedule").click()
    page.get_by_role("heading", name="The plan's schedule").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Visit date").fill("2027-05-10")
    page.get_by_label("Change").select_option("hold")
    page.get_by_label("Amount").fill("14")
    page.get_by_label("Reason").fill("anxious since the last cut")
    page.get_by_role("button", name="Revise the plan").click()
    page.get_by_role("heading", name="The revised plan").wait_for()
    assert page.get_by_text("Revised 2027-05-10, version 2: held 14 days").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the new plan file").click()
    assert download.value.suggested_filename == "hyperbolic-drops-v2.plan.toml"
    assert "[[revisions]]" in download.value.path().read_text(encoding="utf-8")
    assert sideways_scroll(page) == 0
    assert axe_violations(page) == []
    assert problems == []
    context.close()


def test_errors_are_shown_beside_their_fields(browser: Browser, base_url: str) -> None:
    """A page of errors is a 400, which the browser's console notes: no console check."""
    context = browser.new_context(base_url=base_url, viewport={"width": PHONE, "height": 900})
    page = context.new_page()
    page.goto("/revise")
    page.locator("#field-plan").fill(EXAMPLE.read_text(encoding="utf-8"))
    page.get_by_label("Visit date").fill("2031-01-01")
    page.get_by_label("Amount").fill("14")
    page.get_by_label("Reason").fill("anxious")
    page.get_by_role("button", name="Revise the plan").click()
    page.locator("#error-summary").wait_for()
    assert (
        page.locator("#field-on-error")
        .inner_text()
        .endswith("after the plan's last day, 2027-12-23")
    )
    assert sideways_scroll(page) == 0
    assert axe_violations(page) == []
    context.close()
