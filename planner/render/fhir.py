"""The schedule as a FHIR R4 Bundle of MedicationRequest resources, for an EHR to import.

Built with fhir.resources' R4B models, so every resource is validated as it is made. One
MedicationRequest per step, per drug and per strength taken in it: a strength is what an
RxNorm clinical-drug code names, so each request is coded where the products file gives
a code, and a switch's old drug gets requests of its own. The requests of one step share
a ``groupIdentifier``; their doses add up to the step's daily total.

Each request is ``status = draft``, ``intent = proposal``: a plan for a clinician to
review, never an order, as its note says. Each time of day is one ``dosageInstruction``:
once a day at its clock (``timing.repeat.timeOfDay``) within the step's dates
(``boundsPeriod``), its dose in mg (UCUM) as an exact decimal, its units in the text.
The last step of a schedule that ends on a held dose (a titration, a partial taper, a
switch alone) has a start and no end, as the patient's instructions say to keep taking
it; every other step ends the day before the next begins.

The bytes depend on the inputs only: ids come from the fingerprint (and the patient's
name, where given), and nothing records the time it was made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.dosage import Dosage, DosageDoseAndRate
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.timing import Timing, TimingRepeat

from planner import __version__
from planner.core.units import format_mg, mcg_to_mg
from planner.core.wording import DISCLAIMER
from planner.domain.products import UnitCount, describe_units
from planner.domain.provenance import fingerprint, statement_lines
from planner.render.instructions import keeps_on

if TYPE_CHECKING:
    from planner.domain.schedule import DoseStep, Schedule
    from planner.models import DoseTime, Product
    from planner.safety import SafetyReport

UCUM = "http://unitsofmeasure.org"
# A drug's doses in one step: the time of day and the units of it taken then.
Taken = list[tuple["DoseTime", tuple[UnitCount, ...]]]


def render_fhir(
    schedule: Schedule,
    report: SafetyReport,
    *,
    patient: str | None = None,
    clocks: Mapping[str, dt.time] | None = None,
) -> bytes:
    """The Bundle as JSON bytes; see the module docstring. ``report`` is the safety report
    the schedule passed (only a checked schedule is ever rendered); ``clocks`` move a time
    of day as ``--dose-time`` does, so the Bundle and the calendar file agree."""
    del report  # a passed report adds nothing a request can carry
    stamp = fingerprint(schedule)
    key = hashlib.sha256(f"{stamp}\n{patient or ''}".encode()).hexdigest()[:16]
    subject = Reference(display=patient or "the patient (not named in the plan)")
    entries = [
        BundleEntry(fullUrl=f"urn:uuid:{_uuid(key, request.id or '')}", resource=request)
        for request in _requests(schedule, key, subject, stamp, clocks or {})
    ]
    bundle = Bundle(
        id=f"dose-planner-{key}",
        identifier=Identifier(system="urn:ietf:rfc:3986", value=f"urn:uuid:{_uuid(key, '')}"),
        type="collection",
        entry=entries or None,
    )
    return (bundle.model_dump_json(indent=2) + "\n").encode("utf-8")


def _requests(
    schedule: Schedule, key: str, subject: Reference, stamp: str, clocks: Mapping[str, dt.time]
) -> Iterator[MedicationRequest]:
    for number, step in enumerate(schedule.steps, start=1):
        group = Identifier(value=f"{key}-step-{number}")
        for product, taken in _drugs(schedule, step):
            strengths = sorted({u.strength_mcg for _, units in taken for u in units}, reverse=True)
            for strength in strengths:
                doses = [
                    (time, tuple(u for u in units if u.strength_mcg == strength))
                    for time, units in taken
                ]
                yield MedicationRequest(
                    id=f"{key}-{number}-{product.id}-{strength}"[:64],
                    status="draft",
                    intent="proposal",
                    groupIdentifier=group,
                    medicationCodeableConcept=_medication(product, strength),
                    subject=subject,
                    note=[Annotation(text=_note(schedule, step, number, stamp))],
                    dosageInstruction=[
                        _dosage(
                            index,
                            time,
                            units,
                            product,
                            step,
                            clocks.get(time.name),
                            continuing=keeps_on(schedule, step),
                        )
                        for index, (time, units) in enumerate(doses, start=1)
                        if units
                    ],
                )


def _drugs(schedule: Schedule, step: DoseStep) -> Iterator[tuple[Product, Taken]]:
    """The step's product, and during a switch the old drug's, with what is taken when."""
    mine = [(dose.time, dose.units) for dose in step.doses if dose.units]
    if mine:
        yield step.product, mine
    if schedule.switch is not None:
        other = [(d.time, d.units) for d in step.other_doses if d.units]
        if other:
            yield schedule.switch.product, other


def _medication(product: Product, strength_mcg: int) -> CodeableConcept:
    found = next(s for s in product.strengths if s.mcg == strength_mcg)
    codings = [Coding(system=c.system, code=c.code, display=c.display) for c in found.codes]
    return CodeableConcept(
        coding=codings or None,
        text=f"{product.name}: {format_mg(strength_mcg)} {product.unit}",
    )


def _dosage(
    sequence: int,
    time: DoseTime,
    units: tuple[UnitCount, ...],
    product: Product,
    step: DoseStep,
    clock: dt.time | None,
    *,
    continuing: bool,
) -> Dosage:
    mcg = sum(unit.mcg for unit in units)
    end = None if continuing else step.end
    return Dosage(
        sequence=sequence,
        text=f"{describe_units(units, product)} {time.label}",
        timing=Timing(
            repeat=TimingRepeat(
                boundsPeriod=Period(start=step.start, end=end),
                frequency=1,
                period=Decimal(1),
                periodUnit="d",
                timeOfDay=[clock or time.clock],
            )
        ),
        doseAndRate=[
            DosageDoseAndRate(
                doseQuantity=Quantity(value=mcg_to_mg(mcg), unit="mg", system=UCUM, code="mg")
            )
        ],
    )


def _note(schedule: Schedule, step: DoseStep, number: int, stamp: str) -> str:
    protocol = schedule.protocol
    daily = f"{format_mg(step.total_mcg)} a day of {protocol.drug.tall_man}"
    if schedule.switch is not None and step.other_mcg:
        daily += f" and {format_mg(step.other_mcg)} a day of {schedule.switch.drug_name}"
    review = f"; review by {schedule.next_review}" if schedule.next_review else ""
    dates = (
        f"from {step.start.isoformat()}, continuing until the prescriber reviews it{review}"
        if keeps_on(schedule, step)
        else f"{step.start.isoformat()} to {step.end.isoformat()}"
    )
    if step.review:
        dates += f"; review with the prescriber on {step.start.isoformat()}"
    # What the clinician wrote of the plan, on every output: the off-label reason, the
    # source of their own steps, and why they cut faster than the guideline.
    written = " ".join(filter(None, [schedule.off_label, *statement_lines(schedule)]))
    return (
        f"A proposal for clinician review, not an order. Step {number} ({step.phase}): "
        f"{daily}, {dates}. {written + ' ' if written else ''}"
        f"Protocol {protocol.id} {protocol.version}, dose-planner {__version__}, "
        f"fingerprint {stamp}. {DISCLAIMER}"
    )


def _uuid(key: str, name: str) -> uuid.UUID:
    """A name-based UUID (version 5): the same key and name give the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:dose-planner:{key}/{name}")
