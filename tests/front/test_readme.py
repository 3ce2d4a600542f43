"""The README's Python examples run as written, each block on its own (a fresh
namespace, in a scratch folder), as a reader pastes them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block {n + 1}" for n in range(len(BLOCKS))])
def test_a_readme_python_block_runs_on_its_own(code: str, tmp_path: Path) -> None:
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(here)


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 3


def test_the_packages_own_example_runs() -> None:
    """``help(planner)`` opens on the front door and an example that works."""
    import doctest

    import planner

    assert (
        planner.__doc__ is not None
        and "front door is ``plan(protocol, request)``" in planner.__doc__
    )
    assert doctest.testmod(planner).failed == 0
