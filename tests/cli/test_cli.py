"""The ``planner`` command, driven in-process with click's ``CliRunner``.

Each command prints a schedule table and its safety report; ``--csv`` writes the daily
table; PROTOCOL may be a bundled id or the path of a protocol file. Bad input is tested
in ``test_bad_input.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from socket import create_server

import click
import pytest
from cli_helpers import ROOT, TableRow, ok, run, table_rows

from planner import __version__
from planner.cli import cli

GOOD = Path("tests/data/good")  # relative to ROOT, as a user would type it
CUSTOM = GOOD / "evening-odt.toml"
BUNDLED_PROTOCOLS = ["panic-adult", "seizure-adult", "seizure-pediatric"]
BUNDLED_PRODUCTS = ["rivotril-drops", "rivotril-tablet", "us-odt", "us-tablet", "us-tablet-scored"]
BUNDLED_PACES = ["asam", "label", "nardi-2010", "two-phase"]
HEAVY_MODULES = ("pandas", "matplotlib", "pydantic")
EXACT_MG = re.compile(r"^\d+(\.\d*[1-9])?$")  # 0.125 and 1, never 1.0 or 1e-3


@pytest.fixture(autouse=True)
def _in_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the checkout, so that paths read as in the README: tests/data/good/..."""
    monkeypatch.chdir(ROOT)


def assert_safety_report_passes(stdout: str, checks: int, exceeded: int = 0) -> None:
    """No check failed; ``exceeded`` passed only by a choice the report names, and then
    the summary never reads as if all had passed."""
    summary = (
        f"{checks - exceeded} passed, {exceeded} exceeded by choice"
        if exceeded
        else f"{checks} of {checks} passed"
    )
    assert f"Safety checks: {summary}\n" in stdout
    assert stdout.count("[pass]") == checks - exceeded
    assert stdout.count("[EXCEEDED BY CHOICE]") == exceeded
    assert re.search(r"\[fail", stdout, re.IGNORECASE) is None
    assert "For clinician review" in stdout


@dataclass(frozen=True)
class CsvFile:
    comments: list[str]
    header: list[str]
    rows: list[dict[str, str]]


def read_csv(path: Path) -> CsvFile:
    """The provenance comment lines, the header and the rows of a ``--csv`` file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = []
    for line in lines:
        if not line.startswith("#"):
            break
        comments.append(line)
    records = list(csv.reader(lines[len(comments) :]))
    header, body = records[0], records[1:]
    for record in body:
        assert len(record) == len(header), f"row width differs from header: {record}"
    return CsvFile(comments, header, [dict(zip(header, record, strict=True)) for record in body])


def expected_header(times: list[str], *, per_kg: bool = False) -> list[str]:
    return [
        "date",
        "day",
        "phase",
        "total_mg",
        *(["mg_per_kg_per_day"] if per_kg else []),
        *(f"{t}_mg" for t in times),
        *(f"{t}_units" for t in times),
        "note",
    ]


def assert_daily_csv(
    table: CsvFile, *, times: list[str], start: dt.date, weight_kg: Decimal | None = None
) -> None:
    """The CSV contract: the header, ISO dates day by day, exact mg that add up, no index;
    for a weight-based schedule, mg/kg/day beside the daily total."""
    assert table.header == expected_header(times, per_kg=weight_kg is not None)
    assert table.rows, "no rows"
    for number, row in enumerate(table.rows, start=1):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["date"]), row["date"]
        assert dt.date.fromisoformat(row["date"]) == start + dt.timedelta(days=number - 1)
        assert row["day"] == str(number)
        for column in ["total_mg", *(f"{t}_mg" for t in times)]:
            assert EXACT_MG.match(row[column]), f"{column} = {row[column]!r}"
        assert Decimal(row["total_mg"]) == sum(Decimal(row[f"{t}_mg"]) for t in times)
        if weight_kg is not None:
            per_kg = Decimal(row["total_mg"]) / weight_kg
            assert Decimal(row["mg_per_kg_per_day"]) == per_kg.quantize(Decimal("0.001"))
        for t in times:
            # Units are given exactly when a dose is taken at that time.
            assert (row[f"{t}_units"] != "") == (Decimal(row[f"{t}_mg"]) > 0), row


def assert_table_matches_csv(rows: list[TableRow], table: CsvFile) -> None:
    """The printed table and the CSV describe the same days and doses."""
    daily = [
        (dt.date.fromisoformat(r["date"]), r["phase"], Decimal(r["total_mg"])) for r in table.rows
    ]
    assert sum(row.days for row in rows) == len(daily)
    index = 0
    for row in rows:
        assert (row.last - row.first).days + 1 == row.days
        span = daily[index : index + row.days]
        assert span[0][0] == row.first
        assert span[-1][0] == row.last
        assert {(phase, mg) for _, phase, mg in span} == {(row.phase, row.daily_mg)}
        index += row.days


def totals(table: CsvFile) -> list[Decimal]:
    return [Decimal(row["total_mg"]) for row in table.rows]


# --- protocols, validate, schema ---------------------------------------------------


def test_protocols_lists_every_bundled_protocol_product_and_pace() -> None:
    stdout = ok("protocols")
    first_words = {line.split()[0] for line in stdout.splitlines() if line.strip()}
    for name in BUNDLED_PROTOCOLS + BUNDLED_PRODUCTS + BUNDLED_PACES:
        assert name in first_words, f"{name} is not listed"
    panic = next(line for line in stdout.splitlines() if line.startswith("panic-adult "))
    assert "1.2.0" in panic
    assert "0.5 mg/day" in panic  # its start dose
    assert "4 mg/day" in panic  # its maximum
    diazepam = next(line for line in stdout.splitlines() if line.startswith("diazepam "))
    assert diazepam.split()[1:5] == ["10", "mg", "10", "mg"]  # ASAM 2025 Table 7, both sources
    assert "ashton-2002 (default)" in stdout


def test_validate_accepts_every_bundled_file() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "protocols").glob("*.toml"))
    stdout = ok("validate", *files)
    kinds = {
        "products.toml": "products",
        "paces.toml": "paces",
        "equivalences.toml": "equivalences",
        "guideline.toml": "guideline",
    }
    assert stdout.splitlines() == [
        f"ok  {name} ({kinds.get(Path(name).name, 'protocol')})" for name in files
    ]


def test_validate_accepts_the_custom_protocol_file() -> None:
    assert ok("validate", CUSTOM).splitlines() == [f"ok  {CUSTOM} (protocol)"]


def test_validate_reports_each_bad_file_and_still_checks_the_rest() -> None:
    bad_a = "tests/data/bad/short-interval.toml"
    bad_b = "tests/data/bad/unknown-key.toml"
    result = run("validate", bad_a, CUSTOM, bad_b)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [f"ok  {CUSTOM} (protocol)"]
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"planner: error: {bad_a}::titration.min_interval_days: ")
    assert errors[1].startswith(f"planner: error: {bad_b}::titration.max_daily_mg: ")


def test_validate_needs_at_least_one_file() -> None:
    result = run("validate")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("planner: error: ")
    assert "FILES" in result.stderr


@pytest.mark.parametrize("kind", ["protocol", "equivalences"])
def test_schema_is_the_committed_schema(kind: str) -> None:
    """protocols/<kind>.schema.json is current: regenerate with `planner schema KIND > ...`."""
    committed = (ROOT / "protocols" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert ok("schema", kind) == committed


def test_schema_describes_a_protocol_file() -> None:
    schema = json.loads(ok("schema"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False  # misspelled keys are errors
    assert {"kind", "id", "version", "titration", "dose_times"} <= set(schema["required"])
    titration = schema["$defs"]["Titration"]["properties"]["min_interval_days"]
    assert titration["minimum"] == 3


# --- titrate -----------------------------------------------------------------------


def test_titrate_prints_the_label_schedule_and_its_safety_report() -> None:
    stdout = ok("titrate", "panic-adult", "--start", "2027-01-04")
    assert "clonazePAM titration" in stdout
    assert "panic-adult 1.2.0" in stdout
    # Label: 0.25 mg twice daily, 1 mg/day after 3 days; then the protocol's 14-day hold.
    assert table_rows(stdout) == [
        TableRow(dt.date(2027, 1, 4), dt.date(2027, 1, 6), 3, "titration", Decimal("0.5")),
        TableRow(dt.date(2027, 1, 7), dt.date(2027, 1, 20), 14, "maintenance", Decimal(1)),
    ]
    assert_safety_report_passes(stdout, checks=8)
    assert "Wrote" not in stdout


def test_titrate_csv_has_the_daily_columns_iso_dates_and_no_index(tmp_path: Path) -> None:
    out = tmp_path / "panic.csv"
    stdout = ok("titrate", "panic-adult", "--start", "2027-01-04", "--csv", out)
    assert f"Wrote {out}" in stdout
    table = read_csv(out)
    assert_daily_csv(table, times=["morning", "bedtime"], start=dt.date(2027, 1, 4))
    assert totals(table) == [Decimal("0.5")] * 3 + [Decimal(1)] * 14
    assert table.rows[0]["morning_units"] == "1/2 x 0.5 mg tablet"
    assert table.rows[0]["note"] == "Start at 0.5 mg/day."
    assert_table_matches_csv(table_rows(stdout), table)
    # Only the header lines before the table may be comments, and they carry provenance.
    assert all(line.startswith("# ") for line in table.comments)
    provenance = "\n".join(table.comments)
    assert "panic-adult" in provenance
    assert "1.2.0" in provenance
    assert "clinician review" in provenance
    # The whole folder holds the one file: no temporary file is left behind.
    assert [p.name for p in tmp_path.iterdir()] == ["panic.csv"]


def test_titrate_options_shape_the_schedule(tmp_path: Path) -> None:
    out = tmp_path / "custom.csv"
    stdout = ok(
        "titrate", "panic-adult", "--start", "2027-01-04",
        "--target", "2", "--step", "0.25", "--interval", "4", "--hold", "3",
        "--age", "70", "--product", "us-odt", "--csv", out,
    )  # fmt: skip
    table = read_csv(out)
    assert_daily_csv(table, times=["morning", "bedtime"], start=dt.date(2027, 1, 4))
    steps = [Decimal("0.5"), Decimal("0.75"), Decimal(1), Decimal("1.25"), Decimal("1.5")]
    steps.append(Decimal("1.75"))
    assert totals(table) == [mg for mg in steps for _ in range(4)] + [Decimal(2)] * 3
    assert [row["phase"] for row in table.rows][-3:] == ["maintenance"] * 3
    # The orally disintegrating tablets make 0.375 mg without splitting.
    assert table.rows[4]["morning_units"] == "1 x 0.25 mg tablet + 1 x 0.125 mg tablet"
    assert "orally disintegrating" in stdout
    # Age 70: the 65-and-over caution applies and the under-18 one does not.
    assert "65 years and over" in stdout
    assert "under 18" not in stdout
    assert "Age not given" not in stdout
    assert_table_matches_csv(table_rows(stdout), table)
    assert_safety_report_passes(stdout, checks=8)


def test_titrate_by_weight(tmp_path: Path) -> None:
    out = tmp_path / "child.csv"
    stdout = ok(
        "titrate", "seizure-pediatric", "--start", "2027-01-04", "--weight", "20", "--csv", out
    )
    table = read_csv(out)
    times = ["morning", "midday", "bedtime"]
    assert_daily_csv(table, times=times, start=dt.date(2027, 1, 4), weight_kg=Decimal(20))
    doses = totals(table)
    # 0.02 mg/kg/day x 20 kg = 0.4 mg/day at most to start; target 0.1 mg/kg/day = 2 mg/day.
    assert Decimal(0) < doses[0] <= Decimal("0.4")
    assert doses[-1] == Decimal(2)
    assert table.rows[0]["mg_per_kg_per_day"] == "0.019"  # 0.375 mg/day
    assert table.rows[-1]["mg_per_kg_per_day"] == "0.1"
    # Never more than the protocol's 0.25 mg/day step, never sooner than every 3 days.
    assert all(0 <= b - a <= Decimal("0.25") for a, b in pairwise(doses))
    assert doses[:3] == [doses[0]] * 3
    assert "20 kg" in stdout
    assert "mg/kg/day" in stdout.splitlines()[4]  # the step table's header
    assert_safety_report_passes(stdout, checks=10)


def test_titrate_a_protocol_file_given_by_path(tmp_path: Path) -> None:
    out = tmp_path / "custom.csv"
    stdout = ok("titrate", CUSTOM, "--start", "2027-02-01", "--csv", out)
    assert "evening-odt 2.1.0" in stdout
    assert "Test caution: printed with every schedule from this file." in stdout
    table = read_csv(out)
    times = ["waking", "afternoon", "night"]
    assert_daily_csv(table, times=times, start=dt.date(2027, 2, 1))
    # Start 0.375, +0.375 every 4 days to the target 1.125 mg/day, held 5 days.
    assert totals(table) == [Decimal("0.375")] * 4 + [Decimal("0.75")] * 4 + [Decimal("1.125")] * 5
    assert {row[f"{t}_mg"] for row in table.rows[:4] for t in times} == {"0.125"}
    assert_table_matches_csv(table_rows(stdout), table)
    assert_safety_report_passes(stdout, checks=8)


def test_titrate_with_an_absolute_protocol_path() -> None:
    stdout = ok("titrate", ROOT / CUSTOM, "--start", "2027-02-01")
    assert "evening-odt 2.1.0" in stdout
    assert len(table_rows(stdout)) == 3


def test_csv_replaces_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    out.write_text("old contents\n" * 1000, encoding="utf-8")
    ok("titrate", "panic-adult", "--start", "2027-01-04", "--csv", out)
    table = read_csv(out)
    assert "old contents" not in out.read_text(encoding="utf-8")
    assert len(table.rows) == 17
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]


# --- taper -------------------------------------------------------------------------


def test_taper_at_the_label_pace(tmp_path: Path) -> None:
    out = tmp_path / "taper.csv"
    stdout = ok(
        "taper", "panic-adult", "--start", "2027-03-01", "--from", "2",
        "--pace", "label", "--csv", out,
    )  # fmt: skip
    assert "clonazePAM taper" in stdout
    # 0.25 mg/day less every 3 days from 2 mg/day, then a stop day.
    expected = [Decimal(2) - Decimal("0.25") * k for k in range(1, 9)]
    rows = table_rows(stdout)
    assert [row.daily_mg for row in rows] == expected
    assert [row.days for row in rows] == [3] * 7 + [1]
    assert [row.phase for row in rows] == ["taper"] * 7 + ["stop"]
    assert "faster than ASAM 2025 advises" in stdout  # the label pace's own warning
    assert_safety_report_passes(stdout, checks=8, exceeded=1)
    assert "chosen by the published pace label, offered for panic-adult" in stdout

    table = read_csv(out)
    assert_daily_csv(table, times=["morning", "bedtime"], start=dt.date(2027, 3, 1))
    assert totals(table)[-1] == 0
    assert table.rows[-1]["phase"] == "stop"
    assert_table_matches_csv(rows, table)


def test_taper_at_the_default_pace_never_rises_and_ends_at_zero(tmp_path: Path) -> None:
    out = tmp_path / "taper.csv"
    stdout = ok("taper", "panic-adult", "--start", "2027-03-01", "--from", "2", "--csv", out)
    assert "pace asam" in stdout
    table = read_csv(out)
    assert_daily_csv(table, times=["morning", "bedtime"], start=dt.date(2027, 3, 1))
    doses = totals(table)
    assert all(b <= a for a, b in pairwise(doses))
    assert doses[-1] == 0
    # ASAM: 10% every 14 days. Half tablets make 1.75 mg (12.5% less), not 1.8 mg: the
    # first cut waits 18 days (12.5 / 10 x 14), 14 of them already spent on 2 mg before
    # day 1; then 1.75 mg is held 20 days (14.3% / 10 x 14).
    assert doses[:5] == [2, 2, 2, 2, Decimal("1.75")]
    assert doses[4:25] == [Decimal("1.75")] * 20 + [Decimal("1.5")]
    assert_table_matches_csv(table_rows(stdout), table)
    assert_safety_report_passes(stdout, checks=8)


def test_taper_with_drops(tmp_path: Path) -> None:
    out = tmp_path / "drops.csv"
    stdout = ok(
        "taper", "panic-adult", "--start", "2027-03-01", "--from", "2",
        "--product", "rivotril-drops", "--age", "40", "--weight", "70", "--csv", out,
    )  # fmt: skip
    table = read_csv(out)
    assert_daily_csv(table, times=["morning", "bedtime"], start=dt.date(2027, 3, 1))
    assert totals(table)[0] == Decimal("1.8")  # 10% of 2 mg/day: drops make it exactly
    assert "drop" in table.rows[0]["morning_units"]
    assert "Age not given" not in stdout
    assert_safety_report_passes(stdout, checks=8)


def test_taper_a_protocol_file_given_by_path(tmp_path: Path) -> None:
    out = tmp_path / "custom-taper.csv"
    stdout = ok("taper", CUSTOM, "--start", "2027-02-01", "--from", "1.5", "--csv", out)
    assert "evening-odt 2.1.0" in stdout
    assert "pace label" in stdout  # the file's default pace
    table = read_csv(out)
    assert_daily_csv(table, times=["waking", "afternoon", "night"], start=dt.date(2027, 2, 1))
    doses = totals(table)
    assert doses[0] == Decimal("1.25")
    assert doses[-1] == 0
    assert all(a - b in (0, Decimal("0.25"), Decimal("0.125")) for a, b in pairwise(doses))
    assert_table_matches_csv(table_rows(stdout), table)
    assert_safety_report_passes(stdout, checks=8, exceeded=1)


# --- help and start-up -------------------------------------------------------------


def test_version() -> None:
    assert ok("--version") == f"planner, version {__version__}\n"


def _commands() -> list[tuple[str, click.Command]]:
    return [("planner", cli), *((f"planner {n}", c) for n, c in sorted(cli.commands.items()))]


def _examples(command: click.Command) -> list[str]:
    """The example commands that end a command's docstring (a line ending in a backslash
    goes on, as in a shell)."""
    lines = [line.strip() for line in (command.help or "").strip().splitlines()]
    heading = max(i for i, line in enumerate(lines) if line in ("Example:", "Examples:"))
    examples: list[str] = []
    for line in lines[heading + 1 :]:
        if examples and examples[-1].endswith("\\"):
            examples[-1] = f"{examples[-1][:-1].rstrip()} {line}"
        else:
            examples.append(line)
    return examples


def test_the_expected_commands_exist() -> None:
    assert {"protocols", "validate", "schema", "titrate", "taper"} <= set(cli.commands)


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_command_has_help_ending_in_an_example(name: str, command: click.Command) -> None:
    docstring = (command.help or "").strip()
    assert docstring, f"{name} has no docstring"
    examples = _examples(command)
    assert examples, f"{name}'s docstring does not end with an example"
    for example in examples:
        assert f"{example} ".startswith(f"{name} "), f"{example!r} is not an example of {name}"

    stdout = ok(*name.split()[1:], "--help")
    assert stdout.startswith(f"Usage: {name} ")
    words = " ".join(stdout.split())  # click wraps the help text
    assert " ".join(docstring.splitlines()[0].split()) in words
    assert examples[-1] in " ".join(stdout.replace("\\\n", " ").split())
    assert ok(*name.split()[1:], "-h") == stdout


def test_planner_without_a_command_shows_the_commands_not_an_error() -> None:
    result = run()
    shown = result.stdout + result.stderr
    for name in cli.commands:
        assert name in shown
    assert "Traceback" not in shown
    assert "error: Usage:" not in shown, "the help text is reported as an error message"


def _example_args(example: str, folder: Path) -> list[str]:
    """An example's arguments, with output files in ``folder`` and globs expanded."""
    words = shlex.split(example)[1:]
    if ">" in words:
        words = words[: words.index(">")]
    args: list[str] = []
    for previous, word in zip(["", *words[:-1]], words, strict=True):
        if previous in ("--csv", "--pdf", "--plot", "--ics", "--xlsx", "--out", "--save-plan"):
            args.append(str(folder / word))
        elif "*" in word:
            args.extend(sorted(str(path) for path in Path().glob(word)))
        else:
            args.append(word)
    return args


@pytest.mark.parametrize(
    "example",
    sorted({example for _, command in _commands() for example in _examples(command)}),
)
def test_every_example_in_the_help_runs(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _example_args(example, tmp_path)
    if args[0] == "serve":  # it would serve until stopped: check what it would serve instead
        pytest.importorskip("uvicorn", reason="the web extra is not installed")
        served: list[object] = []
        monkeypatch.setattr("planner.web.server.serve", lambda *a, **k: served.append((a, k)))
        # any free port, not the example's 8000
        monkeypatch.setattr("planner.web.server.bind", lambda *a: create_server(("127.0.0.1", 0)))
        assert "http://127.0.0.1:" in ok(*args)
        assert served, f"{example} did not start the server"
        return
    if args[0] == "batch":
        # The example cohort has one bad row on purpose: the batch goes on, and exits 1.
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert (tmp_path / "cohort" / "summary.csv").read_text().count(",error,") == 1
        return
    ok(*args)
    for previous, word in pairwise(args):
        if previous.startswith("--") and word.startswith(str(tmp_path)):
            assert Path(word).stat().st_size > 0, f"{example} did not write {word}"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_importing_the_cli_and_asking_for_help_loads_no_heavy_library() -> None:
    code = f"""
import sys
import planner.cli

def heavy():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY_MODULES!r}))

print("import", heavy())
for args in (["--help"], ["--version"], ["titrate", "--help"], ["taper", "--help"], ["protocols"]):
    try:
        planner.cli.cli.main(args, prog_name="planner")
    except SystemExit as exit:
        assert exit.code == 0, (args, exit.code)
print("help", heavy())
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "import []", f"importing planner.cli loaded {lines[0]}"
    assert lines[-1] == "help []", f"planner --help loaded {lines[-1]}"
    assert "Usage: planner titrate" in result.stdout


def test_python_dash_m_planner_runs_a_titration(tmp_path: Path) -> None:
    out = tmp_path / "panic.csv"
    command = [sys.executable, "-m", "planner", "titrate", "panic-adult"]
    result = subprocess.run(
        [*command, "--start", "2027-01-04", "--csv", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(table_rows(result.stdout)) == 2
    assert_safety_report_passes(result.stdout, checks=8)
    assert len(read_csv(out).rows) == 17


def test_a_bundled_file_too_broken_to_list_says_to_validate_it(tmp_path: Path) -> None:
    import shutil

    from planner.core.files import bundled_dir
    from planner.errors import ProtocolError
    from planner.render.listing import render_library

    folder = tmp_path / "protocols"
    shutil.copytree(bundled_dir(), folder)
    broken = folder / "panic-adult.toml"
    broken.write_text(broken.read_text().replace("[titration]", "[titrations]"))
    with pytest.raises(
        ProtocolError, match=r"panic-adult.toml: cannot list it; run  planner validate"
    ):
        render_library(folder)
