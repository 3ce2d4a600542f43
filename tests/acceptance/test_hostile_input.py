"""Hostile and careless input: one line, the right exit code, bounded work, nothing lost.

Batch rows that fail alone (exit 1, the other rows planned), batch files refused whole
(exit 2, nothing written), inputs that once ran away (devices, pipes, huge numbers, a
century of pauses), and a fuzz test over random batch files and protocol files.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_helpers import PREFIX, ROOT, error_line, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.limits import MAX_CELL_CHARS, MAX_TOML_FILE_BYTES

HEADER = "id,protocol,schedule,start,age_years,from_mg_per_day,pace,pauses,weight_kg\n"
GOOD = "ok,panic-adult,titration,2027-01-04,40,,,,\n"
TAPER = "x,panic-adult,taper,2027-01-04,40"

# name: (the bad row, text its error must contain)
BAD_ROWS: dict[str, tuple[str, str]] = {
    "age with a huge exponent": ("x,panic-adult,titration,2027-01-04,1e999999999,,,,", "age_years"),
    "age 10^20": ("x,panic-adult,titration,2027-01-04,100000000000000000000,,,,", "age_years"),
    "age a fraction": ("x,panic-adult,titration,2027-01-04,40.5,,,,", "not a whole number"),
    "age negative": ("x,panic-adult,titration,2027-01-04,-4,,,,", "age_years"),
    "age with a unit": ("x,panic-adult,titration,2027-01-04,40y,,,,", "not a whole number"),
    "age infinity": ("x,panic-adult,titration,2027-01-04,inf,,,,", "not a whole number"),
    "age NaN": ("x,panic-adult,titration,2027-01-04,NaN,,,,", "not a whole number"),
    "pause days with a huge exponent": (f"{TAPER},2,,2027-01-10:1e999999999,", "pauses"),
    "pause of 10^30 days": (f"{TAPER},2,,2027-01-10:{10**30},", "pauses"),
    "a century of pauses": (
        f"{TAPER},2,,{';'.join(f'{2027 + 10 * n}-01-10:3650' for n in range(10))},",
        "limit of 3,660",
    ),
    "pause with no days": (f"{TAPER},2,,2027-01-10,", "pauses"),
    "pause date not ISO": (f"{TAPER},2,,10/01/2027:7,", "pauses"),
    "dose finer than a microgram": (f"{TAPER},1.0004,,,", "whole number of micrograms"),
    "dose finer than 28 digits": (f"{TAPER},1.0000000000000000001,,,", "from_mg_per_day"),
    "dose 1e999": (f"{TAPER},1e999,,,", "from_mg_per_day"),
    "dose with thousands separator": (f'{TAPER},"1,000",,,', "from_mg_per_day"),
    "dose as hex": (f"{TAPER},0x10,,,", "from_mg_per_day"),
    "dose with a unit": (f"{TAPER},2mg,,,", "from_mg_per_day"),
    "weight with a huge exponent": (
        "x,seizure-pediatric,titration,2027-01-04,5,,,,1e999999",
        "weight_kg",
    ),
    "unknown protocol": ("x,panic-adults,titration,2027-01-04,,,,,", "unknown protocol"),
    "protocol is /dev/zero": ("x,/dev/zero,titration,2027-01-04,,,,,", "unknown protocol"),
    "protocol is a formula": ("x,=cmd|' /C calc'!A0,titration,2027-01-04,,,,,", "unknown protocol"),
    "schedule unknown": ("x,panic-adult,titrate,2027-01-04,,,,,", "schedule"),
    "start not a date": ("x,panic-adult,titration,tomorrow,,,,,", "start"),
    "start in year 10000": ("x,panic-adult,titration,10000-01-01,,,,,", "start"),
    "unknown pace": (f"{TAPER},2,fast,,", "unknown pace"),
    "unterminated quote swallowing the next row": (
        'x,panic-adult,titration,"2027-01-04,,,,,\ny,panic-adult,titration,2027-01-04",,,,,',
        "start: a line break or control character inside a cell (an unterminated quote?)",
    ),
    "NUL byte in a cell": ("x,panic-adult,titration,2027\x00-01-04,,,,,", "control"),
    "too many cells": ("x,panic-adult,titration,2027-01-04,,,,,,surprise", "10 cells"),
    "cell over the limit": (f"x,panic-adult,titration,2027-01-04,,,{'a' * 1001},,", "1000"),
    "control character in a cell": ("x,panic-adult,titration,2027-01-04\x07,,,,,", "control"),
    "absolute path id": ("/etc,panic-adult,titration,2027-01-04,,,,,", "id: '/etc'"),
    "dot-dot id": ("..,panic-adult,titration,2027-01-04,,,,,", "id: '..'"),
    "blank id": (",panic-adult,titration,2027-01-04,,,,,", "id: ''"),
    "hidden id": (".x,panic-adult,titration,2027-01-04,,,,,", "id: '.x'"),
    "id with a slash": ("a/b,panic-adult,titration,2027-01-04,,,,,", "id: 'a/b'"),
    "id of 65 characters": (f"{'x' * 65},panic-adult,titration,2027-01-04,,,,,", "id: 'xxx"),
    "id a device name": ("NUL,panic-adult,titration,2027-01-04,,,,,", "reserves"),
    "id a formula": ("=HYPERLINK(1),panic-adult,titration,2027-01-04,,,,,", "id: '=HYPERLINK(1)'"),
    "id with a space": ("a b,panic-adult,titration,2027-01-04,,,,,", "id: 'a b'"),
    "id in another script": (
        "пациент,panic-adult,titration,2027-01-04,,,,,",
        "cannot name a folder",
    ),
}


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_fails_alone_with_its_row_and_reason(
    tmp_path: Path, row: str, reason: str
) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(HEADER + GOOD + row + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", plans, "--out", out, "--csv")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{PREFIX}plans.csv:row 3:")
    assert reason in lines[0]
    assert (out / "ok" / "schedule.csv").is_file()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "all-days.csv",
        "ok",
        "summary.csv",
    ]


# name: (the whole batch file, text the error must contain)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "the file is empty"),
    "header only": (HEADER.encode(), "no patients"),
    "blank rows only": (HEADER.encode() + b",,,,,,,,\n,,,,,,,,\n", "no patients"),
    "not UTF-8": (HEADER.encode() + b"\xff\xfe,panic-adult\n", "not UTF-8"),
    "UTF-16": ("id,protocol\n".encode("utf-16"), "not UTF-8"),
    "unknown column": (
        b"id,protocol,schedule,start,dose\nx,panic-adult,titration,2027-01-04,1\n",
        "'dose'",
    ),
    "missing column": (
        b"id,protocol,schedule\nx,panic-adult,titration\n",
        "missing column 'start'",
    ),
    "column twice": (
        b"id,protocol,schedule,start,start\nx,panic-adult,titration,2027-01-04,2027-01-05\n",
        "column 'start' is given twice",
    ),
    "id twice": (HEADER.encode() + GOOD.encode() * 2, "id 'ok' is used twice"),
    "id twice in other case": (
        (HEADER + GOOD + GOOD.replace("ok,", "OK,")).encode(),
        "whatever their case",
    ),
    "row over the row limit": (
        HEADER.encode() + b"x,panic-adult,titration," + b"9" * 140_000 + b"\n",
        "row 2: longer than 65,536 characters",
    ),
    "a quoted cell over the csv limit": (
        HEADER.encode() + b'x,panic-adult,"' + b"9\n" * 70_000 + b'"\n',
        f"far longer than {MAX_CELL_CHARS} characters",
    ),
    "200,000 columns": (",".join(["id"] * 200_000).encode(), "row 1: longer than"),
    "41 columns": ((",".join(f"c{n}" for n in range(41)) + "\n").encode(), "41 columns"),
    "a column with no name": (b"id,,protocol,schedule,start\n", "unknown column ''"),
    "quote at end of file": (HEADER.encode() + b'x,panic-adult,"titration\n', "row"),
    "formula header": (
        b"=cmd,protocol,schedule,start\nx,panic-adult,titration,2027-01-04\n",
        "'=cmd'",
    ),
}


@pytest.mark.parametrize(("content", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_batch_file_is_refused_whole_and_writes_nothing(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_bytes(content)
    out = tmp_path / "out"
    message = error_line(run("batch", plans, "--out", out, "--csv"))
    assert message.startswith(str(plans)) or "plans.csv" in message
    assert reason in message
    assert not out.exists()


def test_a_batch_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real limit is 512 MB; the same check, with a smaller limit for the test."""
    monkeypatch.setattr("planner.batch.rows.MAX_BATCH_FILE_BYTES", 100)
    plans = tmp_path / "plans.csv"
    plans.write_text(HEADER + GOOD * 5)
    assert "larger than the limit" in error_line(run("batch", plans, "--out", tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_a_protocol_file_over_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * (MAX_TOML_FILE_BYTES // 10 + 1))
    message = error_line(run("validate", big))
    assert message == f"{big}: larger than the limit of 1 MB"


def test_a_toml_file_with_a_byte_order_mark_says_so(tmp_path: Path) -> None:
    protocol = tmp_path / "bom.toml"
    protocol.write_bytes(b"\xef\xbb\xbf" + (ROOT / "protocols" / "panic-adult.toml").read_bytes())
    assert "byte-order mark (BOM)" in error_line(run("validate", protocol))


# --- Devices, pipes and folders where a file is expected -------------------------------


def fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["device", "fifo", "link to device"])
@pytest.mark.parametrize("role", ["protocol", "plan", "batch", "validate"])
def test_a_device_or_pipe_is_refused_without_reading_it(
    tmp_path: Path, kind: str, role: str
) -> None:
    suffix = ".csv" if role == "batch" else ".toml"
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "fifo":
        path = fifo(tmp_path, f"input{suffix}")
    else:
        path = tmp_path / f"input{suffix}"
        path.symlink_to("/dev/zero")
    command = {
        "protocol": ("titrate", path, "--start", "2027-01-04"),
        "plan": ("plan", path),
        "batch": ("batch", path, "--out", tmp_path / "out"),
        "validate": ("validate", path),
    }[role]
    # A blocked open or an unbounded read would hang here: the guard ends the test.
    timer = threading.Timer(60, lambda: os._exit(3))
    timer.start()
    try:
        message = error_line(run(*command))
    finally:
        timer.cancel()
    if role != "protocol" or path.suffix == ".toml":
        assert "not a regular file" in message
    assert not (tmp_path / "out").exists()


# --- Runaway work, in a real process ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            (
                "taper",
                "panic-adult",
                "--start",
                "2027-01-04",
                "--from",
                "2",
                *(f"--pause={2027 + 10 * n}-01-10:3650" for n in range(10)),
            ),
            "limit of 3,660",
        ),
        (("titrate", "panic-adult", "--start", "2027-01-04", "--target", "1" + "0" * 5000), "24"),
        (("titrate", "panic-adult", "--start", "2027-01-04", "--patient", "A" * 10_000), "120"),
    ],
    ids=["a century of pauses", "a 5,001-digit dose", "a 10,000-character name"],
)
def test_runaway_input_is_refused_in_a_real_process(
    tmp_path: Path, args: tuple[str, ...], reason: str
) -> None:
    pdf = tmp_path / "plan.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "planner", *args, "--pdf", str(pdf)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,  # a guard against a hang, not a measure of speed
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert reason in result.stderr
    assert not pdf.exists()


# --- Fuzz: random batch files and protocol files ----------------------------------------

CELLS = st.one_of(
    st.sampled_from(
        ["", "panic-adult", "titration", "taper", "2027-01-04", "2", "0.5", "..", "/tmp", "=1+1"]
    ),
    st.text(max_size=12),
)
COLUMNS = ["id", "protocol", "schedule", "start", "age_years", "from_mg_per_day", "pauses"]


@st.composite
def batch_files(draw: st.DrawFn) -> bytes:
    """A batch file: either random bytes, or rows of random cells under a real header."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=7))
    rows = draw(st.lists(st.lists(CELLS, max_size=8), max_size=4))
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=batch_files(), force=st.booleans())
def test_fuzz_batch_files(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, force: bool
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "outside").mkdir()
    (root / "outside" / "keep.txt").write_text("keep\n")
    plans = root / "plans.csv"
    plans.write_bytes(content)
    out = root / "out"
    result = run("batch", plans, "--out", out, *(["--force"] if force else []))
    uncaught = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not uncaught, repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
    assert sorted(p.name for p in root.iterdir()) in (
        ["outside", "plans.csv"],
        ["out", "outside", "plans.csv"],
    )
    assert (root / "outside" / "keep.txt").read_text() == "keep\n"


TOML_VALUES = st.recursive(
    st.one_of(
        st.integers(-5, 5).map(str),
        st.sampled_from(['"text"', "0.125", "2027-01-04", "08:00:00", "true", '"a\\nb"']),
    ),
    lambda inner: st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
    max_leaves=8,
)
KEYS = st.sampled_from(["kind", "id", "version", "title", "titration", "dose_times", "x"])


@st.composite
def toml_files(draw: st.DrawFn) -> bytes:
    """A protocol file with a random key changed, or random TOML, or random bytes."""
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(st.binary(max_size=200))
    if choice == 1:
        pairs = draw(st.lists(st.tuples(KEYS, TOML_VALUES), max_size=5))
        return "\n".join(f"{key} = {value}" for key, value in pairs).encode()
    text = (ROOT / "protocols" / "panic-adult.toml").read_text()
    lines = text.splitlines()
    index = draw(st.integers(0, len(lines) - 1))
    key = lines[index].split("=", 1)[0].strip() or "x"
    lines[index] = f"{key} = {draw(TOML_VALUES)}"
    return "\n".join(lines).encode()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=toml_files())
def test_fuzz_protocol_files(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    protocol = root / "protocol.toml"
    protocol.write_bytes(content)
    out = root / "plan.ics"
    for args in (
        ("validate", protocol),
        ("titrate", protocol, "--start", "2027-01-04", "--ics", out, "--tz", "UTC"),
    ):
        result = run(*args)
        uncaught = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not uncaught, repr(result.exception)
        assert result.exit_code in (0, 2)
        assert "Traceback" not in result.output
    if out.exists():
        lines = out.read_text().split("\n")
        assert lines.count("BEGIN:VEVENT\r") == lines.count("END:VEVENT\r")


# --- Calendar files ---------------------------------------------------------------------


def test_no_text_can_add_a_line_or_an_event_to_the_calendar_file() -> None:
    """Protocol files refuse line breaks; the ICS writer blanks them all the same."""
    from planner import check_schedule, load_protocol, titrate
    from planner.render.ics import render_ics

    protocol = load_protocol("panic-adult")
    forged = "X\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:forged\u2028"
    tampered = protocol.model_copy(
        update={
            "drug": protocol.drug.model_copy(update={"tall_man": forged}),
            "dose_times": tuple(
                time.model_copy(update={"label": forged}) for time in protocol.dose_times
            ),
        }
    )
    schedule = titrate(tampered, start=dt.date(2027, 1, 4))
    text = render_ics(schedule, check_schedule(schedule), timezone="UTC").decode()
    doses = sum(1 for _, _, step in schedule.daily() for dose in step.doses if dose.mcg)
    lines = text.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == doses + 1  # keep taking
    assert not [line for line in lines if line.startswith("SUMMARY:forged")]
    assert "\u2028" not in text
    assert text.count("\n") == text.count("\r\n")  # no bare line break anywhere


# --- After a hostile review: inputs never overwritten, strict dates, plain messages ------


def test_an_output_path_may_not_be_the_protocol_or_plan_it_is_read_from(tmp_path: Path) -> None:
    protocol = tmp_path / "mine.toml"
    protocol.write_bytes((ROOT / "protocols" / "panic-adult.toml").read_bytes())
    before = protocol.read_bytes()
    for option in ("--csv", "--save-plan", "--pdf"):
        message = error_line(run("titrate", protocol, "--start", "2027-01-04", option, protocol))
        assert "is a file this command reads; write elsewhere" in message
    assert protocol.read_bytes() == before
    plan = tmp_path / "plan.toml"
    run("titrate", "panic-adult", "--start", "2027-01-04", "--save-plan", plan)
    saved = plan.read_bytes()
    assert "this command reads" in error_line(
        run("plan", plan, "--csv", tmp_path / "." / "plan.toml")
    )
    assert plan.read_bytes() == saved


def test_an_output_that_is_a_link_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    result = run("titrate", "panic-adult", "--start", "2027-01-04", "--csv", link)
    assert result.exit_code == 0
    assert link.is_symlink()
    assert target.read_text().startswith("# clonazePAM")


def test_a_toml_integer_of_5000_digits_is_one_line(tmp_path: Path) -> None:
    source = (ROOT / "protocols" / "panic-adult.toml").read_text()
    protocol = tmp_path / "big.toml"
    protocol.write_text(
        source.replace("ceiling_mg_per_day = 20", "ceiling_mg_per_day = 2" + "0" * 5000)
    )
    assert error_line(run("validate", protocol)) == (
        f"Failed to parse {protocol}: a number has too many digits"
    )


@pytest.mark.parametrize("typed", ["20270104", "2027-W01-1", "2027-1-4", " 2027-01-04x"])
def test_dates_are_yyyy_mm_dd_and_nothing_else(typed: str, tmp_path: Path) -> None:
    assert "is not a date as YYYY-MM-DD" in error_line(
        run("titrate", "panic-adult", "--start", typed)
    )
    plans = tmp_path / "plans.csv"
    plans.write_text(f"id,protocol,schedule,start\np1,panic-adult,titration,{typed}\n")
    result = run("batch", plans, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "row 2: start: " in result.stderr


def test_trailing_empty_columns_from_a_spreadsheet_are_accepted(tmp_path: Path) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text("id,protocol,schedule,start,,\np1,panic-adult,titration,2027-01-04,,\n")
    assert run("batch", plans, "--out", tmp_path / "out").exit_code == 0


def test_batch_errors_name_the_column_not_the_plan_field(tmp_path: Path) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "id,protocol,schedule,start,weight_kg,switch_product,switch_at_mg_per_day,from_mg_per_day\n"
        "p1,seizure-pediatric,titration,2027-01-04,-3,,,\n"
        "p2,panic-adult,taper,2027-01-04,,us-odt,0.0001,2\n"
    )
    stderr = run("batch", plans, "--out", tmp_path / "out").stderr
    assert "plans.csv:row 2: weight_kg: " in stderr
    assert "plans.csv:row 3: switch_at_mg_per_day: " in stderr
    assert "::" not in stderr


def test_a_path_with_a_line_break_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "two\nlines" / "plan.csv"
    error_line(run("titrate", "panic-adult", "--start", "2027-01-04", "--csv", out))


def test_running_out_of_memory_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("planner.batch.run_batch", exhausted)
    plans = tmp_path / "plans.csv"
    plans.write_text("id,protocol,schedule,start\np1,panic-adult,titration,2027-01-04\n")
    result = run("batch", plans, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        "planner: error: out of memory: split the batch file, or plan fewer patients at once\n"
    )


def test_an_empty_protocol_cell_fails_its_row_alone(tmp_path: Path) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(HEADER + "x,,titration,2027-01-04,,,,,\n" + GOOD)
    result = run("batch", plans, "--out", tmp_path / "out", "--workers", "2")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{PREFIX}plans.csv:row 2: protocol: missing: give a bundled protocol id or a .toml path\n"
    )


def test_a_file_name_at_the_start_of_a_message_is_not_a_field(tmp_path: Path) -> None:
    """'start.toml: no such file' names a file; --start has nothing to do with it."""
    plan = tmp_path / "start.toml"
    message = error_line(run("plan", plan))
    assert message == f"{plan}: no such file"
    from planner.errors import PlannerError

    assert PlannerError("start.toml: no such file").field is None


@pytest.mark.parametrize(
    "reason",
    ["x", "   ", "\u200b\u200b\u200b\u200b", " . - ! ", "\u2060ok\u200b"],
    ids=["too short", "spaces", "zero-width spaces", "punctuation", "two letters among invisibles"],
)
def test_an_off_label_reason_must_say_something(reason: str) -> None:
    """A gate is passed only by a reason with at least 3 letters or digits once spaces,
    punctuation and invisible characters are set aside (clinical rules 6 and 7)."""
    message = error_line(
        run("titrate", "panic-adult", "--start", "2027-01-04", "--off-label", reason)
    )
    assert "--off-label (off_label_reason): must say why in words: at least 3 letters" in message
