"""Patient inputs and requests: a titration or a taper, with a clinician's edits."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from planner.core.limits import MAX_EDITS
from planner.core.plaintext import visible_letters
from planner.core.units import format_decimal
from planner.errors import FieldValueError
from planner.inputs import within
from planner.models.base import (
    Count,
    Date,
    Days,
    Frozen,
    Identifier,
    InputMg,
    StartDate,
    Text,
    WeightKg,
    _exact_number_or_text,
)

# A reason a clinician records must say something: at least this many letters or digits,
# once spaces and invisible characters are set aside (our choice).
REASON_MIN_LETTERS = 3


def _says_something(reason: str) -> str:
    if visible_letters(reason) < REASON_MIN_LETTERS:
        raise ValueError(
            f"must say why in words: at least {REASON_MIN_LETTERS} letters or digits, not only "
            "spaces, punctuation or invisible characters"
        )
    return reason.strip()


Reason = Annotated[Text, Field(max_length=500), AfterValidator(_says_something)]
OffLabelReason = Annotated[
    Reason,
    Field(description="why a patient outside the protocol's population is planned for (printed)"),
]
FasterReason = Annotated[
    Reason,
    Field(
        description="why a clinician's own steps cut faster than the guideline's pace where the "
        "protocol asks for a reason (seizures); printed on every output"
    ),
]


# The strengths on hand (--strengths 0.5,1): the product is planned with these only.
Strengths = Annotated[
    tuple[Annotated[InputMg, within("strengths_mg", "titrate")], ...],
    Field(max_length=12),
]


class PatientInputs(Frozen):
    """What is known of the patient; weight is required only by weight-based protocols."""

    weight_kg: Annotated[WeightKg, within("patient.weight_kg", "titrate")] | None = None
    age_years: Annotated[Count, within("patient.age_years", "titrate")] | None = None


class _Rise(Frozen):
    """What a titration and a whole course share: the start, the patient, the product,
    and the rise (from a current dose, or from the protocol's start dose)."""

    start: StartDate
    from_mg_per_day: Annotated[InputMg, within("from_mg_per_day", "titrate")] | None = None
    patient: PatientInputs = Field(default_factory=PatientInputs)
    product: Identifier | None = None
    strengths_mg: Strengths = ()
    target_mg_per_day: Annotated[InputMg, within("target_mg_per_day", "titrate")] | None = None
    step_mg_per_day: Annotated[InputMg, within("step_mg_per_day", "titrate")] | None = None
    interval_days: Annotated[Count, within("interval_days", "titrate")] | None = None


class TitrationRequest(_Rise):
    """Ask for a titration: start date, patient, and optional overrides of the protocol.

    ``from_mg_per_day`` is the dose the patient already takes: the titration keeps it for
    one interval from day 1, then rises from it (not from the protocol's start dose).
    """

    hold_days: Annotated[Count, within("hold_days", "titrate")] | None = None
    older_adult: bool = Field(
        False, description="use the protocol's cited lower start and slower steps (65 and over)"
    )
    off_label_reason: OffLabelReason | None = None


class Pause(Frozen):
    """Hold the dose taken on ``date`` for ``days`` more days; every later step moves."""

    kind: Literal["pause"]
    date: Date
    days: Days


class StepBack(Frozen):
    """From ``date``, return to the previous (higher) dose, then reduce more slowly."""

    kind: Literal["step_back"]
    date: Date


class Slower(Frozen):
    """From ``date``, every interval of the pace ``factor`` times as long (a revision)."""

    kind: Literal["slower"]
    date: Date
    factor: Annotated[
        Decimal, BeforeValidator(_exact_number_or_text), Field(gt=1, le=4, decimal_places=2)
    ]


class Taken(Frozen):
    """The patient has taken ``mg_per_day`` since ``date`` (a revision at a visit): the
    taper goes on from that dose at its pace."""

    kind: Literal["taken"]
    date: Date
    mg_per_day: Annotated[InputMg, Field(gt=0)]


class Target(Frozen):
    """From ``date``, the taper comes down to ``mg_per_day`` and holds it (0: to a stop):
    a new end dose decided at a visit (a revision)."""

    kind: Literal["target"]
    date: Date
    mg_per_day: InputMg


Edit = Annotated[Pause | StepBack | Slower | Taken | Target, Field(discriminator="kind")]
EDIT_KINDS = frozenset({"pause", "step_back", "slower", "taken", "target"})


class ProductSwitch(Frozen):
    """Change product partway, once the daily dose is at or below a threshold."""

    at_or_below_mg_per_day: Annotated[
        InputMg, within("switch_product.at_or_below_mg_per_day", "taper")
    ]
    product: Identifier


class CustomStep(Frozen):
    """One step of a clinician's own taper: a daily dose held for some days."""

    mg_per_day: Annotated[InputMg, Field(gt=0)]
    days: Days


# A clinician's own steps are a taper's alone, written in its plan file.
CUSTOM_IN_A_PLAN = (
    "'custom' is a clinician's own steps: plan them as a taper with custom_steps in a plan "
    "file; here, choose a published pace"
)

# A partial taper holds its lower dose this long unless told otherwise: a month, then a
# review (our choice; ASAM 2025: a lower maintenance dose can be an acceptable end point).
PARTIAL_TAPER_HOLD_DAYS = 28


class TaperRequest(Frozen):
    """Ask for a taper from the current daily dose at a named pace: to zero, or down to a
    lower maintenance dose ``to_mg_per_day`` held for ``hold_days`` (a partial taper)."""

    start: StartDate
    from_mg_per_day: Annotated[InputMg, within("from_mg_per_day", "taper")]
    to_mg_per_day: Annotated[InputMg, within("to_mg_per_day", "taper")] = Decimal(0)
    hold_days: Annotated[Count, within("hold_days", "taper")] | None = None
    patient: PatientInputs = Field(default_factory=PatientInputs)
    product: Identifier | None = None
    strengths_mg: Strengths = ()
    pace: Identifier | None = None
    switch_product: ProductSwitch | None = None
    custom_steps: tuple[CustomStep, ...] = Field((), max_length=MAX_EDITS)
    edits: tuple[Edit, ...] = Field((), max_length=MAX_EDITS)
    ec50_mg_per_day: Annotated[InputMg, within("ec50_mg_per_day", "taper")] | None = None
    off_label_reason: OffLabelReason | None = None
    source: Annotated[Text, Field(min_length=3, max_length=500)] | None = Field(
        None, description="where custom steps come from (a citation); printed on every output"
    )
    faster_reason: FasterReason | None = None
    slow_down_factor: Annotated[
        Decimal,
        BeforeValidator(_exact_number_or_text),
        within("slow_down_factor", "taper"),
    ] = Decimal("1.5")

    @property
    def partial(self) -> bool:
        """Whether the taper ends on a lower dose instead of stopping."""
        return self.to_mg_per_day > 0

    @property
    def held_days(self) -> int:
        """How long a partial taper holds its lower dose."""
        return self.hold_days if self.hold_days is not None else PARTIAL_TAPER_HOLD_DAYS

    @model_validator(mode="after")
    def _partial_taper(self) -> Self:
        if self.to_mg_per_day >= self.from_mg_per_day:
            raise FieldValueError(
                f"{self.to_mg_per_day} mg/day is not below the current dose "
                f"of {self.from_mg_per_day} mg/day",
                field="to_mg_per_day",
            )
        if self.hold_days is not None and not self.partial:
            raise FieldValueError(
                "a taper to zero holds nothing; give to_mg_per_day too", field="hold_days"
            )
        if self.partial and self.custom_steps:
            raise FieldValueError(
                "custom steps set their own end; give one or the other", field="to_mg_per_day"
            )
        if self.faster_reason is not None and not self.custom_steps:
            raise FieldValueError(
                "only a clinician's own steps (custom_steps) may be faster than "
                "the guideline's pace",
                field="faster_reason",
            )
        return self

    @model_validator(mode="after")
    def _custom_or_pace(self) -> Self:
        if self.custom_steps and self.pace not in (None, "custom"):
            raise FieldValueError("give a pace or custom_steps, not both", field="pace")
        if self.pace == "custom" and not self.custom_steps:
            raise FieldValueError(
                "'custom' is a clinician's own steps: give them as custom_steps in a plan file",
                field="pace",
            )
        dates = [edit.date for edit in self.edits]
        twice = sorted({date for date in dates if dates.count(date) > 1})
        if twice:
            raise FieldValueError(
                f"two edits on the same date, {twice[0]}; give one a day", field="edits"
            )
        return self

    @field_validator("edits")
    @classmethod
    def _edits_in_date_order(cls, edits: tuple[Edit, ...]) -> tuple[Edit, ...]:
        """Edits apply in date order, whatever order they were given in."""
        return tuple(sorted(edits, key=lambda edit: edit.date))


class CourseRequest(_Rise):
    """Ask for the whole course: titrate (from nothing or a current dose) to the target,
    keep it ``maintain_days``, then taper at a pace (to zero, or to ``to_mg_per_day``).

    ``hold_days`` is the titration's name for the time at the target; a course calls it
    ``maintain_days``. ``taper_hold_days`` holds a partial taper's lower dose.
    """

    maintain_days: Annotated[Count, within("maintain_days", "course")]
    pace: Identifier | None = None
    ec50_mg_per_day: Annotated[InputMg, within("ec50_mg_per_day", "course")] | None = None
    to_mg_per_day: Annotated[InputMg, within("to_mg_per_day", "course")] = Decimal(0)
    taper_hold_days: Annotated[Count, within("taper_hold_days", "course")] | None = None
    older_adult: bool = False
    off_label_reason: OffLabelReason | None = None

    @model_validator(mode="after")
    def _published_pace(self) -> Self:
        if self.pace == "custom":
            raise FieldValueError(CUSTOM_IN_A_PLAN, field="pace")
        return self

    @model_validator(mode="after")
    def _partial_end(self) -> Self:
        if self.taper_hold_days is not None and self.to_mg_per_day == 0:
            raise FieldValueError(
                "a taper to zero holds nothing; give to_mg_per_day too", field="taper_hold_days"
            )
        return self


# Ashton 2002: each stage of a switch is held about a week; at least this long.
SWITCH_STEP_DAYS = 7


class OldDose(Frozen):
    """One dose of the drug switched from, as the patient takes it: a time of day of the
    equivalences file ('morning', 'afternoon', 'bedtime', ...) and the dose in mg."""

    time: Identifier
    mg: Annotated[InputMg, Field(gt=0)]


class SwitchRequest(Frozen):
    """Ask for a switch to clonazePAM from another benzodiazepine, in stages that each
    replace part of one dose of the day, each held ``step_days`` (at least Ashton's week);
    then, optionally, a clonazePAM taper at ``then_pace``.

    ``from_doses`` are the old drug's doses as the patient takes them (default: its
    label's usual divided schedule); they add up to ``from_mg_per_day``.
    ``equivalence`` names the source of the equivalence used (default: the file's).
    """

    start: StartDate
    from_drug: Identifier
    from_mg_per_day: Annotated[InputMg, within("from_mg_per_day", "switch")]
    from_doses: tuple[OldDose, ...] = Field((), max_length=6)
    from_product: Identifier | None = None
    patient: PatientInputs = Field(default_factory=PatientInputs)
    product: Identifier | None = None
    strengths_mg: Strengths = ()
    equivalence: Identifier | None = None
    step_days: Annotated[Count, within("step_days", "switch")] = SWITCH_STEP_DAYS
    then_pace: Identifier | None = None
    off_label_reason: OffLabelReason | None = None

    @model_validator(mode="after")
    def _published_then_pace(self) -> Self:
        if self.then_pace == "custom":
            raise FieldValueError(CUSTOM_IN_A_PLAN, field="then_pace")
        return self

    @model_validator(mode="after")
    def _doses_add_up(self) -> Self:
        if not self.from_doses:
            return self
        times = [dose.time for dose in self.from_doses]
        twice = next((time for time in times if times.count(time) > 1), None)
        if twice is not None:
            raise FieldValueError(
                f"{twice} is given twice; give each time of day once", field="from_doses"
            )
        total = sum((dose.mg for dose in self.from_doses), Decimal(0))
        if total != self.from_mg_per_day:
            raise FieldValueError(
                f"the doses add up to {format_decimal(total)} mg/day, not the "
                f"daily dose of {format_decimal(self.from_mg_per_day)} mg/day",
                field="from_doses",
            )
        return self
