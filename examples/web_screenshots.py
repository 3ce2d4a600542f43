"""Re-make the README's pictures of the web page: the page with a planned taper, and
the browser's print of it. Needs the web extra, playwright and Debian's chromium.

Run: python examples/web_screenshots.py
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from planner.web.app import create_app

HERE = Path(__file__).resolve().parent


def main() -> None:
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1400, "height": 1050})
        page.goto(f"http://127.0.0.1:{port}/taper")
        page.get_by_label("Start date").fill("2027-03-01")
        page.get_by_label("Current dose").fill("2")
        page.get_by_label("Taper pace").select_option("asam")
        page.get_by_label("Product", exact=True).select_option("us-odt")
        page.get_by_label("Age (years)").fill("45")
        page.get_by_role("button", name="Plan the schedule").click()
        page.get_by_role("heading", name="Safety checks: 8 of 8 passed").wait_for()
        page.screenshot(path=HERE / "web-page.png")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.screenshot(path=HERE / "web-print.png", full_page=True)
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
