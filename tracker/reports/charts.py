"""Charts for the PDF reports: matplotlib Figures (never pyplot) saved as SVG with the bundled font."""
import base64
import io
import threading

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .fetcher import FONT_FILES

FONT_FAMILY = "DejaVu Sans"  # the bundled files' family, which matplotlib measures text with
PDF_FONT_FAMILY = "Report Sans"  # the same files under the name the report's @font-face gives them
# Deterministic output: the same data gives the same SVG bytes, so two renders of one year compare equal.
RC = {
    "font.family": FONT_FAMILY,
    "font.size": 8.5,
    # Text stays text (searchable, and far cheaper for WeasyPrint than one path per glyph); it is drawn with the
    # report's @font-face font, the very files matplotlib measured it with, so nothing depends on system fonts.
    "svg.fonttype": "none",
    "svg.hashsalt": "metropolis-sap-report",
    "axes.edgecolor": "#6c757d",
    "axes.labelcolor": "#212529",
    "xtick.color": "#343a40",
    "ytick.color": "#343a40",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
WIDTH_IN = 174 / 25.4  # the text width of the A4 page (210 mm less 2 x 18 mm margins): printed at scale 1
STATUS_COLOURS = {
    "completed": "#1d3557",
    "in_progress": "#457b9d",
    "planned": "#a8c5da",
    "cancelled": "#c9a0a0",
}
STATUS_LABELS = {"completed": "Completed", "in_progress": "In progress", "planned": "Planned",
                 "cancelled": "Cancelled"}
YEAR_COLOURS = ("#a8c5da", "#457b9d", "#1d3557")

_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Make matplotlib draw with the bundled font files rather than any copy of the family it finds first."""
    global _fonts_ready
    with _lock:
        if _fonts_ready:
            return
        manager = font_manager.fontManager
        before = len(manager.ttflist)
        for path in FONT_FILES.values():
            manager.addfont(str(path))
        # findfont keeps the first perfect match: put the bundled files ahead of matplotlib's own copy.
        added = manager.ttflist[before:]
        del manager.ttflist[before:]
        manager.ttflist[:0] = added
        manager._findfont_cached.cache_clear()
        _fonts_ready = True


def _svg_data_uri(figure: Figure) -> str:
    """Save a figure as SVG and return it as a base64 data: URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue().replace(
        f"font-family: '{FONT_FAMILY}'".encode(), f"font-family: '{PDF_FONT_FAMILY}'".encode())
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _text_width_in(text: str, size_pt: float) -> float:
    """Measure a label's width in inches with the bundled font, as matplotlib will draw it."""
    font = font_manager.get_font(str(FONT_FILES["regular"]))
    font.set_size(size_pt, 72)
    font.set_text(text, 0.0)
    return font.get_width_height()[0] / 64 / 72


def _draw(draw, height_in: float, *, labels=(), bottom_in: float = 0.75, right_in: float = 0.15,
          extra_left_in: float = 0.2) -> str:
    """Run a drawing function on a fresh page-wide Figure under the report's style and return its data URI.

    Margins are set from the measured width of the category labels rather than by a layout engine: the
    result is the same for these simple charts, in half the time.
    """
    register_fonts()
    with _lock, matplotlib.rc_context(RC):
        figure = Figure(figsize=(WIDTH_IN, height_in))
        left_in = max([_text_width_in(label, RC["font.size"]) for label in labels] + [0.25]) + extra_left_in
        figure.subplots_adjust(left=left_in / WIDTH_IN, right=1 - right_in / WIDTH_IN, top=1 - 0.08 / height_in,
                               bottom=bottom_in / height_in)
        draw(figure)
        return _svg_data_uri(figure)


def _legend_below(figure: Figure, columns: int) -> None:
    """Put the legend along the bottom edge, under the axis label."""
    figure.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=columns, frameon=False, fontsize=8)


def members_by_region_chart(rows: list[dict]) -> dict:
    """Draw members engaged against members in each region: rows of {region, engaged, total}."""
    regions = [r["region"] for r in rows][::-1]
    engaged = [r["engaged"] for r in rows][::-1]
    others = [max(r["total"] - r["engaged"], 0) for r in rows][::-1]

    def draw(figure):
        axes = figure.add_subplot()
        axes.barh(regions, engaged, color=STATUS_COLOURS["completed"], label="Engaged")
        axes.barh(regions, others, left=engaged, color="#ced4da", label="Not engaged")
        for y, (done, rest) in enumerate(zip(engaged, others)):
            axes.text(done + rest + 0.5, y, f"{done} of {done + rest}", va="center", fontsize=8)
        axes.set_xlim(0, max([e + o for e, o in zip(engaged, others)] + [1]) * 1.15)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("Members")
        _legend_below(figure, 2)

    alt = "Members engaged by region: " + "; ".join(
        f"{r['region']} {r['engaged']} of {r['total']}" for r in rows) + "."
    return {"src": _draw(draw, 0.3 * max(len(rows), 1) + 0.95, labels=regions), "alt": alt,
            "caption": "Members engaged by region"}


def activities_by_status_chart(title: str, groups: list[dict]) -> dict:
    """Draw stacked bars of activities by status for each group: {label, counts: {status: n}}."""
    labels = [g["label"] for g in groups][::-1]

    def draw(figure):
        axes = figure.add_subplot()
        left = [0] * len(groups)
        for status, colour in STATUS_COLOURS.items():
            values = [g["counts"].get(status, 0) for g in groups][::-1]
            axes.barh(labels, values, left=left, color=colour, label=STATUS_LABELS[status])
            left = [a + b for a, b in zip(left, values)]
        top = max(left + [1])
        for y, total in enumerate(left):
            axes.text(total + top * 0.01, y, str(total), va="center", fontsize=8)
        axes.set_xlim(0, top * 1.1)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("Activities")
        _legend_below(figure, 4)

    alt = f"{title}: " + "; ".join(
        f"{g['label']}: " + ", ".join(f"{g['counts'].get(s, 0)} {STATUS_LABELS[s].lower()}" for s in STATUS_COLOURS)
        for g in groups) + "."
    return {"src": _draw(draw, 0.28 * max(len(groups), 1) + 0.95, labels=labels), "alt": alt, "caption": title}


def completed_by_year_chart(title: str, groups: list[dict], years: list[int]) -> dict:
    """Draw grouped bars of completed activities per year for each group: {label, by_year: {year: n}}."""
    labels = [g["label"] for g in groups]

    def draw(figure):
        axes = figure.add_subplot()
        width = 0.8 / max(len(years), 1)
        for i, year in enumerate(years):
            xs = [x + (i - (len(years) - 1) / 2) * width for x in range(len(groups))]
            values = [g["by_year"].get(year, 0) for g in groups]
            axes.bar(xs, values, width=width, color=YEAR_COLOURS[i % len(YEAR_COLOURS)], label=str(year))
        axes.set_xticks(range(len(groups)), labels)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("Completed activities")
        _legend_below(figure, len(years))

    alt = f"{title}: " + "; ".join(
        f"{g['label']}: " + ", ".join(f"{y} {g['by_year'].get(y, 0)}" for y in years) for g in groups) + "."
    ticks = [str(v) for g in groups for v in g["by_year"].values()] or ["0"]
    return {"src": _draw(draw, 2.4, labels=ticks, bottom_in=0.7, extra_left_in=0.45), "alt": alt, "caption": title}
