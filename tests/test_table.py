from __future__ import annotations

import datetime as dt
import io
import runpy
from pathlib import Path

import pandas as pd
import pytest

from planner import daily_frame, load_protocol, taper, titrate, to_frame
from planner.domain.schedule import Schedule
from planner.render.csv import render_csv
from planner.safety import check_schedule

ROOT = Path(__file__).resolve().parents[1]


def seizure_titration() -> Schedule:
    return titrate(load_protocol("seizure-adult"), start=dt.date(2027, 12, 30), target_mg_per_day=2)


def test_daily_frame_has_one_row_per_day_with_a_column_per_time_of_day() -> None:
    frame = daily_frame(seizure_titration())
    assert list(frame.columns) == [
        "date",
        "day",
        "phase",
        "total_mg",
        "morning_mg",
        "midday_mg",
        "bedtime_mg",
        "morning_units",
        "midday_units",
        "bedtime_units",
        "note",
    ]
    assert len(frame) == 3 + 14
    assert frame["day"].tolist() == list(range(1, 18))
    # Crosses the year boundary without a gap.
    assert frame["date"].iloc[2] == pd.Timestamp("2028-01-01")
    assert (
        frame["morning_mg"] + frame["midday_mg"] + frame["bedtime_mg"] == frame["total_mg"]
    ).all()
    assert frame["note"].tolist()[:4] == ["Start at 1.5 mg/day.", "", "", "Increase to 2 mg/day."]


def test_tidy_frame_has_one_row_per_dose_taken() -> None:
    schedule = taper(
        load_protocol("panic-adult"), start=dt.date(2027, 3, 1), from_mg_per_day=1, pace="label"
    )
    tidy = to_frame(schedule)
    # 0.75 (2 doses x 3 days), 0.5 (2 x 3), 0.25 (bedtime only, 3 days); the stop day has none.
    assert len(tidy) == 6 + 6 + 3
    assert tidy["dose_mg"].sum() == 0.75 * 3 + 0.5 * 3 + 0.25 * 3
    assert set(tidy.loc[tidy["day"] >= 7, "time"]) == {"bedtime"}
    assert tidy["clock"].iloc[0] == "08:00"


def test_csv_is_exact_iso_and_has_no_index() -> None:
    schedule = titrate(load_protocol("seizure-pediatric"), start=dt.date(2027, 1, 4), weight_kg=20)
    text = render_csv(schedule, check_schedule(schedule)).decode("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments[0] == "# clonazePAM titration schedule (day by day)"
    assert (
        '# Protocol:,"seizure-pediatric 1.2.0: Seizure disorders, children up to 10 years or 30 kg"'
        in comments
    )
    assert '# Inputs:,"start 2027-01-04, weight 20 kg"' in comments
    assert '# Review:,"For clinician review and education. Not medical advice."' in comments
    header, first, *_ = text.splitlines()[len(comments) :]
    assert header.startswith(
        "date,day,phase,total_mg,mg_per_kg_per_day,morning_mg,midday_mg,bedtime_mg,"
    )
    assert first == (
        "2027-01-04,1,titration,0.375,0.019,0.125,0.125,0.125,1 x 0.125 mg tablet,"
        "1 x 0.125 mg tablet,1 x 0.125 mg tablet,Start at 0.375 mg/day."
    )
    assert ",2," in text  # whole mg written as 2, never 2.0
    assert ".0," not in text
    read_back = pd.read_csv(io.StringIO(text), comment="#")
    assert read_back["total_mg"].iloc[-1] == 2
    assert read_back["mg_per_kg_per_day"].iloc[-1] == 0.1


def test_library_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "plan_from_python.py"), run_name="__main__")
    assert "safety checks passed: True" in capsys.readouterr().out


def test_writing_to_a_pipe_keeps_the_pipe(tmp_path: Path) -> None:
    """--csv /dev/stdout must write into the device, never rename a file over it."""
    import os
    import threading

    from planner.core.files import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, b"date,day\n")
    reader.join(timeout=10)
    assert received == [b"date,day\n"]
    assert fifo.is_fifo()
