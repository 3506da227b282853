"""The overview's charts: matplotlib Figures (never pyplot) drawn from plain data and returned as SVG bytes."""
import io

from flask_babel import gettext as _
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..plan.reference import region_name

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
STATUS_COLOURS = {
    "achieved": "#0072B2",
    "on_track": "#009E73",
    "needs_attention": "#E69F00",
    "off_track": "#D55E00",
    "not_started": "#999999",
    "pending": "#CC79A7",
    "none": "#DDDDDD",
}
# Hatches too, so that the bars differ without colour.
STATUS_HATCHES = {"pending": "//", "none": "--", "not_started": "\\\\"}  # line hatches: dots bloat the SVG
RC = {
    "svg.hashsalt": "metropolis-overview",  # stable ids: the same data gives the same bytes
    "svg.fonttype": "none",  # text stays text: smaller, searchable, and read by the browser's fonts
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "hatch.linewidth": 0.6,
}


def _svg(fig: Figure) -> bytes:
    """Render a figure as deterministic SVG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def activities_by_month(data: dict, title: str) -> bytes:
    """Draw work-plan activities per month as bars stacked by action line."""
    labels = data["labels"]
    with rc_context(RC):
        fig = Figure(figsize=(8, 3.4) if len(labels) <= 12 else (12, 3.8), layout="constrained")
        ax = fig.add_subplot()
        positions = range(len(labels))
        bottoms = [0] * len(labels)
        for index, series in enumerate(data["series"]):
            ax.bar(positions, series["counts"], bottom=bottoms, label=series["code"],
                   color=PALETTE[index % len(PALETTE)], edgecolor="white", linewidth=0.4)
            bottoms = [b + c for b, c in zip(bottoms, series["counts"])]
        ax.set_xticks(list(positions), labels, rotation=0 if len(labels) <= 12 else 90,
                      fontsize=9 if len(labels) <= 12 else 8)
        ax.set_ylabel(_("Activities"))
        ax.set_title(title)
        ax.yaxis.get_major_locator().set_params(integer=True)
        if data["series"]:
            ax.legend(title=_("Action line"), frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig)


def members_by_region(rows: list[dict], title: str) -> bytes:
    """Draw members engaged against members per region as horizontal bars."""
    with rc_context(RC):
        fig = Figure(figsize=(8, 0.5 * max(len(rows), 1) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        regions = [region_name(row["region"]) for row in rows]
        positions = list(range(len(rows)))
        ax.barh(positions, [row["total"] for row in rows], color="#DDDDDD", label=_("Members"), height=0.7)
        ax.barh(positions, [row["engaged"] for row in rows], color=PALETTE[0], label=_("Engaged"), height=0.45)
        for position, row in zip(positions, rows):
            ax.annotate(_("%(engaged)s of %(total)s", engaged=row["engaged"], total=row["total"]),
                        (row["total"], position), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=9)
        ax.set_yticks(positions, regions)
        ax.invert_yaxis()  # the first region on top, as in the table
        ax.set_xlabel(_("Member governments"))
        ax.set_title(title)
        ax.set_xlim(0, max([row["total"] for row in rows] + [1]) * 1.2)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig)


def outcome_statuses(rows: list[dict], title: str) -> bytes:
    """Draw how many outcomes stand at each status, pending and unassessed ones included."""
    with rc_context(RC):
        fig = Figure(figsize=(8, 0.42 * max(len(rows), 1) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        positions = list(range(len(rows)))
        bars = ax.barh(positions, [row["count"] for row in rows],
                       color=[STATUS_COLOURS.get(row["status"], "#999999") for row in rows],
                       hatch=None, edgecolor="#333333", linewidth=0.4, height=0.7)
        for bar, row in zip(bars, rows):
            bar.set_hatch(STATUS_HATCHES.get(row["status"]))
            ax.annotate(str(row["count"]), (row["count"], bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=9)
        ax.set_yticks(positions, [row["label"] for row in rows])
        ax.invert_yaxis()
        ax.set_xlabel(_("Outcomes"))
        ax.set_title(title)
        ax.set_xlim(0, max([row["count"] for row in rows] + [1]) * 1.15)
        ax.xaxis.get_major_locator().set_params(integer=True)
        return _svg(fig)
