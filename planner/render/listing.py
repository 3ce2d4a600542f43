"""The bundled library as text: protocols with their key numbers, products, paces and
the drugs a switch takes, with their equivalents by source.

Read straight from the TOML files, without validating them (``planner validate`` and the
test suite do that), so that listing them is quick.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.core.files import (
    EQUIVALENCES_FILE,
    PACES_FILE,
    PRODUCTS_FILE,
    protocol_files,
    read_toml,
)
from planner.core.units import format_mg, mg_to_mcg
from planner.errors import ProtocolError

SPLITS = {1: "", 2: " (halves)", 4: " (quarters)"}


def render_library(folder: Path) -> str:
    protocol_rows = [["id", "version", "indication", "start", "step", "max", "every"]]
    offered: dict[str, list[str]] = {}
    for protocol_id, path in protocol_files(folder).items():
        data = read_toml(path)
        protocol_rows.append(_listed(path, _protocol_row, protocol_id, data))
        for pace_id in data.get("paces", []):
            offered.setdefault(str(pace_id), []).append(protocol_id)
    products = read_toml(folder / PRODUCTS_FILE)
    product_rows = [["product", "strengths", "name"]]
    for product_id in sorted(products.get("products", {})):
        product_rows.append(_listed(folder / PRODUCTS_FILE, _product_row, product_id, products))
    paces = read_toml(folder / PACES_FILE).get("paces", {})
    pace_rows = [["pace", "offered for", "title"]]
    everyone = len(protocol_rows) - 1
    for pace_id in sorted(paces):
        protocols = offered.get(pace_id, [])
        where = "every protocol" if len(protocols) == everyone else ", ".join(protocols) or "-"
        pace_rows.append([pace_id, where, str(paces[pace_id].get("title", ""))])
    tables = [protocol_rows, product_rows, pace_rows]
    if (folder / EQUIVALENCES_FILE).is_file():
        tables.append(_switch_rows(folder / EQUIVALENCES_FILE))
    return "\n\n".join(_columns(rows) for rows in tables)


def _switch_rows(path: Path) -> list[list[str]]:
    """The drugs `planner switch` takes, what equals 10 mg of diazepam by each source,
    and their products."""
    table = read_toml(path)
    drugs = table.get("drugs", {})
    target = str(table.get("switch_to", ""))
    sources = list(drugs.get(target, {}).get("mg_per_10_mg_diazepam", {}))
    default = table.get("default_source")
    header = ["switch from", *(f"{s}{' (default)' if s == default else ''}" for s in sources)]
    rows = [[*header, "products"]]
    for drug_id in sorted(drugs):
        figures = drugs[drug_id].get("mg_per_10_mg_diazepam", {})
        rows.append(
            [
                drug_id if drug_id != target else f"({drug_id}, switched to)",
                *(f"{figures[s]} mg" if s in figures else "-" for s in sources),
                ", ".join(drugs[drug_id].get("products", {})) or "-",
            ]
        )
    return rows


def _listed(
    path: Path, row: Callable[[str, dict[str, Any]], list[str]], key: str, data: dict[str, Any]
) -> list[str]:
    """One row from a file; a file too broken to list says how to find out why."""
    try:
        return row(key, data)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
        raise ProtocolError(f"{path}: cannot list it; run  planner validate {path}") from None


def _protocol_row(protocol_id: str, data: dict[str, Any]) -> list[str]:
    titration = data["titration"]
    step = titration["step_mg_per_day"]
    return [
        protocol_id,
        str(data["version"]),
        str(data["title"]),
        _amount(titration["start"]),
        (
            f"{format_mg(mg_to_mcg(step['min']))} to {format_mg(mg_to_mcg(step['max']))}/day"
            if "min" in step
            else f"up to {format_mg(mg_to_mcg(step['max']))}/day"
        ),
        _amount(titration["maximum"]),
        f"{titration['min_interval_days']} days",
    ]


def _product_row(product_id: str, data: dict[str, Any]) -> list[str]:
    product = data["products"][product_id]
    strengths = ", ".join(
        format_mg(mg_to_mcg(s["mg"])) + SPLITS[s.get("split", 1)] for s in product["strengths"]
    )
    return [product_id, strengths, str(product["name"])]


def _amount(amount: dict[str, Decimal]) -> str:
    parts = []
    if "mg_per_day" in amount:
        parts.append(f"{format_mg(mg_to_mcg(amount['mg_per_day']))}/day")
    if "mg_per_kg_per_day" in amount:
        parts.append(f"{amount['mg_per_kg_per_day']} mg/kg/day")
    return " or ".join(parts)


def _columns(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
