"""The web front end: a page for clinicians and an HTTP API, over the command line's own
library calls (see ``service``). Starlette routes; every planning call runs in a worker
thread, bounded in time; every error is the planner's own words beside its field.

    GET  /                      the page (titrate); /taper, /course: the other commands
    POST /{command}             plan the form; the page again with the schedule or errors
    POST /{command}/download    one file of the schedule shown (the same inputs)
    GET/POST /compare           the teaching view: paces side by side
    GET  /api/{command}?protocol=ID&<options>&format=csv|pdf|ics|xlsx|png|svg|plan|json|fhir
    GET  /api/protocols         the protocols, products and paces offered
    GET  /openapi.json, /docs   the API described
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from planner import __version__
from planner.errors import PlannerError
from planner.web.commands import COMMANDS, Command
from planner.web.fields import TEACHING, Field
from planner.web.guard import Guard
from planner.web.inputs import Problem, problem
from planner.web.openapi import openapi, operations
from planner.web.pages import field_views, protocol_choices, result_view, teaching_view
from planner.web.service import FORMATS, Site, file_name, load_site, plan_for, render
from planner.wording import DISCLAIMER

T = TypeVar("T")
Raw = dict[str, list[str]]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
TIME_LIMIT_SECONDS = 30.0  # one request's planning and rendering; then 503
WORKERS = 4  # planning threads; more would only share the same two cores
DEFAULT_PROTOCOL = "panic-adult"


def create_app(
    site: Site | None = None,
    *,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    time_limit: float = TIME_LIMIT_SECONDS,
) -> Starlette:
    """The app over ``site``'s protocols; answers only requests for ``allowed_hosts``
    (a page on 127.0.0.1 is not reachable through another name: no DNS rebinding)."""
    web = _Web(site or load_site(), time_limit)
    static = Path(__file__).parent / "static"
    routes = [
        Route("/", web.page, methods=["GET", "POST"]),
        Route("/compare", web.compare, methods=["GET", "POST"]),
        Route("/docs", web.docs),
        Route("/openapi.json", web.openapi_json),
        Route("/api/protocols", web.api_protocols),
        Route("/api/{command}", web.api),
        Route("/{command}/download", web.download, methods=["POST"]),
        Route("/{command}", web.page, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    middleware = [
        Middleware(Guard),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
    ]
    return Starlette(routes=routes, middleware=middleware)


class _Web:
    """The endpoints, sharing the site, the templates and the worker threads."""

    def __init__(self, site: Site, time_limit: float) -> None:
        self.site = site
        self.time_limit = time_limit
        self.workers = anyio.CapacityLimiter(WORKERS)
        self.templates = Environment(
            loader=PackageLoader("planner.web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(
            disclaimer=DISCLAIMER, version=__version__, commands=list(COMMANDS.values())
        )
        ids = sorted(site.protocols)
        self.default_protocol = DEFAULT_PROTOCOL if DEFAULT_PROTOCOL in ids else ids[0]

    async def work(self, function: Callable[..., T], *args: Any) -> T:
        """``function`` in a worker thread, given at most ``time_limit`` seconds."""
        with anyio.fail_after(self.time_limit):
            return await anyio.to_thread.run_sync(
                functools.partial(function, *args), limiter=self.workers, abandon_on_cancel=True
            )

    # --- the page -----------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        command = COMMANDS.get(request.path_params.get("command", "titrate"))
        if command is None:
            return self.html("missing.html", {"title": "Not found"}, 404)
        if request.method in ("GET", "HEAD"):
            raw = {"protocol": _query(request).get("protocol", [self.default_protocol])}
            return self.form(request, command, raw, [], None)
        raw = _form(await request.body())
        raw.setdefault("protocol", [self.default_protocol])
        if raw.get("action", [""])[-1] == "refresh":
            return self.form(request, command, raw, [], None)
        try:
            result = await self.work(self.planned_view, command, raw)
        except PlannerError as error:
            return self.form(request, command, raw, _problems(error, command.fields), None)
        except TimeoutError:
            return self.form(request, command, raw, [_late(self.time_limit)], None, 503)
        return self.form(request, command, raw, [], result)

    def planned_view(self, command: Command, raw: Raw) -> Any:
        return result_view(self.site, plan_for(self.site, command, raw), raw)

    def form(
        self,
        request: Request,
        command: Command,
        raw: Raw,
        problems: list[Problem],
        result: Any,
        status: int | None = None,
    ) -> Response:
        protocol_id = raw["protocol"][-1]
        if protocol_id not in self.site.protocols:
            problems = [*problems, problem(_unknown_protocol(self.site, protocol_id), ())]
            protocol_id = self.default_protocol
        context = {
            "title": f"{command.title}: clonazePAM schedule",
            "command": command,
            "protocols": protocol_choices(self.site),
            "protocol_id": protocol_id,
            "fields": field_views(
                self.site, command.fields, self.site.protocol(protocol_id), raw, problems
            ),
            "problems": problems,
            "general": [p for p in problems if p.option is None or p.option == "protocol"],
            "result": result,
        }
        if request.headers.get("x-planner-partial") == "1":
            # The script swaps this part in; the errors in it are content, not a failure.
            return self.html("work.html", context, status or 200)
        return self.html("page.html", context, status or (400 if problems else 200))

    async def download(self, request: Request) -> Response:
        command = COMMANDS.get(request.path_params["command"])
        if command is None:
            return self.html("missing.html", {"title": "Not found"}, 404)
        raw = _form(await request.body())
        raw.setdefault("protocol", [self.default_protocol])
        format_name = raw.get("format", ["pdf"])[-1]
        try:
            return await self.work(self.file, command, raw, format_name)
        except PlannerError as error:
            return self.form(request, command, raw, [problem(error, command.fields)], None)
        except TimeoutError:
            return self.form(request, command, raw, [_late(self.time_limit)], None, 503)

    def file(self, command: Command, raw: Raw, format_name: str) -> Response:
        """One output as a response: a download, or JSON shown inline."""
        if format_name not in FORMATS:
            from planner.web.inputs import OptionError

            choices = ", ".join(repr(name) for name in FORMATS)
            raise OptionError("format", f"{format_name!r} is not one of {choices}.")
        planned = plan_for(self.site, command, raw)
        body = render(self.site, planned, format_name)
        media_type = FORMATS[format_name][2]
        disposition = "inline" if format_name == "json" else "attachment"
        name = file_name(planned, format_name)
        headers = {"content-disposition": f'{disposition}; filename="{name}"'}
        return Response(body, media_type=media_type, headers=headers)

    async def compare(self, request: Request) -> Response:
        raw = _form(await request.body()) if request.method == "POST" else _query(request)
        raw.setdefault("protocol", [self.default_protocol])
        problems: list[Problem] = []
        teaching = None
        if request.method == "POST":
            try:
                teaching = await self.work(teaching_view, self.site, raw)
            except PlannerError as error:
                problems = _problems(error, TEACHING)
            except TimeoutError:
                problems = [_late(self.time_limit)]
        protocol_id = raw["protocol"][-1]
        if protocol_id not in self.site.protocols:
            protocol_id = self.default_protocol
        context = {
            "title": "Compare taper paces (teaching)",
            "protocols": protocol_choices(self.site),
            "protocol_id": protocol_id,
            "fields": field_views(
                self.site, TEACHING, self.site.protocol(protocol_id), raw, problems
            ),
            "problems": problems,
            "general": [p for p in problems if p.option is None or p.option == "protocol"],
            "teaching": teaching,
        }
        return self.html("compare.html", context, 400 if problems else 200)

    # --- the API ------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        command = COMMANDS.get(request.path_params["command"])
        if command is None:
            known = ", ".join(COMMANDS)
            reason = f"unknown command {request.path_params['command']!r}; commands: {known}"
            return _error(404, Problem(None, "command", reason, reason))
        raw = _query(request)
        format_name = raw.get("format", ["json"])[-1] or "json"
        try:
            return await self.work(self.file, command, raw, format_name)
        except PlannerError as error:
            return _error(400, problem(error, command.fields))
        except TimeoutError:
            return _error(503, _late(self.time_limit))

    async def api_protocols(self, request: Request) -> Response:
        del request
        library = self.site.library
        protocols = [self.site.protocol(pid) for pid in sorted(self.site.protocols)]
        return JSONResponse(
            {
                "protocols": [
                    {
                        "id": pid,
                        "title": protocol.title,
                        "version": protocol.version,
                        "population": protocol.population.description,
                        "default_product": protocol.default_product,
                        "default_pace": protocol.default_pace,
                        "paces": list(protocol.paces),
                        "by_weight": protocol.by_weight,
                    }
                    for pid, protocol in zip(sorted(self.site.protocols), protocols, strict=True)
                ],
                "products": [
                    {"id": pid, "name": body.name}
                    for pid, body in sorted(library.products.products.items())
                ],
                "paces": [
                    {"id": pid, "title": library.pace(pid).title}
                    for pid in sorted(library.paces.paces)
                ],
                "commands": list(COMMANDS),
                "formats": list(FORMATS),
            }
        )

    async def openapi_json(self, request: Request) -> Response:
        del request
        return JSONResponse(openapi(sorted(self.site.protocols)))

    async def docs(self, request: Request) -> Response:
        del request
        document = openapi(sorted(self.site.protocols))
        context = {"title": "HTTP API", "operations": operations(document), "api": document}
        return self.html("docs.html", context)

    def html(self, template: str, context: dict[str, Any], status: int = 200) -> Response:
        body = self.templates.get_template(template).render(context)
        return HTMLResponse(body, status_code=status)


def _query(request: Request) -> Raw:
    return _parsed(request.scope.get("query_string", b"").decode("latin-1"))


def _form(body: bytes) -> Raw:
    return _parsed(body.decode("utf-8", errors="replace"))


def _parsed(text: str) -> Raw:
    """Fields of a query or form ('+' is a space, as a browser sends it); the guard has
    bounded the text already."""
    return urllib.parse.parse_qs(text, keep_blank_values=True)


def _problems(error: PlannerError, fields: Sequence[Field]) -> list[Problem]:
    """Every field the form got wrong, for the page (the API reports the first)."""
    return [problem(found, fields) for found in [error, *getattr(error, "also", [])]]


def _unknown_protocol(site: Site, protocol_id: str) -> PlannerError:
    try:
        site.protocol(protocol_id)
    except PlannerError as error:
        return error
    raise AssertionError(protocol_id)


def _late(seconds: float) -> Problem:
    reason = f"planning took longer than {seconds:g} seconds; try again"
    return Problem(None, None, reason, reason)


def _error(status: int, found: Problem) -> Response:
    return JSONResponse({"error": found.as_json()}, status_code=status)
