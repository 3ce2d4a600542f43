"""The FHIR output: a valid R4 Bundle whose doses add up to the schedule, coded, the same
bytes for the same inputs, written from the command line, the batch and the web API."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import ok, run
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest

from planner.api import (
    Checked,
    course_request,
    load_protocol,
    plan_checked,
    switch_request,
    taper_request,
    titration_request,
)
from planner.core.units import mcg_to_mg
from planner.domain.schedule import Schedule
from planner.render.fhir import render_fhir

START = dt.date(2027, 1, 4)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def checked_cases() -> dict[str, Checked]:
    panic, seizure = load_protocol("panic-adult"), load_protocol("seizure-adult")
    return {
        "titration": plan_checked(seizure, titration_request(start=START, target_mg_per_day=4)),
        "taper": plan_checked(panic, taper_request(start=START, from_mg_per_day="2")),
        "odt": plan_checked(
            panic, taper_request(start=START, from_mg_per_day="1.5", product="us-odt")
        ),
        "drops": plan_checked(
            panic, taper_request(start=START, from_mg_per_day="1", product="rivotril-drops")
        ),
        "course": plan_checked(panic, course_request(start=START, maintain_days=30)),
        "switch": plan_checked(
            panic,
            switch_request(
                start=START, from_drug="diazepam", from_mg_per_day="20", then_pace="asam"
            ),
        ),
    }


CASES = checked_cases()


def requests_of(data: bytes) -> list[MedicationRequest]:
    """The Bundle parsed back by fhir.resources (so validated), and its requests."""
    bundle = Bundle.model_validate_json(data)
    assert bundle.type == "collection"
    requests = [entry.resource for entry in bundle.entry or []]
    assert all(isinstance(r, MedicationRequest) for r in requests)
    return [r for r in requests if isinstance(r, MedicationRequest)]


def daily_mg_by_step(data: bytes) -> dict[str, dict[str, Decimal]]:
    """Per step (its group), per drug (the request's medication text): mg a day, read
    exactly from the JSON (decimals, never floats)."""
    document = json.loads(data, parse_float=Decimal)
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for entry in document["entry"]:
        request = entry["resource"]
        drug = request["medicationCodeableConcept"]["text"].split(":")[0]
        for dosage in request["dosageInstruction"]:
            repeat = dosage["timing"]["repeat"]
            assert repeat["frequency"] == 1 and repeat["periodUnit"] == "d"
            assert len(repeat["timeOfDay"]) == 1
            quantity = dosage["doseAndRate"][0]["doseQuantity"]
            assert (quantity["unit"], quantity["code"]) == ("mg", "mg")
            assert quantity["system"] == "http://unitsofmeasure.org"
            totals[request["groupIdentifier"]["value"]][drug] += quantity["value"]
    return totals


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_bundle_is_valid_and_its_doses_add_up_to_every_daily_total(case: str) -> None:
    schedule, report = CASES[case]
    data = render_fhir(schedule, report)
    requests = requests_of(data)
    assert requests
    assert {(r.status, r.intent) for r in requests} == {("draft", "proposal")}
    assert all("clinician review" in str((r.note or [])[0].text) for r in requests)
    totals = daily_mg_by_step(data)
    for number, step in enumerate(schedule.steps, start=1):
        group = next((g for g in totals if g.endswith(f"-step-{number}")), None)
        given = totals[group] if group else {}
        assert given.get(step.product.name, Decimal(0)) == mcg_to_mg(step.total_mcg)
        if schedule.switch is not None:
            other = given.get(schedule.switch.product.name, Decimal(0))
            assert other == mcg_to_mg(step.other_mcg)


def test_each_request_runs_for_its_steps_dates() -> None:
    schedule, report = CASES["taper"]
    document = json.loads(render_fhir(schedule, report))
    bounds = {
        entry["resource"]["groupIdentifier"]["value"].rsplit("-", 1)[-1]: (
            dosage["timing"]["repeat"]["boundsPeriod"]
        )
        for entry in document["entry"]
        for dosage in entry["resource"]["dosageInstruction"]
    }
    for number, step in enumerate(schedule.steps, start=1):
        if step.total_mcg:
            period = bounds[str(number)]
            assert period == {"start": step.start.isoformat(), "end": step.end.isoformat()}


def codes(schedule: Schedule, report: object) -> set[str]:
    return {
        coding.code or ""
        for request in requests_of(render_fhir(schedule, report))  # type: ignore[arg-type]
        for coding in request.medicationCodeableConcept.coding or []  # type: ignore[union-attr]
        if coding.system == RXNORM
    }


def test_us_products_are_coded_in_rxnorm_and_others_by_text_only() -> None:
    assert codes(*CASES["taper"]) <= {"197527", "197528", "197529"}
    assert codes(*CASES["taper"])
    assert codes(*CASES["odt"]) <= {"349194", "349195", "349198", "349196", "349197"}
    assert codes(*CASES["drops"]) == set()
    schedule, report = CASES["drops"]
    texts = {r.medicationCodeableConcept.text for r in requests_of(render_fhir(schedule, report))}  # type: ignore[union-attr]
    assert texts == {"clonazePAM oral drops 2.5 mg/mL (Rivotril, outside the US): 0.1 mg drop"}


def test_a_switch_has_both_drugs_each_coded() -> None:
    schedule, report = CASES["switch"]
    assert schedule.switch is not None
    requests = requests_of(render_fhir(schedule, report))
    names = {r.medicationCodeableConcept.text.split(":")[0] for r in requests}  # type: ignore[union-attr]
    assert names == {schedule.product.name, schedule.switch.product.name}
    assert {"197590", "197591", "197589"} & codes(schedule, report)


def test_the_same_inputs_give_the_same_bytes_and_the_patient_changes_the_ids() -> None:
    schedule, report = CASES["course"]
    first = render_fhir(schedule, report, patient="A. Patient")
    again = plan_checked(schedule.protocol, schedule.request)
    assert render_fhir(*again, patient="A. Patient") == first
    other = render_fhir(schedule, report, patient="B. Patient")
    assert json.loads(other)["id"] != json.loads(first)["id"]
    assert json.loads(first)["entry"][0]["resource"]["subject"] == {"display": "A. Patient"}


def test_the_command_line_writes_the_bundle_and_the_api_serves_the_same(tmp_path: Path) -> None:
    out = tmp_path / "plan.fhir.json"
    options = ["--start", "2027-01-04", "--from", "2"]
    ok("taper", "panic-adult", *options, "--fhir", out, "--patient", "P1")
    schedule, report = plan_checked(
        load_protocol("panic-adult"), taper_request(start=START, from_mg_per_day="2")
    )
    assert out.read_bytes() == render_fhir(schedule, report, patient="P1")
    from web_helpers import client

    response = client().get(
        "/api/taper?protocol=panic-adult&start=2027-01-04&from=2&patient=P1&format=fhir"
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json"
    assert response.content == out.read_bytes()


def test_a_batch_writes_each_patients_bundle(tmp_path: Path) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "id,protocol,schedule,start,from_mg_per_day\np1,panic-adult,taper,2027-01-04,2\n"
    )
    result = run("batch", plans, "--out", tmp_path / "out", "--fhir", "--workers", "1")
    assert result.exit_code == 0, result.output
    requests_of((tmp_path / "out" / "p1" / "medication-requests.fhir.json").read_bytes())


def test_a_missing_folder_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    result = run(
        "taper", "panic-adult", "--start", "2027-01-04", "--from", "2",
        "--fhir", tmp_path / "nowhere" / "x.json", "--csv", tmp_path / "x.csv",
    )  # fmt: skip
    assert result.exit_code == 2
    assert not (tmp_path / "x.csv").exists()


def test_a_moved_dose_time_is_the_same_in_the_bundle_as_in_the_calendar_file() -> None:
    """Found by review: --dose-time moved the calendar's dose but not the Bundle's."""
    import datetime as dt
    import json

    from planner import load_protocol, taper
    from planner.render.fhir import render_fhir
    from planner.safety import check_schedule

    schedule = taper(load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day="2")
    moved = {"morning": dt.time(7, 30)}
    bundle = json.loads(render_fhir(schedule, check_schedule(schedule), clocks=moved))
    times = {
        dosage["timing"]["repeat"]["timeOfDay"][0]
        for entry in bundle["entry"]
        for dosage in entry["resource"]["dosageInstruction"]
    }
    assert times == {"07:30:00", "21:00:00"}
