"""Hypothesis profiles: 'ci' (the default, a few hundred examples per property) and
'long' for a soak run, chosen with HYPOTHESIS_PROFILE:

    HYPOTHESIS_PROFILE=long python -m pytest tests/acceptance/test_properties.py
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "100000")),
    deadline=None,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# Figures a test reports (the web load test's p95), printed after the run's summary:
# reported, never asserted, as timings vary from machine to machine.
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True, scope="session")
def _batch_signing_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The batch signs its bookkeeping with a key kept outside OUT; the tests keep theirs
    in a folder of the run's own, never the user's state folder."""
    os.environ["DOSE_PLANNER_STATE"] = str(tmp_path_factory.mktemp("state") / "dose-planner")
