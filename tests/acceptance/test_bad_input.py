"""Bad input: exit code 2, one line on stderr, no traceback, and no output file touched.

Bad files live in ``tests/data/bad``, one mistake each; the first line of each file is
``# expect: MESSAGE``, the text ``planner validate`` must print after ``planner: error:``,
with ``{file}`` standing for the path as given. Bad command-line input is in ``CASES``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import PREFIX, ROOT, error_line, run

BAD = Path("tests/data/bad")  # relative to ROOT, as a user would type it
BAD_FILES = sorted(path.name for path in (ROOT / BAD).glob("*.toml"))
PROTOCOL_KIND = re.compile(rb'^kind = "protocol"$', re.MULTILINE)
SENTINEL = "an earlier plan, which bad input must leave alone\n"


@pytest.fixture(autouse=True)
def _in_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def expectation(name: str) -> str:
    """The ``# expect:`` line of a bad file, with {file} replaced by its path."""
    first = (ROOT / BAD / name).read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), f"{name} has no '# expect: ' first line"
    return first.removeprefix("# expect: ").replace("{file}", str(BAD / name))


def test_there_are_bad_files() -> None:
    assert len(BAD_FILES) >= 40


# --- Bad files -----------------------------------------------------------------------


@pytest.mark.parametrize("name", BAD_FILES)
def test_validate_names_the_file_field_and_reason(name: str) -> None:
    result = run("validate", BAD / name)
    message = error_line(result)
    assert result.stdout == ""
    assert str(BAD / name) in message
    assert expectation(name) in message


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_protocol_file_writes_nothing(name: str, tmp_path: Path) -> None:
    """Given to titrate as PROTOCOL, a bad file (of any kind) is refused before any output."""
    out = tmp_path / "plan.csv"
    message = error_line(run("titrate", BAD / name, "--start", "2027-01-04", "--csv", out))
    assert str(BAD / name) in message
    if PROTOCOL_KIND.search((ROOT / BAD / name).read_bytes()):
        assert expectation(name) in message
    assert not out.exists()

    out.write_text(SENTINEL, encoding="utf-8")
    error_line(run("taper", BAD / name, "--start", "2027-01-04", "--from", "1", "--csv", out))
    assert out.read_text(encoding="utf-8") == SENTINEL
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_validate_prints_one_line_per_bad_file() -> None:
    names = ["malformed.toml", "string-dose.toml", "products-split-three.toml"]
    result = run("validate", *(BAD / name for name in names))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == len(names)
    for line, name in zip(lines, names, strict=True):
        assert line.startswith(PREFIX)
        assert expectation(name) in line


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/data/bad/no-such-file.toml", "tests/data/bad/no-such-file.toml: no such file"),
        ("tests/data/bad", "tests/data/bad: is a folder"),
        ("protocols/protocol.schema.json", "Failed to parse protocols/protocol.schema.json"),
    ],
)
def test_validate_a_path_that_is_not_a_toml_file(path: str, expected: str) -> None:
    assert expected in error_line(run("validate", path))


# --- Bad command-line input ------------------------------------------------------------

TITRATE = ("titrate", "panic-adult", "--start", "2027-01-04")
CHILD_TARGET: tuple[str, ...] = ("titrate", "seizure-pediatric", "--start", "2027-01-04")
CHILD_TARGET += ("--weight", "20", "--target", "0.1")
CHILD = ("titrate", "seizure-pediatric", "--start", "2027-01-04")
TAPER = ("taper", "panic-adult", "--start", "2027-01-04")
SEIZURE_ADULT = ("titrate", "seizure-adult", "--start", "2027-01-04", "--target", "1.5")

# id: (arguments, text the error line must contain)
CASES: dict[str, tuple[tuple[str, ...], str]] = {
    "unknown protocol id": (
        ("titrate", "panic-adults", "--start", "2027-01-04"),
        "unknown protocol 'panic-adults'",
    ),
    "protocol path that does not exist": (
        ("titrate", "tests/data/good/missing.toml", "--start", "2027-01-04"),
        "tests/data/good/missing.toml: no such file",
    ),
    "protocol path to a folder": (
        ("taper", "tests/data/good", "--start", "2027-01-04", "--from", "1"),
        "tests/data/good",
    ),
    "unknown product": ((*TITRATE, "--product", "us-capsule"), "unknown product 'us-capsule'"),
    "product id in capitals": ((*TITRATE, "--product", "US-TABLET"), "US-TABLET"),
    "unknown pace": ((*TAPER, "--from", "2", "--pace", "fast"), "unknown pace 'fast'"),
    "the panic label example for a seizure taper": (
        ("taper", "seizure-adult", "--start", "2027-01-04", "--from", "2", "--pace", "label"),
        "--pace (pace): 'label' is not offered for seizure-adult; its paces are asam,",
    ),
    "Nardi 2010 (panic) for a child's seizure taper": (
        (
            "taper",
            "seizure-pediatric",
            "--start",
            "2027-01-04",
            "--from",
            "1",
            "--weight",
            "20",
            "--pace",
            "nardi-2010",
        ),
        "'nardi-2010' is not offered for seizure-pediatric",
    ),
    "month 13": (("titrate", "panic-adult", "--start", "2027-13-01"), "'2027-13-01'"),
    "30 February": (("titrate", "panic-adult", "--start", "2027-02-30"), "'2027-02-30'"),
    "date not ISO": (("titrate", "panic-adult", "--start", "04/01/2027"), "'04/01/2027'"),
    "missing start": (("titrate", "panic-adult"), "--start"),
    "missing from": (TAPER, "--from"),
    "unknown option": ((*TITRATE, "--dose", "1"), "--dose"),
    "unknown command": (("titrat", "panic-adult"), "titrat"),
    "dose not a number": ((*TAPER, "--from", "abc"), "'abc' is not a number"),
    "dose with a unit": ((*TAPER, "--from", "2mg"), "'2mg' is not a number"),
    "dose not finite": ((*TAPER, "--from", "nan"), "'nan'"),
    "taper from above 20 mg/day": ((*TAPER, "--from", "20.5"), "above the clonazepam ceiling"),
    "taper from far above 20 mg/day": ((*TAPER, "--from", "1e3"), "ceiling of 20 mg/day"),
    "taper from zero": ((*TAPER, "--from", "0"), "--from': 0 must be more than 0"),
    "taper from a negative dose": ((*TAPER, "--from", "-1"), "--from': -1 must be more than 0"),
    "taper from less than a microgram": ((*TAPER, "--from", "0.0001"), "micrograms"),
    "taper from a dose the product cannot make": (
        (*TAPER, "--from", "0.1"),
        "0.1 mg/day cannot be made exactly",
    ),
    "weight-based protocol without weight": (CHILD, "--weight"),
    "weight zero": ((*CHILD, "--weight", "0"), "weight"),
    "weight negative": ((*CHILD, "--weight", "-20"), "weight"),
    "weight 500 kg": ((*CHILD, "--weight", "500"), "weight"),
    "weight not a number": ((*CHILD, "--weight", "twenty"), "'twenty' is not a number"),
    "weight too small for the product": (
        (*CHILD, "--weight", "0.5"),
        "cannot divide a start dose of 0.01 to 0.03 mg/kg/day",
    ),
    "age 200": ((*TITRATE, "--age", "200"), "--age"),
    "target above maximum": ((*TITRATE, "--target", "5"), "above the maximum of 4 mg/day"),
    "target above the weight-based maximum": (
        (*CHILD, "--weight", "20", "--target", "5"),
        "above the maximum of 4 mg/day",
    ),
    "target below a child's start": (CHILD_TARGET, "below the start dose"),
    "target not a number": ((*TITRATE, "--target", "one"), "'one' is not a number"),
    "step zero": ((*TITRATE, "--step", "0"), "step"),
    "step negative": ((*TITRATE, "--step", "-0.25"), "step"),
    "step above the protocol's range": ((*TITRATE, "--step", "1"), "outside the protocol's range"),
    "interval under 3 days": ((*TITRATE, "--interval", "2"), "protocol minimum of 3 days"),
    "interval zero": ((*TITRATE, "--interval", "0"), "--interval"),
    "hold below zero": ((*TITRATE, "--hold", "-1"), "--hold"),
    "lower dose held zero days": ((*TAPER, "--to", "1", "--hold", "0"), "--hold"),
    "a course at a clinician's own pace": (
        ("course", "panic-adult", "--start", "2027-01-04", "--maintain", "30", "--pace", "custom"),
        "--pace (pace): 'custom' is a clinician's own steps",
    ),
    "a switch then a clinician's own pace": (
        (
            "switch",
            "panic-adult",
            "--start",
            "2027-01-04",
            "--from-drug",
            "alprazolam",
            "--from",
            "1",
            "--then-pace",
            "custom",
        ),
        "--then-pace (then_pace): 'custom'",
    ),
    "a time zone that is a folder of zones": (
        (*TITRATE, "--ics", "x.ics", "--tz", "Europe"),
        "--tz (timezone): unknown time zone 'Europe'",
    ),
    "a time zone name too long for a file": (
        (*TITRATE, "--ics", "x.ics", "--tz", "A" * 300),
        "unknown time zone 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'",
    ),
    "dose with a huge exponent": (
        (*TAPER, "--from", "1e999999999"),
        "'1e999999999' is not a number",
    ),
    "dose of 30 digits": ((*TAPER, "--from", "1" * 30), "at most 24 characters"),
    "dose finer than Decimal's 28 digits": (
        (*TAPER, "--from", "1.00000000000000000001"),
        "not a whole number of micrograms",
    ),
    "dose in hex": ((*TAPER, "--from", "0x2"), "'0x2' is not a number"),
    "dose with a comma": ((*TAPER, "--from", "1,5"), "'1,5' is not a number"),
    "weight infinite": ((*CHILD, "--weight", "Infinity"), "'Infinity' is not a number"),
    "patient name of 10,000 characters": ((*TITRATE, "--patient", "A" * 10_000), "at most 120"),
    "patient name with a line break": ((*TITRATE, "--patient", "Ann\nSmith"), "line break"),
    "csv path naming a folder": ((*TITRATE, "--pdf", "newdir/"), "names a folder"),
    "pause of a century": (
        (*TAPER, "--from", "2", "--pause", "2027-01-10:3650", "--pause", "2037-01-10:3650"),
        "limit of 3,660",
    ),
    "pause days not a number": ((*TAPER, "--from", "2", "--pause", "2027-01-10:many"), "DATE:DAYS"),
    "hold of 11 years": ((*TITRATE, "--hold", "4000"), "--hold"),
    "a 2-year-old of 10 kg on the adult seizure protocol": (
        (*SEIZURE_ADULT, "--weight", "10", "--age", "2"),
        "--age (patient.age_years): a patient of 2 years, 10 kg is outside seizure-adult",
    ),
    "a 12-year-old of 40 kg on the pediatric protocol": (
        (*CHILD, "--weight", "40", "--age", "12"),
        "outside seizure-pediatric (up to 10 years or up to 30 kg; label): use seizure-adult",
    ),
    "a pediatric step above 0.5 mg/day": (
        (*CHILD, "--weight", "20", "--step", "0.75"),
        "largest step of 0.5 mg/day",
    ),
    "tablets that cannot divide an 8 kg child's start": (
        (*CHILD, "--weight", "8", "--product", "us-tablet"),
        "(product us-odt)",
    ),
    "an off-label reason too short to mean anything": (
        (*SEIZURE_ADULT, "--age", "2", "--off-label", "x"),
        "--off-label (off_label_reason)",
    ),
    "unknown time zone": ((*TITRATE, "--ics", "x.ics", "--tz", "Mars/Olympus"), "Mars/Olympus"),
    "dose time of an unknown name": (
        (*TITRATE, "--ics", "x.ics", "--tz", "UTC", "--dose-time", "noon=12:00"),
        "unknown time of day 'noon'",
    ),
}


@pytest.mark.parametrize(("args", "expected"), CASES.values(), ids=CASES.keys())
def test_bad_option_exits_2_with_one_line_and_writes_nothing(
    args: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    out = tmp_path / "plan.csv"
    result = run(*args, "--csv", out)
    assert expected in error_line(result)
    assert result.stdout == "", "no schedule may be printed after an error"
    assert not out.exists()

    out.write_text(SENTINEL, encoding="utf-8")
    error_line(run(*args, "--csv", out))
    assert out.read_text(encoding="utf-8") == SENTINEL
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


@pytest.mark.parametrize(
    "start",
    ["9999-12-25", "9999-12-31"],
)
def test_a_schedule_past_the_last_date_is_an_input_error(start: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    error_line(run(*TITRATE[:2], "--start", start, "--csv", out))
    error_line(run(*TAPER[:2], "--start", start, "--from", "2", "--csv", out))
    assert not out.exists()


def test_output_in_a_missing_folder(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "plan.csv"
    message = error_line(run(*TITRATE, "--csv", out))
    assert str(out) in message
    assert "does not exist" in message
    assert not out.parent.exists()


def test_output_path_that_is_a_folder(tmp_path: Path) -> None:
    message = error_line(run(*TITRATE, "--csv", tmp_path))
    assert str(tmp_path) in message
    assert list(tmp_path.iterdir()) == []


def test_one_bad_output_leaves_the_other_outputs_alone(tmp_path: Path) -> None:
    """Every output is rendered before any is written: a bad second path writes nothing."""
    out = tmp_path / "plan.csv"
    out.write_text(SENTINEL, encoding="utf-8")
    missing = tmp_path / "missing" / "plan.pdf"
    assert str(missing) in error_line(run(*TITRATE, "--csv", out, "--pdf", missing))
    assert out.read_text(encoding="utf-8") == SENTINEL
    plot = tmp_path / "plan.txt"
    assert ".png" in error_line(run(*TITRATE, "--csv", out, "--plot", plot))
    assert out.read_text(encoding="utf-8") == SENTINEL
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


# --- The same, in a real process ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("titrate", "panic-adult", "--start", "2027-13-01"), "'2027-13-01'"),
        (("taper", "panic-adult", "--start", "2027-01-04", "--from", "25"), "ceiling"),
        (("validate", "tests/data/bad/not-utf8.toml"), "not UTF-8"),
        (
            ("titrate", "tests/data/bad/truncated.toml", "--start", "2027-01-04"),
            "Failed to parse tests/data/bad/truncated.toml",
        ),
        (("titrate", "panic-adult", "--start", "9999-12-25"), ""),
    ],
    ids=["bad date", "taper above 20 mg/day", "not UTF-8", "truncated", "past year 9999"],
)
def test_python_dash_m_planner_reports_one_line(
    args: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    out = tmp_path / "plan.csv"
    command = [sys.executable, "-m", "planner", *args]
    if args[0] != "validate":
        command += ["--csv", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(PREFIX)
    assert expected in lines[0]
    assert not out.exists()
