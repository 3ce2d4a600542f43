"""The HTTP API described as OpenAPI 3.1, made from the same command registry the
endpoints read, so the description cannot drift from what the API takes; and the
listing of what the server offers (``/api/protocols``).

``/docs`` shows it as a plain page served by the app itself: an interactive viewer would
load scripts from a CDN, which a clinic machine offline cannot reach and the page's
Content-Security-Policy forbids.
"""

from __future__ import annotations

from typing import Any

from planner import __version__
from planner.core.wording import DISCLAIMER
from planner.web.commands import COMMANDS, Command
from planner.web.fields import Field
from planner.web.plan_diff import OPERATION as DIFF_OPERATION
from planner.web.service import FORMATS, HEAVY_FORMATS, Site

EXAMPLES = {
    "titrate": "/api/titrate?protocol=panic-adult&start=2027-01-04&format=csv",
    "taper": (
        "/api/taper?protocol=panic-adult&start=2027-03-01&from=2&pace=asam&product=us-odt"
        "&format=csv"
    ),
    "course": "/api/course?protocol=panic-adult&start=2027-01-04&target=2&maintain=180",
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "date": {"type": "string", "format": "date"},
    "dates": {"type": "string", "format": "date"},
    "number": {"type": "string", "pattern": r"^\d*\.?\d+$", "description": "exact decimal"},
    "whole": {"type": "integer"},
    "flag": {"type": "boolean"},
    "pauses": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}:\d+$"},
    "clocks": {"type": "string", "pattern": r"^[a-z_]+=\d{2}:\d{2}$"},
    "old_doses": {"type": "string", "pattern": r"^[a-z_]+=\d+(\.\d+)?$"},
    "paper": {"type": "string", "enum": ["letter", "a4"]},
    "language": {"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "in any case"},
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "field": {"type": ["string", "null"], "description": "the input it concerns"},
                "option": {"type": ["string", "null"], "description": "the CLI option: --from"},
                "reason": {"type": "string"},
                "message": {"type": "string", "description": "the CLI's error line"},
            },
        }
    },
}
MEDIA_TYPES = {name: media.split(";")[0] for name, (_, _, media, _) in FORMATS.items()}


def openapi(protocol_ids: list[str]) -> dict[str, Any]:
    """The API's OpenAPI document; ``protocol_ids`` are the ids this server offers."""
    paths: dict[str, Any] = {
        f"/api/{command.name}": {
            "get": _operation(command, protocol_ids, "get"),
            "post": _operation(command, protocol_ids, "post"),
        }
        for command in COMMANDS.values()
    }
    paths["/api/diff"] = {"post": DIFF_OPERATION}
    paths["/api/protocols"] = {
        "get": {
            "operationId": "protocols",
            "summary": "The protocols, products and paces this server offers.",
            "responses": {"200": {"description": "a JSON listing"}},
        }
    }
    from planner.web.revise import OPERATION as REVISE  # here: merges beside /api/diff

    paths["/api/revise"] = {"post": REVISE}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "dose-planner",
            "version": __version__,
            "description": (
                "Day-by-day clonazePAM titration and taper schedules, from the planner's "
                "reviewed protocols; each option is the command line's long option, without "
                f"the dashes. A file is the bytes the command line writes. {DISCLAIMER}"
            ),
        },
        "paths": paths,
        "components": {"schemas": {"Error": ERROR}},
    }


def _operation(command: Command, protocol_ids: list[str], method: str) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    heavy = ", ".join(name for name in FORMATS if name in HEAVY_FORMATS)
    if method == "get":
        description = (
            f"As `planner {command.name} PROTOCOL ...`. Example: "
            f"`{EXAMPLES.get(command.name, '/api/' + command.name)}`. The formats that take "
            f"seconds for a long schedule ({heavy}) are made on POST only, so that another "
            "site's link or image cannot start them (a GET of one is a 405, unless the "
            "browser says it is the server's own page or typed by its user)."
        )
    else:
        description = (
            f"As GET, for every format ({', '.join(FORMATS)}): the parameters in the query, "
            "or in a form body (application/x-www-form-urlencoded), or both. A request a "
            "browser sends from another site is refused (403)."
        )
    parameters = [
        {
            "name": "protocol",
            "in": "query",
            "required": method == "get",
            "description": "a protocol id (never a path)",
            "schema": {"type": "string", "enum": protocol_ids},
        },
        *(_parameter(field, method == "get") for field in command.fields),
        {
            "name": "format",
            "in": "query",
            "description": "json (default): the schedule, safety report and warnings; "
            "else the file the command line writes",
            "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
        },
    ]
    operation: dict[str, Any] = {
        "operationId": command.name if method == "get" else f"{command.name}_post",
        "summary": command.summary,
        "description": description,
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "the schedule, or one of its files",
                "content": {media: {} for media in dict.fromkeys(MEDIA_TYPES.values())},
            },
            "400": {"description": "an input the planner refuses, named", **error},
            "403": {"description": "a browser's request from another site", **error},
            "413": {"description": "the request body is too large", **error},
            "414": {"description": "the query is too long", **error},
            "429": {"description": "too many requests of this client waiting", **error},
            "503": {"description": "planning took too long, and was stopped", **error},
            "500": {"description": "a bug in the planner (no details)", **error},
        },
    }
    if method == "get":
        operation["responses"]["405"] = {"description": f"GET of {heavy}: use POST", **error}
    else:
        operation["responses"]["408"] = {"description": "the body came too slowly", **error}
        operation["responses"]["415"] = {"description": "a body that is not a form", **error}
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {item["name"]: item["schema"] for item in parameters},
                        "required": ["protocol"],
                    },
                    "encoding": {
                        item["name"]: {"style": "form", "explode": True}
                        for item in parameters
                        if item["schema"].get("type") == "array"
                    },
                }
            },
        }
    return operation


def _parameter(field: Field, required: bool) -> dict[str, Any]:
    schema: dict[str, Any] = dict(SCHEMAS.get(field.kind, {"type": "string"}))
    if field.kind == "whole":
        schema.update(
            {k: v for k, v in (("minimum", field.low), ("maximum", field.high)) if v is not None}
        )
    unit = f" ({field.unit})" if field.unit else ""
    parameter: dict[str, Any] = {
        "name": field.option,
        "in": "query",
        "required": field.required and required,
        "description": f"{field.label}{unit}; as --{field.option}",
        "schema": {"type": "array", "items": schema} if field.repeatable else schema,
    }
    if field.repeatable:
        parameter.update({"style": "form", "explode": True})
    return parameter


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's operations, flattened for the /docs page."""
    return [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def offered(site: Site) -> dict[str, Any]:
    """What ``/api/protocols`` lists: the protocols, products and paces this server offers,
    its commands and formats."""
    library = site.library
    protocols = [(pid, site.protocol(pid)) for pid in sorted(site.protocols)]
    return {
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
            for pid, protocol in protocols
        ],
        "products": [
            {"id": pid, "name": body.name}
            for pid, body in sorted(library.products.products.items())
        ],
        "paces": [
            {"id": pid, "title": library.pace(pid).title} for pid in sorted(library.paces.paces)
        ],
        "commands": list(COMMANDS),
        "formats": list(FORMATS),
    }
