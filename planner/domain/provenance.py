"""Where an output came from: protocol, product, inputs, program, and a short fingerprint.

Every output carries these lines, so a printout or a file can be traced back to the
command that made it. The fingerprint hashes the content of every data file read (the
protocol, products and paces files, and the equivalences for a switch), the normalised
request and the program's version: the same inputs always give the same fingerprint,
however they were given, and a change to any of them changes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from planner import __version__
from planner.core.units import format_decimal, format_mg
from planner.core.wording import DISCLAIMER
from planner.domain.protocols import load_library
from planner.domain.schedule import Schedule
from planner.models import CourseRequest, SwitchRequest, TaperRequest


def fingerprint(schedule: Schedule) -> str:
    """12 hex digits identifying the data, the inputs and the program of a schedule.

    The data are the SHA-256 of each file's bytes as read (a comment is content too). The
    inputs are taken as planned: the product and pace actually used, defaults left out and
    numbers in one form (1.50 is 1.5), so a saved plan that spells them out, a batch row,
    the web form or a command line that lists its edits in another order gives the same
    fingerprint.
    """
    request = schedule.request.model_dump(
        mode="python",
        exclude_defaults=True,
        exclude={"product", "pace", "equivalence", "from_product"},
    )
    switch = schedule.switch
    canonical = json.dumps(
        {
            "protocol": schedule.protocol.id,
            "version": schedule.protocol.version,
            "kind": schedule.kind,
            "product": schedule.product.id,
            "pace": schedule.pace.id if schedule.pace else None,
            **({"switch": [switch.source, switch.product.id]} if switch else {}),
            "request": request,
            "files": [
                *schedule.protocol.file_digests,
                *(switch.product.file_digests if switch else ()),
            ],
            "program": __version__,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=_canonical,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def _canonical(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"cannot fingerprint {value!r}")


def inputs_line(schedule: Schedule) -> str:
    """The patient inputs and options in one line, as given."""
    request = schedule.request
    parts = [f"start {request.start.isoformat()}"]
    if schedule.dose_before_mcg is not None:
        parts.append(f"from {format_mg(schedule.dose_before_mcg)}/day")
    if isinstance(request, TaperRequest) and request.partial:
        parts.append(f"to {format_decimal(request.to_mg_per_day)} mg/day")
        if request.hold_days is None:
            parts.append(f"held {request.held_days} days (the default)")
    if isinstance(request, SwitchRequest) and schedule.switch is not None:
        switch = schedule.switch
        parts.append(
            f"switch from {switch.drug_name} {format_decimal(request.from_mg_per_day)} mg/day"
        )
        parts.append(f"equivalence {switch.source}")
        parts.append(f"steps of {request.step_days} days")
    if isinstance(request, CourseRequest):
        parts.append(f"maintain {request.maintain_days} days")
        if request.to_mg_per_day:
            parts.append(f"then to {format_decimal(request.to_mg_per_day)} mg/day")
    if getattr(request, "older_adult", False):
        parts.append("older-adult numbers")
    if schedule.pace is not None:
        parts.append(f"pace {schedule.pace.id}")
    patient = request.patient
    if patient.weight_kg is not None:
        parts.append(f"weight {format_decimal(patient.weight_kg)} kg")
    if patient.age_years is not None:
        parts.append(f"age {patient.age_years} year{'' if patient.age_years == 1 else 's'}")
    for name in ("target_mg_per_day", "step_mg_per_day"):
        value = getattr(request, name, None)
        if value is not None:
            parts.append(f"{name.removesuffix('_mg_per_day')} {format_decimal(value)} mg/day")
    for name in ("interval_days", "hold_days", "taper_hold_days"):
        value = getattr(request, name, None)
        if value is not None:
            parts.append(f"{name.removesuffix('_days')} {value} days")
    return ", ".join(parts)


def products_line(schedule: Schedule, *, with_ids: bool = False) -> str:
    """The product, or the products in order with the date each one starts."""
    parts: list[str] = []
    for product in schedule.products:
        name = f"{product.id}: {product.name}" if with_ids else product.name
        if parts:
            first = next(s.start for s in schedule.steps if s.product == product and s.total_mcg)
            name = f"from {first.isoformat()} {name}"
        parts.append(name)
    if schedule.switch is not None:
        product = schedule.switch.product
        parts.append(
            f"switching from {product.id}: {product.name}"
            if with_ids
            else f"switching from {product.name}"
        )
    return "; ".join(parts)


def footer(schedule: Schedule) -> str:
    """The line at the foot of every page, plot and printout."""
    protocol = schedule.protocol
    return (
        f"{DISCLAIMER} Protocol {protocol.id} {protocol.version}, dose-planner {__version__}, "
        f"fingerprint {fingerprint(schedule)}."
    )


def statements(schedule: Schedule, *, revisions: bool = True) -> list[tuple[str, str]]:
    """What the clinician wrote of a plan that every output prints, as label and value:
    where custom steps come from, why they cut faster than the guideline's pace, and each
    revision at a visit (unless ``revisions`` is false: a calendar's events of days
    already lived stay as they were)."""
    request = schedule.request
    found = [("Revised", revised.mark) for revised in schedule.revisions] if revisions else []
    source = getattr(request, "source", None)
    if source:
        found.append(("Steps from", source))
    faster = getattr(request, "faster_reason", None)
    if faster:
        found.append(("Faster than the guideline's pace, by the prescriber's choice", faster))
    return found


def statement_lines(schedule: Schedule, *, revisions: bool = True) -> list[str]:
    """``statements`` as lines of text: 'Steps from: ...', 'Revised 2027-04-15, ...'."""
    return [
        f"{label} {value}" if label == "Revised" else f"{label}: {value}"
        for label, value in statements(schedule, revisions=revisions)
    ]


def provenance(schedule: Schedule) -> list[tuple[str, str]]:
    """Label and value pairs for an output's header."""
    protocol = schedule.protocol
    return [
        ("Protocol", f"{protocol.id} {protocol.version}: {protocol.title}"),
        ("Product", products_line(schedule, with_ids=True)),
        ("Inputs", inputs_line(schedule)),
        *statements(schedule),
        ("Program", f"dose-planner {__version__}"),
        ("Fingerprint", fingerprint(schedule)),
        ("Review", DISCLAIMER),
    ]


def cited_sources(schedule: Schedule) -> list[str]:
    """Every source the schedule rests on, in full, each once: the protocol's, its pace's
    (from the paces file), and the guideline's where it applied (ASAM 2025 on every taper,
    with its address)."""
    sources = list(schedule.protocol.sources)
    library = load_library()
    pace = schedule.pace
    if pace is not None:
        by_id = {source.id: source for source in library.paces.sources}
        sources += [by_id[name] for name in pace.sources if name in by_id]
        rule = library.guideline.taper_pace
        sources += [s for s in library.guideline.sources if s.id == rule.source]
    cited = (" ".join(filter(None, (source.citation, source.url))) for source in sources)
    return list(dict.fromkeys(cited))
