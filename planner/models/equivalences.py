"""The equivalences file: other benzodiazepines, their products, and how much of each
equals 10 mg of oral diazepam by each source (for switching to clonazePAM)."""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from planner.core.units import mg_to_mcg
from planner.errors import FieldValueError
from planner.models.base import (
    Clock,
    Days,
    FromFiles,
    Frozen,
    Identifier,
    Percent,
    Positive,
    PositiveMg,
    Source,
    Text,
    _cited,
)
from planner.models.catalog import Product, ProductBody
from planner.models.protocol import DoseTime


class DrugBody(Frozen):
    """One drug: its name as people read it (tall man letters), its equivalents by source,
    the products a dose of it is made of (none for the drug switched to), the times of day
    its label divides it into, and its half-life (the teaching view only)."""

    name: Text = Field(min_length=1)
    mg_per_10_mg_diazepam: dict[Identifier, PositiveMg] = Field(min_length=1)
    products: dict[Identifier, ProductBody] = Field(default_factory=dict)
    sources: tuple[Identifier, ...] = ()
    usual_times: tuple[Identifier, ...] = Field(
        (), description="its label's usual divided schedule: the patient's times unless given"
    )
    usual_times_source: Identifier | None = None
    half_life_hours: Positive | None = None
    half_life_source: Identifier | None = None

    def product(self, product_id: str) -> Product:
        return Product.model_construct(id=product_id, **dict(self.products[product_id]))


class OldTime(Frozen):
    """A time of day the old drug may be taken at."""

    clock: Clock
    label: Text = Field(min_length=1, description="as a patient reads it: 'in the afternoon'")


class Switching(Frozen):
    """How a switch goes in stages (clinical rules 7)."""

    stage_share_at_most: Percent = Field(
        description="the most of the day's starting equivalent one stage replaces, in %"
    )
    stage_mg_diazepam: PositiveMg = Field(
        description="the most of the diazepam-equivalent (Ashton's figures) one stage replaces"
    )
    stage_days_at_least: Annotated[Days, Field(ge=7)]
    sources: tuple[Identifier, ...] = Field(min_length=1)
    level_dip_warn_percent: Percent = Field(
        description="the teaching picture warns where both drugs' modelled sum dips this far"
    )


class EquivalenceTable(FromFiles):
    """The equivalences file: every drug a patient may switch from, by id."""

    kind: Literal["equivalences"]
    version: Text = Field(min_length=1)
    switch_to: Identifier
    default_source: Identifier
    switching: Switching
    times: dict[Identifier, OldTime] = Field(min_length=1)
    drugs: dict[Identifier, DrugBody] = Field(min_length=2)
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        cited = [s for drug in self.drugs.values() for s in drug.sources]
        cited += list(self.switching.sources)
        cited += [
            s
            for drug in self.drugs.values()
            for s in (drug.usual_times_source, drug.half_life_source)
            if s is not None
        ]
        cited += [s for d in self.drugs.values() for p in d.products.values() for s in p.cited]
        cited += [s for d in self.drugs.values() for s in d.mg_per_10_mg_diazepam]
        _cited(self.sources, [*cited, self.default_source])
        if self.switch_to not in self.drugs:
            raise FieldValueError(f"{self.switch_to!r} is not among the drugs", field="switch_to")
        figures = set(self.drugs[self.switch_to].mg_per_10_mg_diazepam)
        for drug_id, drug in self.drugs.items():
            if set(drug.mg_per_10_mg_diazepam) != figures:
                raise ValueError(
                    f"drugs.{drug_id}.mg_per_10_mg_diazepam: give a figure for each source "
                    f"the drug switched to has ({', '.join(sorted(figures))})"
                )
            if drug_id != self.switch_to and not drug.products:
                raise ValueError(f"drugs.{drug_id}.products: a drug to switch from needs one")
            unknown = [name for name in drug.usual_times if name not in self.times]
            if unknown:
                raise ValueError(f"drugs.{drug_id}.usual_times: unknown time {unknown[0]!r}")
            if drug.half_life_hours is None:
                raise ValueError(f"drugs.{drug_id}.half_life_hours: every drug needs one")
            if drug_id != self.switch_to and not drug.usual_times:
                raise ValueError(f"drugs.{drug_id}.usual_times: a drug to switch from needs them")
        return self

    def dose_time(self, name: str) -> DoseTime:
        """A time of day of the old drug, as a protocol's time of day is written."""
        time = self.times[name]
        return DoseTime(name=name, clock=time.clock, label=time.label)

    @property
    def figure_sources(self) -> list[str]:
        """The sources that give equivalents, in the file's order."""
        given = self.drugs[self.switch_to].mg_per_10_mg_diazepam
        return [source.id for source in self.sources if source.id in given]

    @property
    def from_drugs(self) -> list[str]:
        return sorted(drug for drug in self.drugs if drug != self.switch_to)

    def ratio(self, drug_id: str, source: str) -> Fraction:
        """Micrograms of the drug switched to for one microgram of ``drug_id``."""
        to = self.drugs[self.switch_to].mg_per_10_mg_diazepam[source]
        return Fraction(mg_to_mcg(to), mg_to_mcg(self.drugs[drug_id].mg_per_10_mg_diazepam[source]))

    def citation(self, source: str) -> str:
        return next(s.citation for s in self.sources if s.id == source)
