"""Two plans compared (``planner.domain.differences``), in words a clinician reads at a
visit: which plans, the first day that differs, the end, and a table of the periods that
change, old beside new.

``diff_document`` holds every sentence once; the terminal text, the HTTP API's JSON and
the web page all show it, so they say the same. Doses are exact decimal strings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from planner import __version__
from planner.core.units import format_count, format_mg, format_mg_number
from planner.core.wording import DISCLAIMER

if TYPE_CHECKING:
    import datetime as dt

    from planner.domain.differences import (
        ChangedPeriod,
        DayDose,
        Period,
        PlanFacts,
        ScheduleDiff,
        TimedDose,
    )
    from planner.domain.products import UnitCount

Document = dict[str, Any]
TABLE_TITLE = "Changed periods (days in a row on one dose), the old plan beside the new:"


def diff_document(diff: ScheduleDiff, *, old_name: str, new_name: str) -> Document:
    """The comparison as JSON-ready values, each part with the sentence that says it;
    ``old_name`` and ``new_name`` name the plans (their files)."""
    first = diff.first_difference
    return {
        "disclaimer": DISCLAIMER,
        "program": f"dose-planner {__version__}",
        "old": _plan(diff.old, "Old plan", old_name),
        "new": _plan(diff.new, "New plan", new_name),
        "identical": diff.identical,
        "notes": _notes(diff),
        "summary": _summary(diff),
        "first_difference": None
        if first is None
        else {
            "date": first.isoformat(),
            "old": _dose(diff.first_old),
            "new": _dose(diff.first_new),
        },
        "end": {
            "old": diff.old.end.isoformat(),
            "new": diff.new.end.isoformat(),
            "later_days": diff.end_shift_days,
            "longer_days": diff.length_change_days,
        },
        "changed_periods": [
            {"old": _period(c.old), "new": _period(c.new), "change": change_words(c)}
            for c in diff.changed
        ],
    }


def render_diff_json(diff: ScheduleDiff, *, old_name: str, new_name: str) -> bytes:
    """The document as UTF-8 JSON, keys in a fixed order."""
    return document_json(diff_document(diff, old_name=old_name, new_name=new_name))


def document_json(document: Document) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_diff_text(diff: ScheduleDiff, *, old_name: str, new_name: str) -> str:
    """The comparison for the terminal: the plans, notes, summary, the table, the
    disclaimer."""
    document = diff_document(diff, old_name=old_name, new_name=new_name)
    lines = []
    for plan in (document["old"], document["new"]):
        lines += [f"{plan['role']}: {plan['name']}", f"  {plan['line']}"]
        lines += [f"  Revised {mark}" for mark in plan["revisions"]]
    lines += [f"Note: {note}" for note in document["notes"]]
    lines += ["", *document["summary"]]
    if document["changed_periods"]:
        lines += ["", TABLE_TITLE, *_table(document["changed_periods"])]
    lines += ["", f"{DISCLAIMER} dose-planner {__version__}."]
    return "\n".join(lines)


def change_words(changed: ChangedPeriod) -> str:
    """What changed of one period: 'added', 'removed', or 'starts 14 days later, 14
    days longer', 'daily dose changed', 'morning 0.5 mg -> 0.25 mg, ...'."""
    old, new = changed.old, changed.new
    if old is None:
        return "added"
    if new is None:
        return "removed"
    words = []
    if new.start != old.start:
        words.append(f"starts {_days((new.start - old.start).days, 'later', 'earlier')}")
    if new.days != old.days:
        words.append(_days(new.days - old.days, "longer", "shorter"))
    words += _dose_changes(old.dose, new.dose)
    return ", ".join(words)


def _dose_changes(old: DayDose, new: DayDose) -> list[str]:
    """How the dose of a day changed, where it did: the total, else each time of day's
    dose or units; the product; the other drug during a switch."""
    words = []
    if old.total_mcg != new.total_mcg:
        words.append(f"daily dose {format_mg(old.total_mcg)} -> {format_mg(new.total_mcg)}")
    elif old.doses != new.doses:
        words += _times_changed(old.doses, new.doses)
    if old.product_id != new.product_id and old.total_mcg and new.total_mcg:
        words.append(f"product {old.product_name} -> {new.product_name}")
    if old.other_doses != new.other_doses:
        drug = new.other_drug or old.other_drug
        words.append(
            f"{drug} {format_mg(old.other_mcg)}/day -> {format_mg(new.other_mcg)}/day"
            if old.other_mcg != new.other_mcg
            else f"{drug} at other times of day"
        )
    return words


def _times_changed(old: tuple[TimedDose, ...], new: tuple[TimedDose, ...]) -> list[str]:
    """Each time of day whose dose differs ('morning 0.5 mg -> 0.25 mg'), or whose units
    differ at the same dose ('bedtime 1 x 1 mg -> 2 x 0.5 mg')."""
    was, now = {d.time: d for d in old}, {d.time: d for d in new}
    times = [*now, *(time for time in was if time not in now)]  # the new plan's order
    words = []
    for time in times:
        a, b = was.get(time), now.get(time)
        if a == b:
            continue
        if a is not None and b is not None and a.mcg == b.mcg:
            words.append(f"{time} {_units(a.units)} -> {_units(b.units)}")
        else:
            words.append(f"{time} {_mg_or_none(a)} -> {_mg_or_none(b)}")
    return words


def _mg_or_none(dose: TimedDose | None) -> str:
    return format_mg(dose.mcg) if dose is not None else "none"


def _units(units: tuple[UnitCount, ...]) -> str:
    return " + ".join(f"{format_count(u.count)} x {format_mg(u.strength_mcg)}" for u in units)


def _days(count: int, more: str, fewer: str) -> str:
    number = abs(count)
    return f"{number} day{'' if number == 1 else 's'} {more if count > 0 else fewer}"


def _plan(facts: PlanFacts, role: str, name: str) -> Document:
    line = (
        f"{facts.kind}, protocol {facts.protocol_id} {facts.protocol_version}, "
        f"{facts.start} to {facts.end} ({facts.days} days), fingerprint {facts.fingerprint}"
    )
    return {
        "role": role,
        "name": name,
        "kind": facts.kind,
        "protocol": {"id": facts.protocol_id, "version": facts.protocol_version},
        "fingerprint": facts.fingerprint,
        "start": facts.start.isoformat(),
        "end": facts.end.isoformat(),
        "days": facts.days,
        "revisions": list(facts.revisions),
        "line": line,
    }


def _notes(diff: ScheduleDiff) -> list[str]:
    """What a reader should know before comparing: other kinds, other protocols."""
    old, new = diff.old, diff.new
    notes = []
    if old.kind != new.kind:
        notes.append(
            f"the old plan is a {old.kind} and the new one a {new.kind}: they are "
            "compared day by day, on what the patient takes"
        )
    if (old.protocol_id, old.protocol_version) != (new.protocol_id, new.protocol_version):
        notes.append(
            f"the plans follow different protocols ({old.protocol_id} {old.protocol_version}, "
            f"{new.protocol_id} {new.protocol_version})"
        )
    return notes


def _summary(diff: ScheduleDiff) -> list[str]:
    """The first day that differs and the end, or that there is no difference."""
    if diff.identical:
        same_inputs = diff.old.fingerprint == diff.new.fingerprint
        return [
            f"No difference: both plans give the same doses on every day, {diff.new.start} "
            f"to {diff.new.end}"
            + ("." if same_inputs else " (their inputs differ: see the fingerprints).")
        ]
    assert diff.first_difference is not None
    day = diff.first_difference
    first = (
        f"First day that differs: {day}: "
        f"{_dose_words(diff.first_new, diff.first_old, diff.new, day)} in the new plan, "
        f"{_dose_words(diff.first_old, diff.first_new, diff.old, day)} in the old."
    )
    ends = (
        f"Ends: {diff.new.end}, was {diff.old.end} "
        f"({_shift(diff.end_shift_days, 'later', 'earlier', 'the same day')}); "
        f"{diff.new.days} days, was {diff.old.days} "
        f"({_shift(diff.length_change_days, 'longer', 'shorter', 'as long')})."
    )
    return [first, ends]


def _shift(count: int, more: str, fewer: str, same: str) -> str:
    return _days(count, more, fewer) if count else same


def _dose_words(dose: DayDose | None, other: DayDose | None, plan: PlanFacts, day: dt.date) -> str:
    """A day's dose: the daily total, with the doses of the day where only they differ
    from ``other``'s, and the product where it differs; or that ``plan`` has not started
    or has ended."""
    if dose is None:
        if day < plan.start:
            return f"nothing planned yet (the plan starts {plan.start})"
        return f"nothing planned (the plan ended {plan.end})"
    words = f"{format_mg(dose.total_mcg)}/day"
    details = []
    if other is not None and other.total_mcg == dose.total_mcg and other.doses != dose.doses:
        # The dose at each time of day; where those are the same, the units that make it.
        same_split = _split(other) == _split(dose)
        details.append(
            ", ".join(
                f"{d.time} {_units(d.units) if same_split else format_mg(d.mcg)}"
                for d in dose.doses
            )
        )
    if other is not None and other.product_id != dose.product_id and dose.total_mcg:
        details.append(dose.product_name)
    if other is not None and other.other_doses != dose.other_doses and dose.other_drug:
        details.append(f"{dose.other_drug} {format_mg(dose.other_mcg)}/day")
    return f"{words} ({'; '.join(details)})" if details else words


def _split(dose: DayDose) -> list[tuple[str, int]]:
    return [(d.time, d.mcg) for d in dose.doses]


def _dose(dose: DayDose | None) -> Document | None:
    if dose is None:
        return None
    return {
        "total_mg": format_mg_number(dose.total_mcg),
        "total": format_mg(dose.total_mcg),
        "product": dose.product_id or None,
        "doses": [
            {"time": d.time, "mg": format_mg_number(d.mcg), "units": _units(d.units)}
            for d in dose.doses
        ],
        "other_drug": (
            {"drug": dose.other_drug, "mg": format_mg_number(dose.other_mcg)}
            if dose.other_doses
            else None
        ),
    }


def _period(period: Period | None) -> Document | None:
    if period is None:
        return None
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "days": period.days,
        "dose": _dose(period.dose),
    }


def _table(rows: list[Document]) -> list[str]:
    """Old plan's From, To, Days, Daily; the new plan's; what changed."""
    header = ["From", "To", "Days", "Daily", "From", "To", "Days", "Daily", "Change"]
    cells = [[*_cells(row["old"]), *_cells(row["new"]), row["change"]] for row in rows]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    right = {2, 3, 6, 7}

    def line(values: list[str]) -> str:
        padded = (
            value.rjust(width) if i in right else value.ljust(width)
            for i, (value, width) in enumerate(zip(values, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    old_width = sum(widths[:4]) + 2 * 4
    over = "Old plan".ljust(old_width) + "New plan"
    return [over, line(header), line(["-" * w for w in widths]), *(line(c) for c in cells)]


def _cells(period: Document | None) -> list[str]:
    if period is None:
        return ["-", "", "", ""]
    return [period["start"], period["end"], str(period["days"]), period["dose"]["total"]]
