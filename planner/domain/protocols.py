"""Finding, reading and validating protocol, product and pace files.

Files are TOML, read with ``tomllib`` and ``parse_float=Decimal`` so that doses stay
exact. Every failure is one line that names the file, the dotted path of the field and
the reason, as ``file::titration.min_interval_days: must be at least 3``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from planner.core.files import (
    EQUIVALENCES_FILE,
    GUIDELINE_FILE,
    PACES_FILE,
    PRODUCTS_FILE,
    bundled_dir,
    parse_toml,
    protocol_files,
    read_toml,
    read_toml_bytes,
    read_toml_digest,
)
from planner.core.units import mg_to_mcg
from planner.domain import validated
from planner.domain.products import dose_maker
from planner.errors import DoseError, FieldValueError, PlannerError, ProtocolError
from planner.models import (
    EDIT_KINDS,
    PHASE_KINDS,
    EquivalenceTable,
    Guideline,
    Pace,
    PaceCatalog,
    Product,
    ProductCatalog,
    Protocol,
)

M = TypeVar("M", bound=BaseModel)
# pydantic puts a tagged union's tag into an error's location; it is not a key of the file.
UNION_TAGS = PHASE_KINDS | EDIT_KINDS
FILE_KINDS: dict[str, type[BaseModel]] = {
    "protocol": Protocol,
    "products": ProductCatalog,
    "paces": PaceCatalog,
    "equivalences": EquivalenceTable,
    "guideline": Guideline,
}
LIBRARY_KINDS = frozenset(FILE_KINDS.values())


@dataclass(frozen=True)
class Library:
    """The protocols, products and paces the planner may use, and the guideline's bounds."""

    protocols: dict[str, Path]
    products: ProductCatalog
    paces: PaceCatalog
    guideline: Guideline
    # SHA-256 of the products, paces and guideline files read: every protocol loaded here
    # records them with its own file's, for the fingerprint of what is planned from it.
    digests: tuple[str, ...] = ()
    _loaded: dict[str, Protocol] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    # Each product and pace is validated once: a batch asks for them thousands of times.
    _products: dict[str, Product] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _paces: dict[str, Pace] = field(default_factory=dict, init=False, compare=False, repr=False)

    def product(self, product_id: str, strengths_mg: tuple[Decimal, ...] = ()) -> Product:
        """A product by id; with ``strengths_mg``, only those of its strengths (on hand)."""
        if strengths_mg:
            return self.product(product_id).only(strengths_mg)
        known = self._products.get(product_id)
        if known is not None:
            return known
        if product_id not in self.products.products:
            listed = ", ".join(sorted(self.products.products))
            raise ProtocolError(f"unknown product {product_id!r}; known products: {listed}")
        product = self._products[product_id] = self.products.get(product_id)
        return product

    def pace(self, pace_id: str) -> Pace:
        known = self._paces.get(pace_id)
        if known is not None:
            return known
        if pace_id not in self.paces.paces:
            listed = ", ".join(sorted(self.paces.paces))
            raise ProtocolError(f"unknown pace {pace_id!r}; known paces: {listed}")
        pace = self._paces[pace_id] = self.paces.get(pace_id)
        return pace

    def protocol(self, id_or_path: str | Path) -> Protocol:
        """A bundled protocol by id, or a protocol file by path, checked against the library.

        A bundled protocol is read once; a file given by path is read every time, so an
        edit to it is seen at once.
        """
        bundled = self._loaded.get(str(id_or_path))
        if bundled is not None:
            return bundled
        path = self.protocols.get(str(id_or_path))
        if path is None:
            path = Path(id_or_path)
            if path.suffix != ".toml":
                known = ", ".join(sorted(self.protocols))
                raise ProtocolError(
                    f"unknown protocol {str(id_or_path)!r}; bundled protocols: {known}, "
                    "or give the path of a .toml file"
                )
        protocol, digest = parse_file_digest(path, Protocol)
        protocol.read_from((digest, *self.digests))
        self.check_references(protocol, path)
        if str(id_or_path) in self.protocols:
            self._loaded[str(id_or_path)] = protocol
        return protocol

    def with_products(self, path: Path) -> Library:
        """This library with a user's products file beside the bundled one, validated
        like it; a user product may not take a bundled product's id."""
        users, digest = parse_file_digest(path, ProductCatalog)
        return self.with_catalog(users, digest, path)

    def with_catalog(self, users: ProductCatalog, digest: str, path: Path) -> Library:
        """This library with a user's products (read from ``path``, whose bytes hash to
        ``digest``) beside the bundled ones."""
        for product_id in users.products:
            if product_id in self.products.products:
                raise ProtocolError(
                    f"{path}::products.{product_id}: is a bundled product's id; give yours another"
                )
        known = {source.id for source in self.products.sources}
        merged = self.products.model_copy(
            update={
                "products": {**self.products.products, **users.products},
                "sources": (
                    *self.products.sources,
                    *(s for s in users.sources if s.id not in known),
                ),
            }
        )
        return replace(self, products=merged, digests=(*self.digests, digest))

    def all_protocols(self) -> list[Protocol]:
        return [self.protocol(pid) for pid in sorted(self.protocols)]

    def check_references(self, protocol: Protocol, path: Path) -> None:
        """What a single file cannot check: its product and pace exist and fit it."""
        if protocol.default_product not in self.products.products:
            raise ProtocolError(
                f"{path}::default_product: unknown product {protocol.default_product!r}"
            )
        minors = protocol.population.admits_age_below(self.guideline.minors.under_age_years)
        for index, pace in enumerate(protocol.paces):
            if pace not in self.paces.paces:
                raise ProtocolError(f"{path}::paces[{index}]: unknown pace {pace!r}")
            misfit = self.paces.paces[pace].population.misfit(protocol.condition, minors)
            if misfit:
                raise ProtocolError(
                    f"{path}::paces[{index}]: {pace} may not be offered for {protocol.id}: {misfit}"
                )
        maker = dose_maker(self.product(protocol.default_product))
        start_mg = protocol.titration.start.mg_per_day
        if start_mg is not None:
            start = mg_to_mcg(start_mg)
            try:
                maker.split_daily(start, len(protocol.dose_times))
            except DoseError as error:
                raise ProtocolError(
                    f"{path}::titration.start: the default product cannot make the start "
                    f"dose: {error}"
                ) from None


@functools.cache
def load_library(folder: Path | None = None) -> Library:
    """Read the products, paces and protocol index of ``folder`` (default: the bundled one)."""
    folder = folder or bundled_dir()
    products, products_digest = parse_file_digest(folder / PRODUCTS_FILE, ProductCatalog)
    paces, paces_digest = parse_file_digest(folder / PACES_FILE, PaceCatalog)
    guideline, guideline_digest = load_guideline(folder)
    check_paces(paces, guideline, folder / PACES_FILE)
    return Library(
        protocols=protocol_files(folder),
        products=products,
        paces=paces,
        guideline=guideline,
        digests=(products_digest, paces_digest, guideline_digest),
    )


@functools.cache
def load_guideline(folder: Path | None = None) -> tuple[Guideline, str]:
    """The guideline's bounds (``guideline.toml``) and the SHA-256 of the file: what the
    safety check holds every schedule to, beside the protocol file."""
    return parse_file_digest((folder or bundled_dir()) / GUIDELINE_FILE, Guideline)


def check_paces(paces: PaceCatalog, guideline: Guideline, path: Path) -> None:
    """What the paces file cannot check alone: every phase held to the guideline keeps
    within its pace."""
    bound = guideline.taper_pace
    outrunning = paces.outrunning(bound.max_percent, bound.per_days)
    if outrunning:
        raise ProtocolError(f"{path}::{outrunning}")


@functools.cache
def load_equivalences(folder: Path | None = None) -> EquivalenceTable:
    """The equivalences for switching to clonazePAM (read only when a switch is planned)."""
    table, digest = parse_file_digest(
        (folder or bundled_dir()) / EQUIVALENCES_FILE, EquivalenceTable
    )
    return table.read_from((digest,))


def parse_file(path: Path, model: type[M]) -> M:
    """Read ``path`` as ``model``; the first validation error becomes a one-line message."""
    return parse_file_digest(path, model)[0]


def parse_file_digest(path: Path, model: type[M]) -> tuple[M, str]:
    """``parse_file``, and the SHA-256 of the file's bytes. A library file (not a plan)
    whose bytes this code validated on an earlier run is taken as it was validated."""
    if model not in LIBRARY_KINDS:
        data, digest = read_toml_digest(path)
        return validate_data(data, model, source=str(path)), digest
    raw = read_toml_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    found = validated.cached(model, digest)
    if found is None:
        found = validate_data(parse_toml(raw, path), model, source=str(path))
        validated.keep(model, digest, found)
    return found, digest


def validate_data(
    data: dict[str, Any],
    model: type[M],
    *,
    source: str,
    error_type: type[PlannerError] = ProtocolError,
) -> M:
    try:
        if model not in LIBRARY_KINDS:  # a library file is kept validated, not its validator
            validated.ready(model)
        return model.model_validate(data)
    except ValidationError as error:
        location, reason = describe_validation_error(error)
        if not source and not location:
            location = "input"
        raise error_type(reason, field=location or None, source=source or None) from None


def describe_validation_error(error: ValidationError) -> tuple[str, str]:
    """The dotted path of the first problem, and its reason with how many more there are.

    An unknown key is reported first, since it usually explains a 'missing' one (a typo).
    A check across fields names its field by raising ``FieldValueError``.
    """
    problems = sorted(error.errors(include_url=False), key=lambda p: p["type"] != "extra_forbidden")
    first = problems[0]
    parts = _location(first["loc"])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldValueError):
        parts.append(cause.field)
        reason = cause.reason
    else:
        reason = _reason(first)
    location = ".".join(parts).replace(".[", "[")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return location, f"{reason}{more}"


def _location(loc: tuple[int | str, ...]) -> list[str]:
    """Dotted path parts; drops the tag pydantic adds after a list item of a tagged union."""
    parts: list[str] = []
    for index, part in enumerate(loc):
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif not (index and isinstance(loc[index - 1], int) and part in UNION_TAGS):
            parts.append(part)
    return parts


def _reason(problem: Any) -> str:
    """Plain words for the common pydantic errors; its own message otherwise."""
    kind = problem["type"]
    limits = problem.get("ctx", {})
    bounds = {
        "greater_than_equal": ("must be at least", "ge"),
        "greater_than": ("must be more than", "gt"),
        "less_than_equal": ("must be at most", "le"),
        "less_than": ("must be less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {_plain(limits[key])}"
    if kind == "literal_error":
        return f"must be {limits['expected']}, not {problem['input']!r}"
    if kind == "string_too_short" or (kind == "too_short" and isinstance(problem["input"], str)):
        return f"must be at least {limits['min_length']} characters"
    if kind == "too_short":
        return f"at least {limits['min_length']} items, not {limits['actual_length']}"
    if kind == "string_too_long":
        return f"must be at most {limits['max_length']} characters"
    if kind == "too_long":
        return f"at most {limits['max_length']} items, not {limits['actual_length']}"
    if kind == "union_tag_invalid":
        return f"unknown kind {limits['tag']!r}; expected {limits['expected_tags']}"
    if kind in _REASONS:
        return _REASONS[kind]
    return str(problem["msg"]).removeprefix("Value error, ")


def _plain(value: object) -> str:
    """A bound as a person writes it: 0.5, not Decimal('0.5')."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    # pydantic hands some bounds over as their repr, "Decimal('0.5')".
    return re.sub(r"Decimal\('([^']*)'\)", r"\1", str(value))


_REASONS = {
    "extra_forbidden": "unknown key (misspelled, or not a field of this file)",
    "missing": "missing required key",
    "date_type": "must be a date as YYYY-MM-DD (in TOML, without quotes)",
    "time_type": "must be a time as HH:MM:SS (in TOML, without quotes)",
    "int_type": "must be a whole number",
    "string_type": "must be text in quotes",
    "bool_type": "must be true or false",
    "tuple_type": "must be a list [ ... ]",
    "model_type": "must be a table { ... }",
    "dict_type": "must be a table { ... }",
}


def validate_file(path: Path, library: Library) -> str:
    """Validate any planner file by its ``kind`` key; return the kind, or raise ProtocolError."""
    kind = read_toml(path).get("kind")
    if not isinstance(kind, str) or kind not in FILE_KINDS:
        raise ProtocolError(f"{path}::kind: must be one of {', '.join(FILE_KINDS)}, not {kind!r}")
    model = parse_file(path, FILE_KINDS[kind])
    if isinstance(model, Protocol):
        library.check_references(model, path)
    if isinstance(model, PaceCatalog):
        check_paces(model, library.guideline, path)
    return str(kind)


def protocol_schema_json(kind: str = "protocol") -> str:
    """The JSON Schema of a data file of ``kind`` (a protocol, or the products, paces or
    equivalences file), as kept in ``protocols/<kind>.schema.json``."""
    schema = FILE_KINDS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"dose-planner {kind} file"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
