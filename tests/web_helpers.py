"""The web app for tests: in process (Starlette's test client) and on a loopback port
(uvicorn in a thread), and the command line's files for the same options."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from cli_helpers import run
from starlette.testclient import TestClient

from planner.web.app import create_app

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
def serving() -> Iterator[str]:
    """The app on an ephemeral loopback port, in a thread; yields its base URL."""
    config = uvicorn.Config(
        create_app(), host="127.0.0.1", port=0, access_log=False, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
