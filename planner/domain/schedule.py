"""The result of planning: a schedule of dose steps, as plain frozen dataclasses.

A ``Schedule`` is a list of ``DoseStep``: a daily total held from one date for some
days, divided into one ``Dose`` per time of day of the protocol, each made of units of
one product. Every amount is integer micrograms. Nothing here computes a dose; the
engine does that, and ``planner.safety`` checks the result.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from dataclasses import MISSING, dataclass, fields, replace
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from planner.core.limits import MAX_SCHEDULE_DAYS
from planner.core.units import format_mg
from planner.core.wording import DISCLAIMER
from planner.domain.products import UnitCount, describe_units
from planner.errors import InputError
from planner.models import (
    CourseRequest,
    DoseTime,
    Pace,
    Product,
    Protocol,
    SwitchRequest,
    TaperRequest,
    TitrationRequest,
)

PhaseName = Literal["switch", "titration", "maintenance", "taper", "stop"]
EditName = Literal["", "pause", "step back", "taken"]
ScheduleKind = Literal["titration", "taper", "course", "switch"]


@dataclass(frozen=True)
class OtherDose:
    """During a switch, the drug switched from, taken at one of its own times of day:
    ``mcg`` of it, made of ``units`` of the schedule's ``switch.product``."""

    time: DoseTime
    mcg: int
    units: tuple[UnitCount, ...]


@dataclass(frozen=True)
class Dose:
    """What is taken at one time of day: ``mcg`` made of ``units`` (none when 0)."""

    time: DoseTime
    mcg: int
    units: tuple[UnitCount, ...]


@dataclass(frozen=True)
class Switch:
    """A switch from another benzodiazepine: the drug, its product, the times of day the
    patient takes it at, and the equivalence used, named by its source (``ratio``: mcg of
    clonazePAM for 1 mcg of the drug), with the figure every other source gives, so no
    source is picked silently."""

    drug_id: str
    drug_name: str
    product: Product
    source: str
    citation: str
    ratio: Fraction
    figures: tuple[tuple[str, Fraction], ...]
    times: tuple[DoseTime, ...] = ()  # the old drug's own times of day, in the day's order
    regimen: tuple[int, ...] = ()  # its dose at each of ``times`` before day 1, in mcg

    def before(self, time: DoseTime) -> int:
        """The old drug's dose at ``time`` before day 1 (0 at a time it is not taken)."""
        return dict(zip(self.times, self.regimen, strict=True)).get(time, 0)


@dataclass(frozen=True)
class DoseStep:
    """One daily total held for ``days`` days from ``start`` (day ``first_day``, 1-based),
    made of units of ``product``; ``edit`` marks a clinician's pause or step back."""

    start: dt.date
    first_day: int
    days: int
    total_mcg: int
    doses: tuple[Dose, ...]
    phase: PhaseName
    product: Product
    note: str = ""
    edit: EditName = ""
    review: bool = False  # a review with the prescriber falls on its first day
    # During a switch, the drug switched from at its own times of day (the doses left).
    other_doses: tuple[OtherDose, ...] = ()

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    @classmethod
    def made(cls, **values: object) -> DoseStep:
        """``DoseStep(**values)``, without the dataclass's bookkeeping for each field (a
        batch makes millions of steps): every field without a default must be given."""
        if not _STEP_REQUIRED <= values.keys() <= _STEP_FIELDS:
            missing = sorted(_STEP_REQUIRED - values.keys())
            unknown = sorted(values.keys() - _STEP_FIELDS)
            raise TypeError(f"DoseStep: missing {missing}, unknown {unknown}")
        step = object.__new__(cls)
        step.__dict__.update(_STEP_DEFAULTS, **values)
        return step

    def replaced(self, **changes: object) -> DoseStep:
        """``dataclasses.replace`` for a step, without its bookkeeping for each field (a
        batch replaces millions): the same step with ``changes``, which must be fields."""
        if not changes.keys() <= _STEP_FIELDS:
            raise TypeError(f"DoseStep has no field {sorted(changes.keys() - _STEP_FIELDS)[0]!r}")
        step = object.__new__(DoseStep)
        step.__dict__.update(self.__dict__, **changes)
        return step

    @property
    def other_mcg(self) -> int:
        """The other drug's daily total during a switch (0 otherwise)."""
        return sum(dose.mcg for dose in self.other_doses)

    @property
    def last_day(self) -> int:
        return self.first_day + self.days - 1


_STEP_FIELDS = frozenset(field.name for field in fields(DoseStep))
_STEP_DEFAULTS = {f.name: f.default for f in fields(DoseStep) if f.default is not MISSING}
_STEP_REQUIRED = _STEP_FIELDS - _STEP_DEFAULTS.keys()


@dataclass(frozen=True)
class Limits:
    """The numbers a schedule must keep to, resolved for this patient (weight, product)."""

    maximum_mcg: int
    ceiling_mcg: int
    start_limit_mcg: int
    step_max_mcg: int
    min_interval_days: int
    smallest_dose_mcg: int


def check_length(days: int) -> None:
    """A schedule lasts at most ``MAX_SCHEDULE_DAYS``: longer is a typing mistake (a
    century of pauses), and it would run away with time and memory."""
    if days > MAX_SCHEDULE_DAYS:
        raise InputError(
            f"the schedule would last {days:,} days, more than the limit of "
            f"{MAX_SCHEDULE_DAYS:,} (about 10 years); shorten the holds or pauses"
        )


@dataclass(frozen=True)
class Revised:
    """A revision of a plan at a visit: from ``on``, as ``mark`` says ('2027-04-15,
    version 2: held 14 days: <reason>')."""

    on: dt.date
    mark: str


@dataclass(frozen=True)
class Schedule:
    """A day-by-day plan for one patient, with where it came from and what to watch."""

    kind: ScheduleKind
    protocol: Protocol
    product: Product
    request: TitrationRequest | TaperRequest | CourseRequest | SwitchRequest
    limits: Limits
    steps: tuple[DoseStep, ...]
    previous_mcg: int
    pace: Pace | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    off_label: str = ""  # why a patient outside the protocol's population was planned for
    # How long the dose before day 1 was held, where known (a course's maintenance, for
    # its taper); None assumes one interval of the protocol or pace.
    prior_days: int | None = None
    switch: Switch | None = None  # the drug switched from, where the schedule is a switch
    # The weight each daily total is shown per kg of: a weight-based protocol's patient,
    # or any patient under 18 whose weight is known (None: mg/day only).
    weight_kg: Decimal | None = None
    # Where the schedule ends on a dose the patient goes on taking: the date by which the
    # next review with the prescriber is due (None where it ends with a stop).
    next_review: dt.date | None = None
    # A revised plan's earlier versions, oldest first: a calendar file cancels the events
    # they gave that this version does not.
    earlier_versions: tuple[Schedule, ...] = ()
    # Each revision at a visit: its date, and what it changed and why.
    revisions: tuple[Revised, ...] = ()

    @property
    def products(self) -> tuple[Product, ...]:
        """Every product the schedule uses, in order (more than one after a switch)."""
        seen: list[Product] = []
        for step in self.steps:
            if step.total_mcg and step.product not in seen:
                seen.append(step.product)
        return tuple(seen) or (self.product,)

    @property
    def dose_before_mcg(self) -> int | None:
        """The daily dose the patient took before day 1 (None when starting the drug)."""
        return self.previous_mcg or None

    @property
    def reviews(self) -> tuple[dt.date, ...]:
        """The days the plan is reviewed with the prescriber."""
        return tuple(step.start for step in self.steps if step.review)

    @property
    def start(self) -> dt.date:
        return self.steps[0].start

    @property
    def end(self) -> dt.date:
        return self.steps[-1].end

    @property
    def days(self) -> int:
        return self.steps[-1].last_day

    def followed_by(self, later: Schedule) -> Schedule:
        """This schedule, then ``later`` (planned to start the day after this one ends) as
        one: its steps numbered on, its pace and last product's smallest dose, and the
        warnings and notes of both, each once."""
        offset = self.days
        check_length(offset + later.days)
        return replace(
            self,
            steps=(
                *self.steps,
                *(replace(step, first_day=step.first_day + offset) for step in later.steps),
            ),
            pace=later.pace,
            limits=replace(self.limits, smallest_dose_mcg=later.limits.smallest_dose_mcg),
            warnings=tuple(dict.fromkeys(self.warnings + later.warnings)),
            notes=tuple(dict.fromkeys(self.notes + later.notes)),
        )

    def times_of_day(self) -> list[DoseTime]:
        """The times of day doses are taken at, in the day's order: the protocol's, and
        during a switch the old drug's own too (each name once)."""
        times = {t.name: t for t in self.protocol.dose_times}
        if self.switch is not None:
            times.update((t.name, t) for t in self.switch.times if t.name not in times)
        return sorted(times.values(), key=lambda t: t.clock)

    def _repr_html_(self) -> str:
        """The steps as a table where a notebook shows the schedule (Jupyter); during a
        switch each drug's total and each dose named."""
        times = self.times_of_day()
        head = ["From", "To", "Days", "Phase", "Daily", *(t.name.capitalize() for t in times)]
        rows = []
        for step in self.steps:
            cells = [str(step.start), str(step.end), str(step.days), step.phase]
            cells.append(self._total_text(step))
            cells += [self._doses_text(step, time) for time in times]
            rows.append("".join(f"<td>{html.escape(cell)}</td>" for cell in cells))
        title = (
            f"{self.protocol.drug.tall_man} {self.kind}: {self.protocol.title}, "
            f"{self.days} days from {self.start}"
        )
        return (
            f"<p><b>{html.escape(title)}</b><br><i>{html.escape(DISCLAIMER)}</i></p>"
            "<table><thead><tr>"
            + "".join(f"<th>{html.escape(cell)}</th>" for cell in head)
            + "</tr></thead><tbody>"
            + "".join(f"<tr>{row}</tr>" for row in rows)
            + "</tbody></table>"
        )

    def _total_text(self, step: DoseStep) -> str:
        if self.switch is None:
            return format_mg(step.total_mcg)
        return (
            f"{self.protocol.drug.tall_man} {format_mg(step.total_mcg)}, "
            f"{self.switch.drug_name} {format_mg(step.other_mcg)}"
        )

    def _doses_text(self, step: DoseStep, time: DoseTime) -> str:
        """What is taken at ``time``: '0.5 mg (1 x 0.5 mg)', each drug named in a switch."""
        texts = [
            f"{self._named(self.protocol.drug.tall_man)}{format_mg(dose.mcg)} "
            f"({describe_units(dose.units, step.product)})"
            for dose in step.doses
            if dose.mcg and dose.time.name == time.name
        ]
        if self.switch is not None:
            texts += [
                f"{self.switch.drug_name} {format_mg(dose.mcg)} "
                f"({describe_units(dose.units, self.switch.product)})"
                for dose in step.other_doses
                if dose.time.name == time.name
            ]
        return "; ".join(texts) or "-"

    def _named(self, drug: str) -> str:
        return f"{drug} " if self.switch is not None else ""

    def daily(self) -> Iterator[tuple[dt.date, int, DoseStep]]:
        """Every day of the schedule: its date, its 1-based day number, and its step."""
        for step in self.steps:
            for offset in range(step.days):
                yield step.start + dt.timedelta(days=offset), step.first_day + offset, step
