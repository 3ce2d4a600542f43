"""The daily total over time as a step line, for a clinician or a classroom.

Phases are shaded and named, the protocol maximum is drawn, and each change is marked
with its new dose. ``schedule_figure`` returns a matplotlib ``Figure`` without touching
pyplot's global state, so it shows in a notebook and is safe in a server.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from planner.core.i18n import ENGLISH, Language, language
from planner.domain.provenance import fingerprint, footer, statement_lines
from planner.domain.symptoms import scored_days
from planner.models import SwitchRequest
from planner.planning.levels import switch_levels
from planner.planning.pharmacokinetics import EDUCATION_NOTE, ConcentrationCurve
from planner.render.colours import LINE_COLOUR, OLD_DRUG_COLOUR, WARNING_COLOUR
from planner.render.date_axis import PATTERN as DATE_PATTERN
from planner.render.date_axis import date_axis, dates_x
from planner.render.levels_plot import levels_panel
from planner.render.revisions_plot import draw_earlier_versions
from planner.render.symptoms_plot import symptoms_panel

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from planner.domain.schedule import Schedule
    from planner.domain.symptoms import SymptomLog
    from planner.safety import SafetyReport

PHASE_COLOURS = {
    "switch": "#ece1f3",
    "titration": "#dbe9f6",
    "maintenance": "#e3f1df",
    "taper": "#fbe8d3",
    "stop": "#eeeeee",
}
MAXIMUM_COLOUR = WARNING_COLOUR
EDIT_COLOUR = "#9c3d00"
REVIEW_COLOUR = "#555555"
TITLE_WIDTH = 100  # characters per title line, so long product names wrap, not vanish
MOST_LABELS = 24  # beyond this many changes, label every other one so labels stay legible


def schedule_figure(
    schedule: Schedule,
    *,
    concentration: ConcentrationCurve | None = None,
    width_in: float = 10,
    height_in: float = 5,
    lang: str = "en",
    symptoms: SymptomLog | None = None,
) -> Figure:
    """A Figure of the daily total; with ``concentration``, a panel under it with the
    estimated plasma concentration; with ``symptoms``, a panel at the foot with the
    symptom log's scores at their dates. No pyplot, no global state. The titles, labels
    and dates are in ``lang`` (a code, as every renderer takes); the footer's provenance
    and the clinician's statements stay in English."""
    words = language(lang)
    _ = words.gettext
    # A switch always draws both drugs' levels (the teaching view), in place of clonazePAM's.
    levels = switch_levels(schedule) if schedule.switch is not None else None
    concentration = None if levels is not None else concentration
    if symptoms is not None:
        scored_days(symptoms, schedule)  # every score on a day of the schedule
    # Each panel under the doses: its height beside theirs (1), and the height it adds.
    below = [(0.9, 0.75)] if concentration is not None or levels is not None else []
    below += [(0.6, 0.5)] if symptoms is not None else []
    tall = 1 + sum(added for _ratio, added in below)
    figure = Figure(figsize=(width_in, height_in * tall))
    # Keep a strip at the bottom for the provenance line, below the date labels.
    review = [words.review_note()] if words.review_note() else []  # a line of its own
    # One line each under the plot; the calendar, CSV and workbook have them whole.
    said = (schedule.off_label, *statement_lines(schedule))  # a revision's too: each counts
    notes = [textwrap.shorten(text, 190, placeholder="...") for text in said if text]
    bottom = 0.045 * (1 + len(review) + len(notes)) / tall
    figure.set_layout_engine(ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom)))
    grid = figure.add_gridspec(
        1 + len(below), 1, height_ratios=[1, *(ratio for ratio, _added in below)]
    )
    axes = figure.add_subplot(grid[0])
    steps = schedule.steps
    edges = [step.start for step in steps] + [steps[-1].end + dt.timedelta(days=1)]
    totals = [step.total_mcg / 1000 for step in steps]
    axes.stairs(totals, dates_x(edges), color=LINE_COLOUR, linewidth=2, baseline=None, zorder=3)
    _shade_phases(axes, schedule, edges, words)
    top = _draw_maximum(axes, schedule, max(totals), words)
    if schedule.switch is not None:
        top = max(top, _draw_old_drug(axes, schedule, edges, words))
    _label_changes(axes, schedule, words)
    _mark_reviews(axes, schedule, words)
    top = max(top, draw_earlier_versions(axes, schedule, words))

    # A switch's legend sits under the phase names, above both drugs' lines: room for it.
    axes.set_ylim(0, top * (1.45 if schedule.switch is not None else 1.2))
    last = edges[-1] if concentration is None else max(edges[-1], concentration.times()[-1].date())
    axes.set_xlim(float(dates_x(edges[:1])[0]), float(dates_x([last])[0]))
    date_axis(axes.xaxis, words)
    if words is not ENGLISH:  # the language's decimal sign: 0,5
        axes.yaxis.set_major_formatter(
            FuncFormatter(lambda y, _pos: words.number(Decimal(f"{y:.3f}")))
        )
    axes.set_ylabel(_("total daily dose (mg/day)"))
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    protocol = schedule.protocol
    before = schedule.dose_before_mcg
    starting = _(" from {dose}/day").format(dose=words.mg(before)) if before is not None else ""
    subtitle = _("{products}, {start} to {end}").format(
        products=_products(schedule, words),
        start=words.date(schedule.start, DATE_PATTERN),
        end=words.date(schedule.end, DATE_PATTERN),
    )
    axes.set_title(
        "\n".join(
            [
                _("{drug} {kind}{starting}: {title}").format(
                    drug=protocol.drug.tall_man,
                    kind=_(schedule.kind),
                    starting=starting,
                    title=_(protocol.title),
                ),
                *textwrap.wrap(subtitle, TITLE_WIDTH),
            ]
        ),
        fontsize=11,
        loc="left",
    )
    if concentration is not None:
        _concentration_panel(figure.add_subplot(grid[1], sharex=axes), concentration, words)
    if levels is not None:
        levels_panel(figure.add_subplot(grid[1], sharex=axes), levels, words)
    if symptoms is not None:
        symptoms_panel(figure.add_subplot(grid[len(below)], sharex=axes), symptoms, words)
    figure.text(
        0.01,
        bottom / 3,
        "\n".join([footer(schedule), *review, *notes]),
        fontsize=8,
        color="#555555",
    )
    return figure


def _draw_old_drug(axes: Axes, schedule: Schedule, edges: list[dt.date], lang: Language) -> float:
    """During a switch, the old drug's daily total, dashed, with the two drugs named."""
    assert schedule.switch is not None
    before = schedule.request.from_mg_per_day if isinstance(schedule.request, SwitchRequest) else 0
    others = [float(before)] + [step.other_mcg / 1000 for step in schedule.steps]
    start = edges[0] - dt.timedelta(days=1)
    axes.stairs(others, dates_x([start, *edges]), color=OLD_DRUG_COLOUR, linewidth=1.6,
                linestyle="--", baseline=None, zorder=3)  # fmt: skip
    axes.legend(
        handles=[
            Line2D([], [], color=LINE_COLOUR, linewidth=2, label=schedule.protocol.drug.tall_man),
            Line2D(
                [],
                [],
                color=OLD_DRUG_COLOUR,
                linewidth=1.6,
                linestyle="--",
                label=lang.gettext("{drug} (switched from)").format(drug=schedule.switch.drug_name),
            ),
        ],
        loc="upper right",
        bbox_to_anchor=(1, 0.94),  # under the phase names; the plot keeps room for it
        fontsize=8,
        frameon=False,
    )
    return max(others)


def _products(schedule: Schedule, lang: Language) -> str:
    """The products in order, each after the first with the date it starts, and the
    product switched from: provenance's products line in the patient's words."""
    _ = lang.gettext
    parts: list[str] = []
    for product in schedule.products:
        name = _(product.name)
        if parts:
            first = next(s.start for s in schedule.steps if s.product == product and s.total_mcg)
            name = _("from {date} {product}").format(
                date=lang.date(first, DATE_PATTERN), product=name
            )
        parts.append(name)
    if schedule.switch is not None:
        parts.append(_("switching from {product}").format(product=_(schedule.switch.product.name)))
    return "; ".join(parts)


def _concentration_panel(axes: Any, curve: ConcentrationCurve, lang: Language) -> None:
    """Estimated concentration over time, with the anticonvulsant range shaded."""
    _ = lang.gettext
    pk = curve.pk
    low, high = pk.therapeutic_range_ng_per_ml
    axes.axhspan(float(low), float(high), color="#d9ead3", zorder=0, linewidth=0)
    axes.text(
        0.995,
        float(high),
        _("anticonvulsant range {low} to {high} ng/mL").format(
            low=lang.number(low), high=lang.number(high)
        ),
        transform=axes.get_yaxis_transform(),
        ha="right",
        va="bottom",
        fontsize=8,
        color="#38761d",
    )
    axes.plot(dates_x(curve.times()), curve.ng_per_ml, color="#7f3f98", linewidth=1)
    axes.set_ylabel(_("estimated plasma (ng/mL)"))
    axes.set_ylim(0, max(*curve.ng_per_ml, float(high)) * 1.15)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    weight = _("{weight} kg").format(weight=lang.number(curve.parameters.weight_kg))
    if not curve.parameters.weight_given:
        weight += _(" (not given; 70 kg assumed)")
    model = _(
        "One-compartment model: bioavailability {bioavailability}, absorption half-life "
        "{absorption} min, volume {volume} L/kg, elimination half-life {elimination} h, "
        "weight {weight}."
    ).format(
        bioavailability=lang.number(pk.bioavailability),
        absorption=lang.number(pk.absorption_half_life_minutes),
        volume=lang.number(pk.volume_l_per_kg),
        elimination=lang.number(pk.elimination_half_life_hours),
        weight=weight,
    )
    axes.set_title(f"{_(EDUCATION_NOTE)}\n{model}", fontsize=8.5, loc="left")


def _day(date: dt.date) -> float:
    """One date as matplotlib's date number."""
    return float(dates_x([date])[0])


def _draw_maximum(axes: Axes, schedule: Schedule, highest: float, lang: Language) -> float:
    """Draw the protocol maximum; when it is far above the doses, say so instead of
    squashing the doses at the bottom of the chart. Returns the top of the data."""
    if schedule.kind != "titration":
        return highest
    maximum = schedule.limits.maximum_mcg / 1000
    label = lang.gettext("protocol maximum {dose}/day").format(
        dose=lang.mg(schedule.limits.maximum_mcg)
    )
    if maximum > 2 * highest:
        # Inside the chart, under the phase names: above it, a long title would run into it.
        axes.text(
            0.995,
            0.93,
            lang.gettext("{label} (above this chart)").format(label=label),
            transform=axes.transAxes,
            ha="right",
            va="top",
            fontsize=9,
            color=MAXIMUM_COLOUR,
        )
        return highest
    axes.axhline(maximum, color=MAXIMUM_COLOUR, linestyle="--", linewidth=1, zorder=2)
    axes.annotate(
        label,
        xy=(1, maximum),
        xycoords=("axes fraction", "data"),
        xytext=(-4, 4),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=9,
        color=MAXIMUM_COLOUR,
    )
    return max(highest, maximum)


def _shade_phases(axes: Axes, schedule: Schedule, edges: list[dt.date], lang: Language) -> None:
    """One shaded band per run of steps in the same phase, named at its top."""
    runs: list[tuple[str, dt.date, dt.date]] = []
    for step, end in zip(schedule.steps, edges[1:], strict=True):
        if runs and runs[-1][0] == step.phase:
            runs[-1] = (step.phase, runs[-1][1], end)
        else:
            runs.append((step.phase, step.start, end))
    for phase, start, end in runs:
        axes.axvspan(_day(start), _day(end), color=PHASE_COLOURS[phase], zorder=0, linewidth=0)
        if phase != "stop":
            axes.text(
                _day(start + (end - start) / 2),
                1,
                lang.gettext(phase),
                transform=axes.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=9,
                color="#444444",
            )


def _mark_reviews(axes: Axes, schedule: Schedule, lang: Language) -> None:
    """A small mark at the foot of the plot on each review with the prescriber (every 3
    months while the drug is taken), the first one named."""
    for number, date in enumerate(schedule.reviews):
        axes.axvline(_day(date), ymax=0.06, color=REVIEW_COLOUR, linewidth=1.2, zorder=2)
        if number == 0:
            axes.text(
                _day(date),
                0.07,
                lang.gettext("review"),
                transform=axes.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=7,
                color=REVIEW_COLOUR,
            )


def _label_changes(axes: Axes, schedule: Schedule, lang: Language) -> None:
    """Mark each change with a dot and its new total; thin the labels when there are many."""
    every = 1 if len(schedule.steps) <= MOST_LABELS else 2
    previous = schedule.dose_before_mcg
    for index, step in enumerate(schedule.steps):
        if step.edit:
            # A clinician's pause or step back, named under the line where it starts.
            axes.annotate(
                lang.gettext(step.edit),
                xy=(step.start, step.total_mcg / 1000),
                xytext=(2, -11),
                textcoords="offset points",
                fontsize=8,
                fontstyle="italic",
                color=EDIT_COLOUR,
                zorder=5,
            )
        if step.total_mcg == previous:
            continue
        previous = step.total_mcg
        axes.plot(
            _day(step.start), step.total_mcg / 1000, "o", color=LINE_COLOUR, markersize=4, zorder=4
        )
        last = index == len(schedule.steps) - 1
        if index % every == 0 or last:
            text = lang.gettext("stop") if step.total_mcg == 0 else lang.mg_number(step.total_mcg)
            axes.annotate(
                text,
                xy=(step.start, step.total_mcg / 1000),
                xytext=(2, 6),
                textcoords="offset points",
                fontsize=8,
                color=LINE_COLOUR,
                zorder=5,
            )


def render_plot(
    schedule: Schedule,
    report: SafetyReport,
    *,
    image_format: str = "png",
    concentration: ConcentrationCurve | None = None,
    lang: str = "en",
    symptoms: SymptomLog | None = None,
) -> bytes:
    """The figure as PNG, SVG or PDF bytes, the same bytes for the same inputs."""
    del report
    figure = schedule_figure(schedule, concentration=concentration, lang=lang, symptoms=symptoms)
    buffer = io.BytesIO()
    metadata_by_format: dict[str, dict[str, str | None]] = {
        "png": {"Software": None},
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
    }
    metadata = metadata_by_format.get(image_format, {})
    # SVG ids are random unless salted: salt them with the inputs, for identical files.
    # A PDF's text is in TrueType (type 42) fonts, like the calendar's, not type 3 drawings.
    with rc_context({"svg.hashsalt": fingerprint(schedule), "pdf.fonttype": 42}):
        figure.savefig(buffer, format=image_format, dpi=150, metadata=metadata)
    return buffer.getvalue()
