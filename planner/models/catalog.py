"""The products file: the strengths of each product and how they may be split."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from planner.core.units import format_mg, mg_to_mcg
from planner.errors import FieldValueError, InputError
from planner.models.base import (
    Count,
    FromFiles,
    Frozen,
    Identifier,
    PositiveMg,
    Source,
    Text,
    _cited,
)

# The code systems a strength may be coded in (FHIR system URIs), with their names.
CODE_SYSTEMS = {"http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm"}


class Code(Frozen):
    """A strength's code in a terminology (an RxNorm clinical drug), with where it is from:
    only codes a cited source gives, never one guessed."""

    system: Text
    code: Annotated[str, Field(pattern=r"^[0-9A-Za-z.-]{1,20}$")]
    display: Text = Field(min_length=1)
    source: Identifier

    @field_validator("system")
    @classmethod
    def _known_system(cls, system: str) -> str:
        if system not in CODE_SYSTEMS:
            raise ValueError(f"unknown code system {system!r}; known: {', '.join(CODE_SYSTEMS)}")
        return system


class Strength(Frozen):
    """One strength of a product, and into how many equal parts it may be split."""

    mg: PositiveMg
    split: Literal[1, 2, 4] = Field(
        1, description="1 = whole units only, 2 = scored in halves, 4 = halves or quarters"
    )
    codes: tuple[Code, ...] = ()

    @property
    def mcg(self) -> int:
        return mg_to_mcg(self.mg)

    @model_validator(mode="after")
    def _parts_are_exact(self) -> Self:
        if self.mcg % self.split:
            raise ValueError(f"{self.mg} mg cannot be split into {self.split} exact parts")
        return self


class ProductBody(Frozen):
    """A product as written in the products file, where its id is the table name."""

    name: Text = Field(min_length=1)
    short_name: Annotated[Text, Field(min_length=1, max_length=24)] | None = Field(
        None, description="for a calendar cell where products change: 'Rivotril drops'"
    )
    region: Text = Field(min_length=1)
    unit: Text = Field(min_length=1, description="what a patient counts: tablet, drop")
    unit_plural: Text = Field(min_length=1)
    strengths: tuple[Strength, ...] = Field(min_length=1)
    units_per_ml: Annotated[Count, Field(ge=1, le=1000)] | None = Field(
        None, description="for a liquid: how many units (drops) make 1 mL, for dispensing"
    )
    pack_units: Annotated[Count, Field(ge=1, le=10000)] | None = Field(
        None, description="units in one pack or bottle of tablets, to count whole packs"
    )
    bottle_ml: Annotated[Count, Field(ge=1, le=1000)] | None = Field(
        None, description="for a liquid: mL in one bottle, to count whole bottles"
    )
    pack_name: Text = Field("pack", min_length=1, description="what a pack is called: bottle")
    note: Text = ""
    # ``note`` is the prescriber's and pharmacist's; this is the patient's, in their words,
    # on the instructions and every calendar page (from the product's sources).
    patient_note: Text = ""
    sources: tuple[Identifier, ...] = ()

    @property
    def units_per_pack(self) -> int | None:
        """Units in one pack or bottle (a liquid's from its volume), where known."""
        if self.bottle_ml is not None and self.units_per_ml is not None:
            return self.bottle_ml * self.units_per_ml
        return self.pack_units

    @property
    def cited(self) -> list[str]:
        """Every source the product names: its own and its codes'."""
        return [*self.sources, *(c.source for s in self.strengths for c in s.codes)]

    @property
    def label(self) -> str:
        """The short name where space is tight, else the name."""
        return self.short_name or self.name

    @model_validator(mode="after")
    def _strengths_unique(self) -> Self:
        values = [s.mcg for s in self.strengths]
        if len(set(values)) != len(values):
            raise FieldValueError("a strength is listed twice", field="strengths")
        if self.bottle_ml is not None and self.units_per_ml is None:
            raise FieldValueError("a bottle's volume needs units_per_ml", field="bottle_ml")
        if self.bottle_ml is not None and self.pack_units is not None:
            raise FieldValueError("give pack_units or bottle_ml, not both", field="pack_units")
        return self


class Product(ProductBody, FromFiles):
    """A dosage form with the strengths that exist; every dose is made only of these."""

    id: Identifier

    def only(self, strengths_mg: tuple[Decimal, ...]) -> Product:
        """This product with only the strengths on hand: what the planner may then use."""
        wanted = {mg_to_mcg(mg) for mg in strengths_mg}
        kept = tuple(s for s in self.strengths if s.mcg in wanted)
        missing = sorted(wanted - {s.mcg for s in kept})
        if missing:
            has = ", ".join(format_mg(s.mcg) for s in self.strengths)
            raise InputError(
                f"{self.id} has no {', '.join(format_mg(m) for m in missing)} strength "
                f"(it has {has})",
                field="strengths_mg",
            )
        listed = ", ".join(format_mg(s.mcg) for s in kept)
        return self.model_copy(update={"strengths": kept, "name": f"{self.name}, {listed} only"})


class ProductCatalog(Frozen):
    """The products file: every product the protocols may name."""

    kind: Literal["products"]
    version: Text = Field(min_length=1)
    products: dict[Identifier, ProductBody] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_cited(self) -> Self:
        _cited(self.sources, [s for p in self.products.values() for s in p.cited])
        return self

    def get(self, product_id: str) -> Product:
        """The product under its id: its body was validated with the file, not again."""
        return Product.model_construct(id=product_id, **dict(self.products[product_id]))
