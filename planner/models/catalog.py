"""The products file: the strengths of each product and how they may be split."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    Field,
    model_validator,
)

from planner.models.base import (
    Count,
    Frozen,
    Identifier,
    PositiveMg,
    Source,
    Text,
    _cited,
)
from planner.units import mg_to_mcg


class Strength(Frozen):
    """One strength of a product, and into how many equal parts it may be split."""

    mg: PositiveMg
    split: Literal[1, 2, 4] = Field(
        1, description="1 = whole units only, 2 = scored in halves, 4 = halves or quarters"
    )

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
    note: Text = ""
    sources: tuple[Identifier, ...] = ()

    @property
    def label(self) -> str:
        """The short name where space is tight, else the name."""
        return self.short_name or self.name

    @model_validator(mode="after")
    def _strengths_unique(self) -> Self:
        values = [s.mcg for s in self.strengths]
        if len(set(values)) != len(values):
            raise ValueError("strengths: a strength is listed twice")
        return self


class Product(ProductBody):
    """A dosage form with the strengths that exist; every dose is made only of these."""

    id: Identifier


class ProductCatalog(Frozen):
    """The products file: every product the protocols may name."""

    kind: Literal["products"]
    version: Text = Field(min_length=1)
    products: dict[Identifier, ProductBody] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_cited(self) -> Self:
        _cited(self.sources, [s for p in self.products.values() for s in p.sources])
        return self

    def get(self, product_id: str) -> Product:
        """The product under its id: its body was validated with the file, not again."""
        return Product.model_construct(id=product_id, **dict(self.products[product_id]))
