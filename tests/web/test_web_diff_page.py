"""The page comparing two plans in a real browser (Debian's chromium, by Playwright):
both files chosen by their labels fill the form, the comparison shows its table, and
the page passes axe-core's rules and never scrolls sideways on a phone."""

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
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web_diff_page")]

require_chromium()

EXAMPLE = ROOT / "examples/hyperbolic-drops.plan.toml"
HELD = ROOT / "examples/hyperbolic-drops-held.plan.toml"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def page(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": request.param, "height": 900}, locale="en-US"
    )
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert problems == [], f"console errors: {problems}"


def compare_the_examples(page: Page) -> None:
    page.goto("/diff")
    page.get_by_label("Choose the old plan file").set_input_files(EXAMPLE)
    page.get_by_label("Choose the new plan file").set_input_files(HELD)
    # The script has read the file (Playwright's own check: a string expression to wait for
    # is evaluated by eval, which the page's Content-Security-Policy refuses)
    expect(page.locator("#field-new")).not_to_have_value("", timeout=30_000)
    page.get_by_role("button", name="Compare the plans").click()
    page.get_by_role("heading", name="What changes").wait_for()


def test_two_chosen_files_are_compared(page: Page) -> None:
    compare_the_examples(page)
    assert page.get_by_text("First day that differs: 2027-12-02").is_visible()
    assert page.locator("table.periods tbody tr").count() == 3
    assert page.get_by_text(f"{HELD.name}: taper, protocol panic-adult").is_visible()
    assert sideways_scroll(page) == 0


def test_no_accessibility_violation(page: Page) -> None:
    compare_the_examples(page)
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_errors_are_shown_beside_their_plan(browser: Browser, base_url: str, width: int) -> None:
    """A page of errors is a 400, which the browser's console notes: no console check."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto("/diff")
    page.get_by_label("The new plan file's text").fill("kind = 'protocol'\n")
    page.get_by_role("button", name="Compare the plans").click()
    page.locator("#error-summary").wait_for()
    assert page.locator("textarea[aria-invalid='true']").count() == 2
    assert sideways_scroll(page) == 0
    assert axe_violations(page) == []
    context.close()


def test_the_plans_are_pasted_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/diff")
    assert not page.get_by_label("Choose the old plan file").is_visible()
    page.get_by_label("The old plan file's text").fill(EXAMPLE.read_text(encoding="utf-8"))
    page.get_by_label("The new plan file's text").fill(HELD.read_text(encoding="utf-8"))
    page.get_by_role("button", name="Compare the plans").click()
    page.get_by_text("First day that differs: 2027-12-02").wait_for()
    context.close()
