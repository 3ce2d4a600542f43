"""The levels of both drugs through a switch: a teaching picture, never a gate.

Clinical rules 7: each drug's estimated level, as a share of its own steady state at the
equivalent dose, and their sum, day by day, from each drug's sourced half-life (the
equivalences file). Each drug is eliminated at first order, ``exp(-ln 2 / half-life)``
an hour, and doses add up; a day's level is the mean of its 24 hourly amounts. At steady
state on ``D`` a day that mean is ``D / (24 (1 - q))`` whatever the times of day, so it
is each drug's 100%: the old drug's on the patient's starting regimen, clonazePAM's on
the exact equivalent of it. Before day 1 the patient has taken the old drug long enough
to be at steady state; clonazePAM starts from nothing.

Shares are floats: they are model outputs, not doses.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from planner.core.plaintext import csv_comment
from planner.core.units import format_decimal
from planner.domain.protocols import load_equivalences
from planner.domain.schedule import Schedule

EDUCATION = "Teaching estimate from half-lives, not a check and not patient measurements"


@dataclass(frozen=True)
class SwitchLevels:
    """Day by day from day 1: each drug's modelled level as a share of its own steady
    state (1.0 is 100%), the half-lives used, and the dip the file warns of."""

    start: dt.date
    old_drug: str
    new_drug: str
    old_share: tuple[float, ...]
    new_share: tuple[float, ...]
    half_lives: str  # 'ALPRAZolam 11 h (alprazolam-smpc), clonazePAM 38 h (...)'
    dip_percent: Decimal  # the file's: a sum this far below the start is named in a warning

    @property
    def total(self) -> tuple[float, ...]:
        return tuple(old + new for old, new in zip(self.old_share, self.new_share, strict=True))

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=day) for day in range(len(self.total))]

    def lowest(self) -> tuple[dt.date, float]:
        """The day the sum is lowest (the first such day) and its share."""
        total = self.total
        day = min(range(len(total)), key=total.__getitem__)
        return self.dates()[day], total[day]

    def highest(self) -> tuple[dt.date, float]:
        """The day the sum is highest (the first such day) and its share."""
        total = self.total
        day = max(range(len(total)), key=total.__getitem__)
        return self.dates()[day], total[day]

    def dip_warning(self) -> str | None:
        """A warning where the modelled sum dips more than the file's share below the
        start, with what would avoid it; None where it does not."""
        date, lowest = self.lowest()
        if lowest >= 1 - float(self.dip_percent) / 100:
            return None
        day = (date - self.start).days + 1
        return (
            f"Levels ({EDUCATION.lower()}): {self.old_drug} and {self.new_drug} together "
            f"dip to {round(lowest * 100)}% of the start on day {day} ({date}), more than "
            f"{format_decimal(self.dip_percent)}% below it, as {self.new_drug} builds up "
            f"more slowly than {self.old_drug} goes ({self.half_lives}). A longer stage or "
            "a smaller part "
            "exchanged at a time would avoid it; review the patient for withdrawal symptoms."
        )


def switch_levels(schedule: Schedule) -> SwitchLevels:
    """The levels through a switch and the dose held after it, up to a taper's first cut."""
    switch = schedule.switch
    if switch is None:
        raise ValueError("levels are drawn for a switch")
    table = load_equivalences()
    old_body, new_body = table.drugs[switch.drug_id], table.drugs[table.switch_to]
    assert old_body.half_life_hours is not None and new_body.half_life_hours is not None
    old_hours, new_hours = float(old_body.half_life_hours), float(new_body.half_life_hours)
    days = _modelled_days(schedule)
    run_in = math.ceil(10 * old_hours / 24)  # ten half-lives: at steady state by day 1
    old_doses = [0.0] * ((run_in + days) * 24)
    new_doses = [0.0] * (days * 24)
    for day in range(run_in):
        for time, mcg in zip(switch.times, switch.regimen, strict=True):
            old_doses[day * 24 + time.clock.hour] += mcg
    for date, _, step in schedule.daily():
        day = (date - schedule.start).days
        if day >= days:
            break
        for dose in step.doses:
            new_doses[day * 24 + dose.time.clock.hour] += dose.mcg
        for other in step.other_doses:
            old_doses[(run_in + day) * 24 + other.time.clock.hour] += other.mcg
    starting = sum(switch.regimen)
    return SwitchLevels(
        start=schedule.start,
        old_drug=switch.drug_name,
        new_drug=schedule.protocol.drug.tall_man,
        old_share=_daily_shares(old_doses, old_hours, starting)[run_in:],
        new_share=_daily_shares(new_doses, new_hours, float(starting * switch.ratio)),
        half_lives=(
            f"{switch.drug_name} {format_decimal(old_body.half_life_hours)} h "
            f"({old_body.half_life_source}), {schedule.protocol.drug.tall_man} "
            f"{format_decimal(new_body.half_life_hours)} h ({new_body.half_life_source})"
        ),
        dip_percent=table.switching.level_dip_warn_percent,
    )


def _modelled_days(schedule: Schedule) -> int:
    """The days of the switch and of the dose held after it, up to a taper's first cut."""
    stages = [step for step in schedule.steps if step.phase == "switch"]
    held = stages[-1].total_mcg
    end = stages[-1].last_day
    for step in schedule.steps[len(stages) :]:
        if step.total_mcg != held:
            break
        end = step.last_day
    return end


def _daily_shares(doses: list[float], half_life_hours: float, daily: float) -> tuple[float, ...]:
    """Each day's mean amount (doses added at their hour, first-order elimination) as a
    share of the steady-state mean on ``daily`` a day."""
    decay = math.exp(-math.log(2) / half_life_hours)
    steady_mean = daily / (24 * (1 - decay))
    amount, shares, day_sum = 0.0, [], 0.0
    for hour, dose in enumerate(doses):
        amount = amount * decay + dose
        day_sum += amount
        if hour % 24 == 23:
            shares.append(day_sum / 24 / steady_mean)
            day_sum = 0.0
    return tuple(shares)


def levels_csv(levels: SwitchLevels, about: tuple[str, ...] = ()) -> bytes:
    """Day by day: ``date``, each drug's share of its steady state and their sum, in %,
    under a # header that starts with ``about`` (the schedule's provenance)."""
    header = [
        *about,
        csv_comment("Education", f"{EDUCATION}."),
        csv_comment("Half-lives", levels.half_lives),
    ]
    columns = "date,old_drug,old_drug_percent,clonazepam_percent,both_percent"
    rows = [
        f"{date.isoformat()},{levels.old_drug},{100 * old:.1f},{100 * new:.1f},"
        f"{100 * (old + new):.1f}"
        for date, old, new in zip(levels.dates(), levels.old_share, levels.new_share, strict=True)
    ]
    return ("\n".join([*header, columns, *rows]) + "\n").encode("utf-8")
