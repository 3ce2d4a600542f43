"""What every request and response passes through: size limits, a time limit on the
body, the same-origin check on every POST, security headers, an access log without query
strings (its text escaped), and a last catch that never shows a traceback.

One plain ASGI middleware, so its cost is a few dictionary look-ups per request.
Patient inputs travel in query strings (the API) and form bodies (the page): neither is
ever logged, and every page is ``no-store`` so no cache keeps it.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.requests import ClientDisconnect

from planner.web.workers import WorkerError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_QUERY_BYTES = 4096  # a query holding every option of a taper with 100 edits fits
MAX_PATH_BYTES = 512
MAX_BODY_BYTES = 64 * 1024  # the page's form
BODY_SECONDS = 10.0  # a whole body, from the request's headers: 64 KB at 6.4 KB/s
GONE = 499  # logged for a request whose client left before its answer (nginx's code)
# Safe in a log line: no control character, no quote, nothing outside printable ASCII.
LOG_SAFE = "/:@!$&'()*+,;=-._~[]"
ACCESS = logging.getLogger("planner.web.access")
ERRORS = logging.getLogger("planner.web.errors")

# No framing, nothing from another origin, no referrer to it; inline SVG plots come as data:
# images, so no inline style or script is ever allowed.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # Another site gets no referrer; our own POSTs carry our Origin (with "no-referrer"
    # a browser sends "Origin: null", which the same-origin check cannot tell apart).
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
NO_STORE = (b"cache-control", b"no-store")
UNEXPECTED = "an unexpected error in the planner, not in the input; please report it"
STATIC_CACHE = (b"cache-control", b"public, max-age=3600")


class Guard:
    """Limits, headers, the access log and the last catch, around the whole app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        response_started = False
        static = scope["path"].startswith("/static/")

        async def send_guarded(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"cache-control"
                ]
                headers += [*SECURITY_HEADERS, STATIC_CACHE if static else NO_STORE]
                message["headers"] = headers
            await send(message)

        try:
            refusal = _refusal(scope)
            if refusal is not None:
                await _send_json(send_guarded, *refusal)
            else:
                await self.app(scope, _bounded(receive, started), send_guarded)
        except BodyTooLarge:
            if not response_started:
                await _send_json(send_guarded, *_too_large())
        except BodyTooSlow:
            if not response_started:
                reason = f"the request body did not arrive within {BODY_SECONDS:g} seconds"
                await _send_json(send_guarded, 408, "body", reason, close=True)
        except (Abandoned, ClientDisconnect):
            status = status or GONE  # nobody to answer: the work was stopped
        except Exception as error:  # the last catch: a bug, reported without a traceback
            kind, where = (
                (error.kind, error.where)
                if isinstance(error, WorkerError)
                else (type(error).__name__, "".join(traceback.format_tb(error.__traceback__)))
            )
            ERRORS.error(  # no message: it may hold an input
                "unexpected %s in %s %s\n%s", kind, printable(scope["method"]), _path(scope), where
            )
            if not response_started:
                await _send_json(send_guarded, 500, "internal", UNEXPECTED)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            client = scope.get("client") or ("-", 0)
            ACCESS.info(
                '%s "%s %s" %d %.0fms',
                printable(str(client[0])),
                printable(scope["method"]),
                _path(scope),
                status,
                elapsed,
            )


def printable(text: str) -> str:
    """``text`` for a log line: printable ASCII only, anything else %-escaped, so a path
    cannot start a forged line (CR, LF) or reach a terminal as an escape sequence."""
    return urllib.parse.quote(text, safe=LOG_SAFE)


def _path(scope: Scope) -> str:
    return printable(scope["path"])


def cross_site(scope: Scope) -> str | None:
    """Why a browser's request comes from another site, or None.

    Browsers say where a request comes from: ``Sec-Fetch-Site`` (to a loopback or HTTPS
    server) and ``Origin`` (on every POST). A request that says neither comes from a
    program (curl, clinic software), which no other site can make a browser send.
    """
    headers = dict(scope.get("headers", []))
    site = headers.get(b"sec-fetch-site")
    if site is not None:  # set by the browser alone: no page can change it
        if site in (b"same-origin", b"none"):
            return None
        return f"this request comes from another site (Sec-Fetch-Site: {_shown(site)})"
    origin = headers.get(b"origin")  # "null" from a sandbox, or a page with no-referrer
    if origin is not None:
        netloc = urllib.parse.urlsplit(origin.decode("latin-1")).netloc
        if (
            origin == b"null"
            or netloc.lower() != headers.get(b"host", b"").decode("latin-1").lower()
        ):
            return f"this request comes from another site (Origin: {_shown(origin)})"
    return None


def same_origin(scope: Scope) -> bool:
    """Whether a browser says this request is its own page's, or typed by its user."""
    headers = dict(scope.get("headers", []))
    return headers.get(b"sec-fetch-site") in (b"same-origin", b"none")


def _shown(value: bytes) -> str:
    return printable(value.decode("latin-1"))[:80]


class Abandoned(Exception):
    """The client went away while its work ran; the work was stopped."""


class BodyTooLarge(Exception):
    """A request body larger than ``MAX_BODY_BYTES``."""


class BodyTooSlow(Exception):
    """A request body still incomplete ``BODY_SECONDS`` after its headers."""


def _refusal(scope: Scope) -> tuple[int, str, str] | None:
    """A request refused before the app sees it: too long a path or query, too big a body,
    a POST from another site (every POST plans something)."""
    if scope["method"] not in ("GET", "HEAD"):
        foreign = cross_site(scope)
        if foreign is not None:
            return 403, "origin", f"{foreign}; plan from the planner's own page"
    if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
        return 414, "query", f"the query is longer than {MAX_QUERY_BYTES} bytes"
    if len(scope["path"].encode("utf-8")) > MAX_PATH_BYTES:
        return 414, "path", f"the path is longer than {MAX_PATH_BYTES} bytes"
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return 400, "content-length", "the Content-Length header is not a number"
            if length > MAX_BODY_BYTES:
                return _too_large()
    return None


def _too_large() -> tuple[int, str, str]:
    return 413, "body", f"the request body is larger than {MAX_BODY_BYTES // 1024} KB"


def _bounded(receive: Receive, started: float) -> Receive:
    """``receive`` that stops a body once it passes the size limit (a chunked body has no
    length) or takes longer than ``BODY_SECONDS``; after the body, it waits unbounded
    (for the client to leave: see ``app``)."""
    seen = 0
    complete = False

    async def bounded() -> Message:
        nonlocal seen, complete
        if complete:
            return await receive()
        left = BODY_SECONDS - (time.perf_counter() - started)
        with anyio.move_on_after(left) as waited:
            message = await receive()
        if waited.cancelled_caught:
            raise BodyTooSlow
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise BodyTooLarge
            complete = not message.get("more_body", False)
        else:
            complete = True
        return message

    return bounded


async def _send_json(
    send: Send, status: int, field: str, reason: str, *, close: bool = False
) -> None:
    error = {"field": field, "option": None, "reason": reason, "message": reason}
    body = json.dumps({"error": error}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:  # the rest of the request is not read: the connection cannot carry another
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
