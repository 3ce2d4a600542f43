"""The README's table of limits names every limit, with the value the code uses."""

from __future__ import annotations

import re

from cli_helpers import ROOT

from planner import limits

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
