"""Never lose a file, round two (the issue's cases on the command line's own files): an
input is never an output, every output of a command is placed or none is, a path that
cannot be written is one line, header lines are cells, numbers are ASCII digits, and a
reason must say something. Each case as a user reproduced it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import ROOT, error_line, ok, run

from planner.core.files import write_all
from planner.errors import OutputError

START = ("--start", "2027-01-04")
TITRATE = ("titrate", "panic-adult", *START)


CLINIC_PRODUCTS = """kind = "products"
version = "1.0.0"

[products.clinic-tablet]
name = "Clinic: clonazePAM tablets"
short_name = "Clinic tablets"
region = "US"
unit = "tablet"
unit_plural = "tablets"
sources = ["clinic"]
strengths = [{ mg = 0.5, split = 2 }, { mg = 1, split = 1 }]

[[sources]]
id = "clinic"
citation = "The clinic's own stock list."
"""


def clinic_products(folder: Path, name: str = "Clinic: clonazePAM tablets") -> Path:
    """A clinic's own products file: one tablet product under its own id and name."""
    mine = folder / "clinic.toml"
    mine.write_text(CLINIC_PRODUCTS.replace("Clinic: clonazePAM tablets", name), encoding="utf-8")
    return mine


# 1. An input is never an output --------------------------------------------------------


@pytest.mark.parametrize("option", ["--csv", "--save-plan", "--pdf"])
def test_a_products_file_read_is_never_written(tmp_path: Path, option: str) -> None:
    products = clinic_products(tmp_path)
    before = products.read_bytes()
    message = error_line(run(*TITRATE, "--products", products, option, products))
    assert message == f"{products} is a file this command reads; write elsewhere"
    assert products.read_bytes() == before
    hard = tmp_path / "hard.toml"
    os.link(products, hard)  # the same file under another name
    message = error_line(run(*TITRATE, "--products", products, option, hard))
    assert message == f"{hard} is a file this command reads; write elsewhere"
    assert products.read_bytes() == before


@pytest.mark.parametrize("name", ["panic-adult.toml", "products.toml", "equivalences.toml"])
def test_the_installed_data_is_never_written(name: str) -> None:
    """A protocol given by id reads the installed files; none of them, nor any other file
    of the installed data, may be written over (an editable install would lose it)."""
    target = ROOT / "protocols" / name
    before = target.read_bytes()
    for option in ("--csv", "--save-plan"):
        message = error_line(run(*TITRATE, option, target))
        assert str(target) in message
        assert "reads" in message or "installed data" in message
    assert target.read_bytes() == before


def test_a_plan_file_is_never_written_by_its_own_run(tmp_path: Path) -> None:
    plan = tmp_path / "p.plan.toml"
    ok(*TITRATE, "--save-plan", plan)
    before = plan.read_bytes()
    for option in ("--csv", "--pdf", "--xlsx"):
        message = error_line(run("plan", plan, option, tmp_path / "." / "p.plan.toml"))
        assert "is a file this command reads" in message
    assert plan.read_bytes() == before


# 4. Every output of a command is placed, or none ---------------------------------------


def test_an_output_that_fails_last_leaves_the_others_as_they_were(tmp_path: Path) -> None:
    """--csv keep.csv --ics /dev/full: the device fails, and keep.csv is not replaced, nor
    a new --xlsx created."""
    keep, book = tmp_path / "keep.csv", tmp_path / "new.xlsx"
    keep.write_text("the clinic's own notes\n")
    message = error_line(
        run(*TITRATE, "--csv", keep, "--xlsx", book, "--ics", "/dev/full", "--tz", "UTC")
    )
    assert message == "cannot write /dev/full: No space left on device"
    assert keep.read_text() == "the clinic's own notes\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["keep.csv"]


def test_a_rename_that_fails_midway_puts_back_what_was_placed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = (tmp_path / name for name in ("a.csv", "b.csv", "c.csv"))
    first.write_bytes(b"old a")
    third.write_bytes(b"old c")
    real = Path.replace

    def failing(self: Path, target: str | os.PathLike[str]) -> Path:
        if Path(target) == third:
            raise PermissionError(13, "Permission denied")
        return real(self, target)

    monkeypatch.setattr(Path, "replace", failing)
    with pytest.raises(OutputError, match=r"cannot write .*c\.csv: Permission denied"):
        write_all([(first, b"new a"), (second, b"new b"), (third, b"new c")])
    monkeypatch.undo()
    assert first.read_bytes() == b"old a"  # put back
    assert not second.exists()  # never there before
    assert third.read_bytes() == b"old c"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.csv", "c.csv"]


# Output paths: one line, exit 2, nothing written ----------------------------------------


def test_a_loop_of_links_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert error_line(run(*TITRATE, "--csv", tmp_path / "a")).endswith(
        "a: a loop of symbolic links"
    )


def test_a_name_too_long_is_one_line(tmp_path: Path) -> None:
    message = error_line(run(*TITRATE, "--csv", tmp_path / ("x" * 300 + ".csv")))
    assert message.endswith("File name too long")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", ["/.", "/..", "/./", "/"])
def test_a_path_naming_a_folder_is_refused(tmp_path: Path, suffix: str) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    message = error_line(run(*TITRATE, "--csv", f"{folder}{suffix}"))
    assert "names a folder; give a file name" in message
    assert list(folder.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["x"]


def test_a_read_only_output_is_not_replaced(tmp_path: Path) -> None:
    kept = tmp_path / "signed.csv"
    kept.write_text("signed by the pharmacist\n")
    kept.chmod(0o444)
    message = error_line(run(*TITRATE, "--csv", kept))
    assert message == f"{kept} is read-only; make it writable to replace it, or write elsewhere"
    assert kept.read_text() == "signed by the pharmacist\n"


# 5. Reasons that are reasons, wherever a reason is taken --------------------------------

BLANK = ["   ", "\u200b\u200b\u200b", "\u2060 \u200d \ufeff", "..--!!", "a\u200bb"]


@pytest.mark.parametrize("reason", BLANK)
def test_a_blank_reason_passes_no_gate_in_a_plan_file(tmp_path: Path, reason: str) -> None:
    plan = tmp_path / "p.plan.toml"
    plan.write_text(
        'kind = "plan"\nprotocol = "panic-adult"\n[titration]\nstart = 2027-01-04\n'
        f'patient = {{ age_years = 16 }}\noff_label_reason = "{reason}"\n',
        encoding="utf-8",
    )
    message = error_line(run("plan", plan, "--csv", tmp_path / "out.csv"))
    assert "off_label_reason: must say why in words" in message
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("reason", BLANK)
def test_a_blank_reason_passes_no_gate_in_a_batch(tmp_path: Path, reason: str) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(
        "id,protocol,schedule,start,age_years,off_label_reason\n"
        f"p1,panic-adult,titration,2027-01-04,16,{reason}\n",
        encoding="utf-8",
    )
    result = run("batch", cohort, "--out", tmp_path / "out")
    assert result.exit_code == 1
    summary = (tmp_path / "out" / "summary.csv").read_text()
    # A cell of spaces is an empty cell: no reason was given at all, and the gate says so.
    assert "must say why in words" in summary or "give an off-label reason" in summary
    assert ",ok," not in summary


# 7. CSV header lines are cells, through the formula guard -------------------------------


def test_a_comma_in_a_reason_never_starts_a_cell_of_its_own(tmp_path: Path) -> None:
    import csv

    out = tmp_path / "s.csv"
    reason = 'Trial protocol,=HYPERLINK("http://example.invalid","click")'
    ok(*TITRATE, "--age", 16, "--off-label", reason, "--csv", out)
    header = [line for line in out.read_text().splitlines() if line.startswith("#")]
    for row in csv.reader(header):
        assert len(row) <= 2, row  # '# Label:' and one value
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    assert any(reason in row[1] for row in csv.reader(header) if len(row) == 2)


def test_a_products_files_product_name_is_one_cell(tmp_path: Path) -> None:
    import csv

    products = clinic_products(tmp_path, name="=cmd|' /c calc'!A0, clonazePAM")
    out = tmp_path / "s.csv"
    ok(*TITRATE, "--products", products, "--product", "clinic-tablet", "--csv", out)
    header = [line for line in out.read_text().splitlines() if line.startswith("#")]
    for row in csv.reader(header):
        assert len(row) <= 2, row
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


# 8. Numbers are ASCII digits -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "option"),
    [("\u0661", "--target"), ("\uff11", "--target"), ("\u09ea", "--from"), ("\u0968", "--age")],
    ids=["arabic-indic one", "full-width one", "bengali four", "devanagari two age"],
)
def test_digits_of_other_scripts_are_refused(typed: str, option: str) -> None:
    result = run(*TITRATE, option, typed)
    message = error_line(result)
    assert "0 to 9" in message or "is not a valid integer" in message


def test_a_batch_cell_in_other_digits_fails_its_row(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(
        "id,protocol,schedule,start,target_mg_per_day\n"
        "p1,panic-adult,titration,2027-01-04,\uff12\n"
        "p2,panic-adult,titration,2027-01-04,2\n",
        encoding="utf-8",
    )
    result = run("batch", cohort, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "write numbers with the digits 0 to 9" in (tmp_path / "out" / "summary.csv").read_text()
