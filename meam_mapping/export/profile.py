"""A one-page area profile for a bid: key facts and a spine chart of every indicator.

The page is drawn from an :class:`~meam_mapping.pipeline.profile.AreaProfile`,
which holds only published figures; :func:`profile_figure` checks again that
no hidden figure carries a number before drawing. The spine chart follows
Fingertips: one row per indicator, the study area's value as the centre line,
the spread of all areas at the same level as a grey bar (darker between the
25th and 75th percentiles), the area as a circle coloured better / similar /
worse than the study area, and its district as a diamond. Where an indicator
has a polarity the worse end is on the left.
"""

from __future__ import annotations

import io
import textwrap
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from meam_mapping.pipeline.compare import BENCHMARK_COLOURS, NOT_SHOWN
from meam_mapping.schema import LEVEL_LABELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from meam_mapping.pipeline.profile import AreaProfile

__all__ = ["profile_bytes", "profile_figure", "profile_facts", "spine_positions"]


def _fmt(value: float, decimals: int = 1) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.{decimals}f}"


def profile_facts(profile: AreaProfile) -> list[tuple[str, str]]:
    """The key facts as (heading, text) pairs, the same on the page and in the export."""
    facts = []
    if profile.people is not None:
        p = profile.people
        text = f"{p['estimated_people']:,.0f} (95% interval {p['lower']:,.0f} to {p['upper']:,.0f})"
        if pd.notna(p.get("hidden_share")):
            text += f"; about {p['hidden_share']:.0f}% seen by no service"
        facts.append(("Estimated people facing multiple disadvantage", text))
    else:
        facts.append(("Estimated people facing multiple disadvantage",
                      "not available: " + profile.unavailable.get("people", "no estimate")))  # fmt: skip
    if profile.index is not None:
        i = profile.index
        parts = []
        if i.get("decile") is not None:
            parts.append(f"decile {i['decile']} of 10 (10 = highest)")
        if i.get("rank") is not None:
            parts.append(f"rank {i['rank']} of {i['n_areas']}")
        if i.get("rank_range"):
            parts.append(f"rank range {i['rank_range']}")
        if i.get("shown"):
            parts.append(i["shown"])
        facts.append(("Composite index", "; ".join(parts) or "not shown"))
    else:
        facts.append(("Composite index", "not available: " + profile.unavailable.get("index", "")))
    facts.append(
        ("Hot spot", profile.hotspot or "not available: " + profile.unavailable.get("hotspot", ""))
    )
    if profile.typology:
        facts.append(("Typology group", profile.typology))
    return facts


def spine_positions(indicators: pd.DataFrame) -> pd.DataFrame:
    """Each indicator's spine scaled to -1..1 around the study area (worse end left).

    Returns
    -------
    pandas.DataFrame
        ``x_area, x_district, x_min, x_q25, x_q75, x_max`` per row; NaN where
        the figure is not shown. The centre (0) is the study area's value, or
        the middle of the range where there is none.
    """
    out = {}
    centre = indicators["study_value"].astype(float).to_numpy(copy=True)
    middle = (indicators["range_min"].astype(float) + indicators["range_max"].astype(float)) / 2
    centre = np.where(np.isfinite(centre), centre, middle.to_numpy())
    columns = {"x_area": "value", "x_district": "district_value", "x_min": "range_min",
               "x_q25": "range_q25", "x_q75": "range_q75", "x_max": "range_max"}  # fmt: skip
    spread = np.zeros(len(indicators))
    for col in columns.values():
        spread = np.fmax(spread, np.abs(indicators[col].astype(float).to_numpy() - centre))
    spread = np.where(spread > 0, spread, 1.0)
    sign = np.where(indicators["polarity"] == "higher_is_worse", -1.0, 1.0)
    for key, col in columns.items():
        out[key] = sign * (indicators[col].astype(float).to_numpy() - centre) / spread
    return pd.DataFrame(out, index=indicators.index)


def profile_figure(profile: AreaProfile) -> Figure:
    """The one-page profile (A4 portrait) as a matplotlib figure.

    Raises
    ------
    ValueError
        If an indicator marked "Not shown" carries a number (the profile did
        not come through the publication gate).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    table = profile.indicators
    if len(table):
        leaked = table["category"].eq(NOT_SHOWN) & table[["count", "value"]].notna().any(axis=1)
        if leaked.any():
            raise ValueError(
                "a hidden figure carries a number: build the profile with area_profile()"
            )
    n = len(table)
    fig = Figure(figsize=(8.27, 11.69), dpi=120)
    level = LEVEL_LABELS.get(profile.level, profile.level)
    fig.text(0.05, 0.965, textwrap.shorten(profile.area_name, 60), fontsize=17, fontweight="bold",
             va="top")  # fmt: skip
    where = f"{profile.area_code} · {level}"
    if profile.district_name:
        where += f" · in {profile.district_name}"
    fig.text(0.05, 0.935, where, fontsize=9.5, color="#333333", va="top")
    if profile.label:
        fig.text(0.95, 0.965, profile.label, fontsize=9, color="#ffffff", ha="right", va="top",
                 fontweight="bold", bbox={"facecolor": "#8a3b00", "edgecolor": "none", "pad": 4})  # fmt: skip
    y = 0.905
    for heading, text in profile_facts(profile):
        fig.text(0.05, y, heading, fontsize=8.5, fontweight="bold", va="top")
        wrapped = textwrap.fill(text, 110)
        fig.text(0.05, y - 0.016, wrapped, fontsize=8.5, va="top")
        y -= 0.036 + 0.013 * wrapped.count("\n")
    top = y - 0.04
    hidden_any = False
    notes_height = 0.05 + 0.012 * min(len(profile.notes), 6)
    bottom = 0.06 + notes_height
    if n:
        ax = fig.add_axes((0.60, bottom, 0.36, top - bottom))
        pos = spine_positions(table)
        rows = np.arange(n)
        for i, r in pos.iterrows():
            lo, hi = sorted([r["x_min"], r["x_max"]])
            q1, q3 = sorted([r["x_q25"], r["x_q75"]])
            if np.isfinite(lo) and np.isfinite(hi):
                ax.barh(i, hi - lo, left=lo, height=0.55, color="#d9d9d9", zorder=1)
            if np.isfinite(q1) and np.isfinite(q3):
                ax.barh(i, q3 - q1, left=q1, height=0.55, color="#969696", zorder=2)
        colours = [BENCHMARK_COLOURS.get(c, "#ffffff") for c in table["category"]]
        ax.scatter(pos["x_area"], rows, s=70, c=colours, edgecolors="#000000", linewidths=0.8,
                   zorder=4)  # fmt: skip
        ax.scatter(pos["x_district"], rows, s=38, marker="D", facecolors="none",
                   edgecolors="#000000", linewidths=1.0, zorder=3)  # fmt: skip
        ax.axvline(0, color="#b2182b", linewidth=1.4, zorder=3)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(-1.12, 1.12)
        ax.set_yticks([])
        ax.set_xticks([-1, 0, 1], ["worse", "study area", "better"], fontsize=7.5)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        fs = 7.5 if n <= 20 else max(4.5, 7.5 * 20 / n)
        text_ax = fig.add_axes((0.05, bottom, 0.54, top - bottom), sharey=ax)
        text_ax.set_axis_off()
        cols = [(0.0, "Indicator", "left"), (0.70, "Area", "right"), (0.85, "District", "right"),
                (0.99, "Study\narea", "right")]  # fmt: skip
        for x, head, ha in cols:
            text_ax.text(x, -0.6, head, fontsize=fs, fontweight="bold", ha=ha, va="bottom")
        hidden_any = False
        for i, r in enumerate(table.itertuples(index=False)):
            name = textwrap.fill(textwrap.shorten(str(r.indicator_name), 80), 44)
            text_ax.text(0.0, i - 0.08, name, fontsize=fs, va="bottom", linespacing=1.0)
            small = " · ".join(str(x) for x in (r.unit, r.period) if x and str(x) != "nan")
            text_ax.text(0.0, i + 0.04, small, fontsize=fs * 0.8, va="top", color="#555555")
            hidden = r.category == NOT_SHOWN
            hidden_any |= hidden
            area = "hidden*" if hidden else _fmt(r.value)
            text_ax.text(0.70, i, area, fontsize=fs, ha="right", va="center",
                         fontweight="bold", color="#555555" if hidden else "#000000")  # fmt: skip
            text_ax.text(0.80, i, _fmt(r.district_value), fontsize=fs, ha="right", va="center")
            text_ax.text(0.99, i, _fmt(r.study_value), fontsize=fs, ha="right", va="center")
        text_ax.set_xlim(0, 1)
        present = [c for c in BENCHMARK_COLOURS if c in set(table["category"])]
        handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=BENCHMARK_COLOURS[c],
                          markeredgecolor="#000000", label=c) for c in present]  # fmt: skip
        handles.append(Line2D([], [], marker="D", linestyle="", markerfacecolor="none",
                              markeredgecolor="#000000", label="District"))  # fmt: skip
        handles.append(Line2D([], [], color="#b2182b", label="Study area"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.45, -0.04), ncol=3,
                  fontsize=7, frameon=False, columnspacing=1.0)  # fmt: skip
    else:
        fig.text(0.05, top, "No indicator has a figure for this area.", fontsize=10, va="top")
    y = bottom - 0.045
    if profile.notes:
        fig.text(0.05, y, "Notes on this area", fontsize=8.5, fontweight="bold", va="top")
        for note in profile.notes[:6]:
            y -= 0.014
            fig.text(0.05, y, "• " + textwrap.shorten(note, 130), fontsize=7.5, va="top")
    foot = (
        (
            "* Hidden: a small number, or hidden to protect a small number nearby. "
            if n and hidden_any
            else ""
        )
        + "Rates in the unit under each name; the circle is compared with the study area at 95% "
        "confidence (Fingertips method). Grey bar: range of all areas at this level (dark: middle "
        "half). Figures for small numbers are hidden to protect people. "
        f"{profile.dataset_name} · MEAM Mapping · {date.today():%d %B %Y}"
    )
    fig.text(0.05, 0.02, textwrap.fill(foot, 150), fontsize=6.5, color="#444444", va="bottom")
    fig.meam_alt_text = (
        f"Profile of {profile.area_name}: "
        + "; ".join(f"{h}: {t}" for h, t in profile_facts(profile))
        + f". Spine chart of {n} indicators against the district and the study area."
    )
    return fig


def profile_bytes(profile: AreaProfile, format: str = "png") -> bytes:
    """The one-page profile as PNG or PDF bytes (the title in the file's metadata)."""
    from meam_mapping.errors import InputError

    if format not in ("png", "pdf"):
        raise InputError(f"cannot write a profile as {format!r}", column="format",
                         expected="png or pdf")  # fmt: skip
    fig = profile_figure(profile)
    buffer = io.BytesIO()
    title = f"Area profile: {profile.area_name}"
    metadata = (
        {"Title": title} if format == "pdf" else {"Title": title, "Description": fig.meam_alt_text}
    )
    fig.savefig(buffer, format=format, metadata=metadata)
    return buffer.getvalue()
