"""What an input is: one entry of the inputs' description (``planner.inputs``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Command = Literal["titrate", "taper", "course", "switch"]
Front = Literal["cli", "web", "batch", "plan", "api"]
Kind = Literal[
    "date",  # YYYY-MM-DD
    "number",  # an exact decimal
    "whole",  # a whole number
    "text",
    "flag",  # true or false
    "id",  # an identifier of the files: a product, a pace, a drug, a source
    "numbers",  # several numbers (the strengths on hand)
    "pauses",  # DATE:DAYS, several
    "dates",  # several dates
    "old_doses",  # TIME=MG, several
]

SCHEDULES: tuple[Command, ...] = ("titrate", "taper", "course", "switch")
EVERY_FRONT: frozenset[Front] = frozenset({"cli", "web", "batch", "plan", "api"})


@dataclass(frozen=True)
class Input:
    """One input. ``field`` is the request's field path (``patient.weight_kg``); ``option``
    the command line's long option without dashes; ``column`` the batch column and plan
    key (the field's last part unless it differs). A range is ``low`` to ``high``, with
    ``above`` for a low bound the value must exceed rather than reach."""

    field: str
    option: str
    label: str
    unit: str
    kind: Kind
    help: str | Mapping[Command, str]
    commands: tuple[Command, ...]
    required: tuple[Command, ...] = ()
    low: Decimal | None = None
    high: Decimal | None = None
    above: bool = False  # low is exclusive: "more than 0"
    fronts: frozenset[Front] = EVERY_FRONT
    column: str = ""

    @property
    def key(self) -> str:
        """The batch column and plan-file key."""
        return self.column or self.field.rsplit(".", 1)[-1]

    @property
    def gathered(self) -> bool:
        """One of a pair of inputs that make one request field together (pauses and step
        backs; a product switch and its dose), which a front end gathers itself."""
        return self.field == "edits" or self.field.startswith("switch_product.")

    @property
    def parameter(self) -> str:
        """The command line's parameter name (a Python identifier)."""
        return self.option.replace("-", "_")

    def help_for(self, command: Command) -> str:
        return self.help if isinstance(self.help, str) else self.help[command]

    def bounds_words(self) -> str:
        """'1 to 365', 'more than 0', 'at most 300', or '' where there is no range."""
        low = "" if self.low is None else f"{self.low}"
        if self.low is not None and self.high is not None and not self.above:
            return f"{low} to {self.high}"
        words = [f"more than {low}" if self.above else f"at least {low}"] if low else []
        words += [f"at most {self.high}"] if self.high is not None else []
        return ", ".join(words)
