"""A taper's plan revised at visits (issue 23): each revision changes nothing before its
date, passes every safety check, is kept in the plan file with its reason, and is marked
on what the clinician reads."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import error_line, ok, run
from hypothesis import given
from hypothesis import strategies as st

from planner.domain.provenance import statement_lines
from planner.domain.schedule import Schedule
from planner.errors import PlannerError
from planner.plans import PlanFile, load_plan, plan_toml, revised, run_plan

START = dt.date(2027, 3, 1)
MADE = dt.datetime(2027, 4, 15, 10, 30, tzinfo=dt.UTC)
TAPER = ["taper", "panic-adult", "--start", START, "--from", 2, "--pace", "asam"]


def first_plan(tmp_path: Path, *options: object) -> Path:
    path = tmp_path / "v1.plan.toml"
    ok(*TAPER, *options, "--save-plan", path)
    return path


def days(schedule: Schedule) -> dict[dt.date, tuple[int, tuple[int, ...]]]:
    """What the patient takes each day: the total and each dose of the day."""
    return {
        date: (step.total_mcg, tuple(dose.mcg for dose in step.doses))
        for date, _, step in schedule.daily()
    }


def assert_lived_days_kept(old: Schedule, new: Schedule, on: dt.date) -> None:
    before, after = days(old), days(new)
    lived = [date for date in before if date < on]
    assert lived, "a revision inside the plan has days before it"
    assert [before[date] for date in lived] == [after.get(date) for date in lived]


def revise(plan: PlanFile, on: dt.date, change: str, value: object = None) -> PlanFile:
    return revised(plan, on=on, change=change, value=value, reason="seen at a visit", made=MADE)


def test_a_taper_revised_three_times_keeps_every_day_already_lived(tmp_path: Path) -> None:
    plan = load_plan(first_plan(tmp_path))
    versions = [plan]
    for on, change, value in [
        (dt.date(2027, 4, 15), "hold", 14),
        (dt.date(2027, 6, 10), "step_back", None),
        (dt.date(2027, 9, 1), "taken", Decimal("0.5")),
    ]:
        versions.append(revise(versions[-1], on, change, value))
    schedules = [run_plan(version, folder=tmp_path).schedule for version in versions]
    for (old, new), revision in zip(
        itertools.pairwise(schedules), versions[-1].revisions, strict=True
    ):
        assert_lived_days_kept(old, new, revision.on)
    final = schedules[-1]
    assert days(final)[dt.date(2027, 4, 20)][0] == 1500  # held at 1.5 mg, not yet cut
    assert days(final)[dt.date(2027, 9, 1)][0] == 500  # what the patient took
    assert days(final)[dt.date(2027, 8, 31)] == days(schedules[2])[dt.date(2027, 8, 31)]
    assert statement_lines(final) == [
        "Revised 2027-04-15, version 2: held 14 days: seen at a visit",
        "Revised 2027-06-10, version 3: stepped back: seen at a visit",
        "Revised 2027-09-01, version 4: the patient takes 0.5 mg/day: seen at a visit",
    ]


def test_the_plan_file_keeps_its_revisions_in_order_and_re_makes_the_same_plan(
    tmp_path: Path,
) -> None:
    plan = revise(load_plan(first_plan(tmp_path)), dt.date(2027, 4, 15), "slower", Decimal(2))
    path = tmp_path / "v2.plan.toml"
    path.write_text(plan_toml(plan))
    again = load_plan(path)
    assert again == plan
    assert "[[revisions]]" in path.read_text()
    assert "made = 2027-04-15T10:30:00Z" in path.read_text()
    assert run_plan(again, folder=tmp_path).schedule == run_plan(plan, folder=tmp_path).schedule


def test_a_new_end_dose_holds_it_and_a_later_one_tapers_on(tmp_path: Path) -> None:
    plan = revise(load_plan(first_plan(tmp_path)), dt.date(2027, 4, 15), "target", Decimal(1))
    partial = run_plan(plan, folder=tmp_path).schedule
    assert partial.steps[-1].total_mcg == 1000
    assert partial.steps[-1].phase == "maintenance"
    on = partial.end - dt.timedelta(days=3)
    stopped = run_plan(revise(plan, on, "target", Decimal(0)), folder=tmp_path).schedule
    assert stopped.steps[-1].total_mcg == 0
    assert_lived_days_kept(partial, stopped, on)


@pytest.mark.parametrize(
    ("on", "change", "value", "words"),
    [
        (dt.date(2027, 2, 1), "hold", 7, "is after the plan's last day|no dose on that day"),
        (dt.date(2027, 4, 15), "taken", Decimal("0.3"), "cannot be made exactly"),
        (dt.date(2027, 4, 15), "taken", Decimal(3), "more than a step above"),
        (dt.date(2027, 4, 15), "taken", Decimal("1.5"), "nothing to revise"),
        (dt.date(2027, 4, 15), "target", Decimal(2), "above the 1.5 mg/day taken"),
        (dt.date(2029, 1, 1), "hold", 7, "after the plan's last day"),
    ],
)
def test_a_revision_the_plan_cannot_take_is_refused_naming_it(
    tmp_path: Path, on: dt.date, change: str, value: object, words: str
) -> None:
    plan = revise(load_plan(first_plan(tmp_path)), on, change, value)
    with pytest.raises(PlannerError, match=words) as raised:
        run_plan(plan, folder=tmp_path)
    assert raised.value.field is not None and raised.value.field.startswith("revisions[0]")


def test_a_revision_dated_before_the_last_is_refused(tmp_path: Path) -> None:
    plan = revise(load_plan(first_plan(tmp_path)), dt.date(2027, 6, 1), "hold", 7)
    with pytest.raises(PlannerError, match="not after the last revision"):
        revise(plan, dt.date(2027, 5, 1), "hold", 7)


def test_only_a_tapers_plan_is_revised(tmp_path: Path) -> None:
    path = tmp_path / "titration.plan.toml"
    ok("titrate", "panic-adult", "--start", START, "--save-plan", path)
    with pytest.raises(PlannerError, match="only a taper's plan is revised"):
        revise(load_plan(path), dt.date(2027, 1, 10), "hold", 7)


Change = tuple[str, st.SearchStrategy[object]]
# A taper at a pace, then up to three revisions on later and later days: each is refused
# with a planner's error, or taken with every earlier day the same.
PACES = st.sampled_from(["asam", "linear", "hyperbolic", "proportional"])
DOSES = st.sampled_from([Decimal("1"), Decimal("1.5"), Decimal("2"), Decimal("3")])
CHANGES = st.sampled_from(
    [
        ("hold", st.integers(1, 60)),
        ("step_back", st.none()),
        ("slower", st.sampled_from([Decimal("1.5"), Decimal(2), Decimal(3)])),
        (
            "taken",
            st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.75")]),
        ),
        ("target", st.sampled_from([Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal(1)])),
    ]
)


@pytest.mark.slow
@given(
    pace=PACES,
    dose=DOSES,
    visits=st.lists(st.tuples(st.integers(1, 120), CHANGES, st.data()), min_size=1, max_size=3),
)
def test_any_revision_keeps_the_days_already_lived_or_is_refused(
    pace: str,
    dose: Decimal,
    visits: list[tuple[int, tuple[str, st.SearchStrategy[object]], st.DataObject]],
) -> None:
    from planner.api import load_protocol, taper_request

    request = taper_request(start=START, from_mg_per_day=dose, pace=pace)
    plan = PlanFile(kind="plan", protocol="panic-adult", taper=request)
    schedule = run_plan(plan, folder=Path()).schedule
    on = START
    for gap, (change, values), data in visits:
        on += dt.timedelta(days=gap)
        try:
            candidate = revise(plan, on, change, data.draw(values))
            next_schedule = run_plan(candidate, folder=Path()).schedule
        except PlannerError:
            continue
        assert_lived_days_kept(schedule, next_schedule, on)
        plan, schedule = candidate, next_schedule
    assert load_protocol("panic-adult").id == plan.protocol


def test_the_command_line_revises_a_plan_and_writes_the_next_version(tmp_path: Path) -> None:
    first = first_plan(tmp_path)
    second, csv = tmp_path / "v2.plan.toml", tmp_path / "v2.csv"
    printed = ok(
        "revise", first, "--on", "2027-04-15", "--hold", 14, "--reason",
        "anxious since the last cut", "--out", second, "--csv", csv,
    )  # fmt: skip
    assert "Revised 2027-04-15, version 2: held 14 days: anxious since the last cut" in printed
    assert '# Revised:,"2027-04-15, version 2: held 14 days: anxious' in csv.read_text()
    assert load_plan(second).revisions[0].reason == "anxious since the last cut"
    assert ok("plan", second, "--csv", tmp_path / "again.csv") and (
        (tmp_path / "again.csv").read_bytes() == csv.read_bytes()
    )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--hold", 3, "--step-back"], "give one change of"),
        (["--hold", 3, "--reason", " . "], "--reason: must say why in words"),
        (["--taken", "abc"], "'abc' is not a number"),
        (["--on", "2030-01-01", "--hold", 3], "--on: 2030-01-01 is after the plan's last day"),
        (["--slower", 9], "--slower"),
    ],
)
def test_a_bad_revision_is_one_line_and_writes_nothing(
    tmp_path: Path, options: list[object], words: str
) -> None:
    first = first_plan(tmp_path)
    out = tmp_path / "v2.plan.toml"
    visit = ["--on", "2027-04-15", "--reason", "seen at a visit"]  # options given again win
    result = run("revise", first, *visit, *options, "--out", out)
    assert words in error_line(result)
    assert not out.exists()


def test_the_plan_revised_is_never_overwritten(tmp_path: Path) -> None:
    first = first_plan(tmp_path)
    before = first.read_bytes()
    result = run(
        "revise", first, "--on", "2027-04-15", "--hold", 3, "--reason", "seen at a visit",
        "--out", first,
    )  # fmt: skip
    assert "reads" in error_line(result)
    assert first.read_bytes() == before


def events(path: Path) -> dict[str, Any]:
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.mark.slow
def test_a_revised_calendar_file_updates_the_one_imported_without_doubling_it(
    tmp_path: Path,
) -> None:
    """Days already lived keep their events as they were; an event the revision changes
    has a higher SEQUENCE under its UID; one it drops is cancelled under its UID."""
    first = first_plan(tmp_path)
    second = tmp_path / "v2.plan.toml"
    ok("plan", first, "--ics", tmp_path / "v1.ics", "--tz", "Europe/Madrid")
    ok(
        "revise", first, "--on", "2027-04-15", "--taken", "1", "--reason", "took less",
        "--out", second, "--ics", tmp_path / "v2.ics", "--tz", "Europe/Madrid",
    )  # fmt: skip
    old, new = events(tmp_path / "v1.ics"), events(tmp_path / "v2.ics")
    assert old.keys() <= new.keys()  # every earlier event is updated or cancelled
    lived = [uid for uid, event in old.items() if when(event) < _at(2027, 4, 15)]
    assert lived
    for uid in lived:
        assert new[uid].to_ical() == old[uid].to_ical()
    changed = [uid for uid in old if uid not in lived and new[uid].to_ical() != old[uid].to_ical()]
    assert changed
    for uid in changed:
        assert new[uid]["SEQUENCE"] > old[uid]["SEQUENCE"]
    cancelled = [uid for uid, event in new.items() if event.get("STATUS") == "CANCELLED"]
    assert cancelled  # 1 mg/day from the 15th: the plan ends sooner than the first
    assert set(cancelled) <= old.keys()
    assert max(when(new[uid]) for uid in new if uid not in cancelled) < max(
        when(old[uid]) for uid in old
    )


def when(event: Any) -> dt.datetime:
    """An event's start; a whole day's (the stop) at its midnight."""
    start = event.decoded("DTSTART")
    if isinstance(start, dt.datetime):
        return start
    return _at(start.year, start.month, start.day)


def _at(year: int, month: int, day: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(year, month, day, tzinfo=ZoneInfo("Europe/Madrid"))


@pytest.mark.slow
def test_the_readmes_walk_through_a_revision_runs(tmp_path: Path) -> None:
    import shlex

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("## A plan that lives", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1].replace("\\\n", " ")
    commands = [line for line in block.splitlines() if line.startswith("planner ")]
    assert len(commands) == 4
    for command in commands:
        ok(*shlex.split(command.replace("scratch/", f"{tmp_path}/"))[1:])
    printed = ok("plan", tmp_path / "taper-v4.plan.toml")
    for line in section.split("```\n", 4)[3].splitlines():  # what the README says it prints
        assert line in printed


def test_a_file_that_is_not_a_plan_is_named_for_what_it_is(tmp_path: Path) -> None:
    protocol = Path(__file__).parents[1] / "protocols" / "panic-adult.toml"
    result = run(
        "revise", protocol, "--on", "2027-04-15", "--hold", 3, "--reason", "seen today",
        "--out", tmp_path / "v2.plan.toml",
    )  # fmt: skip
    assert "kind: not a plan file: its kind is 'protocol'" in error_line(result)
    assert not list(tmp_path.iterdir())


def test_the_plot_draws_each_earlier_version_from_its_revision(tmp_path: Path) -> None:
    from matplotlib.colors import to_rgb
    from matplotlib.dates import num2date
    from matplotlib.patches import StepPatch

    from planner.render.colours import EARLIER_COLOUR
    from planner.render.plot import schedule_figure

    visits = [dt.date(2027, 4, 15), dt.date(2027, 6, 10)]
    plan = revise(load_plan(first_plan(tmp_path)), visits[0], "hold", 14)
    plan = revise(plan, visits[1], "step_back")
    axes = schedule_figure(run_plan(plan, folder=tmp_path).schedule).axes[0]
    dotted = [
        patch
        for patch in axes.patches
        if isinstance(patch, StepPatch) and patch.get_edgecolor()[:3] == to_rgb(EARLIER_COLOUR)
    ]
    edges = [patch.get_data()[1] for patch in dotted]  # (values, edges, baseline)
    starts = sorted(num2date(float(found[0])).date() for found in edges)  # type: ignore[no-untyped-call]
    assert starts == visits
