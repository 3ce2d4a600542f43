"""The README's table of limits names every limit, with the value the code uses."""

from __future__ import annotations

import re

from cli_helpers import ROOT

from planner.core import limits

ROW = re.compile(r"^\| (?P<what>[^|]+) \| (?P<value>[^|]+) \| `(?P<name>MAX_[A-Z_]+)` \|$")


def readme_limits() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {m["name"]: m["value"] for m in map(ROW.match, text.splitlines()) if m}


def test_every_limit_is_in_the_readme_with_its_value() -> None:
    documented = readme_limits()
    constants = {name: getattr(limits, name) for name in dir(limits) if name.startswith("MAX_")}
    assert set(documented) == set(constants)
    for name, value in constants.items():
        shown = documented[name]
        if name.endswith("_BYTES"):
            assert shown == limits.megabytes(value), name
        else:
            assert shown.split()[0].replace(",", "") == str(value), name


def test_no_module_holds_more_than_400_lines() -> None:
    """Split a module when it passes about 400 lines or holds two ideas (the style guide)."""
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "planner").rglob("*.py")
    }
    assert {name: lines for name, lines in sizes.items() if lines > 400} == {}
