"""The web app for tests: in process (Starlette's test client) and on a loopback port
(uvicorn in a thread), the command line's files for the same options, and a real
browser to drive the page with (Debian's chromium, through Playwright)."""

from __future__ import annotations

import os
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from cli_helpers import run
from starlette.testclient import TestClient

from planner.web.app import create_app
from planner.web.server import config, listen
from planner.web.workers import PROCESSES

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Playwright's own browser download cannot work here: .ci/run installs Debian's chromium
# and the tests launch it by path.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The widths the page is tested at: a clinic screen, and a phone.
DESKTOP, PHONE = 1280, 390

# The CLI's output option for each API format (png and svg are --plot with that suffix).
CLI_OUTPUT = {
    "csv": ("--csv", "out.csv"),
    "pdf": ("--pdf", "out.pdf"),
    "ics": ("--ics", "out.ics"),
    "xlsx": ("--xlsx", "out.xlsx"),
    "png": ("--plot", "out.png"),
    "svg": ("--plot", "out.svg"),
    "plan": ("--save-plan", "out.plan.toml"),
}


def client() -> TestClient:
    return TestClient(create_app(), base_url="http://127.0.0.1")


def query(protocol: str, options: list[tuple[str, str]], format_name: str) -> str:
    """An API query from CLI-style options: ("--from", "2") -> from=2."""
    pairs = [("protocol", protocol), *((o.removeprefix("--"), v) for o, v in options)]
    return urllib.parse.urlencode([*pairs, ("format", format_name)])


def cli_file(
    command: str, protocol: str, options: list[tuple[str, str]], format_name: str, folder: Path
) -> bytes:
    """The bytes ``planner COMMAND PROTOCOL OPTIONS --<format> FILE`` writes."""
    option, name = CLI_OUTPUT[format_name]
    path = folder / name
    args = [command, protocol, *(word for pair in options for word in pair), option, str(path)]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return path.read_bytes()


@contextmanager
def serving(**settings: Any) -> Iterator[str]:
    """The app as ``planner serve`` runs it (its connection limits, worker processes),
    on an ephemeral loopback port, in a thread; yields its base URL. ``settings`` go to
    ``planner.web.server.config`` (``limits``, ``time_limit``, ``pool``)."""
    PROCESSES.warm(2)  # as planner serve does: the first request finds a worker ready
    listening = listen("127.0.0.1", 0)
    server = uvicorn.Server(config(listening, **settings))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening.socket]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listening.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()


def require_chromium() -> None:
    """Skip the calling module where there is no chromium (CI must have it)."""
    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (apt-get install chromium)")
        pytest.skip("no chromium on this machine", allow_module_level=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()


def plan_taper(
    page: Page,
    *,
    open_page: bool = True,
    product: str = "us-odt",
    more: dict[str, str] | None = None,
) -> None:
    """A 2 mg/day taper at ASAM's pace from 1 March 2027 planned on the page by its
    labels; ``more`` fills fields of "More options" by label (``{"Patient name or id":
    "Zoë Example"}``)."""
    if open_page:
        page.goto("/taper")
    page.get_by_label("Start date").fill("2027-03-01")
    page.get_by_label("Current dose").fill("2")
    page.get_by_label("Taper pace").select_option("asam")
    page.get_by_label("Product", exact=True).select_option(product)
    if more:
        page.locator("summary", has_text="More options").click()
        for label, value in more.items():
            field = page.get_by_label(label, exact=True)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            elif field.get_attribute("type") == "checkbox":
                field.set_checked(value == "on")
            else:
                field.fill(value)
    page.get_by_role("button", name="Plan the schedule").click()
    page.get_by_role("heading", name="Safety checks: 8 of 8 passed").wait_for()


def open_every_fold(page: Page) -> None:
    """Every <details> open: what a reader may unfold is checked too."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


def sideways_scroll(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    width: int = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )
    return max(width, 0)


def axe_violations(page: Page) -> list[tuple[str, str, int]]:
    """axe-core's violations of every impact: rule, help and how many elements."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["help"], len(v["nodes"])) for v in results.response["violations"]]
