"""What a request asks of the planner, done with the command line's own functions: the
typed request, ``plan_checked``, and the renderers of ``planner.render.outputs``.

A file format is rendered by ``render_kind`` with the ``OutputOptions`` the command line
builds from the same options, so its bytes are the bytes ``planner taper ... --csv``
writes. Nothing here is asynchronous or knows HTTP: the app runs it in a worker thread.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.api import Checked
from planner.core.files import protocol_files
from planner.core.i18n import language
from planner.domain.protocols import Library, load_library
from planner.errors import InputError, PlannerError
from planner.render.formats import FORMATS as RENDERED
from planner.render.formats import IMAGE_FORMATS
from planner.render.outputs import OutputOptions, check_patient_name, render_kind
from planner.web.commands import Command
from planner.web.inputs import OptionError, Refusal, Values, read_values
from planner.web.judging import judged

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.models import Protocol

# download -> (render kind, image format, media type, file suffix): every format of
# planner.render.formats (the plot once for each image the page offers), then the plan
# file and the JSON the page makes itself.
PAGE_IMAGES = ("png", "svg")
FORMATS: dict[str, tuple[str, str, str, str]] = {
    **{
        name: (name, "", entry.media_type, entry.suffix)
        for name, entry in RENDERED.items()
        if name != "plot"
    },
    **{image: ("plot", image, IMAGE_FORMATS[image], image) for image in PAGE_IMAGES},
    "plan": ("plan", "", "application/toml; charset=utf-8", "plan.toml"),
    "json": ("json", "", "application/json", "json"),
}
# Formats that take up to seconds for a long schedule (a ten-year course: its PNG plot
# 0.3 s, SVG 1 s, workbook 2 s, calendar file 5 s, PDF calendar in large print a minute;
# its JSON 0.2 s, FHIR 0.06 s, CSV 0.01 s): the API makes them on POST only, which no
# other site's link or image can send (``app``).
HEAVY_FORMATS = frozenset(
    name for name, (kind, *_) in FORMATS.items() if kind in RENDERED and RENDERED[kind].heavy
)
# matplotlib's rcParams (the SVG salt) and reportlab's fonts are process-wide: render
# these one at a time, so each file is the bytes the command line writes.
_SHARED_STATE = threading.Lock()
_LOCKED_KINDS = frozenset(name for name, entry in RENDERED.items() if entry.shared_state)


@dataclass(frozen=True)
class Site:
    """The protocols a server offers, by id only: the bundled ones and a user folder's."""

    library: Library
    protocols: dict[str, Path]
    user_ids: frozenset[str] = field(default_factory=frozenset)
    folder: Path | None = None  # the user's folder of protocols: a worker loads it again

    def protocol(self, protocol_id: str) -> Protocol:
        """The protocol of an id; never a path from a request."""
        path = self.protocols.get(protocol_id)
        if path is None:
            known = ", ".join(sorted(self.protocols))
            reason = f"unknown protocol {protocol_id!r}; known protocols: {known}"
            raise OptionError("protocol", reason, invalid=False)
        return self.library.protocol(protocol_id if protocol_id not in self.user_ids else path)

    def reference(self, protocol_id: str) -> str:
        """How a plan file names the protocol: its id, or a user file's path."""
        return str(self.protocols[protocol_id]) if protocol_id in self.user_ids else protocol_id


def load_site(user_folder: Path | None = None) -> Site:
    """The bundled protocols, and a folder of the user's own (each checked now, so a bad
    file is reported when the server starts, not to a clinician)."""
    library = load_library()
    protocols = dict(library.protocols)
    user = protocol_files(user_folder) if user_folder is not None else {}
    taken = sorted(set(user) & set(protocols))
    if taken:
        raise InputError(
            f"{user[taken[0]]}: protocol id {taken[0]!r} is bundled already; rename the file"
        )
    for path in user.values():
        library.protocol(path)
    return Site(library, {**protocols, **user}, frozenset(user), user_folder)


@dataclass(frozen=True)
class Planned:
    """A checked schedule and the options its files are rendered with."""

    command: Command
    protocol_id: str
    checked: Checked
    options: OutputOptions


def plan_for(site: Site, command: Command, raw: Mapping[str, Sequence[str]]) -> Planned:
    """Plan what the form or query asks for; raises ``Refusal`` with every input in
    error, each named by its option, in the order the command line meets them."""
    reading = read_values(command.fields, raw)
    errors: list[PlannerError] = list(reading.errors)
    values = reading.values
    protocol_id = protocol = None
    try:
        protocol_id = protocol_id_of(raw)
        protocol = site.protocol(protocol_id)
    except OptionError as error:
        errors.append(error)
    for option in ("product", "switch-product"):
        _known(values.get(option), site.library.product, option, errors)
    options = _output_options(values, errors)
    if protocol_id is None or protocol is None:
        raise Refusal(errors)
    checked = judged(site.library, protocol, command, values, errors)
    if checked is None or options is None:
        raise Refusal(errors)
    return Planned(command, protocol_id, checked, options)


def protocol_id_of(raw: Mapping[str, Sequence[str]]) -> str:
    """The protocol a request names (an id: the site looks it up, never a path)."""
    given = [text.strip() for text in raw.get("protocol", ()) if text.strip()]
    if not given:
        missing = "Missing argument 'PROTOCOL'."
        raise OptionError("protocol", missing, invalid=False, plain="required")
    return given[-1]


def _known(value: str | None, lookup: Any, option: str, errors: list[PlannerError]) -> None:
    """A product id the library knows, else its error beside the field."""
    if value is None:
        return
    try:
        lookup(value)
    except PlannerError as error:
        errors.append(OptionError(option, error.reason, invalid=False))


def _output_options(values: Values, errors: list[PlannerError]) -> OutputOptions | None:
    """The command line's output settings, after the checks it makes before any work
    (None when one fails: its error is added to ``errors``)."""
    from planner.render.ics import resolve_timezone

    found = len(errors)
    patient = values.get("patient")
    if patient is not None:
        try:
            check_patient_name(patient)
        except InputError as error:
            errors.append(OptionError("patient", error.reason))
    timezone = values.get("tz")
    if timezone is not None:
        try:
            resolve_timezone(timezone)
        except InputError as error:
            errors.append(OptionError("tz", error.reason, invalid=False))
    lang = values.get("lang", "en")
    try:
        language(lang)
    except InputError as error:
        errors.append(OptionError("lang", error.reason, invalid=False))
    if len(errors) > found:
        return None
    return OutputOptions(
        paper=values.get("paper", "letter"),
        patient=patient,
        supply_days=values.get("supply-days", 30),
        timezone=timezone,
        clocks=dict(values.get("dose-time", ())),
        lang=lang,
        large_print=values.get("large-print", False),
    )


def render(site: Site, planned: Planned, format_name: str) -> bytes:
    """One output's bytes: a file the command line writes, the plan file, or JSON."""
    kind, image_format, _, _ = FORMATS[format_name]
    schedule, report = planned.checked
    if kind == "json":
        from planner.render.document import render_json

        return render_json(schedule, report, supply_days=planned.options.supply_days)
    if kind == "plan":
        return plan_file(site, planned)
    try:
        with _SHARED_STATE if kind in _LOCKED_KINDS else contextlib.nullcontext():
            return render_kind(kind, schedule, report, planned.options, image_format=image_format)
    except PlannerError as error:
        if kind == "ics" and error.field is None and planned.options.clocks:
            raise OptionError("dose-time", error.reason, invalid=False) from None
        raise


def plan_file(site: Site, planned: Planned) -> bytes:
    """The plan file ``--save-plan`` writes: bundled protocols by id; a user protocol by
    its file name, for a plan kept in the protocol's folder."""
    from planner.plans import plan_for as plan_of
    from planner.plans import plan_toml

    reference = site.reference(planned.protocol_id)
    saved_to = Path(reference).parent / f"{planned.protocol_id}.plan.toml"
    lang = planned.options.lang
    plan = plan_of(
        planned.checked.schedule,
        protocol=reference,
        saved_to=saved_to,
        lang=lang if lang != "en" else None,
    )
    return plan_toml(plan).encode("utf-8")


def file_name(planned: Planned, format_name: str) -> str:
    return f"{planned.protocol_id}-{planned.command.name}.{FORMATS[format_name][3]}"


def locked_figure(render_figure: Any, *args: Any, **kwargs: Any) -> bytes:
    """A figure rendered while no other thread uses matplotlib's shared settings."""
    with _SHARED_STATE:
        result: bytes = render_figure(*args, **kwargs)
        return result
