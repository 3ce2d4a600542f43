"""A revision of a taper's plan at a visit, as a plan file keeps it (``planner revise``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from planner.core.units import format_mg, mg_to_mcg
from planner.errors import FieldValueError
from planner.models.base import Date, Days, Frozen, InputMg
from planner.models.requests import Reason

RevisionChange = Literal["hold", "step_back", "slower", "taken", "target"]
# What each change needs beside its date, and the edit it becomes.
CHANGE_VALUES: dict[str, str | None] = {
    "hold": "days",
    "step_back": None,
    "slower": "factor",
    "taken": "mg_per_day",
    "target": "mg_per_day",
}


class Revision(Frozen):
    """One change to a taper at a visit, from the date ``on``: hold the day's dose
    ``days`` longer, step back, every later interval ``factor`` times as long, the dose
    the patient has taken since (``mg_per_day``), or a new end dose (``mg_per_day``)."""

    on: Date
    change: RevisionChange
    days: Days | None = None
    factor: Annotated[Decimal, Field(gt=1, le=4, decimal_places=2)] | None = None
    mg_per_day: InputMg | None = None
    reason: Reason
    made: dt.datetime

    @model_validator(mode="after")
    def _its_value(self) -> Self:
        needed = CHANGE_VALUES[self.change]
        for name in ("days", "factor", "mg_per_day"):
            given = getattr(self, name) is not None
            if name == needed and not given:
                raise FieldValueError(f"a change '{self.change}' needs {name}", field=name)
            if name != needed and given:
                raise FieldValueError(f"a change '{self.change}' takes no {name}", field=name)
        if self.made.tzinfo is None:
            raise FieldValueError("give the time it was made with its zone: ...Z", field="made")
        return self

    def edit(self) -> dict[str, Any]:
        """The taper edit this revision is, from its date."""
        kind = {"hold": "pause"}.get(self.change, self.change)
        value = CHANGE_VALUES[self.change]
        return {"kind": kind, "date": self.on, **({value: getattr(self, value)} if value else {})}

    def words(self) -> str:
        """What the revision changed, as every output marks it."""
        if self.change == "hold":
            return f"held {self.days} days"
        if self.change == "step_back":
            return "stepped back"
        if self.change == "slower":
            return f"every later interval {self.factor} times as long"
        assert self.mg_per_day is not None  # taken and target give a dose
        if self.change == "taken":
            return f"the patient takes {format_mg(mg_to_mcg(self.mg_per_day))}/day"
        return f"new end dose {format_mg(mg_to_mcg(self.mg_per_day))}/day"
