"""``--symptoms FILE.csv`` on every schedule command, ``planner plan`` and ``planner revise``
(issue 23): the log is listed beside the dose on the report, a rise over the last two
visits is noted there and in the CSV's header, a bad file is one line naming the file
and row with exit code 2 and nothing written, and no output may replace the log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import ROOT, error_line, ok, run

from planner.core.limits import MAX_SYMPTOM_FILE_BYTES

# Each schedule command, with the day its schedule starts.
COMMANDS: dict[str, tuple[list[str], str]] = {
    "titrate": (["titrate", "panic-adult", "--start", "2027-01-04"], "2027-01-04"),
    "taper": (["taper", "panic-adult", "--start", "2027-03-01", "--from", "2"], "2027-03-01"),
    "course": (
        ["course", "panic-adult", "--start", "2027-01-04", "--maintain", "30", "--pace", "asam"],
        "2027-01-04",
    ),
    "switch": (
        [
            "switch",
            "panic-adult",
            "--start",
            "2027-01-04",
            "--from-drug",
            "alprazolam",
            "--from",
            "1",
        ],
        "2027-01-04",
    ),
    "plan": (["plan", str(ROOT / "examples" / "hyperbolic-drops.plan.toml")], "2027-03-01"),
    # A revision at a visit, where the log is most read.
    "revise": (
        [
            "revise",
            str(ROOT / "examples" / "hyperbolic-drops.plan.toml"),
            "--on",
            "2027-05-10",
            "--hold",
            "14",
            "--reason",
            "anxious since the last cut",
        ],
        "2027-03-01",
    ),
}
TAPER = COMMANDS["taper"][0]
RISING = "date,CIWA-B (0-80)\n2027-03-01,9\n2027-03-15,8\n2027-03-29,12\n2027-04-12,17\n"
ADVICE = "ASAM 2025 advises slowing or pausing the taper when withdrawal symptoms emerge"


def write_log(folder: Path, text: str, name: str = "log.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_every_schedule_command_lists_the_log_beside_the_dose(command: str, tmp_path: Path) -> None:
    args, start = COMMANDS[command]
    log = write_log(tmp_path, f"date,score\n{start},3\n")
    out = ["--out", tmp_path / "revised.plan.toml"] if command == "revise" else []
    printed = ok(*args, *out, "--symptoms", log)
    section = printed.split("Symptom log (self-rating (0-10), log.csv):\n")[1]
    assert section.splitlines()[0].startswith(f"  - {start} (day 1, ")
    assert section.splitlines()[0].endswith("/day): 3")
    assert "rose at each" not in printed


def test_a_rise_at_each_of_the_last_two_visits_is_noted_on_the_report_and_the_csv(
    tmp_path: Path,
) -> None:
    log = write_log(tmp_path, RISING)
    without = ok(*TAPER, "--csv", tmp_path / "plain.csv")
    printed = ok(*TAPER, "--symptoms", log, "--csv", tmp_path / "noted.csv")
    lines = printed.split("Symptom log (CIWA-B (0-80), log.csv):\n")[1].splitlines()
    assert lines[:4] == [
        "  - 2027-03-01 (day 1, taper, 2 mg/day): 9",
        "  - 2027-03-15 (day 15, taper, 1.75 mg/day): 8",
        "  - 2027-03-29 (day 29, taper, 1.5 mg/day): 12",
        "  - 2027-04-12 (day 43, taper, 1.5 mg/day): 17",
    ]
    assert lines[4].startswith(
        "  ! The CIWA-B (0-80) score rose at each of the last two visits "
        "(8 on 2027-03-15, 12 on 2027-03-29, 17 on 2027-04-12). " + ADVICE
    )
    assert lines[5].startswith("    Source: Joint Clinical Practice Guideline on Benzodiazepine")
    # The plan is the same with the log as without it: the log is read, never acted on.
    plain = (tmp_path / "plain.csv").read_text(encoding="utf-8").splitlines()
    noted = (tmp_path / "noted.csv").read_text(encoding="utf-8").splitlines()
    added = [line for line in noted if line not in plain]
    assert len(added) == 1 and added[0].startswith('# Note:,"The CIWA-B (0-80) score rose')
    assert ADVICE in added[0]
    assert without.split("\nSafety checks")[0] == printed.split("\nSafety checks")[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,score\n2027-03-01,11\n", "::row 2: score '11' is outside the scale self-rating"),
        ("date,CIWA-B (0-80)\n2027-03-01,81\n", "::row 2: score '81' is outside the scale CIWA"),
        ("date,score\n2027-03-01,bad\n", "::row 2: score 'bad' is not a number"),
        ("date,score\n2027-03-01,2.5\n", "::row 2: score 2.5 is not a whole number"),
        ("date,score\n2027-02-30,2\n", "::row 2: date 2027-02-30 is not a day of the calendar"),
        ("date,score\nMarch 1,2\n", "::row 2: date 'March 1' is not a date as YYYY-MM-DD"),
        (
            "date,score\n2027-03-01,2\n2027-02-27,3\n",
            "::row 3: 2027-02-27 is before the schedule's first day, 2027-03-01",
        ),
        (
            "date,score\n2027-03-01,2\n2031-01-01,3\n",
            "::row 3: 2031-01-01 is after the schedule's last day, 2027-10-29",
        ),
        ("date,score\n2027-03-01,2\n2027-03-01,3\n", "::row 3: 2027-03-01 has a score already"),
        ("", ": the file is empty; its first row is the header date,score"),
        ("date,score\n", ": no scores: the file has a header but no rows"),
        ("day,score\n2027-03-01,2\n", "::row 1: the header is 'day,score'"),
        ("date,CIWA-B\n2027-03-01,2\n", "::row 1: the score column 'CIWA-B' names no scale"),
    ],
)
def test_a_bad_log_is_one_line_naming_the_file_and_row_and_nothing_is_written(
    text: str, message: str, tmp_path: Path
) -> None:
    log = write_log(tmp_path, text)
    out = tmp_path / "out"
    out.mkdir()
    outputs = ["--csv", out / "t.csv", "--pdf", out / "t.pdf", "--plot", out / "t.png"]
    result = run(*TAPER, "--symptoms", log, *outputs, "--save-plan", out / "t.plan.toml")
    assert error_line(result).startswith(f"{log}{message}")
    assert list(out.iterdir()) == []


def test_a_log_too_large_missing_or_a_folder_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    large = write_log(tmp_path, "date,score\n" + "x" * MAX_SYMPTOM_FILE_BYTES)
    assert error_line(run(*TAPER, "--symptoms", large)) == (
        f"{large}: larger than the limit of 1 MB"
    )
    missing = tmp_path / "missing.csv"
    assert error_line(run(*TAPER, "--symptoms", missing)) == f"{missing}: no such file"
    assert error_line(run(*TAPER, "--symptoms", tmp_path)) == f"{tmp_path}: is a folder, not a file"


@pytest.mark.parametrize("option", ["--csv", "--pdf", "--ics", "--save-plan", "--xlsx"])
def test_no_output_may_replace_the_log(option: str, tmp_path: Path) -> None:
    log = write_log(tmp_path, "date,score\n2027-03-01,3\n")
    before = log.read_bytes()
    os.link(log, tmp_path / "linked.csv")
    for spelled in (log, tmp_path / "." / "log.csv", tmp_path / "linked.csv"):
        message = error_line(run(*TAPER, "--symptoms", log, option, spelled))
        assert message == f"{spelled} is a file this command reads; write elsewhere"
    assert log.read_bytes() == before


def test_the_log_is_never_a_plot_either(tmp_path: Path) -> None:
    """A plot's name ends .png, .svg or .pdf: a log may be named so too."""
    log = write_log(tmp_path, "date,score\n2027-03-01,3\n", name="log.png")
    message = error_line(run(*TAPER, "--symptoms", log, "--plot", log))
    assert message == f"{log} is a file this command reads; write elsewhere"
