"""Running the app: the address checked and bound before anything is served (so a port
in use is one line, and ``--port 0`` tells its real port), the host names it answers to,
and uvicorn with our connection limits and without its own access log (it prints query
strings, which hold patient inputs) in favour of the guard's.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import re
import socket
import sys
import threading
import webbrowser
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import uvicorn

from planner.errors import InputError
from planner.web.app import LOOPBACK_HOSTS, TIME_LIMIT_SECONDS, create_app
from planner.web.connections import HEADER_SECONDS, Limits, protocol
from planner.web.service import Site, load_site
from planner.web.workers import PROCESSES, Pool

BACKLOG: Final = 128
WILDCARDS: Final = ("0.0.0.0", "::")  # every address: named by --allow-host
# A host name as DNS writes it (labels of letters, digits and hyphens), or an address.
Address = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]  # getaddrinfo's
HOST_NAME = re.compile(r"(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")


@dataclass(frozen=True)
class Listening:
    """A bound socket, ready to serve: what to print, and the names it answers to."""

    socket: socket.socket
    port: int  # the real one, when 0 was asked for
    url: str
    public: bool  # reachable from other machines
    allowed_hosts: tuple[str, ...]
    site: Site

    def close(self) -> None:
        self.socket.close()


def listen(
    host: str,
    port: int,
    *,
    allow_hosts: Sequence[str] = (),
    protocol_folder: Path | None = None,
) -> Listening:
    """Check the address, the names and the protocols, then bind; every problem is one
    ``InputError`` naming its option, and nothing is served yet."""
    names = [allowed_name(name) for name in allow_hosts]
    bare = host.strip("[]")
    addresses = _addresses(bare, port)
    public = not all(ipaddress.ip_address(address[4][0]).is_loopback for address in addresses)
    if public and not names:
        raise InputError(
            f"--host {host} answers other machines: name each host name they reach it by "
            "with --allow-host NAME (for example --allow-host clinic-pc.local), so that no "
            "other name (DNS rebinding) is served"
        )
    site = load_site(protocol_folder)
    bound = bind(addresses[0], host, port)
    real_port = bound.getsockname()[1]
    answered = [*LOOPBACK_HOSTS, *names]
    if bare not in WILDCARDS:
        answered.append(allowed_name(bare))
    for name in list(answered):  # an IPv6 address comes in a Host header in brackets
        if ":" in name and not name.startswith("["):
            answered.append(f"[{name}]")
    shown = "127.0.0.1" if bare in WILDCARDS else bare
    return Listening(
        bound,
        real_port,
        url_for(shown, real_port),
        public,
        tuple(dict.fromkeys(answered)),
        site,
    )


def allowed_name(text: str) -> str:
    """A host name or address the server answers to: no wildcard, no port."""
    name = text.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    if not HOST_NAME.fullmatch(name) or name.replace(".", "").isdigit():
        raise InputError(
            f"--allow-host {text!r} is not a host name or address (one name each time, "
            "no wildcard or port: --allow-host clinic-pc.local)"
        )
    return name


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def _addresses(host: str, port: int) -> list[Address]:
    """The addresses ``host`` names, IPv4 first (as a browser given 'localhost' tries)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(f"--host {host}: not an address of this machine ({reason})") from None
    return sorted(found, key=lambda info: info[0] != socket.AF_INET)


def bind(address: Address, host: str, port: int) -> socket.socket:
    """A socket listening on ``address`` (``host`` and ``port`` as typed, for errors)."""
    family, kind, number, _, where = address
    bound = socket.socket(family, kind, number)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.bind(where)
        bound.listen(BACKLOG)
    except OSError as error:
        bound.close()
        raise InputError(_bind_problem(error, host, port)) from None
    return bound


def _bind_problem(error: OSError, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"--port {port}: {host} port {port} is in use already (another server?); "
            "choose another --port, or --port 0 for any free one"
        )
    if error.errno == errno.EACCES:
        return (
            f"--port {port}: this user may not listen on it (ports below 1024 need "
            "privileges); choose a port from 1024"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"--host {host}: not an address of this machine"
    return f"--host {host} --port {port}: cannot listen there ({error.strerror})"


def config(
    listening: Listening,
    *,
    limits: Limits | None = None,
    time_limit: float = TIME_LIMIT_SECONDS,
    pool: Pool | None = None,
) -> uvicorn.Config:
    """The server's settings: one process, our connection limits, no access log of
    queries, and uvicorn's own log for warnings only (the guard logs each request)."""
    app = create_app(
        listening.site, allowed_hosts=listening.allowed_hosts, time_limit=time_limit, pool=pool
    )
    return uvicorn.Config(
        app,
        http=protocol(limits),
        access_log=False,
        server_header=False,
        proxy_headers=False,
        limit_concurrency=None,  # connections.MAX_CONNECTIONS, closing stalled ones first
        timeout_keep_alive=int(HEADER_SECONDS),
        lifespan="off",
        log_level="warning",
    )


def serve(listening: Listening, *, open_browser: bool = False) -> None:
    """Serve until Ctrl-C; the guard's access log (method, path, status) on stderr."""
    server = uvicorn.Server(config(listening))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    for name in ("planner.web.access", "planner.web.errors"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    threading.Thread(target=PROCESSES.warm, name="planner-warm", daemon=True).start()
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(listening.url,)).start()
    try:
        server.run(sockets=[listening.socket])
    finally:
        PROCESSES.close()
