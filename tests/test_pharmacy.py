"""The pharmacist's view: the strengths on hand flow into planning, supplies are counted in
whole packs or bottles too, strengths keep one order, and bad product data is one line."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import ROOT, error_line, ok, run
from web_helpers import client

from planner.api import load_protocol, plan_checked, switch_request, taper_request
from planner.domain.dispensing import describe_supply, dispensing_totals
from planner.errors import InputError

START = dt.date(2027, 1, 4)
PANIC = load_protocol("panic-adult")


def test_the_strengths_on_hand_are_the_only_ones_planned_with() -> None:
    request = taper_request(start=START, from_mg_per_day="2", strengths_mg=["0.5"])
    schedule, report = plan_checked(PANIC, request)
    used = {u.strength_mcg for step in schedule.steps for d in step.doses for u in d.units}
    assert used == {500}
    assert [s.mcg for s in schedule.product.strengths] == [500]
    assert schedule.product.name.endswith("0.5 mg only")
    assert report.passed


def test_a_strength_the_product_lacks_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = run(
        "taper", "panic-adult", "--start", "2027-01-04", "--from", "2",
        "--strengths", "0.5,0.75", "--csv", out,
    )  # fmt: skip
    assert error_line(result) == (
        "--strengths (strengths_mg): us-tablet has no 0.75 mg strength (it has 0.5 mg, 1 mg, 2 mg)"
    )
    assert not out.exists()
    with pytest.raises(InputError) as raised:
        plan_checked(PANIC, taper_request(start=START, from_mg_per_day="2", strengths_mg=["3"]))
    assert raised.value.field == "strengths_mg"


def test_a_saved_plan_and_the_web_keep_the_strengths(tmp_path: Path) -> None:
    saved, first, again = tmp_path / "s.plan.toml", tmp_path / "a.csv", tmp_path / "b.csv"
    options = ["--start", "2027-01-04", "--from", "1.5", "--strengths", "0.5"]
    ok("taper", "panic-adult", *options, "--csv", first, "--save-plan", saved)
    assert "strengths_mg = [0.5]" in saved.read_text()
    ok("plan", saved, "--csv", again)
    assert again.read_bytes() == first.read_bytes()
    response = client().get(
        "/api/taper?protocol=panic-adult&start=2027-01-04&from=1.5&strengths=0.5&format=csv"
    )
    assert response.content == first.read_bytes()


def test_supplies_count_whole_bottles_and_keep_one_strength_order() -> None:
    schedule, _ = plan_checked(PANIC, taper_request(start=START, from_mg_per_day="2.5"))
    supply = dispensing_totals(schedule)
    orders = [[s.strength_mcg for s in period.strengths] for period in supply.periods]
    for order in orders:
        assert order == sorted(order, reverse=True)
    first = supply.total[0]
    assert first.packs == -(-first.units_to_dispense // 100)
    assert describe_supply(first).endswith(
        f"= {first.packs} bottle{'s' * (first.packs > 1)} of 100"
    )


def test_drops_are_counted_in_bottles() -> None:
    request = taper_request(start=START, from_mg_per_day="1", product="rivotril-drops")
    schedule, _ = plan_checked(PANIC, request)
    total = dispensing_totals(schedule).total[0]
    assert total.product.units_per_pack == 250  # 10 mL of 25 drops each
    assert total.packs == -(-total.units_to_dispense // 250)
    assert "bottles of 10 mL" in describe_supply(total) or total.packs == 1


def test_a_switch_lists_the_new_drug_before_the_old_in_every_period() -> None:
    request = switch_request(start=START, from_drug="diazepam", from_mg_per_day="20")
    schedule, _ = plan_checked(PANIC, request)
    assert schedule.switch is not None
    for period in dispensing_totals(schedule, supply_days=7).periods:
        ids = [s.product.id for s in period.strengths]
        assert ids == sorted(ids, key=lambda pid: pid == schedule.switch.product.id)  # type: ignore[union-attr]


def bad_products(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "products.toml"
    text = (ROOT / "protocols" / "products.toml").read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'system = "http://www.nlm.nih.gov/research/umls/rxnorm"',
            'system = "http://example.org/codes"',
            "products.us-tablet.strengths[0].codes[0].system: unknown code system",
        ),
        ("pack_units = 100", "pack_units = 0", "products.us-tablet.pack_units: must be at least 1"),
        (
            "bottle_ml = 10",
            "bottle_ml = 10\npack_units = 5",
            "products.rivotril-drops.pack_units: give pack_units or bottle_ml, not both",
        ),
    ],
)
def test_a_bad_product_field_is_one_line_naming_it(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = bad_products(tmp_path, old, new)
    line = error_line(run("validate", path))
    where, reason = message.split(": ", maxsplit=1)
    assert line.startswith(f"{path}::{where}: {reason}"), line


def test_the_bundled_products_validate_with_their_codes_and_packs(tmp_path: Path) -> None:
    copy = tmp_path / "products.toml"
    shutil.copyfile(ROOT / "protocols" / "products.toml", copy)
    assert "products" in ok("validate", copy)
    product = load_protocol("panic-adult")
    assert product.default_product == "us-tablet"
    assert Decimal("0.5") in {s.mg for s in plan_checked(
        PANIC, taper_request(start=START, from_mg_per_day="1")
    ).schedule.product.strengths}  # fmt: skip


# A products file of one's own (--products) -------------------------------------------

USER_PRODUCTS = """\
kind = "products"
version = "1.0.0"

[products.clinic-quarter-tablet]
name = "clonazePAM 0.25 mg tablets (a clinic's compounded supply)"
region = "our clinic"
unit = "tablet"
unit_plural = "tablets"
sources = ["clinic"]
strengths = [{ mg = 0.25 }]

[[sources]]
id = "clinic"
citation = "Our pharmacy's compounding record."
"""


def test_a_users_products_file_is_used_like_the_bundled_one(tmp_path: Path) -> None:
    products = tmp_path / "products.toml"
    products.write_text(USER_PRODUCTS, encoding="utf-8")
    out, plan = tmp_path / "t.csv", tmp_path / "t.toml"
    command = ("taper", "panic-adult", "--start", "2027-03-01", "--from", "1.5")
    stdout = ok(*command, "--products", products, "--product", "clinic-quarter-tablet",
                "--csv", out, "--save-plan", plan)  # fmt: skip
    assert "clonazePAM 0.25 mg tablets (a clinic's compounded supply)" in stdout
    again = tmp_path / "again.csv"
    ok("plan", plan, "--products", products, "--csv", again)
    assert out.read_bytes() == again.read_bytes()
    message = error_line(run("plan", plan, "--csv", tmp_path / "x.csv"))
    assert "clinic-quarter-tablet" in message  # without the file, the product is unknown


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("mg = 0.25", "mg = -1"), "products.clinic-quarter-tablet.strengths[0].mg"),
        (("[products.clinic-quarter-tablet]", "[products.us-tablet]"), "bundled product"),
        (('kind = "products"', 'kind = "protocol"'), "kind"),
    ],
)
def test_a_bad_products_file_is_one_line_and_writes_nothing(
    tmp_path: Path, change: tuple[str, str], words: str
) -> None:
    products = tmp_path / "products.toml"
    products.write_text(USER_PRODUCTS.replace(*change), encoding="utf-8")
    out = tmp_path / "t.csv"
    command = ("taper", "panic-adult", "--start", "2027-03-01", "--from", "1.5")
    message = error_line(run(*command, "--products", products, "--csv", out))
    assert str(products) in message and words in message
    assert not out.exists()


def test_strengths_too_coarse_to_taper_gradually_are_refused_and_say_what_to_add(
    tmp_path: Path,
) -> None:
    """A review found --strengths 2 made a taper of 2 mg/day, then a stop: refused now."""
    out = tmp_path / "t.csv"
    command = ("taper", "panic-adult", "--start", "2027-03-01", "--from", "2")
    message = error_line(run(*command, "--strengths", "1", "--csv", out))
    assert message.startswith("--strengths (strengths_mg): with only 1 mg on hand")
    assert message.endswith("add 0.5 mg to taper gradually")
    assert not out.exists()
    ok(*command, "--strengths", "0.5", "--csv", out)  # halves of 0.5 mg go as low as ever
