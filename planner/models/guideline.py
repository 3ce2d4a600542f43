"""The guideline file: the bounds that hold whatever the protocol, each with its source.

The safety check holds every schedule to these numbers and to the protocol file's, never
to a limit the scheduling code worked out (clinical rules, section 7).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from planner.models.base import (
    Count,
    Days,
    FromFiles,
    Frozen,
    Identifier,
    MgPerKg,
    Percent,
    Source,
    Text,
    _cited,
)


class TaperPaceBound(Frozen):
    """ASAM 2025: no taper cut above ``max_percent`` of the current dose per ``per_days``,
    averaged over the days the dose was held."""

    max_percent: Percent
    per_days: Days
    source: Identifier

    @property
    def rate(self) -> Fraction:
        """The largest share of the dose that may be cut per day, on average."""
        return Fraction(self.max_percent) / 100 / self.per_days

    def allows(self, before_mcg: int, after_mcg: int, held_days: int) -> bool:
        """Whether cutting ``before_mcg`` to ``after_mcg`` after ``held_days`` keeps to it:
        f <= max_percent x n / per_days, that is (before - after) / before <= p / q / 100
        x n / per_days with max_percent = p / q, compared in whole numbers (exact, and
        cheap: every cut of every taper is held to it)."""
        if before_mcg <= 0:  # no cut from nothing: as the fraction itself would say
            return Fraction(before_mcg - after_mcg, before_mcg) <= self.rate * held_days
        percent, per = self.max_percent.as_integer_ratio()
        cut = (before_mcg - after_mcg) * 100 * self.per_days * per
        return cut <= percent * held_days * before_mcg

    def describe(self) -> str:
        return f"{self.max_percent}% of the dose per {self.per_days} days"


class FasterCutsRule(Frozen):
    """The conditions for which a cut faster than the guideline's pace needs a written
    reason (the label: abrupt withdrawal may precipitate status epilepticus)."""

    need_reason_for_conditions: tuple[Identifier, ...]
    source: Identifier


class ReviewRule(Frozen):
    """ASAM 2025: a review at least every ``every_months`` while the drug is taken."""

    every_months: Annotated[Count, Field(ge=1, le=12)]
    source: Identifier


class MinorsRule(Frozen):
    """The label's pediatric numbers, held for every patient under ``under_age_years``
    whose weight is known, on any protocol."""

    under_age_years: Annotated[Count, Field(ge=1, le=21)]
    max_mg_per_kg_per_day: MgPerKg
    start_limit_mg_per_kg_per_day: MgPerKg
    source: Identifier


class OlderAdultRule(Frozen):
    """From this age a patient is an older adult (AGS Beers Criteria)."""

    from_age_years: Annotated[Count, Field(ge=50, le=100)]
    source: Identifier


class Guideline(FromFiles):
    """The guideline file (``protocols/guideline.toml``)."""

    kind: Literal["guideline"]
    version: Text = Field(min_length=1)
    taper_pace: TaperPaceBound
    faster_cuts: FasterCutsRule
    reviews: ReviewRule
    minors: MinorsRule
    older_adults: OlderAdultRule
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_cited(self) -> Self:
        rules = (self.taper_pace, self.faster_cuts, self.reviews, self.minors, self.older_adults)
        _cited(self.sources, [rule.source for rule in rules])
        return self

    def reason_for_faster_cuts(self, condition: str, protocol_asks: bool) -> bool:
        """Whether a cut faster than the guideline's pace needs a written reason: for the
        conditions listed here, or where the protocol file asks for one too."""
        return protocol_asks or condition in self.faster_cuts.need_reason_for_conditions

    def citation(self, source_id: str) -> str:
        """The full citation of one of the file's sources."""
        return next(s.citation for s in self.sources if s.id == source_id)
