"""A checked schedule as one plain document: what the web page shows and the HTTP API's
``format=json`` returns.

Everything a reviewer reads is here, in the words of the other outputs: the header and
provenance, each step with its doses and units, the safety report, warnings, notes,
reviews, the patient and pharmacy instructions, dispensing totals and the footer. Doses
are exact decimal strings ("0.125"), never JSON numbers, which most readers turn into
binary floats.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from planner import __version__
from planner.core.units import format_decimal, format_mg, format_mg_number, format_per_kg
from planner.core.wording import DISCLAIMER
from planner.domain.dispensing import DEFAULT_SUPPLY_DAYS, describe_supply, dispensing_totals
from planner.domain.products import describe_units
from planner.domain.provenance import cited_sources, footer, products_line, provenance
from planner.render.instructions import instructions, taken

if TYPE_CHECKING:
    from planner.domain.dispensing import StrengthSupply
    from planner.domain.schedule import DoseStep, Schedule
    from planner.safety import SafetyReport

Document = dict[str, Any]


def schedule_document(
    schedule: Schedule, report: SafetyReport, *, supply_days: int = DEFAULT_SUPPLY_DAYS
) -> Document:
    """The schedule, its safety report and its warnings as JSON-ready values."""
    protocol = schedule.protocol
    weight = schedule.weight_kg
    return {
        "disclaimer": DISCLAIMER,
        "program": f"dose-planner {__version__}",
        "kind": schedule.kind,
        "title": f"{protocol.drug.tall_man} {schedule.kind}: {protocol.title}",
        "protocol": {"id": protocol.id, "version": protocol.version, "title": protocol.title},
        "product": products_line(schedule),
        "pace": ({"id": schedule.pace.id, "title": schedule.pace.title} if schedule.pace else None),
        "start": schedule.start.isoformat(),
        "end": schedule.end.isoformat(),
        "days": schedule.days,
        "dose_before_mg": _mg(schedule.dose_before_mcg),
        "weight_kg": format_decimal(weight) if weight is not None else None,
        "provenance": [{"label": label, "value": value} for label, value in provenance(schedule)],
        "sources": cited_sources(schedule),
        "dose_times": [
            {"name": t.name, "label": t.label, "clock": t.clock.isoformat("minutes")}
            for t in schedule.times_of_day()
        ],
        "steps": [_step(step, schedule) for step in schedule.steps],
        "safety": {
            "passed": sum(result.status == "passed" for result in report.results),
            "exceeded_by_choice": len(report.exceeded),
            "total": len(report.results),
            "summary": report.summary,
            "checks": [
                {
                    "name": result.name,
                    "description": result.description,
                    "passed": result.passed,
                    "status": result.status,
                    "day": result.day,
                    "detail": result.detail,
                    "chosen_by": result.chosen_by or None,
                    "line": result.line,
                }
                for result in report.results
            ],
        },
        "warnings": list(schedule.warnings),
        "prescribing_summary": protocol.prescribing_summary(),
        "prescribing_warnings": [
            {
                "kind": w.kind,
                "heading": w.heading,
                "title": w.title,
                "text": w.text,
                "quote": w.quote,
                "source": protocol.citation(w.source),
            }
            for w in protocol.prescribing_warnings
        ],
        "notes": list(schedule.notes),
        "off_label": schedule.off_label or None,
        "reviews": [day.isoformat() for day in schedule.reviews],
        "next_review": schedule.next_review.isoformat() if schedule.next_review else None,
        "instructions": [
            {"patient": step.patient, "pharmacy": step.pharmacy} for step in instructions(schedule)
        ],
        "dispensing": _dispensing(schedule, supply_days),
        "footer": footer(schedule),
    }


def render_json(
    schedule: Schedule, report: SafetyReport, *, supply_days: int = DEFAULT_SUPPLY_DAYS
) -> bytes:
    """The document as UTF-8 JSON, keys in a fixed order: the same bytes for the same inputs."""
    document = schedule_document(schedule, report, supply_days=supply_days)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _step(step: DoseStep, schedule: Schedule) -> Document:
    weight = schedule.weight_kg
    return {
        "start": step.start.isoformat(),
        "end": step.end.isoformat(),
        "first_day": step.first_day,
        "days": step.days,
        "phase": step.phase,
        "edit": step.edit or None,
        "total_mg": _mg(step.total_mcg),
        "total": format_mg(step.total_mcg),
        # Each drug's daily total, named: during a switch, the old drug's too.
        "totals": [
            {"drug": drug, "mg": _mg(mcg), "total": format_mg(mcg)}
            for drug, mcg in _totals(step, schedule)
        ],
        "mg_per_kg_per_day": format_per_kg(step.total_mcg, weight) if weight is not None else None,
        "product": step.product.id,
        "doses": [
            {
                "time": item.time.name,
                "drug": item.drug,
                "named": item.named,  # two drugs that day: say which
                "mg": _mg(item.mcg),
                "dose": format_mg(item.mcg),
                "units": describe_units(item.units, item.product),
            }
            for item in taken(schedule, step)
        ],
        "note": step.note,
        "review": step.review,
    }


def _totals(step: DoseStep, schedule: Schedule) -> list[tuple[str, int]]:
    """The day's total of clonazePAM and, during a switch, of the old drug."""
    totals = [(schedule.protocol.drug.tall_man, step.total_mcg)]
    if schedule.switch is not None and step.other_mcg:
        totals.append((schedule.switch.drug_name, step.other_mcg))
    return totals


def _dispensing(schedule: Schedule, supply_days: int) -> Document:
    supply = dispensing_totals(schedule, supply_days=supply_days)
    named = len(schedule.products) > 1 or schedule.switch is not None

    def amounts(strengths: tuple[StrengthSupply, ...]) -> list[str]:
        return [describe_supply(s, named=named) for s in strengths]

    return {
        "supply_days": supply_days,
        "periods": [
            {
                "first_day": period.first_day,
                "last_day": period.last_day,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "supplies": amounts(period.strengths),
            }
            for period in supply.periods
        ],
        "total": amounts(supply.total),
    }


def _mg(mcg: int | None) -> str | None:
    """Micrograms as an exact decimal string of mg: 125 -> '0.125', 1000 -> '1'."""
    return None if mcg is None else format_mg_number(mcg)
