"""The inputs of the page and the API: one ``Field`` per command-line option, named as
the option is (``from``, ``step-back``, ``supply-days``). A schedule's inputs are made from
their one description (``planner.inputs``: the words a person reads, unit, range, which
commands need them); the page adds only how it shows them: a hint from the protocol,
whether it sits under "More options", which list it is chosen from.

A field knows which request fields (``paths``) it fills, so an error the library raises
about ``patient.weight_kg`` is shown beside the weight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from planner.core.units import format_decimal, format_mg, mg_to_mcg
from planner.inputs import Command, Input, inputs_of

if TYPE_CHECKING:
    from planner.models import Protocol
    from planner.models.protocol import DailyAmount

Kind = Literal[
    "date",
    "number",
    "whole",
    "text",
    "flag",
    "product",
    "pace",
    "drug",
    "source",
    "paper",
    "language",
    "pauses",
    "dates",
    "clocks",
    "old_doses",
]
Hint = Callable[["Protocol"], str]


@dataclass(frozen=True)
class Field:
    """One input: the option it is on the command line, and how the page shows it."""

    option: str  # the long option's name without dashes: "from", "supply-days"
    label: str
    unit: str  # "mg/day", "days", "" for none
    kind: Kind
    hint: Hint
    paths: tuple[str, ...] = ()  # the request fields it fills (errors about them are its)
    required: bool = False
    # Required on some protocols only: the weight, on a protocol that doses by weight.
    needed: Callable[[Protocol], bool] | None = None
    more: bool = False  # shown under "More options"
    low: int | None = None  # a whole number's range, as the command line's IntRange
    high: int | None = None
    repeatable: bool = False  # the API takes it several times; the page, comma-separated
    positive: bool = True  # a number read as more than 0 at once (the rest of a range: the request)

    def required_by(self, protocol: Protocol) -> bool:
        """Whether this protocol needs the field (the page marks it so)."""
        return self.required or (self.needed is not None and self.needed(protocol))


def fixed(text: str) -> Hint:
    return lambda protocol: text


def _amount(amount: DailyAmount | None) -> str:
    if amount is None:
        return ""
    parts = []
    if amount.mg_per_day is not None:
        parts.append(f"{format_mg(mg_to_mcg(amount.mg_per_day))}/day")
    if amount.mg_per_kg_per_day is not None:
        parts.append(f"{format_decimal(amount.mg_per_kg_per_day)} mg/kg/day")
    return " or ".join(parts)


def _maximum(protocol: Protocol) -> str:
    return f"at most {_amount(protocol.titration.maximum)} (this protocol)"


def _start_dose(protocol: Protocol) -> str:
    return (
        f"optional: the dose taken now; the protocol starts at {_amount(protocol.titration.start)}"
    )


def _target(protocol: Protocol) -> str:
    target = protocol.titration.target
    default = f"default {_amount(target)}; " if target else ""
    return f"{default}{_maximum(protocol)}"


def _step(protocol: Protocol) -> str:
    step = protocol.titration.step_mg_per_day
    low = f"{format_decimal(step.min)} to " if step.min is not None else "up to "
    return f"{low}{format_decimal(step.max)} mg/day; default {format_decimal(step.default)}"


def _interval(protocol: Protocol) -> str:
    return f"this protocol's minimum is {protocol.titration.min_interval_days}"


def _doses_by_weight(protocol: Protocol) -> bool:
    return protocol.by_weight


def _weight(protocol: Protocol) -> str:
    return "needed: this protocol doses by weight" if protocol.by_weight else "optional"


def _population(protocol: Protocol) -> str:
    return f"Protocol population: {protocol.population.description}"


def _pace(protocol: Protocol) -> str:
    return f"this protocol offers {', '.join(protocol.paces)}; default {protocol.default_pace}"


def _product(protocol: Protocol) -> str:
    return f"default {protocol.default_product} (the protocol's)"


def current_dose_hint(protocol: Protocol) -> str:
    ceiling = format_decimal(Decimal(protocol.drug.ceiling_mg_per_day))
    return f"the daily dose taken now; at most {ceiling} mg/day"


OUTPUTS = (
    Field(
        "patient",
        "Patient name or id",
        "",
        "text",
        fixed("optional, up to 120 characters: printed on the PDF; kept in no log"),
        more=True,
    ),
    Field("paper", "Paper size", "", "paper", fixed("letter or a4, for the PDF"), more=True),
    Field(
        "supply-days",
        "Supply period",
        "days",
        "whole",
        fixed("1 to 365; default 30: days per prescription in the dispensing totals"),
        more=True,
        low=1,
        high=365,
    ),
    Field(
        "tz",
        "Time zone",
        "",
        "text",
        fixed("IANA name such as Europe/Berlin, for the calendar file; default this computer's"),
        more=True,
    ),
    Field(
        "dose-time",
        "Dose times",
        "",
        "clocks",
        fixed("NAME=HH:MM, comma-separated: morning=07:30 moves the calendar's morning dose"),
        more=True,
        repeatable=True,
    ),
    # The patient's materials (planner.core.i18n; the PDF calendar).
    Field(
        "lang",
        "Patient's language",
        "",
        "language",
        fixed("the calendar, the instructions and the calendar file"),
        more=True,
    ),
    Field(
        "large-print",
        "Large print",
        "",
        "flag",
        fixed("the PDF calendar in large type, a week or two a page"),
        more=True,
    ),
)


# How the page shows each schedule input beside its description: the hint, from the
# protocol where it has a number to give; "More options"; the list it is chosen from.
@dataclass(frozen=True)
class Shown:
    hint: Hint
    more: bool = False
    kind: Kind | None = None  # a list to choose from, where the description says "id"


SHOWN: dict[str, Shown] = {
    "start": Shown(fixed("the first day")),
    "from": Shown(_start_dose),
    "target": Shown(_target),
    "step": Shown(_step, more=True),
    "interval": Shown(_interval, more=True),
    "hold": Shown(fixed("days"), more=True),
    "older-adult": Shown(fixed("the protocol's cited lower start and slower steps"), more=True),
    "maintain": Shown(fixed("maintenance before the taper, reviewed every 3 months")),
    "to": Shown(fixed("optional: a lower dose to hold instead of stopping"), more=True),
    "pace": Shown(_pace, kind="pace"),
    "ec50": Shown(fixed("illustrative, for the hyperbolic pace only"), more=True),
    "pause": Shown(fixed("DATE:DAYS, comma-separated: 2027-05-03:14 holds 14 more days"), True),
    "step-back": Shown(fixed("dates, comma-separated: from each, back to the previous dose"), True),
    "slow-down": Shown(fixed("default 1.5: how much longer intervals become"), more=True),
    "switch-product": Shown(fixed("another product for the last steps"), True, "product"),
    "switch-at": Shown(fixed("the daily dose from which the switch product is used"), True),
    "from-drug": Shown(fixed("the benzodiazepine to switch from"), kind="drug"),
    "from-dose": Shown(
        fixed(
            "optional: TIME=MG, comma-separated, in the day's order (morning=0.5, bedtime=1); "
            "they add up to the daily dose; default: its label's usual times"
        )
    ),
    "from-product": Shown(fixed("optional: default the first listed for the drug"), True, "text"),
    "equivalence": Shown(fixed("whose equivalence table; named on every output"), kind="source"),
    "step-days": Shown(
        fixed("default 7 (Ashton's week): each stage replaces part of a dose"), True
    ),
    "then-pace": Shown(fixed("optional"), kind="pace"),
    "weight": Shown(_weight),
    "age": Shown(lambda p: f"population gates and age cautions. {_population(p)}"),
    "product": Shown(_product, kind="product"),
    "strengths": Shown(fixed("optional, comma-separated: 0.5,1 plans with only these"), True),
    "off-label": Shown(fixed("plans outside the population; printed on every output"), True),
}
# What the page offers beside a command's own text: how each start point is worded.
HINTS_BY_COMMAND: dict[tuple[Command, str], Hint] = {
    ("taper", "from"): current_dose_hint,
    ("switch", "from"): fixed("the old drug's daily dose, one its product makes"),
    ("titrate", "hold"): lambda p: f"default {p.titration.hold_days} (the protocol's)",
    ("taper", "weight"): fixed("optional"),
}
_KINDS: dict[str, Kind] = {"numbers": "number"}
_MANY = frozenset({"numbers", "pauses", "dates", "old_doses"})


def schedule_fields(command: Command) -> tuple[Field, ...]:
    """The page's fields for ``command``'s inputs, in the description's order."""
    return tuple(_field(entry, command) for entry in inputs_of(command, "web"))


def _field(entry: Input, command: Command) -> Field:
    shown = SHOWN[entry.option]
    extra = HINTS_BY_COMMAND.get((command, entry.option), shown.hint)
    bounds = entry.bounds_words()
    unit = f" {entry.unit}" if entry.unit and bounds else ""
    hint: Hint = (lambda p: "; ".join(filter(None, (bounds + unit, extra(p))))) if bounds else extra
    kind: Kind = shown.kind or _KINDS.get(entry.kind) or entry.kind  # type: ignore[assignment]
    head = entry.field.split(".")[0]
    paths = (entry.field,) if head in ("patient", entry.field) else (entry.field, head)
    whole = entry.kind == "whole"
    return Field(
        entry.option,
        entry.label,
        entry.unit,
        kind,
        hint,
        paths,
        required=command in entry.required,
        needed=_doses_by_weight if entry.option == "weight" and command != "taper" else None,
        more=shown.more,
        low=int(entry.low) if whole and entry.low is not None else None,
        high=int(entry.high) if whole and entry.high is not None else None,
        repeatable=entry.kind in _MANY,
        positive=entry.above and entry.low == 0,
    )


# The teaching view (``planner compare``): a dose, a product, an EC50.
TEACHING = (
    Field(
        "from",
        "Current dose",
        "mg/day",
        "number",
        fixed("the daily dose each pace tapers from"),
        ("from_mg_per_day",),
        required=True,
    ),
    *(field for field in schedule_fields("taper") if field.option in ("product", "ec50")),
)
