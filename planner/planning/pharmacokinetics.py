"""Estimated plasma concentration: a one-compartment model with first-order absorption.

For education only: model estimates, not patient measurements. Each dose enters a gut
compartment (times bioavailability), is absorbed at rate ka into a central volume V, and
is eliminated at rate ke; doses add up (the model is linear in dose). Between doses the
state advances exactly:

    gut(t + h)     = gut(t) * exp(-ka h)
    central(t + h) = central(t) * exp(-ke h)
                     + gut(t) * ka / (ka - ke) * (exp(-ke h) - exp(-ka h))

Concentrations are floats: they are model outputs, not doses.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from planner.core.plaintext import csv_comment
from planner.domain.products import dose_maker
from planner.domain.schedule import Schedule
from planner.errors import InputError
from planner.models import Pharmacokinetics

DEFAULT_WEIGHT_KG = Decimal(70)
EDUCATION_NOTE = "Illustration for education: model estimates, not patient measurements."
WASHOUT_DAYS = 7  # simulated after a taper's last day, so the fall to zero shows
RUN_IN_DAYS = 42  # a taper starts from steady state: about 25 half-lives on the current dose


@dataclass(frozen=True)
class ModelParameters:
    """The model's rates and volume for one patient."""

    bioavailability: float
    ka_per_hour: float
    ke_per_hour: float
    volume_l: float
    weight_kg: Decimal
    weight_given: bool

    @classmethod
    def for_patient(cls, pk: Pharmacokinetics, weight_kg: Decimal | None) -> ModelParameters:
        weight = weight_kg if weight_kg is not None else DEFAULT_WEIGHT_KG
        return cls(
            bioavailability=float(pk.bioavailability),
            ka_per_hour=math.log(2) / (float(pk.absorption_half_life_minutes) / 60),
            ke_per_hour=math.log(2) / float(pk.elimination_half_life_hours),
            volume_l=float(pk.volume_l_per_kg * weight),
            weight_kg=weight,
            weight_given=weight_kg is not None,
        )

    def accumulation(self, interval_hours: float) -> float:
        """Steady state over first dose, for a dose every ``interval_hours``."""
        return 1 / (1 - math.exp(-self.ke_per_hour * interval_hours))


def simulate_doses(
    doses: list[tuple[float, float]], parameters: ModelParameters, hours: int
) -> list[float]:
    """Concentration in ng/mL at each whole hour 0..hours, for (hour, mg) doses."""
    ka, ke = parameters.ka_per_hour, parameters.ke_per_hour
    pending = sorted(doses)
    gut = central = 0.0
    now = 0.0
    curve: list[float] = []

    def advance(to: float) -> None:
        nonlocal gut, central, now
        step = to - now
        if step > 0:
            decay_a, decay_e = math.exp(-ka * step), math.exp(-ke * step)
            central = central * decay_e + gut * ka / (ka - ke) * (decay_e - decay_a)
            gut *= decay_a
            now = to

    index = 0
    for hour in range(hours + 1):
        while index < len(pending) and pending[index][0] <= hour:
            advance(pending[index][0])
            gut += parameters.bioavailability * pending[index][1]
            index += 1
        advance(hour)
        curve.append(central / parameters.volume_l * 1000)  # mg/L to ng/mL
    return curve


@dataclass(frozen=True)
class ConcentrationCurve:
    """Hourly estimated concentrations for a schedule, with the model's assumptions."""

    start: dt.datetime
    ng_per_ml: tuple[float, ...]
    parameters: ModelParameters
    pk: Pharmacokinetics

    def times(self) -> list[dt.datetime]:
        return [self.start + dt.timedelta(hours=h) for h in range(len(self.ng_per_ml))]

    def assumptions(self) -> str:
        pk = self.pk
        weight = f"{self.parameters.weight_kg} kg" + (
            "" if self.parameters.weight_given else " (not given; 70 kg assumed)"
        )
        return (
            f"One-compartment model: bioavailability {pk.bioavailability}, absorption "
            f"half-life {pk.absorption_half_life_minutes} min, volume {pk.volume_l_per_kg} L/kg, "
            f"elimination half-life {pk.elimination_half_life_hours} h, weight {weight}."
        )


def concentration_curve(
    schedule: Schedule,
    *,
    weight_kg: Decimal | None = None,
    clocks: dict[str, dt.time] | None = None,
) -> ConcentrationCurve:
    """Every dose of the schedule at its time of day, simulated hour by hour."""
    pk = schedule.protocol.pharmacokinetics
    if pk is None:
        raise InputError(f"{schedule.protocol.id} has no [pharmacokinetics] section to model")
    weight = weight_kg if weight_kg is not None else schedule.request.patient.weight_kg
    parameters = ModelParameters.for_patient(pk, weight)
    clocks = clocks or {}
    start = dt.datetime.combine(schedule.start, dt.time(0))
    doses = []
    run_in = RUN_IN_DAYS if schedule.kind == "taper" else 0
    if run_in:
        # The current dose, divided over the day as the product divides it, for weeks before.
        first = schedule.steps[0]
        amounts = dose_maker(first.product).split_daily(schedule.previous_mcg, len(first.doses))
        for day in range(-run_in, 0):
            for time, amount in zip(schedule.protocol.dose_times, amounts, strict=True):
                if amount:
                    clock = clocks.get(time.name, time.clock)
                    taken = dt.datetime.combine(schedule.start + dt.timedelta(days=day), clock)
                    doses.append(
                        ((taken - start).total_seconds() / 3600 + run_in * 24, amount / 1000)
                    )
    for date, _, step in schedule.daily():
        for dose in step.doses:
            if dose.mcg:
                clock = clocks.get(dose.time.name, dose.time.clock)
                taken = dt.datetime.combine(date, clock)
                hour = (taken - start).total_seconds() / 3600 + run_in * 24
                doses.append((hour, dose.mcg / 1000))
    washout = WASHOUT_DAYS if schedule.kind == "taper" else 0
    hours = (run_in + schedule.days + washout) * 24
    curve = simulate_doses(doses, parameters, hours)[run_in * 24 :]
    return ConcentrationCurve(start, tuple(curve), parameters, pk)


def concentration_csv(curve: ConcentrationCurve, about: tuple[str, ...] = ()) -> bytes:
    """Hour by hour: ``time`` (ISO, local) and ``ng_per_ml``, under a # header that
    starts with ``about`` (the schedule's provenance, as header lines)."""
    header = [
        *about,
        csv_comment("Education", EDUCATION_NOTE),
        csv_comment("Model", curve.assumptions()),
    ]
    rows = [
        f"{time.isoformat(timespec='minutes')},{value:.2f}"
        for time, value in zip(curve.times(), curve.ng_per_ml, strict=True)
    ]
    return ("\n".join([*header, "time,ng_per_ml", *rows]) + "\n").encode("utf-8")
