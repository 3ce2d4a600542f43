"""Re-make the README's pictures of the web page: a planned taper at a clinic screen's
width and on a phone, the browser's print of it, and the patient's calendar as it
prints. Needs the web extra, playwright and Debian's chromium.

Run: python examples/web_screenshots.py
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from planner.web.app import create_app

HERE = Path(__file__).resolve().parent


def plan(browser: Browser, base_url: str, width: int, height: int) -> Page:
    """A taper planned on the page at ``width``, for a named patient."""
    page = browser.new_page(viewport={"width": width, "height": height}, base_url=base_url)
    page.goto("/taper")
    page.get_by_label("Start date").fill("2027-03-01")
    page.get_by_label("Current dose").fill("2")
    page.get_by_label("Taper pace").select_option("asam")
    page.get_by_label("Age (years)").fill("45")
    page.locator("summary", has_text="More options").click()
    page.get_by_label("Patient name or id").fill("Zoë Example")
    page.locator("summary", has_text="More options").click()
    page.get_by_role("button", name="Plan the schedule").click()
    page.get_by_role("heading", name="Safety checks: 8 of 8 passed").wait_for()
    return page


def main() -> None:
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    base_url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = plan(browser, base_url, 1280, 1000)
        page.screenshot(path=HERE / "web-page.png")
        with page.context.expect_page() as opened:
            page.get_by_role("button", name="Print the patient's calendar").click()
        calendar = opened.value
        calendar.wait_for_load_state()
        calendar.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape, 96 dpi
        calendar.emulate_media(media="print")
        calendar.locator(".month-page").first.screenshot(path=HERE / "web-calendar.png")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.screenshot(path=HERE / "web-print.png", full_page=True)
        phone = plan(browser, base_url, 390, 844)
        # The print button, then the steps stacked, each dose on its own line.
        phone.evaluate("document.getElementById('downloads-title').scrollIntoView()")
        phone.screenshot(path=HERE / "web-phone.png")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
