"""The bundled library as text: protocols with their key numbers, products and paces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.units import format_mg, mg_to_mcg

if TYPE_CHECKING:
    from planner.models import DailyAmount
    from planner.protocols import Library


def render_library(library: Library) -> str:
    protocol_rows = [
        ["id", "version", "indication and population", "start", "step", "max", "every"]
    ]
    for protocol in library.all_protocols():
        t = protocol.titration
        step = t.step_mg_per_day
        protocol_rows.append(
            [
                protocol.id,
                protocol.version,
                protocol.title,
                _amount(t.start),
                f"{format_mg(mg_to_mcg(step.min))} to {format_mg(mg_to_mcg(step.max))}/day",
                _amount(t.maximum),
                f"{t.min_interval_days} days",
            ]
        )
    product_rows = [["product", "strengths", "name"]]
    for product_id in sorted(library.products.products):
        product = library.product(product_id)
        strengths = ", ".join(
            format_mg(s.mcg) + {1: "", 2: " (halves)", 4: " (quarters)"}[s.split]
            for s in product.strengths
        )
        product_rows.append([product_id, strengths, product.name])
    pace_rows = [["pace", "title"]]
    pace_rows += [[pace_id, library.pace(pace_id).title] for pace_id in sorted(library.paces.paces)]
    return "\n\n".join(_columns(rows) for rows in (protocol_rows, product_rows, pace_rows))


def _amount(amount: DailyAmount) -> str:
    parts = []
    if amount.mg_per_day is not None:
        parts.append(f"{format_mg(mg_to_mcg(amount.mg_per_day))}/day")
    if amount.mg_per_kg_per_day is not None:
        parts.append(f"{amount.mg_per_kg_per_day} mg/kg/day")
    return " or ".join(parts)


def _columns(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
