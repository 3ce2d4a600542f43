"""The inputs of the page and the API: one ``Field`` per command-line option, named as
the option is (``from``, ``step-back``, ``supply-days``), with its label, unit and the
protocol's allowed range as a hint.

A field knows which request fields (``paths``) it fills, so an error the library raises
about ``patient.weight_kg`` is shown beside the weight, and reported in the command
line's words (``--weight (patient.weight_kg): ...``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from planner.core.units import format_decimal, format_mg, mg_to_mcg

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
    return f"at least {protocol.titration.min_interval_days} (the protocol's minimum), up to 365"


def _hold(protocol: Protocol) -> str:
    return f"1 to 3650; default {protocol.titration.hold_days} (the protocol's)"


def _doses_by_weight(protocol: Protocol) -> bool:
    return protocol.by_weight


def _weight(protocol: Protocol) -> str:
    needed = "needed: this protocol doses by weight" if protocol.by_weight else "optional"
    return f"{needed}; up to 300 kg"


def _population(protocol: Protocol) -> str:
    return f"Protocol population: {protocol.population.description}"


def _pace(protocol: Protocol) -> str:
    return f"this protocol offers {', '.join(protocol.paces)}; default {protocol.default_pace}"


def _product(protocol: Protocol) -> str:
    return f"default {protocol.default_product} (the protocol's)"


def current_dose_hint(protocol: Protocol) -> str:
    ceiling = format_decimal(Decimal(protocol.drug.ceiling_mg_per_day))
    return f"the daily dose taken now; at most {ceiling} mg/day"


START = Field("start", "Start date", "", "date", fixed("the first day"), ("start",), required=True)
# A taper needs no weight (it starts from the dose taken); a plan that raises a dose
# by weight does.
TAPER_WEIGHT = Field(
    "weight", "Weight", "kg", "number", fixed("optional; up to 300 kg"), ("patient.weight_kg",)
)
WEIGHT = Field(
    "weight", "Weight", "kg", "number", _weight, ("patient.weight_kg",), needed=_doses_by_weight
)
AGE = Field(
    "age",
    "Age",
    "years",
    "whole",
    lambda p: f"0 to 120; population gates and age cautions. {_population(p)}",
    ("patient.age_years",),
    low=0,
    high=120,
)
PRODUCT = Field("product", "Product", "", "product", _product, ("product",))
STRENGTHS = Field(
    "strengths",
    "Strengths on hand",
    "mg",
    "number",
    fixed("optional, comma-separated: 0.5,1 plans with only these strengths of the product"),
    ("strengths_mg",),
    more=True,
    repeatable=True,
)
OFF_LABEL = Field(
    "off-label",
    "Off-label reason",
    "",
    "text",
    fixed(
        "3 to 500 characters: plans for a patient outside the population; printed on every output"
    ),
    ("off_label_reason",),
    more=True,
)
PATIENT = (WEIGHT, AGE, PRODUCT, STRENGTHS, OFF_LABEL)
TAPER_PATIENT = (TAPER_WEIGHT, *PATIENT[1:])

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

TITRATION = (
    START,
    Field("from", "Current dose", "mg/day", "number", _start_dose, ("from_mg_per_day",)),
    Field("target", "Target dose", "mg/day", "number", _target, ("target_mg_per_day",)),
    Field("step", "Increase per step", "mg/day", "number", _step, ("step_mg_per_day",), more=True),
    Field(
        "interval",
        "Days between increases",
        "days",
        "whole",
        _interval,
        ("interval_days",),
        more=True,
        low=1,
        high=365,
    ),
)
OLDER_ADULT = Field(
    "older-adult",
    "Older adult (65 and over)",
    "",
    "flag",
    fixed("use the protocol's cited lower start and slower steps for 65 and over"),
    ("older_adult",),
    more=True,
)
TAPER_PACE = Field("pace", "Taper pace", "", "pace", _pace, ("pace",))
EC50 = Field(
    "ec50",
    "EC50 of a hyperbolic pace",
    "mg/day",
    "number",
    fixed("0.01 to 100; illustrative, for the hyperbolic pace only"),
    ("ec50_mg_per_day",),
    more=True,
)
TO = Field(
    "to",
    "Taper down to",
    "mg/day",
    "number",
    fixed("optional: a lower dose to hold instead of stopping; below the current dose"),
    ("to_mg_per_day",),
    more=True,
)

# A switch to clonazePAM (``planner switch``): the drug taken now, and the equivalence.
SWITCH = (
    Field(
        "from-drug",
        "Drug taken now",
        "",
        "drug",
        fixed("the benzodiazepine to switch from"),
        ("from_drug",),
        required=True,
    ),
    Field(
        "from",
        "Its daily dose",
        "mg/day",
        "number",
        fixed("the old drug's daily dose, one its product makes"),
        ("from_mg_per_day",),
        required=True,
    ),
    Field(
        "from-dose",
        "Its doses as taken",
        "",
        "old_doses",
        fixed(
            "optional: TIME=MG, comma-separated, in the day's order (morning=0.5, bedtime=1); "
            "they add up to the daily dose; default: its label's usual times"
        ),
        ("from_doses",),
        repeatable=True,
    ),
    Field(
        "equivalence",
        "Equivalence source",
        "",
        "source",
        fixed("whose equivalence table; named on every output"),
        ("equivalence",),
    ),
    Field(
        "step-days",
        "Days per stage",
        "days",
        "whole",
        fixed("7 to 365; default 7 (Ashton's week): each stage replaces part of one dose"),
        ("step_days",),
        more=True,
        low=7,
        high=365,
    ),
    Field(
        "from-product",
        "Its product",
        "",
        "text",
        fixed("optional: the old drug's product id (default: the first listed for it)"),
        ("from_product",),
        more=True,
    ),
    Field("then-pace", "Then taper at", "", "pace", fixed("optional"), ("then_pace",)),
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
    PRODUCT,
    EC50,
)
