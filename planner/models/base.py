"""Shared model settings and field types: exact doses, bounded text, strict dates."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    WithJsonSchema,
)

from planner.core.limits import MAX_TEXT_CHARS
from planner.core.plaintext import control_character
from planner.core.units import mg_to_mcg, number_from_text
from planner.errors import DoseError, InputError

# A dose time "total" would write total_mg twice in the day-by-day table.
RESERVED_TIME_NAMES = frozenset({"total", "date", "day", "phase", "note", "dose", "id"})

# Label: "should not be increased more often than once every three days"; the issue
# makes it a floor that no protocol file may lower.
MIN_INTERVAL_FLOOR_DAYS = 3

IDENTIFIER = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def _exact_number(value: Any) -> Any:
    """Accept TOML integers and decimals (read as Decimal); refuse floats, text and booleans."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"must be a number, not {type(value).__name__} {value!r}")
    return value


def _exact_number_or_text(value: Any) -> Any:
    """Patient inputs may also come as text ('0.5'), which is exact; floats are not."""
    if isinstance(value, str):
        try:
            return number_from_text(value)
        except InputError as error:
            raise ValueError(f"must be a number: {error}") from None
    return _exact_number(value)


def _whole_micrograms(value: Decimal) -> Decimal:
    try:
        mg_to_mcg(value)
    except DoseError:
        raise ValueError(f"{value} mg is not a whole number of micrograms") from None
    return value


def _one_line(value: str) -> str:
    """Text printed on one line of a page, a CSV cell or a calendar event: no line break
    or control character can start a new line, cell or event there."""
    char = control_character(value)
    if char is not None:
        raise ValueError(f"a line break or control character (U+{ord(char):04X}) in one-line text")
    return value


def _identifier(value: str) -> str:
    if not IDENTIFIER.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits and single - or _")
    return value


def _number_schema(**bounds: int) -> WithJsonSchema:
    """Protocol files hold numbers, never text: say so in the JSON Schema, whatever
    pydantic's default for Decimal is (it has varied between releases)."""
    return WithJsonSchema({"type": "number", **bounds})


Mg = Annotated[
    Decimal,
    BeforeValidator(_exact_number),
    Field(ge=0, le=1000),
    AfterValidator(_whole_micrograms),
    _number_schema(minimum=0, maximum=1000),
]
PositiveMg = Annotated[Mg, Field(gt=0), _number_schema(exclusiveMinimum=0, maximum=1000)]
MgPerKg = Annotated[
    Decimal,
    BeforeValidator(_exact_number),
    Field(gt=0, le=10),
    _number_schema(exclusiveMinimum=0, maximum=10),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(_exact_number),
    Field(gt=0, le=100),
    _number_schema(exclusiveMinimum=0, maximum=100),
]
Count = Annotated[int, Strict()]
Days = Annotated[Count, Field(ge=1, le=3650)]
Date = Annotated[dt.date, Strict()]
# Schedules start in a sensible era; far dates are typos, and near 9999 they overflow.
StartDate = Annotated[Date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]
Clock = Annotated[dt.time, Strict()]
Identifier = Annotated[str, AfterValidator(_identifier)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(_one_line)]

InputMg = Annotated[
    Decimal,
    BeforeValidator(_exact_number_or_text),
    Field(ge=0, le=1000),
    AfterValidator(_whole_micrograms),
]
WeightKg = Annotated[Decimal, BeforeValidator(_exact_number_or_text), Field(ge=Decimal("0.5"))]


class Frozen(BaseModel):
    """Shared settings: immutable, and no unknown keys; scalar types are strict one by one.

    Lists from TOML are accepted as tuples; numbers, dates and times are not coerced from
    text (see ``Count``, ``Date``, ``Clock`` and the dose types).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class FromFiles(Frozen):
    """A model read from data files, with the SHA-256 of each file's bytes: what the
    fingerprint of a schedule made from it covers. Private, so in no dump or schema."""

    _file_digests: tuple[str, ...] = PrivateAttr(default=())

    @property
    def file_digests(self) -> tuple[str, ...]:
        return self._file_digests

    def read_from(self, digests: tuple[str, ...]) -> Self:
        """Record the files this model was read with (once, as it is loaded)."""
        self._file_digests = digests
        return self


class Source(Frozen):
    """A citation that a protocol's numbers come from."""

    id: Identifier
    citation: Text = Field(min_length=1)
    url: Text | None = None


def _cited(sources: tuple[Source, ...], cited: list[str]) -> None:
    known = {s.id for s in sources}
    missing = sorted(set(cited) - known)
    if missing:
        raise ValueError(f"cites unknown source {', '.join(missing)}; add it to [[sources]]")


Positive = Annotated[
    Decimal, BeforeValidator(_exact_number), Field(gt=0), _number_schema(exclusiveMinimum=0)
]
