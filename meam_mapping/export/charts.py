"""Charts of published comparisons: the "compare areas" bar chart.

The chart is the one Fingertips draws beside its maps: one bar per area,
highest first, each with its confidence interval as whiskers and coloured
better / similar / worse than the benchmark, with the benchmark as a line.
It takes :class:`~meam_mapping.pipeline.compare.BenchmarkComparison`, which
holds only published figures, so areas whose figures are hidden are left out
and the chart says how many.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

import numpy as np

from meam_mapping.pipeline.compare import (
    BENCHMARK_COLOURS,
    CONFIDENCE_LEVELS,
    BenchmarkComparison,
    compare_areas_table,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["LABELLED_AREAS", "compare_areas_figure", "figure_bytes"]

#: Up to this many areas the bars run across with each area named; above it
#: the chart is a ranked "caterpillar" of unnamed bars.
LABELLED_AREAS = 40


def compare_areas_figure(
    comparison: BenchmarkComparison, *, title: str = "", label: str | None = None
) -> Figure:
    """Sorted bars with interval whiskers, the benchmark line and category colours.

    Parameters
    ----------
    comparison : BenchmarkComparison
        Published areas compared with the benchmark.
    title : str
        Chart title (e.g. the indicator and period).
    label : str, optional
        A prominent label such as "Synthetic demonstration data".

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.meam_alt_text`` describes the chart in one sentence (alt text).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    table, omitted = compare_areas_table(comparison)
    n = len(table)
    named = n <= LABELLED_AREAS
    height = max(3.5, 0.24 * n + 1.8) if named else 4.8
    fig = Figure(figsize=(8.0, height), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    colours = [
        BENCHMARK_COLOURS.get(c, BENCHMARK_COLOURS["Not compared"]) for c in table["category"]
    ]
    value = table["value"].to_numpy(dtype=float)
    errors = np.vstack([value - table["lower"].to_numpy(dtype=float),
                        table["upper"].to_numpy(dtype=float) - value])  # fmt: skip
    errors = np.nan_to_num(errors, nan=0.0)
    position = np.arange(n)
    level = CONFIDENCE_LEVELS.get(comparison.confidence, "95%")
    if named:
        ax.barh(position, value, color=colours, edgecolor="#555555", linewidth=0.4)
        ax.errorbar(value, position, xerr=errors, fmt="none", ecolor="#222222", elinewidth=0.9,
                    capsize=2.5)  # fmt: skip
        ax.set_yticks(
            position, [textwrap.shorten(str(a), 38) for a in table["area_name"]], fontsize=8
        )
        ax.invert_yaxis()
        ax.axvline(comparison.benchmark, color="#000000", linestyle="--", linewidth=1.2)
        ax.set_xlabel(comparison.unit or "Value")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    else:
        ax.bar(position, value, width=1.0, color=colours, edgecolor="none")
        ax.errorbar(position, value, yerr=errors, fmt="none", ecolor="#333333", elinewidth=0.5)
        ax.axhline(comparison.benchmark, color="#000000", linestyle="--", linewidth=1.2)
        ax.set_xticks([])
        ax.set_xlabel(f"{n} areas, highest first")
        ax.set_ylabel(comparison.unit or "Value")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    present = [c for c in comparison.categories if c in set(table["category"])]
    handles = [Patch(facecolor=BENCHMARK_COLOURS[c], edgecolor="#555555", label=c) for c in present]
    handles.append(Line2D([], [], color="#000000", linestyle="--",
                          label=f"Study area {comparison.benchmark:,.1f}"))  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title=f"Compared with the\nstudy area ({level})", title_fontsize=8,
              frameon=False, alignment="left")  # fmt: skip
    heading = textwrap.fill(title, 80) if title else "Areas compared with the study area"
    ax.set_title(heading, loc="left", fontsize=11, fontweight="bold")
    notes = [f"Whiskers: {level} confidence intervals. Dashed line: {comparison.benchmark_label}."]
    if omitted:
        noun = "area is" if omitted == 1 else "areas are"
        notes.append(f"{omitted} {noun} not shown: small numbers are hidden to protect people.")
    if label:
        notes.append(label)
    fig.supxlabel("\n".join(textwrap.fill(t, 110) for t in notes), fontsize=7.5, x=0.01, ha="left",
                  color="#333333")  # fmt: skip
    counts = {c: int((table["category"] == c).sum()) for c in present}
    fig.meam_alt_text = (
        f"Bar chart of {n} areas, highest first, against the study area's "
        f"{comparison.benchmark:,.1f} {comparison.unit}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + (f"; {omitted} areas not shown." if omitted else ".")
    )
    return fig


def figure_bytes(fig: Figure, format: str = "png") -> bytes:
    """The figure as PNG, SVG or PDF bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=format, dpi=fig.dpi if format == "png" else None)
    return buffer.getvalue()
