"""Tapers: a pace (or a clinician's own steps) from the current dose to zero, with edits.

Each reduction aims at the pace's ideal next dose (a fixed mg step, a percentage of the
current dose, or an equal step in receptor occupancy) and takes the nearest dose the
product makes that keeps within the pace's limit. Where even the product's smallest
step is too large, the dose is held longer instead, so the limit's rate is kept. The
last dose before stopping is the smallest the product gives at one time of day.

A clinician may pause (hold a dose longer; later steps move) or step back (return to
the previous dose, then continue with every interval lengthened by a stated factor),
and may switch product partway (tablets, then drops for the last steps).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from planner.core.units import format_mg, mg_to_mcg
from planner.domain.products import DoseMaker
from planner.domain.protocols import Library
from planner.domain.schedule import EditName, Schedule
from planner.errors import DoseError, InputError
from planner.models import (
    Pace,
    Pause,
    PhaseRule,
    Protocol,
    Slower,
    StepBack,
    Taken,
    TaperPaceBound,
    TaperPhase,
    TaperRequest,
    Target,
)
from planner.planning.dose_limits import above_maximum, minors_limits, resolve_limits, shown_weight
from planner.planning.edit_levels import dose_before, dose_taken, locate, new_end_dose
from planner.planning.engine import Level, cautions_for, steps_from_levels
from planner.planning.population import off_label_note, population_warnings
from planner.planning.speed import (
    custom_speed_warnings,
    cuts,
    published_speed_warning,
    reason_for_faster_cuts,
)
from planner.planning.taper_choices import TaperProducts, choose_pace, gradual_with
from planner.planning.taper_steps import guideline_phase, next_dose, scaled


def build_taper(
    protocol: Protocol,
    request: TaperRequest,
    *,
    library: Library,
    held_before_days: int | None = None,
    held_before_as: str = "of the maintenance",
) -> Schedule:
    """Reduce the current dose to zero at the pace asked for, never faster than its limit.

    ``held_before_days``: how long the current dose was taken before day 1, where known
    (a course's maintenance); otherwise one interval of the pace is assumed.
    ``held_before_as`` names those days in the notes ("of the last exchange").
    """
    product_id = request.product or protocol.default_product
    product = library.product(product_id, request.strengths_mg)
    gradual_with(product, library.product(product_id))
    products = TaperProducts(product, request, library)
    pace = choose_pace(protocol, request, library)
    patient = request.patient
    limits = resolve_limits(protocol, patient, products.for_level(0), library.guideline)
    current = mg_to_mcg(request.from_mg_per_day)
    warnings = [
        *population_warnings(protocol, patient, request.off_label_reason),
        *cautions_for(protocol, patient, "taper"),
        *pace.warnings,
    ]
    if current > limits.ceiling_mcg:
        raise InputError(
            f"{format_mg(current)}/day is above the {protocol.drug.name} ceiling "
            f"of {format_mg(limits.ceiling_mcg)}/day; check the dose",
            field="from_mg_per_day",
        )
    minors = minors_limits(patient, library.guideline)
    if minors is not None and current > minors[0]:
        raise InputError(
            above_maximum(current, limits, patient, library.guideline), field="from_mg_per_day"
        )
    if current > limits.maximum_mcg:
        warnings.append(
            f"The current dose {format_mg(current)}/day is above the protocol maximum of "
            f"{format_mg(limits.maximum_mcg)}/day."
        )
    if not products.main.can_make_daily(current):
        raise DoseError(
            f"{format_mg(current)}/day cannot be made exactly with "
            f"{product.name}; its doses go in steps of "
            f"{format_mg(products.main.resolution_mcg)} (choose another product)",
            field="from_mg_per_day",
        )

    floor = mg_to_mcg(request.to_mg_per_day)
    if floor and not products.for_level(floor).can_make_daily(floor):
        maker = products.for_level(floor)
        raise DoseError(
            f"{format_mg(floor)}/day cannot be made exactly with "
            f"{maker.product.name}; its doses go in steps of {format_mg(maker.resolution_mcg)}",
            field="to_mg_per_day",
        )
    bound = library.guideline.taper_pace
    planner = _TaperPlanner(
        pace,
        current,
        products,
        bound,
        floor=floor,
        hold=request.held_days,
        held_before=held_before_days,
        held_before_as=held_before_as,
    )
    levels = planner.custom(request) if request.custom_steps else planner.from_current()
    levels = planner.apply_edits(levels, request)
    lengthened = [level.why for level in levels if level.why]
    final = levels[-2].maker if len(levels) > 1 else products.main
    steps = steps_from_levels(request.start, levels, protocol, before=current)
    if request.custom_steps or pace.published:  # a graded pace keeps the guideline's
        found = cuts(steps, current, held_before_days or bound.per_days)
        if request.custom_steps:
            warnings += custom_speed_warnings(found, bound)
            fast = [cut for cut in found if cut.faster_than(bound)]
            reason_for_faster_cuts(protocol, request, fast, library.guideline)
        else:
            warnings += published_speed_warning(found, pace.title, bound)
    return Schedule(
        kind="taper",
        protocol=protocol,
        product=product,
        request=request,
        limits=replace(limits, smallest_dose_mcg=final.smallest_dose_mcg),
        steps=steps,
        previous_mcg=current,
        prior_days=held_before_days,
        pace=pace,
        warnings=tuple(warnings),
        off_label=off_label_note(tuple(warnings)),
        notes=tuple(lengthened + planner.notes + products.suggestions(bool(lengthened))),
        weight_kg=shown_weight(protocol, patient, library.guideline),
    )


# The runs of levels ``_TaperPlanner.from_current`` worked out, by what they depend on
# (the pace, guideline bound and products found by identity), at most this many at once.
FROM_CURRENT_KEPT = 4096
_FROM_CURRENT: dict[
    tuple[object, ...], tuple[tuple[object, ...], tuple[Level, ...], tuple[str, ...], bool]
] = {}


@dataclass
class _TaperPlanner:
    """Builds the levels of one taper; collects the notes a clinician should read."""

    pace: Pace
    current: int
    products: TaperProducts
    bound: TaperPaceBound  # the guideline's pace, where a published source stops early
    floor: int = 0  # a partial taper's maintenance dose; 0 tapers to a stop
    hold: int = 0  # how long a partial taper holds its floor
    held_before: int | None = None  # days on the current dose before day 1, where known
    held_before_as: str = "of the maintenance"  # how the notes name those days
    scale: Fraction = Fraction(1)

    def __post_init__(self) -> None:
        self.notes: list[str] = []
        self.continued = False  # whether the guideline's pace took over from the source's
        self.guideline_phase = guideline_phase(self.bound.max_percent, self.bound.per_days)

    def phase_for(self, dose: int) -> TaperPhase:
        """The phase that reduces ``dose``. Where a published source would stop from a dose
        above the smallest the product makes, the taper goes on at the guideline's pace
        instead: the planner never turns the source's stop into one large cut."""
        phase = self.pace.phase_at(dose, self.current)
        smallest = self.products.for_reducing(dose).smallest_dose_mcg
        if not self.pace.published or phase.ideal_next(dose, self.current) >= smallest:
            return phase
        if not self.continued:
            self.continued = True
            self.notes.append(
                f"{self.pace.title}: its source stops from {format_mg(dose)}/day (its next "
                "step would go below the smallest dose the product gives); from there the "
                f"taper goes on at the guideline's pace ({self.bound.describe()}, ASAM 2025) "
                "to the smallest dose."
            )
        return self.guideline_phase

    def from_current(self) -> list[Level]:
        """The levels from the current dose to the stop (or the floor). Remembered: they
        depend only on the pace, the products, the doses and the holds, never on the
        patient or the start, so a clinic's tapers from the same dose share them (the
        levels of a finished run are never changed, only copied)."""
        switch = self.products.switch
        held = (self.pace, self.bound, self.products.main, switch[1] if switch else None)
        key = (
            *map(id, held), switch[0] if switch else None, self.current, self.floor, self.hold,
            self.held_before, self.held_before_as, self.scale, self.continued,
        )  # fmt: skip
        found = _FROM_CURRENT.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], held, strict=True)):
            _, levels, notes, self.continued = found
            self.notes += notes
            return list(levels)
        noted = len(self.notes)
        worked_out = self._from_current()
        if len(_FROM_CURRENT) >= FROM_CURRENT_KEPT:
            _FROM_CURRENT.clear()
        _FROM_CURRENT[key] = (held, tuple(worked_out), tuple(self.notes[noted:]), self.continued)
        return worked_out

    def _from_current(self) -> list[Level]:
        first = self.reductions(self.current)
        levels = first.levels
        prior = self.held_before or self.interval(self.phase_for(self.current))
        if len(levels) == 1 and not self.floor:  # at the smallest dose: hold it, then stop
            maker = self.products.for_level(self.current)
            return [Level(self.current, first.hold, maker), *levels]
        # The patient has been on the current dose for a long time: it counts as held one
        # interval of the pace before day 1. A first cut larger than the pace's own step
        # waits longer on the current dose, in proportion, as every later cut does.
        if first.hold > prior:
            before = "before day 1" if self.held_before is None else self.held_before_as
            why = _why(self.current, levels[0].total, first.hold, self.products.main, prior, before)
            return [Level(self.current, first.hold - prior, self.products.main, why=why), *levels]
        return levels

    def custom(self, request: TaperRequest) -> list[Level]:
        """A clinician's own steps, held to the hard rules: no rise but a step back to an
        earlier dose, never above where the taper began, only doses the product makes,
        and a stop only from the smallest dose it gives at one time of day."""
        levels: list[Level] = []
        taken = [self.current]
        for index, step in enumerate(request.custom_steps):
            dose, where = mg_to_mcg(step.mg_per_day), f"custom_steps[{index}]"
            maker = self.products.for_level(dose)
            if not maker.can_make_daily(dose):
                raise DoseError(
                    f"{format_mg(dose)}/day cannot be made exactly with {maker.product.name}",
                    field=where,
                )
            if dose > self.current:
                raise InputError(
                    f"{format_mg(dose)}/day is above {format_mg(self.current)}/day, "
                    "where the taper begins",
                    field=where,
                )
            edit: EditName = ""
            if dose > taken[-1]:
                if dose not in taken:
                    raise InputError(
                        f"{format_mg(dose)}/day is a rise from "
                        f"{format_mg(taken[-1])}/day to a dose not taken before; a taper "
                        "rises only to step back to an earlier dose",
                        field=where,
                    )
                edit = "step back"
            if levels and levels[-1].maker is not maker and maker is self.products.main:
                self.notes.append(
                    f"{where}: {format_mg(dose)}/day is given with {maker.product.name} "
                    f"again: {levels[-1].maker.product.name} cannot make it. Check that the "
                    "patient has both products, or choose a dose the second product makes."
                )
            levels.append(Level(dose, step.days, maker, edit=edit))
            taken.append(dose)
        last = levels[-1]
        if last.total > last.maker.smallest_dose_mcg:
            raise InputError(
                f"the taper stops after {format_mg(last.total)}/day; the last step must be the "
                f"smallest dose {last.maker.product.name} gives at one time of day "
                f"({format_mg(last.maker.smallest_dose_mcg)})",
                field=f"custom_steps[{len(levels) - 1}]",
            )
        return [*levels, Level(0, 1, last.maker, phase="stop")]

    def reductions(self, dose: int) -> _Reductions:
        """The levels after ``dose`` down to the stop, and how long ``dose`` is held first."""
        levels: list[Level] = []
        first = _Reductions(hold=0, needed=0, levels=levels)
        while dose > (self.floor or self.products.for_reducing(dose).smallest_dose_mcg):
            maker = self.products.for_reducing(dose)
            phase = self.phase_for(dose)
            reduced, held, needed = next_dose(
                phase, dose, self.current, maker, self.scale, self.floor
            )
            why = _why(dose, reduced, held, maker) if held > self.interval(phase) else ""
            if levels:
                levels[-1].days, levels[-1].why = held, why
            else:
                first.hold, first.needed = held, needed
            levels.append(Level(reduced, 0, self.products.for_level(reduced)))
            dose = reduced
        if self.floor:  # a partial taper holds its lower dose, and never stops
            levels[-1].days, levels[-1].phase = self.hold, "maintenance"
            return first
        final_hold = self.interval(self.pace.phase_at(dose, self.current))
        if levels:
            levels[-1].days = final_hold
        else:
            first.hold = first.needed = final_hold
        last_maker = levels[-1].maker if levels else self.products.for_level(dose)
        levels.append(Level(0, 1, last_maker, phase="stop"))
        return first

    def interval(self, phase: PhaseRule) -> int:
        return scaled(phase.interval_days, self.scale)

    def apply_edits(self, levels: list[Level], request: TaperRequest) -> list[Level]:
        """Each edit in date order, changing nothing before its date: a pause, a step
        back, and a visit's revisions (slower, a dose taken, a new end dose)."""
        for edit in sorted(request.edits, key=lambda e: e.date):
            day = (edit.date - request.start).days + 1
            index, offset = locate(levels, day, edit.date)
            level = levels[index]
            head = [replace(level, days=offset)] if offset else []
            if isinstance(edit, Pause):
                paused = replace(level, days=level.days - offset + edit.days, edit="pause")
                levels = [*levels[:index], *head, paused, *levels[index + 1 :]]
                self.notes.append(
                    f"Paused on {edit.date}: {format_mg(level.total)}/day is kept {edit.days} "
                    "days longer, and every later step moves."
                )
                continue
            if request.custom_steps:
                raise InputError(
                    f"a {edit.kind.replace('_', ' ')} needs a pace: edit the custom steps instead",
                    field="edits",
                )
            if isinstance(edit, StepBack):
                previous = dose_before(levels, index, self.current)
                self.scale *= Fraction(request.slow_down_factor)
                rest = self.reductions(previous)
                hold = max(rest.hold, self.interval(self.phase_for(previous)))
                back = Level(previous, hold, self.products.for_level(previous), edit="step back")
                levels = [*levels[:index], *head, back, *rest.levels]
                self.notes.append(
                    f"Stepped back on {edit.date} to {format_mg(previous)}/day; from there every "
                    f"interval is {float(self.scale):g} times as long as the pace's."
                )
                continue
            levels = [*levels[:index], *head, *self._revised(edit, level, offset, index, levels)]
        return levels

    def _revised(
        self,
        edit: Slower | Taken | Target,
        level: Level,
        offset: int,
        index: int,
        levels: list[Level],
    ) -> list[Level]:
        """The levels from a revision's date on: the dose of that day (or the one the
        patient has taken) held for the pace's interval, counted from the day it was first
        taken, then the reductions from it."""
        dose, edit_name, counted = level.total, level.edit, offset
        if isinstance(edit, Slower):
            self.scale *= Fraction(edit.factor)
            said = f"every later interval {edit.factor} times as long"
        elif isinstance(edit, Target):
            self.floor = new_end_dose(edit, dose, self.products)
            said = (
                f"the taper now comes down to {format_mg(self.floor)}/day and holds it"
                if self.floor
                else "the taper now goes on to a stop"
            )
        else:
            dose, edit_name, counted = (
                dose_taken(edit, levels, index, self.current, self.floor, self.products),
                "taken",
                0,
            )
            said = f"the patient takes {format_mg(dose)}/day from then; the pace goes on from it"
        self.notes.append(f"Revised on {edit.date}: {said}.")
        maker = self.products.for_level(dose)
        if self.floor and dose == self.floor:  # the day's dose is the new end dose: held
            return [Level(dose, self.hold, maker, phase="maintenance", edit=edit_name)]
        rest = self.reductions(dose)
        hold = max(rest.hold, self.interval(self.phase_for(dose)))
        return [Level(dose, max(hold - counted, 1), maker, edit=edit_name), *rest.levels]


@dataclass
class _Reductions:
    """A run of reductions, and how long the dose before them is held: ``hold`` at the
    pace's own rate, ``needed`` at least by its limit."""

    hold: int
    needed: int
    levels: list[Level]


def _why(
    dose: int,
    reduced: int,
    held: int,
    maker: DoseMaker,
    before_day_1: int = 0,
    before: str = "before day 1",
) -> str:
    """Why a dose waits longer than its pace's interval; ``before_day_1`` days of the hold
    (the current dose, taken before the taper starts) are not in the table."""
    kept = (
        f"is kept {held - before_day_1} more days ({held} counting the {before_day_1} {before})"
        if before_day_1
        else f"is held {held} days"
    )
    return (
        f"{format_mg(dose)}/day {kept} before {format_mg(reduced)}/day: "
        f"{maker.product.name} cannot make the pace's step here, and the nearest dose it "
        "makes is a larger step, so it is taken less often to keep the pace's rate."
    )
