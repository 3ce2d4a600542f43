"""A swap that a signal cannot split (issue 19, case 3).

Each signal (SIGINT to the process group as Ctrl-C sends it, SIGTERM, SIGKILL) at each
phase of a batch (planning, staging, swapping, after the swap): OUT then holds the
earlier cohort or the new one, whole, never a mix; after SIGKILL the next run finishes
or clears what was left before anything else.

Each batch runs in a forked child (no interpreter to start: a case takes a fraction of
a second), which pauses at its phase until the signal comes.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from batch_helpers import output_bytes
from test_file_safety import HEADER, ROW

from planner.batch import run_batch
from planner.batch.outfolder import JOURNAL, STAGING, OutputFolder
from planner.render.outputs import OutputOptions

PAUSE = 0.4  # seconds a child waits at its phase: the signal lands meanwhile
PHASES = ("planning", "staging", "swapping", "after")
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}


def cohort(folder: Path, name: str, ids: list[str]) -> Path:
    path = folder / name
    path.write_text(HEADER + "".join(ROW.format(i) for i in ids))
    return path


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The earlier cohort (a1-a3) and the new one (a1, b1-b3), each as it reads whole."""
    folder = tmp_path_factory.mktemp("cohorts")
    old, new = cohort(folder, "old.csv", ["a1", "a2", "a3"]), cohort(folder, "new.csv", [
        "a1", "b1", "b2", "b3"
    ])  # fmt: skip
    wholes = {}
    for name, plans in (("old", old), ("new", new)):
        out = folder / f"whole-{name}"
        run_batch(plans, out, outputs=["csv"], options=OutputOptions())
        wholes[name] = output_bytes(out)
    return {"old": old, "new": new, "wholes": wholes}


def pause_at(phase: str, ready: Path) -> None:
    """In the child: wrap the function that begins ``phase`` so that it says it is there
    and waits."""
    from planner import batch as batch_module

    def arrive() -> None:
        ready.write_text(phase)
        time.sleep(PAUSE)

    if phase == "planning":
        real_plan = vars(batch_module)["plan_row"]  # what plan_one calls, in a worker too
        seen = []

        def plan_row(*args: Any, **kwargs: Any) -> Any:
            seen.append(1)
            if len(seen) == 2:
                arrive()
            return real_plan(*args, **kwargs)

        vars(batch_module)["plan_row"] = plan_row
    elif phase == "staging":
        real_staged = OutputFolder._staged

        def staged(self: OutputFolder, old: Any) -> Any:
            arrive()
            return real_staged(self, old)

        OutputFolder._staged = staged  # type: ignore[method-assign]
    elif phase == "swapping":
        real_rename = Path.rename
        moved = []

        def rename(self: Path, target: Any) -> Any:
            result = real_rename(self, target)
            if STAGING in str(self) and STAGING not in str(target):
                moved.append(1)
                if len(moved) == 2:  # OUT is a mix of the two cohorts just now
                    arrive()
            return result

        Path.rename = rename  # type: ignore[method-assign]
    else:
        real_commit = OutputFolder.commit

        def commit(self: OutputFolder) -> None:
            real_commit(self)
            arrive()

        OutputFolder.commit = commit  # type: ignore[method-assign]


def run_child(args: list[str], phase: str, signum: int, tmp_path: Path) -> tuple[int, str]:
    """Fork a batch that pauses at ``phase``, send ``signum`` to its process group there;
    its exit code (negative: killed by that signal) and what it printed on stderr."""
    ready, errors = tmp_path / "ready", tmp_path / "stderr.txt"
    ready.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.setpgid(0, 0)
            # As a command started from a terminal (a background job of a script, as this
            # test run may be, starts with Ctrl-C ignored).
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            stream = errors.open("w")
            os.dup2(stream.fileno(), 2)
            sys.stderr = stream
            pause_at(phase, ready)
            from planner.cli import cli

            cli.main(args=args, prog_name="planner")
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            pytest.fail(f"the batch ended before {phase}: {errors.read_text()}")
        time.sleep(0.005)
    os.killpg(pid, signum)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), errors.read_text()


def without_lock_and_leftovers(files: dict[str, object]) -> dict[str, object]:
    return {name: data for name, data in files.items() if name != ".planner.lock"}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("name", list(SIGNALS))
def test_each_signal_at_each_phase_leaves_one_cohort_whole(
    tmp_path: Path, cohorts: dict[str, Any], phase: str, name: str
) -> None:
    out = tmp_path / "out"
    run_batch(cohorts["old"], out, outputs=["csv"], options=OutputOptions())
    args = ["batch", str(cohorts["new"]), "--out", str(out), "--csv", "--force", "--workers", "1"]
    code, stderr = run_child(args, phase, SIGNALS[name], tmp_path)
    swapped = phase in ("swapping", "after")
    wholes = cohorts["wholes"]
    if name == "SIGKILL":
        assert code == -signal.SIGKILL
        # What a killed run leaves is finished or cleared by the next, before anything else.
        assert os.path.lexists(out / JOURNAL) == (phase == "swapping")
        with OutputFolder.open(out, force=True):
            pass
    else:
        assert code == 128 + SIGNALS[name], stderr
        label = "Ctrl-C" if name == "SIGINT" else name
        if swapped:
            said = f"after the new cohort was swapped in whole: {out} holds it"
        else:
            said = f"{out} is as it was"
        assert stderr == f"planner: error: stopped by {label}, {said}\n"
    expected = wholes["new"] if swapped else wholes["old"]
    assert without_lock_and_leftovers(output_bytes(out)) == without_lock_and_leftovers(expected)
    assert not (out / STAGING).exists()


def test_ctrl_c_to_the_process_group_stops_the_workers_too(
    tmp_path: Path, cohorts: dict[str, Any]
) -> None:
    """The workers ignore Ctrl-C (the batch stops them); the earlier cohort stays whole."""
    out = tmp_path / "out"
    run_batch(cohorts["old"], out, outputs=["csv"], options=OutputOptions())
    args = ["batch", str(cohorts["new"]), "--out", str(out), "--csv", "--force", "--workers", "2"]
    code, stderr = run_child(args, "planning", signal.SIGINT, tmp_path)
    assert code == 130
    assert stderr == f"planner: error: stopped by Ctrl-C, {out} is as it was\n"
    assert output_bytes(out) == cohorts["wholes"]["old"]
