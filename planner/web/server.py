"""Running the app: uvicorn on one address, with its own access log turned off (it
prints query strings, which hold patient inputs) in favour of the guard's."""

from __future__ import annotations

import ipaddress
import logging
import sys
import threading
import webbrowser
from pathlib import Path

import uvicorn

from planner.web.app import LOOPBACK_HOSTS, create_app
from planner.web.service import load_site

MAX_CONNECTIONS = 64  # beyond this, uvicorn answers 503 at once
KEEP_ALIVE_SECONDS = 5


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    return f"http://{shown}:{port}/"


def config(host: str, port: int, protocol_folder: Path | None) -> uvicorn.Config:
    """The server's settings: one process, bounded connections, no access log of queries."""
    site = load_site(protocol_folder)
    hosts = list(LOOPBACK_HOSTS) if is_loopback(host) else ["*"]
    return uvicorn.Config(
        create_app(site, allowed_hosts=hosts),
        host=host,
        port=port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        log_level="info",
    )


def serve(
    host: str, port: int, *, open_browser: bool = False, protocol_folder: Path | None = None
) -> None:
    """Serve until Ctrl-C; the guard's access log (method, path, status) on stderr."""
    server = uvicorn.Server(config(host, port, protocol_folder))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    for name in ("planner.web.access", "planner.web.errors"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    if open_browser:
        url = url_for(host, port)
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    server.run()
