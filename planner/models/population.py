"""Who a protocol is for: the label's bounds on age and weight, as a protocol file states
them, and what a population admits."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, model_validator

from planner.core.units import format_decimal
from planner.errors import FieldValueError
from planner.models.base import Frozen, Identifier, Positive, Text


class Bound(Frozen):
    """One bound of a population on age or weight: ``at_most`` (<=), ``above`` (>) or
    ``at_least`` (>=)."""

    at_most: Positive | None = None
    above: Positive | None = None
    at_least: Positive | None = None

    @model_validator(mode="after")
    def _one_given(self) -> Self:
        if sum(bound is not None for bound in (self.at_most, self.above, self.at_least)) != 1:
            raise ValueError("give one of at_most, above or at_least")
        return self

    def holds(self, value: Decimal | int) -> bool:
        if self.at_most is not None:
            return value <= self.at_most
        if self.at_least is not None:
            return value >= self.at_least
        return value > (self.above or 0)

    def admits_below(self, value: int) -> bool:
        """Whether some whole number below ``value`` (an age in years) holds."""
        if self.at_least is not None:
            return self.at_least < value
        if self.above is not None:
            return self.above + 1 < value
        return True

    def describe(self, unit: str) -> str:
        if self.at_most is not None:
            return f"up to {format_decimal(self.at_most)} {unit}"
        if self.at_least is not None:
            return f"{format_decimal(self.at_least)} {unit} and over"
        return f"over {format_decimal(self.above or Decimal(0))} {unit}"


class Population(Frozen):
    """Who the protocol is for, as the label bounds it. A patient outside it is refused
    (naming ``otherwise``, the protocol that fits), unless a clinician records a reason."""

    description: Text = Field(min_length=1)
    age_years: Bound | None = None
    weight_kg: Bound | None = None
    combine: Literal["all", "any"] = Field(
        "all", description="all: every bound must hold; any: one is enough"
    )
    otherwise: Identifier | None = Field(None, description="the protocol for everyone else")
    source: Identifier | None = None

    @model_validator(mode="after")
    def _source_for_bounds(self) -> Self:
        bounded = self.age_years is not None or self.weight_kg is not None
        if bounded and self.source is None:
            raise FieldValueError(
                "bounds on age or weight need the source they come from", field="source"
            )
        return self

    def admits_age_below(self, age_years: int) -> bool:
        """Whether a patient younger than ``age_years`` can be within the population."""
        if self.age_years is None or not self.age_years.admits_below(age_years):
            return self.age_years is None or (self.combine == "any" and self.weight_kg is not None)
        return True
