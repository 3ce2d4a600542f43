"""What the page's templates show: the form's fields with their hints, values and errors,
and a planned schedule as the library's document, first month and plot.

Nothing here plans or renders a file: it arranges what ``service`` and the renderers
return for the templates.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planner.core.i18n import SOURCE_LANGUAGE, available_languages
from planner.domain.protocols import load_equivalences
from planner.errors import PlannerError
from planner.render.formats import FORMATS as RENDERED
from planner.web.fields import Field
from planner.web.inputs import OptionError, Problem, Refusal, read_values
from planner.web.service import FORMATS, PAGE_IMAGES, Planned, Site, render

if TYPE_CHECKING:
    from planner.models import Protocol

Raw = Mapping[str, Sequence[str]]
# Downloads offered under a schedule, in the order a clinician reaches for them.
DOWNLOADS = ("pdf", "csv", "ics", "xlsx", "png", "svg", "plan", "json", "fhir")
LABELS = {
    **{name: entry.label for name, entry in RENDERED.items() if name != "plot"},
    **{image: f"Plot ({image.upper()})" for image in PAGE_IMAGES},
    "plan": "Plan file",
    "json": "JSON",
}


@dataclass(frozen=True)
class FieldView:
    """One input as the template draws it."""

    field: Field
    hint: str
    value: str
    error: str | None  # the page's words, led by the field's label
    required: bool  # for the protocol chosen
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return f"field-{self.field.option}"


def field_views(
    site: Site, fields: Sequence[Field], protocol: Protocol, raw: Raw, problems: Sequence[Problem]
) -> list[FieldView]:
    errors: dict[str, list[str]] = {}
    for found in problems:
        for option in found.options:
            errors.setdefault(option, []).append(found.words)
    return [
        FieldView(
            field,
            field.hint(protocol),
            _shown(raw, field),
            " ".join(errors[field.option]) if field.option in errors else None,
            field.required_by(protocol),
            _choices(site, field, protocol),
        )
        for field in fields
    ]


def _shown(raw: Raw, field: Field) -> str:
    """The text the user typed, as typed (several values comma-separated); a language
    code as the list names it (ES is es)."""
    texts = [text.strip() for text in raw.get(field.option, ()) if text.strip()]
    if field.repeatable:
        return ", ".join(texts)
    shown = texts[-1] if texts else ""
    return shown.lower() if field.kind == "language" else shown


def _choices(site: Site, field: Field, protocol: Protocol) -> tuple[tuple[str, str], ...]:
    library = site.library
    if field.kind == "product":
        products = library.products.products
        first = (
            ("", f"Protocol default: {products[protocol.default_product].name}")
            if field.option == "product"
            else ("", "No switch")
        )
        return (first, *((pid, f"{body.name} ({pid})") for pid, body in sorted(products.items())))
    if field.kind == "pace":
        default = library.pace(protocol.default_pace)
        paces = tuple((pid, f"{pid}: {library.pace(pid).title}") for pid in protocol.paces)
        if field.option == "then-pace":
            return (("", "No taper: keep the clonazePAM dose"), *paces)
        return (("", f"Protocol default: {default.id}"), *paces)
    if field.kind in ("drug", "source"):
        table = load_equivalences()
        if field.kind == "drug":
            return tuple((drug, table.drugs[drug].name) for drug in table.from_drugs)
        sources = tuple((source, source) for source in table.figure_sources)
        return (("", f"The table's default: {table.default_source}"), *sources)
    if field.kind == "paper":
        return (("", "Letter (the default)"), ("a4", "A4"))
    if field.kind == "language":
        others = (code for code in available_languages() if code != SOURCE_LANGUAGE)
        source = f"{_language_name(SOURCE_LANGUAGE)} (the default)"
        return (("", source), *((code, _language_name(code)) for code in others))
    return ()


def _language_name(code: str) -> str:
    """'Spanish (español)': in English for the clinician, in its own words for the patient."""
    from babel import Locale

    locale = Locale.parse(code)
    english, own = locale.get_display_name("en") or code, locale.get_display_name(code)
    return english if own in (None, english) else f"{english} ({own})"


def protocol_choices(site: Site) -> list[tuple[str, str]]:
    return [(pid, f"{site.protocol(pid).title} ({pid})") for pid in sorted(site.protocols)]


@dataclass(frozen=True)
class Result:
    """A planned schedule as the page shows it."""

    document: dict[str, Any]
    month: Any
    plot: str  # a data: URI of the SVG plot, the bytes of format=svg
    snapshot: tuple[tuple[str, str], ...]  # the inputs it was planned from, for downloads
    downloads: tuple[tuple[str, str], ...]


def result_view(site: Site, planned: Planned, raw: Raw) -> Result:
    from planner.render.document import schedule_document
    from planner.render.month import first_month

    schedule, report = planned.checked
    svg = render(site, planned, "svg")
    snapshot = tuple(
        (name, text) for name, texts in raw.items() if name != "action" for text in texts if text
    )
    return Result(
        schedule_document(schedule, report, supply_days=planned.options.supply_days),
        first_month(schedule),
        _data_uri(svg),
        snapshot,
        tuple((name, LABELS[name]) for name in DOWNLOADS if name in FORMATS),
    )


@dataclass(frozen=True)
class PaceRow:
    pace: str
    days: int
    reductions: int
    largest_step: str
    stops_from: str


@dataclass(frozen=True)
class Teaching:
    """The teaching view: each pace's summary and the figure, in mg and in occupancy."""

    rows: tuple[PaceRow, ...]
    figure: str  # data: URI of the SVG figure
    ec50: str


def teaching_view(site: Site, raw: Raw) -> Teaching:
    """``planner compare`` for the dose typed: linear, proportional and hyperbolic paces."""
    from planner.core.units import format_mg
    from planner.planning.comparison import compare_paces
    from planner.render.teaching import render_comparison, summarize
    from planner.web.fields import TEACHING
    from planner.web.service import locked_figure, protocol_id_of

    reading = read_values(TEACHING, raw)
    errors: list[PlannerError] = list(reading.errors)
    try:
        protocol_id = protocol_id_of(raw)
        site.protocol(protocol_id)  # an id the site offers, never a path
    except OptionError as error:
        errors.append(error)
    if errors:
        raise Refusal(errors)
    values = reading.values
    compared = compare_paces(
        site.reference(protocol_id),
        from_mg_per_day=values["from"],
        product=values.get("product"),
        start=dt.date.today(),
        ec50_mg_per_day=values.get("ec50"),
        library=site.library,
    )
    svg = locked_figure(
        render_comparison, list(compared.schedules), ec50_mcg=compared.ec50_mcg, image_format="svg"
    )
    rows = []
    for schedule in compared.schedules:
        summary = summarize(schedule, compared.ec50_mcg)
        rows.append(
            PaceRow(
                summary.pace,
                summary.days,
                summary.reductions,
                f"{summary.largest_occupancy_step_points:.1f} points",
                summary.stops_from,
            )
        )
    return Teaching(tuple(rows), _data_uri(svg), format_mg(compared.ec50_mcg))


def _data_uri(svg: bytes) -> str:
    """An SVG as a data: image, drawn in the page with no inline style for the CSP to allow."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
