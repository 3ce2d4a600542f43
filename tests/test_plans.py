"""Plan files and clinician edits, driven through the ``planner`` command in-process.

A plan file holds one request (protocol, patient, pace, product and edits); ``planner
plan FILE`` re-makes the same schedule, so the same output bytes, as the command that
saved it with ``--save-plan``. Edits from the command line (``--pause``, ``--step-back``,
``--slow-down``, ``--switch-product``) keep the schedule checked. Bad plan files live in
``tests/data/plans/bad``, one mistake each; their ``# expect: TEXT`` lines name text the
one error line must contain, with ``{file}`` standing for the path as given.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import ROOT, TableRow, error_line, ok, run, table_rows

from planner.domain.protocols import load_library

PLANS = Path("tests/data/plans")  # relative to ROOT, as a user would type it
BAD_PLANS = sorted(path.name for path in (ROOT / PLANS / "bad").glob("*.toml"))
CUSTOM = Path("tests/data/good/evening-odt.toml")
EXAMPLE = Path("examples/hyperbolic-drops.plan.toml")
# Phrases that leak the implementation into a message meant for a clinician.

START = dt.date(2027, 3, 1)
# A hyperbolic taper in drops: 0.1 mg steps, so it shows the pace rather than the product.
DROPS: tuple[object, ...] = ("taper", "panic-adult", "--start", START, "--from", 2)
DROPS += ("--pace", "hyperbolic", "--product", "rivotril-drops")
DROPS_STOP = dt.date(2027, 9, 20)  # its 0 mg day
# A linear taper in the protocol's tablets: 0.25 mg every 14 days, never held longer.
LINEAR = ("taper", "panic-adult", "--start", START, "--from", 2, "--pace", "linear")
LINEAR_INTERVAL = 14


@pytest.fixture(autouse=True)
def _in_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the checkout, so that paths read as in the README: tests/data/..."""
    monkeypatch.chdir(ROOT)


def argv(text: str) -> list[str]:
    """Options as typed on a command line."""
    return shlex.split(text)


def files_in(folder: Path) -> list[str]:
    """Every file in ``folder``, temporary ones included (an atomic write leaves none)."""
    return sorted(path.name for path in folder.iterdir())


# --- Reading the outputs back ------------------------------------------------------


SPAN = re.compile(r"^(\d+) days, (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2});", re.MULTILINE)
SAFETY = re.compile(
    r"^Safety checks: (?:(\d+) of (\d+) passed|(\d+) passed, (\d+) exceeded by choice)$",
    re.MULTILINE,
)


def table(stdout: str) -> list[TableRow]:
    rows = table_rows(stdout)
    assert rows, f"no schedule table in:\n{stdout}"
    assert sum(row.days for row in rows) == days_of(stdout)
    return rows


def days_of(stdout: str) -> int:
    match = SPAN.search(stdout)
    assert match, stdout
    return int(match[1])


def assert_no_check_fails(stdout: str) -> None:
    """Every check passed, or passed by a choice the report names: none failed."""
    match = SAFETY.search(stdout)
    assert match, stdout
    if match[1]:
        assert match[1] == match[2], match[0]
        assert stdout.count("[pass]") == int(match[2]) >= 6
    else:
        assert stdout.count("[pass]") == int(match[3]) >= 6
        assert stdout.count("[EXCEEDED BY CHOICE]") == int(match[4])
    assert "[fail" not in stdout.lower()


def product_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("Product: "))


def read_daily(path: Path) -> list[dict[str, str]]:
    """The rows of a ``--csv`` file, after its provenance comment lines."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    return list(csv.DictReader(line for line in lines if not line.startswith("#")))


DOSE_COLUMNS = ("phase", "total_mg", "morning_mg", "bedtime_mg", "morning_units", "bedtime_units")


def doses(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    """What is taken each day, without the date, day number and note."""
    return [tuple(row[column] for column in DOSE_COLUMNS) for row in rows]


def levels(rows: list[TableRow]) -> Iterator[tuple[TableRow, TableRow]]:
    """Each reduction: the row before and the lower row after it."""
    for before, after in itertools.pairwise(rows):
        if after.daily_mg < before.daily_mg:
            yield before, after


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., list[dict[str, str]]]:
    """The daily CSV rows of a command, run once per module for each set of arguments."""
    folder = tmp_path_factory.mktemp("daily")
    cache: dict[tuple[str, ...], list[dict[str, str]]] = {}

    def get(*args: object) -> list[dict[str, str]]:
        key = tuple(str(a) for a in args)
        if key not in cache:
            path = folder / f"{len(cache)}.csv"
            ok(*key, "--csv", path)
            cache[key] = read_daily(path)
        return cache[key]

    return get


# --- Saving a plan and running it again --------------------------------------------


def outputs(folder: Path, name: str) -> list[object]:
    """Options writing the CSV, PDF and calendar of a schedule as ``folder/name.*``."""
    return [
        *("--csv", folder / f"{name}.csv", "--pdf", folder / f"{name}.pdf"),
        *("--ics", folder / f"{name}.ics", "--tz", "UTC"),
    ]


def assert_same_files(folder: Path, first: str, again: str) -> None:
    for suffix in ("csv", "pdf", "ics"):
        a, b = folder / f"{first}.{suffix}", folder / f"{again}.{suffix}"
        assert a.read_bytes() == b.read_bytes(), f"the re-run {suffix.upper()} differs"
        assert a.stat().st_size > 500


def test_a_saved_taper_plan_reruns_to_the_same_csv_pdf_and_ics(tmp_path: Path) -> None:
    plan = tmp_path / "taper.plan.toml"
    edits = argv("--pause 2027-05-03:14 --step-back 2027-07-12 --age 45")
    first = ok(*DROPS, *edits, "--save-plan", plan, *outputs(tmp_path, "a"))
    again = ok("plan", plan, *outputs(tmp_path, "b"))
    assert_same_files(tmp_path, "a", "b")
    # The printed report is the same too, but for the files it wrote.
    report = [line for line in first.splitlines() if not line.startswith("Wrote ")]
    assert report == [line for line in again.splitlines() if not line.startswith("Wrote ")]
    phases = [row.phase for row in table(again)]
    assert phases.count("taper (pause)") == phases.count("taper (step back)") == 1
    assert_no_check_fails(again)


def test_a_saved_plan_is_commented_toml_naming_every_input(tmp_path: Path) -> None:
    plan = tmp_path / "taper.plan.toml"
    edits = argv("--pause 2027-05-03:14 --step-back 2027-07-12 --slow-down 2")
    switch = argv("--switch-product rivotril-drops --switch-at 0.5")
    ok(*DROPS, *edits, *switch, "--save-plan", plan)
    text = plan.read_text(encoding="utf-8")
    comments = list(itertools.takewhile(lambda line: line.startswith("#"), text.splitlines()))
    assert comments, "a plan file opens with a comment"
    assert "for clinician review" in " ".join(comments).lower()
    saved = tomllib.loads(text, parse_float=Decimal)
    assert saved["kind"] == "plan"
    assert saved["protocol"] == "panic-adult"
    assert "titration" not in saved
    taper = saved["taper"]
    assert taper["start"] == START
    assert taper["from_mg_per_day"] == 2
    assert taper["pace"] == "hyperbolic"
    assert taper["product"] == "rivotril-drops"
    assert taper["slow_down_factor"] == 2
    assert taper["switch_product"] == {
        "at_or_below_mg_per_day": Decimal("0.5"),
        "product": "rivotril-drops",
    }
    assert sorted(taper["edits"], key=lambda edit: edit["date"]) == [
        {"kind": "pause", "date": dt.date(2027, 5, 3), "days": 14},
        {"kind": "step_back", "date": dt.date(2027, 7, 12)},
    ]


def test_a_saved_plan_names_the_pace_and_product_it_used(tmp_path: Path) -> None:
    """A reviewer reads the plan file alone: the protocol's defaults are written out."""
    plan = tmp_path / "default.plan.toml"
    stdout = ok("taper", "panic-adult", "--start", START, "--from", 2, "--save-plan", plan)
    taper = tomllib.loads(plan.read_text(encoding="utf-8"))["taper"]
    assert "product" in taper, "the plan does not say which product was used"
    assert "pace" in taper, "the plan does not say which pace was used"
    assert load_library().product(taper["product"]).name in product_line(stdout)
    assert f"pace {taper['pace']}:" in stdout


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(
            "--pace asam --switch-product rivotril-drops --switch-at 0.5 --age 70",
            id="switch-product",
        ),
        pytest.param(
            "--pace hyperbolic --ec50 0.5 --weight 72.5 --pause 2027-04-01:10", id="ec50-pause"
        ),
        pytest.param(
            "--pace linear --product us-tablet-scored --step-back 2027-04-05 --slow-down 2",
            id="step-back-slow-down",
        ),
        pytest.param(
            "--pace hyperbolic --step-back 2027-04-05 --slow-down 1.50",
            id="slow-down-written-1.50",
        ),
    ],
)
def test_every_taper_option_survives_the_plan_file(options: str, tmp_path: Path) -> None:
    plan = tmp_path / "taper.plan.toml"
    taper = ("taper", "panic-adult", "--start", START, "--from", 2, *argv(options))
    ok(*taper, "--save-plan", plan, "--csv", tmp_path / "a.csv")
    ok("plan", plan, "--csv", tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_a_saved_titration_plan_reruns_to_the_same_csv_pdf_and_ics(tmp_path: Path) -> None:
    plan = tmp_path / "titration.plan.toml"
    patient = argv("--start 2027-01-04 --weight 20.5 --age 7")
    ok("titrate", "seizure-pediatric", *patient, "--save-plan", plan, *outputs(tmp_path, "a"))
    saved = tomllib.loads(plan.read_text(encoding="utf-8"), parse_float=Decimal)
    assert saved["protocol"] == "seizure-pediatric"
    assert "taper" not in saved
    assert saved["titration"]["start"] == dt.date(2027, 1, 4)
    assert saved["titration"]["patient"] == {"weight_kg": Decimal("20.5"), "age_years": 7}
    stdout = ok("plan", plan, *outputs(tmp_path, "b"))
    assert_same_files(tmp_path, "a", "b")
    assert stdout.startswith("clonazePAM titration")
    assert_no_check_fails(stdout)


@pytest.mark.parametrize("command", ["taper", "titrate"])
def test_a_protocol_path_is_kept_relative_to_the_plan_file(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans, elsewhere = tmp_path / "plans" / "2027", tmp_path / "elsewhere"
    plans.mkdir(parents=True)
    elsewhere.mkdir()
    dose = ("--from", "1.5") if command == "taper" else ()
    plan = plans / "odt.plan.toml"
    ok(command, CUSTOM, "--start", START, *dose, "--save-plan", plan, "--csv", tmp_path / "a.csv")
    protocol = tomllib.loads(plan.read_text(encoding="utf-8"))["protocol"]
    assert not Path(protocol).is_absolute(), protocol
    assert (plans / protocol).resolve() == (ROOT / CUSTOM).resolve()
    # Re-run from another folder, naming the plan by a path relative to that folder.
    monkeypatch.chdir(elsewhere)
    stdout = ok("plan", Path("..") / "plans" / "2027" / plan.name, "--csv", tmp_path / "b.csv")
    assert "(evening-odt 2.1.0)" in stdout
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_hand_written_plan_finds_its_protocol_next_to_it(tmp_path: Path) -> None:
    """The plan says ../../good/evening-odt.toml: from its own folder, not the caller's."""
    plan = ROOT / PLANS / "good" / "evening-odt-relative.plan.toml"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        stdout = ok("plan", plan)
    assert "(evening-odt 2.1.0)" in stdout
    rows = table(stdout)
    paused = [row for row in rows if row.phase == "taper (pause)"]
    assert [row.first for row in paused] == [dt.date(2027, 3, 10)]
    assert_no_check_fails(stdout)


def test_the_example_plan_and_its_command_line_give_the_same_csv(tmp_path: Path) -> None:
    """Every field of the example has a command-line option that means the same."""
    ok("plan", EXAMPLE, "--csv", tmp_path / "plan.csv")
    options = (
        "--start 2027-03-01 --from 2 --pace hyperbolic --product us-tablet-scored --age 52 "
        "--switch-product rivotril-drops --switch-at 0.5 "
        "--pause 2027-04-19:14 --step-back 2027-06-21 --pause 2027-09-06:7"
    )
    ok("taper", "panic-adult", *argv(options), "--csv", tmp_path / "command.csv")
    assert (tmp_path / "plan.csv").read_text() == (tmp_path / "command.csv").read_text()


def test_save_plan_into_a_missing_folder_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = run(*LINEAR, "--csv", out / "taper.csv", "--save-plan", tmp_path / "no" / "x.toml")
    assert str(tmp_path / "no") in error_line(result)
    assert files_in(out) == [], "the CSV was written although the command failed"


def test_save_plan_onto_another_output_is_refused(tmp_path: Path) -> None:
    same = tmp_path / "taper.csv"
    message = error_line(run(*LINEAR, "--csv", same, "--save-plan", same))
    assert str(same) in message
    assert files_in(tmp_path) == []


# --- The example plan ------------------------------------------------------------


def test_the_example_plan_switches_product_pauses_twice_and_steps_back() -> None:
    stdout = ok("plan", EXAMPLE)
    example = tomllib.loads((ROOT / EXAMPLE).read_text(encoding="utf-8"))["taper"]
    library = load_library()
    products = product_line(stdout)
    main = library.product(example["product"]).name
    switch = library.product(example["switch_product"]["product"]).name
    assert main in products
    assert switch in products
    assert products.index(main) < products.index(switch)
    rows = table(stdout)
    phases = [row.phase for row in rows]
    assert phases.count("taper (pause)") == 2
    assert phases.count("taper (step back)") == 1
    assert set(phases) == {"taper", "taper (pause)", "taper (step back)", "stop"}
    edited = {row.first: row.phase for row in rows if row.phase != "taper"}
    edits = {edit["date"]: edit["kind"].replace("_", " ") for edit in example["edits"]}
    assert {day: f"taper ({kind})" for day, kind in edits.items()} == {
        day: phase for day, phase in edited.items() if phase != "stop"
    }
    assert rows[-1].phase == "stop"
    assert rows[-1].daily_mg == 0
    assert_no_check_fails(stdout)


# --- Clinician edits from the command line ------------------------------------------


@pytest.mark.parametrize(
    ("day", "days"),
    [
        (START, 3),  # day 1
        (dt.date(2027, 3, 15), 14),  # the first day of a step
        (dt.date(2027, 5, 3), 14),  # in the middle of a step
        (DROPS_STOP - dt.timedelta(days=1), 7),  # the last dose before stopping
    ],
)
def test_a_pause_holds_that_days_dose_for_exactly_days_more(
    day: dt.date, days: int, daily: Callable[..., list[dict[str, str]]]
) -> None:
    base = doses(daily(*DROPS))
    paused = daily(*DROPS, "--pause", f"{day}:{days}")
    assert len(paused) == len(base) + days
    k = (day - START).days
    assert doses(paused) == base[:k] + [base[k]] * days + base[k:]
    assert paused[k]["date"] == day.isoformat()
    assert "pause" in paused[k]["note"].lower()


def test_a_pause_is_marked_in_the_table_and_stays_checked() -> None:
    stdout = ok(*DROPS, "--pause", "2027-05-03:14")
    rows = table(stdout)
    (paused,) = [row for row in rows if row.phase == "taper (pause)"]
    assert paused.first == dt.date(2027, 5, 3)
    before = next(row for row in rows if row.last == paused.first - dt.timedelta(days=1))
    assert before.daily_mg == paused.daily_mg
    assert days_of(stdout) == (DROPS_STOP - START).days + 1 + 14
    assert_no_check_fails(stdout)


@pytest.mark.parametrize(
    ("slow_down", "factor"),
    [((), "1.5"), (("--slow-down", "2"), "2"), (("--slow-down", "1.25"), "1.25")],
)
def test_a_step_back_returns_to_the_previous_dose_then_holds_each_dose_longer(
    slow_down: tuple[str, ...], factor: str
) -> None:
    base = table(ok(*LINEAR))
    date = dt.date(2027, 4, 5)  # in the middle of the 1.25 mg/day step
    stdout = ok(*LINEAR, "--step-back", date, *slow_down)
    rows = table(stdout)
    (back,) = [row for row in rows if row.phase == "taper (step back)"]
    assert back.first == date
    # Until the day before, nothing changed.
    kept = [row for row in rows if row.last < date]
    assert [(r.first, r.daily_mg) for r in kept] == [
        (r.first, r.daily_mg) for r in base if r.first < date
    ]
    assert kept[-1].last == date - dt.timedelta(days=1)
    # From the day: the previous, higher dose, then the same steps, each held longer.
    on_date = next(i for i, row in enumerate(base) if row.first <= date <= row.last)
    assert back.daily_mg == base[on_date - 1].daily_mg > base[on_date].daily_mg
    held = math.ceil(LINEAR_INTERVAL * Decimal(factor))
    after = rows[rows.index(back) :]
    # Each dose held the pace's interval times the factor; below 1 mg/day a 0.25 mg cut
    # is over 25% of the dose, so the linear pace's ASAM cap holds it longer still.
    assert [row.days for row in after[:-1] if row.daily_mg >= 1] == [held] * sum(
        row.daily_mg >= 1 for row in after[:-1]
    )
    assert all(row.days >= held for row in after[:-1])
    assert [b.daily_mg - a.daily_mg for b, a in levels(after[:-1])] == [Decimal("0.25")] * (
        len(after) - 2
    )
    assert after[-1].phase == "stop"
    assert f"{factor} times as long" in stdout
    assert_no_check_fails(stdout)


def test_a_step_back_never_takes_larger_steps_than_the_taper_did() -> None:
    """After a step back the taper is slower: intervals grow, the steps do not."""
    options = ("taper", "panic-adult", "--start", START, "--from", 3, "--pace", "two-phase")
    before = {a.daily_mg: b.daily_mg for a, b in levels(table(ok(*options)))}
    stdout = ok(*options, "--step-back", "2027-03-29")
    rows = table(stdout)
    back = next(i for i, row in enumerate(rows) if row.phase == "taper (step back)")
    compared = [(a, b) for a, b in levels(rows[back:]) if a.daily_mg in before]
    assert len(compared) >= 3
    for a, b in compared:
        assert b.daily_mg >= before[a.daily_mg], (
            f"after the step back, {a.daily_mg} mg/day goes to {b.daily_mg} mg/day; "
            f"before it went to {before[a.daily_mg]} mg/day"
        )


def test_edits_combine_and_a_later_pause_adds_exactly_its_days(
    daily: Callable[..., list[dict[str, str]]],
) -> None:
    earlier = ("--pause", "2027-04-05:7", "--step-back", "2027-06-07")
    base = doses(daily(*DROPS, *earlier))
    combined = daily(*DROPS, *earlier, "--pause", "2027-10-04:10")
    k = (dt.date(2027, 10, 4) - START).days
    assert doses(combined) == base[:k] + [base[k]] * 10 + base[k:]
    notes = [row["note"].lower() for row in combined]
    assert sum("pause" in note for note in notes) == 2
    assert sum("step back" in note for note in notes) == 1
    stdout = ok(*DROPS, *earlier, "--pause", "2027-10-04:10")
    phases = [row.phase for row in table(stdout)]
    assert phases.count("taper (pause)") == 2
    assert phases.count("taper (step back)") == 1
    assert_no_check_fails(stdout)


@pytest.mark.parametrize("pace", ["asam", "hyperbolic", "linear"])
def test_switch_product_gives_every_dose_at_or_below_the_threshold_in_drops(
    pace: str, tmp_path: Path
) -> None:
    options = argv("--product us-tablet --switch-product rivotril-drops --switch-at 0.5")
    taper = ("taper", "panic-adult", "--start", START, "--from", 2, "--pace", pace, *options)
    stdout = ok(*taper, "--csv", tmp_path / "taper.csv")
    rows = read_daily(tmp_path / "taper.csv")
    for row in rows:
        units = " ".join(row[f"{time}_units"] for time in ("morning", "bedtime"))
        total = Decimal(row["total_mg"])
        if total == 0:
            assert units.strip() == "", row
        elif total <= Decimal("0.5"):
            assert "drop" in units and "tablet" not in units, row
        else:
            assert "tablet" in units and "drop" not in units, row
    assert any(Decimal(row["total_mg"]) == Decimal("0.5") for row in rows)
    library = load_library()
    products = product_line(stdout)
    assert library.product("us-tablet").name in products
    assert library.product("rivotril-drops").name in products
    assert_no_check_fails(stdout)


def test_custom_steps_from_a_plan_file_are_used_as_written() -> None:
    plan = PLANS / "good" / "custom-steps.plan.toml"
    steps = tomllib.loads((ROOT / plan).read_text(encoding="utf-8"), parse_float=Decimal)
    stdout = ok("plan", plan)
    rows = table(stdout)
    assert [(row.daily_mg, row.days) for row in rows] == [
        *((step["mg_per_day"], step["days"]) for step in steps["taper"]["custom_steps"]),
        (Decimal(0), 1),
    ]
    assert "pace custom" in stdout
    assert_no_check_fails(stdout)


# --- Bad plan files and bad edit options --------------------------------------------


def expectations(name: str) -> list[str]:
    """The ``# expect:`` lines of a bad plan file, with {file} replaced by its path."""
    lines = (ROOT / PLANS / "bad" / name).read_text(encoding="utf-8").splitlines()
    wanted = [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]
    assert wanted, f"{name} has no '# expect: ' line"
    return [text.replace("{file}", str(PLANS / "bad" / name)) for text in wanted]


def test_there_are_bad_plan_files() -> None:
    assert len(BAD_PLANS) >= 20


@pytest.mark.parametrize("name", BAD_PLANS)
def test_a_bad_plan_file_is_one_clear_line_and_writes_nothing(name: str, tmp_path: Path) -> None:
    out = ("--csv", tmp_path / "taper.csv", "--pdf", tmp_path / "taper.pdf")
    result = run("plan", PLANS / "bad" / name, *out)
    message = error_line(result)
    for text in expectations(name):
        assert text in message
    assert result.stdout == ""
    assert files_in(tmp_path) == []


def test_the_bad_pause_on_the_stop_day_is_on_the_stop_day() -> None:
    """The file's date is the 0 mg day of the same taper without the pause."""
    plan = tomllib.loads((ROOT / PLANS / "bad" / "pause-on-stop-day.plan.toml").read_text())
    assert plan["taper"]["edits"][0]["date"] == DROPS_STOP
    rows = table(ok(*DROPS))
    assert (rows[-1].phase, rows[-1].first, rows[-1].daily_mg) == ("stop", DROPS_STOP, Decimal(0))


@pytest.mark.parametrize(
    ("options", "wanted"),
    [
        pytest.param(("--pause", "2027-05-03"), ["--pause", "DATE:DAYS"], id="pause-without-days"),
        pytest.param(("--pause", "2027-05-03:0"), ["--pause"], id="pause-zero-days"),
        pytest.param(("--pause", "2027-02-01:7"), ["2027-02-01", "pause"], id="pause-before"),
        pytest.param(("--pause", "2029-02-01:7"), ["2029-02-01", "pause"], id="pause-after"),
        pytest.param(("--pause", f"{DROPS_STOP}:7"), [str(DROPS_STOP), "pause"], id="pause-stop"),
        pytest.param(("--step-back", "notadate"), ["--step-back", "notadate"], id="step-back-text"),
        pytest.param(("--switch-product", "rivotril-drops"), ["--switch-at"], id="no-switch-at"),
        pytest.param(("--switch-at", "0.5"), ["--switch-product"], id="no-switch-product"),
        pytest.param(("--slow-down", "1"), ["--slow-down"], id="slow-down-one"),
        pytest.param(("--pace", "linear", "--ec50", "2"), ["--ec50", "linear"], id="ec50-linear"),
        pytest.param(
            ("--pause", "2027-05-03:7", "--step-back", "2027-05-03"),
            ["2027-05-03", "same date"],
            id="two-edits-one-date",
        ),
    ],
)
def test_a_bad_edit_option_is_one_clear_line_and_writes_nothing(
    options: tuple[str, ...], wanted: list[str], tmp_path: Path
) -> None:
    out = ("--csv", tmp_path / "taper.csv", "--save-plan", tmp_path / "taper.plan.toml")
    result = run(*DROPS, *options, *out)
    message = error_line(result)
    for text in wanted:
        assert text in message
    assert result.stdout == ""
    assert files_in(tmp_path) == []


def test_a_step_back_with_nothing_to_return_to_is_refused(tmp_path: Path) -> None:
    """From 1 mg/day in scored tablets, day 1 still takes 1 mg/day: no higher dose."""
    options: tuple[object, ...] = ("taper", "panic-adult", "--start", START, "--from", 1)
    options += ("--pace", "hyperbolic", "--product", "us-tablet-scored")
    assert table(ok(*options))[0].daily_mg == 1
    result = run(*options, "--step-back", START, "--csv", tmp_path / "taper.csv")
    assert "nothing to step back to" in error_line(result)
    assert files_in(tmp_path) == []


# --- planner compare ---------------------------------------------------------------

COMPARE = ("compare", "--from", 2, "--product", "rivotril-drops", "--start", START)
COMPARE_ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+\d+(?:\.\d+)? points\s+\d+(?:\.\d+)? mg/day$")


def compare_rows(stdout: str) -> dict[str, tuple[int, int]]:
    rows = {}
    for line in stdout.splitlines():
        match = COMPARE_ROW.match(line)
        if match:
            rows[match[1]] = (int(match[2]), int(match[3]))
    return rows


def test_compare_prints_one_row_per_pace_with_its_days_and_reductions() -> None:
    stdout = ok(*COMPARE)
    rows = compare_rows(stdout)
    assert list(rows) == ["linear", "proportional", "hyperbolic"]
    for pace in ("linear", "hyperbolic"):
        options = argv(f"--start {START} --from 2 --pace {pace} --product rivotril-drops")
        taper = ok("taper", "panic-adult", *options)
        # The current 2 mg/day is taken before day 1: the first row may be a reduction.
        current = TableRow(START, START, 1, "before", Decimal(2))
        reductions = len(list(levels([current, *table(taper)])))
        assert rows[pace] == (days_of(taper), reductions), pace
    assert "illustrative" in stdout.lower()


def test_compare_takes_the_paces_asked_for_in_order() -> None:
    rows = compare_rows(ok(*COMPARE, "--paces", "label,asam"))
    assert list(rows) == ["label", "asam"]
    assert rows["label"][0] < rows["asam"][0]


def test_compare_writes_a_plot_and_the_svg_is_the_same_each_time(tmp_path: Path) -> None:
    for name in ("a.svg", "b.svg", "c.png"):
        stdout = ok(*COMPARE, "--plot", tmp_path / name)
        assert f"Wrote {tmp_path / name}" in stdout
    svg = (tmp_path / "a.svg").read_bytes()
    assert svg.lstrip().startswith((b"<?xml", b"<svg"))
    assert svg == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_compare_refuses_an_unknown_pace_and_writes_no_plot(tmp_path: Path) -> None:
    result = run(*COMPARE, "--paces", "linear,glacial", "--plot", tmp_path / "compare.svg")
    assert "'glacial'" in error_line(result)
    assert result.stdout == ""
    assert files_in(tmp_path) == []


def test_compare_refuses_a_plot_format_it_cannot_write(tmp_path: Path) -> None:
    result = run(*COMPARE, "--plot", tmp_path / "compare.gif")
    message = error_line(result)
    assert str(tmp_path / "compare.gif") in message
    assert ".svg" in message
    assert result.stdout == ""
    assert files_in(tmp_path) == []
