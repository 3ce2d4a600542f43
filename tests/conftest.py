"""Hypothesis profiles: 'ci' (the default, a few hundred examples per property) and
'long' for a soak run, chosen with HYPOTHESIS_PROFILE:

    HYPOTHESIS_PROFILE=long python -m pytest tests/acceptance/test_properties.py
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

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
# reported, never asserted, as timings vary from machine to machine. A test reports one
# with ``record_property("figure", text)``: the property travels with the test's report,
# from an xdist worker's process to the one that prints the summary.
FIGURES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        FIGURES.extend(str(value) for name, value in report.user_properties if name == "figure")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True, scope="session")
def _own_state_and_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The batch signs its bookkeeping with a key kept outside OUT; the tests keep theirs
    in a folder of the run's own, never the user's state folder."""
    os.environ["DOSE_PLANNER_STATE"] = str(tmp_path_factory.mktemp("state") / "dose-planner")
    # What the planner validated once is kept for later runs: in the run's folder too.
    os.environ["DOSE_PLANNER_CACHE"] = str(tmp_path_factory.mktemp("cache") / "dose-planner")


# mutmut first runs every selected test once, in one process, to learn which tests call
# each function it mutates ("stats"), then runs only those against each mutant. The
# planner remembers results (functools caches: the safety check's bounds and cuts, the
# engine's steps, the products' dose makers): a call answered from a cache warmed by an
# earlier test never reaches the functions behind it, so mutmut would never run this test
# against them. During that one run only, every test starts with the caches empty. The
# files read once (planner.domain.protocols) and the language catalogues stay remembered.
KEPT_CACHES = ("planner.domain.protocols", "planner.core.i18n", "planner.render.pdf.style")


@pytest.fixture(autouse=True)
def _caches_empty_while_mutmut_learns_which_tests_call_what() -> Iterator[None]:
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        for name, module in list(sys.modules.items()):
            if name.partition(".")[0] != "planner" or name in KEPT_CACHES:
                continue
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and getattr(value, "__module__", None) == name:
                    clear()
    yield
