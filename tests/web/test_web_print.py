"""The patient's calendar printed from the page in a real browser (Debian's chromium):
one click from a planned schedule, with or without a script; each month on a printed
page of its own; readable on a phone without sideways scrolling; no accessibility
violation at either width."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from pypdf import PdfReader
from web_helpers import (
    DESKTOP,
    PHONE,
    axe_violations,
    chromium,
    plan_taper,
    require_chromium,
    serving,
    sideways_scroll,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# A browser: slow. The module's server and chromium are started once, in one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web_print")]

require_chromium()

# ASAM's pace from 2 mg/day in Klonopin tablets, from 1 March 2027: it ends in October.
MONTHS = ["March", "April", "May", "June", "July", "August", "September", "October"]
MESES = ["Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre"]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def printed_calendar(
    browser: Browser,
    base_url: str,
    *,
    width: int = DESKTOP,
    script: bool = True,
    more: dict[str, str] | None = None,
) -> Page:
    """The calendar's tab, opened by one click on a planned taper's page."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": 900}, java_script_enabled=script
    )
    page = context.new_page()
    plan_taper(page, product="us-tablet", more=more)
    with context.expect_page() as opened:
        page.get_by_role("button", name="Print the patient's calendar").click()
    calendar = opened.value
    calendar.wait_for_load_state()
    return calendar


def test_one_click_opens_the_patients_calendar_with_the_name(
    browser: Browser, base_url: str
) -> None:
    calendar = printed_calendar(browser, base_url, more={"Patient name or id": "Zoë Example"})
    headings = calendar.get_by_role("heading", level=2).all_inner_texts()
    assert headings == [f"{month} 2027" for month in MONTHS]
    assert calendar.get_by_text("Patient: Zoë Example").count() == len(MONTHS)
    assert calendar.get_by_text("For clinician review and education.").count() >= len(MONTHS)
    assert calendar.get_by_role("button", name="Print the calendar").is_visible()
    calendar.context.close()


def test_the_calendar_opens_without_a_script_too(browser: Browser, base_url: str) -> None:
    calendar = printed_calendar(browser, base_url, script=False)
    assert calendar.get_by_role("heading", name="March 2027").is_visible()
    assert not calendar.get_by_role("button", name="Print the calendar").is_visible()
    calendar.context.close()


@pytest.mark.parametrize(("lang", "titles"), [("", MONTHS), ("es", MESES)], ids=["en", "es"])
def test_each_month_prints_on_a_landscape_page_of_its_own(
    browser: Browser, base_url: str, lang: str, titles: list[str]
) -> None:
    calendar = printed_calendar(browser, base_url, more={"Patient's language": lang})
    pdf = PdfReader(BytesIO(calendar.pdf(prefer_css_page_size=True, print_background=True)))
    calendar.context.close()
    assert len(pdf.pages) == len(titles)
    for page, title in zip(pdf.pages, titles, strict=True):
        assert page.extract_text().startswith(title), title
        assert page.mediabox.width > page.mediabox.height, "landscape"
        assert "dose-planner" not in page.extract_text().split("\n")[0], "not the page's header"


# Landscape pages in PDF points: letter is 11 x 8.5 in, A4 297 x 210 mm.
PAPERS = {"letter": (792, 612), "a4": (842, 595)}


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_the_calendar_prints_on_the_paper_asked_for(
    browser: Browser, base_url: str, paper: str
) -> None:
    chosen = {"Paper size": paper} if paper != "letter" else None  # letter: the default
    calendar = printed_calendar(browser, base_url, more=chosen)
    pdf = PdfReader(BytesIO(calendar.pdf(prefer_css_page_size=True)))
    calendar.context.close()
    for page in pdf.pages:
        size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        assert size == PAPERS[paper]


def test_large_print_takes_more_pages_a_week_at_a_time(browser: Browser, base_url: str) -> None:
    """12 pt words, as the PDF's large print: more pages than months, each starting with
    a month's title or a whole week (never a day cut in two)."""
    calendar = printed_calendar(browser, base_url, more={"Large print": "on"})
    size = calendar.evaluate("getComputedStyle(document.querySelector('table.calendar')).fontSize")
    calendar.emulate_media(media="print")
    printed = calendar.evaluate(
        "getComputedStyle(document.querySelector('table.calendar')).fontSize"
    )
    pdf = PdfReader(BytesIO(calendar.pdf(prefer_css_page_size=True)))
    calendar.context.close()
    assert printed == "16px" and size != printed  # 12 pt in print
    assert len(pdf.pages) > len(MONTHS)


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_calendar_has_no_accessibility_violation(
    browser: Browser, base_url: str, width: int
) -> None:
    calendar = printed_calendar(browser, base_url, width=width)
    assert axe_violations(calendar) == []
    calendar.context.close()


def test_on_a_phone_the_calendar_is_a_list_of_days_without_sideways_scrolling(
    browser: Browser, base_url: str
) -> None:
    calendar = printed_calendar(browser, base_url, width=PHONE)
    assert sideways_scroll(calendar) == 0
    first, second = calendar.locator("table.calendar td:not(.outside)").all()[:2]
    one, two = first.bounding_box(), second.bounding_box()
    assert one is not None and two is not None
    assert two["y"] >= one["y"] + one["height"], "each day under the one before"
    assert "Monday" in first.inner_text(), "its weekday beside its date"
    calendar.context.close()
