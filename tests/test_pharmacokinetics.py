"""The concentration model reproduces its published checks (clinical rules, section 4)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pandas as pd
import pytest

from planner import load_protocol, taper, titrate
from planner.errors import InputError
from planner.planning.pharmacokinetics import (
    EDUCATION_NOTE,
    ModelParameters,
    concentration_csv,
    concentration_curve,
    simulate_doses,
)

PK = load_protocol("seizure-adult").pharmacokinetics
assert PK is not None
ADULT = ModelParameters.for_patient(PK, Decimal(70))


def trough_ratio(interval_hours: int) -> float:
    """Steady-state trough over the trough after the first dose, from the simulation."""
    days = 40
    doses = [(float(hour), 1.0) for hour in range(0, days * 24, interval_hours)]
    curve = simulate_doses(doses, ADULT, days * 24)
    # Sampled at a dose time, before that dose is absorbed: a trough.
    return curve[(days - 1) * 24] / curve[interval_hours]


@pytest.mark.parametrize(("interval", "published"), [(24, 3), (12, 5), (8, 7)])
def test_accumulation_is_about_3_5_and_7_times(interval: int, published: float) -> None:
    simulated = trough_ratio(interval)
    assert simulated == pytest.approx(ADULT.accumulation(interval), rel=1e-4)
    assert simulated == pytest.approx(published, rel=0.1)


def test_trough_at_2_mg_three_times_daily_is_about_55_ng_per_ml() -> None:
    doses = [(float(hour), 2.0) for hour in range(0, 40 * 24, 8)]
    curve = simulate_doses(doses, ADULT, 40 * 24)
    assert curve[39 * 24] == pytest.approx(55, abs=3)


def test_concentration_is_proportional_to_dose_and_inverse_to_weight() -> None:
    assert PK is not None
    light = ModelParameters.for_patient(PK, Decimal(35))
    one = simulate_doses([(0.0, 1.0)], ADULT, 48)
    two = simulate_doses([(0.0, 2.0)], ADULT, 48)
    half_weight = simulate_doses([(0.0, 1.0)], light, 48)
    assert two[6] == pytest.approx(2 * one[6])
    assert half_weight[6] == pytest.approx(2 * one[6])
    peak_hour = max(range(49), key=lambda hour: one[hour])
    assert 1 <= peak_hour <= 4  # time to peak 1 to 4 h (label)


def test_each_3_day_titration_step_rises_before_steady_state() -> None:
    """The teaching point: 3 days is less than the 5 to 8 days steady state takes."""
    schedule = titrate(
        load_protocol("seizure-adult"), start=dt.date(2027, 1, 4), target_mg_per_day=2
    )
    curve = concentration_curve(schedule)
    steady_at_start_dose = (
        1.5 / 3 * ADULT.bioavailability * ADULT.accumulation(8) * 1000 / ADULT.volume_l
    )
    before_first_raise = curve.ng_per_ml[3 * 24]  # day 4, 00:00
    # After 3 days (about two half-lives) it is near 73% of its steady state, not there yet.
    assert 0.65 * steady_at_start_dose < before_first_raise < 0.8 * steady_at_start_dose


def test_a_taper_starts_from_steady_state_and_ends_near_zero() -> None:
    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=1, pace="label"
    )
    curve = concentration_curve(schedule, weight_kg=Decimal(70))
    # 1 mg/day at steady state: average F * D / (CL * 24 h).
    clearance = ADULT.ke_per_hour * ADULT.volume_l
    average = ADULT.bioavailability * 1 / (clearance * 24) * 1000
    assert curve.ng_per_ml[0] == pytest.approx(average, rel=0.25)
    assert curve.ng_per_ml[-1] < 0.1 * curve.ng_per_ml[0]
    assert len(curve.ng_per_ml) == (schedule.days + 7) * 24 + 1


def test_concentration_csv_is_hour_by_hour_with_its_assumptions() -> None:
    schedule = titrate(load_protocol("panic-adult"), start=dt.date(2027, 1, 4))
    text = concentration_csv(concentration_curve(schedule)).decode()
    assert text.startswith(f'# Education:,"{EDUCATION_NOTE}"\n')
    assert "weight 70 kg (not given; 70 kg assumed)" in text
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert list(frame.columns) == ["time", "ng_per_ml"]
    assert frame["time"].iloc[0] == "2027-01-04T00:00"
    assert frame["time"].iloc[1] == "2027-01-04T01:00"
    assert len(frame) == schedule.days * 24 + 1


def test_a_protocol_without_a_model_is_a_clear_error() -> None:
    protocol = load_protocol("panic-adult").model_copy(update={"pharmacokinetics": None})
    schedule = titrate(protocol, start=dt.date(2027, 1, 4))
    with pytest.raises(InputError, match="no \\[pharmacokinetics\\] section"):
        concentration_curve(schedule)
