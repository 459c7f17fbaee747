"""Published results shaped for maps and tables on screen.

Everything here takes output that has already passed the publication gate
(:mod:`meam_mapping.pipeline.publish`) and reshapes it for a map writer or a
table a person reads: per-area estimates as map slices, scores that are not
counts, category layers and the map as a table. Nothing here decides what may
be shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import (
    DEFAULT_POLICY,
    SECONDARY,
    DisclosurePolicy,
    hidden_note,
    mark_no_counts,
    suppress_indicators,
)
from meam_mapping.errors import InputError
from meam_mapping.pipeline.publish import hotspot_confidence, index_deciles
from meam_mapping.pipeline.slices import indicator_all_levels

if TYPE_CHECKING:
    import geopandas as gpd

#: The unit the composite index is shown in by default.
DECILE_UNIT = "decile (10 = the tenth of areas where need is most concentrated)"

__all__ = [
    "category_layer",
    "display_table",
    "estimates_slice",
    "hotspot_layer",
    "index_table",
    "profile_table",
    "score_slice",
    "small_area_slice",
]


def estimates_slice(
    dataset: Dataset,
    published: pd.DataFrame,
    *,
    column: str = "n_hat",
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> tuple[pd.DataFrame, str]:
    """Per-area estimates as a map slice: people per 1,000 adults, or hidden share.

    Parameters
    ----------
    published : pandas.DataFrame
        :func:`publish_hidden`'s table (area rows and the ``'Total'`` row).
    column : {'n_hat', 'hidden_share'}
        Map the estimated number of people (as a rate per 1,000 adults of
        the area) or the share of them no service saw (per cent).

    Returns
    -------
    data : pandas.DataFrame
        A suppressed slice for the map writers.
    level : str
        The level of the areas.
    """
    rows = published.loc[published["area_code"].astype(str) != "Total"].copy()
    if rows.empty:
        raise InputError(
            "the overlap table has no areas, so the estimates cannot be mapped",
            column="area_code",
            fix="Add an area_code column to the overlap table (one block of patterns per district)",
        )
    level = dataset.level_of(rows["area_code"].astype(str))
    rows = rows.loc[rows["area_code"].isin(dataset.areas[level]["area_code"])]
    adults = _adults_at(dataset, level)
    hidden = rows["suppressed"].astype(bool).to_numpy()
    out = pd.DataFrame({"area_code": rows["area_code"].astype(str).to_numpy()})
    if column == "hidden_share":
        out["count"] = np.nan
        out["denominator"] = np.nan
        out["value"] = np.where(hidden, np.nan, 100 * rows["hidden_share"].to_numpy(dtype=float))
        out["unit"] = "percent"
        out["unit_label"] = "% of estimated people seen by no service"
    else:
        out["count"] = rows["n_hat"].to_numpy(dtype=float)
        out["denominator"] = out["area_code"].map(adults) if adults is not None else np.nan
        out["value"] = 1000 * out["count"] / out["denominator"]
        out["unit"] = "per_1000"
        out["unit_label"] = "estimated people per 1,000 adults"
    out["indicator"] = f"estimate_{column}"
    out["indicator_name"] = (
        "Estimated people facing multiple disadvantage"
        if column == "n_hat"
        else "Share hidden from every service"
    )
    names = dataset.areas[level].drop_duplicates("area_code").set_index("area_code")["area_name"]
    out["area_name"] = out["area_code"].map(names).fillna(out["area_code"]).astype(str)
    out["domain"] = "context"
    out["period"] = ""
    out["source"] = "Multiple systems estimation (MEAM Mapping)"
    out["level"] = level
    out["suppressed"] = hidden
    out["suppression"] = rows["suppression"].fillna("").to_numpy() if "suppression" in rows else ""
    out["count"] = np.where(hidden, np.nan, out["count"])
    out.loc[hidden, "value"] = np.nan
    if column == "hidden_share":
        safe = mark_no_counts(out)
        safe["suppressed"] = hidden
    else:
        safe = suppress_indicators(out.drop(columns="suppression"), policy)
    return safe, level


def _adults_at(dataset: Dataset, level: str) -> pd.Series | None:
    """Adults (the denominator of the first counted indicator) per area at ``level``."""
    counted = dataset.catalogue().query("has_counts")["indicator"]
    if not len(counted):
        return None
    table, _ = indicator_all_levels(dataset, counted.iloc[0])
    at_level = table.loc[table["level"] == level].drop_duplicates("area_code")
    return at_level.set_index("area_code")["denominator"]


def score_slice(
    scores: pd.DataFrame,
    *,
    name: str,
    unit: str = DECILE_UNIT,
    exact: bool = False,
) -> pd.DataFrame:
    """A map slice of the composite index, as deciles unless exact scores are asked for.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``area_code`` and ``score`` (the fitted index).
    name : str
        The indicator name the map shows.
    unit : str
        The unit the map shows (the decile wording by default).
    exact : bool
        Map the exact scores. They tell where each area sits among the
        others, and so where a hidden rate lies: only for a page that warns
        the user and keeps them out of every download.

    Returns
    -------
    pandas.DataFrame
        A slice marked as carrying no counts; ``value`` is the decile (1 to
        10, 10 = most concentrated) by default.
    """
    value = (
        scores["score"].to_numpy(dtype=float)
        if exact
        else index_deciles(scores["score"]).to_numpy(dtype=float, na_value=np.nan)
    )
    out = pd.DataFrame(
        {
            "area_code": scores["area_code"].astype(str).to_numpy(),
            "count": np.nan,
            "denominator": np.nan,
            "value": value,
            "suppressed": False,
            "unit": unit,
            "indicator_name": name,
        }
    )
    if not exact:  # ten ordered classes, 10 (most concentrated) darkest
        out["kind"] = "decile"
        out["polarity"] = "higher_is_worse"
    return mark_no_counts(out)


def index_table(scores: pd.DataFrame, names: pd.Series, *, top: int = 25) -> pd.DataFrame:
    """The areas where need is most concentrated, by decile (no exact score or rank).

    The ``top`` highest-scoring areas, listed by decile and then by name, so
    the order does not give away each area's exact rank.

    Returns
    -------
    pandas.DataFrame
        ``Decile`` (10 = most concentrated), ``Area`` and ``Domains in the top fifth``.
    """
    frame = scores.dropna(subset=["score"]).copy()
    frame["decile"] = index_deciles(frame["score"])
    frame = frame.sort_values("score", ascending=False).head(top)
    frame["area"] = frame["area_code"].astype(str).map(names).fillna(frame["area_code"].astype(str))
    frame = frame.sort_values(["decile", "area"], ascending=[False, True])
    out = pd.DataFrame({"Decile": frame["decile"].to_numpy(), "Area": frame["area"].to_numpy()})
    if "co_occurrence" in frame:
        out["Domains in the top fifth"] = frame["co_occurrence"].to_numpy()
    return out


def profile_table(profiles: pd.DataFrame) -> pd.DataFrame:
    """A typology's group profiles for the page: mean standardised rates to one decimal.

    A group of a single area would otherwise show that area's own
    standardised rates in full.
    """
    out = profiles.copy()
    for column in out.columns:
        if column not in ("cluster", "n_areas") and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(1)
    return out


def hotspot_layer(areas: gpd.GeoDataFrame, result: pd.DataFrame) -> gpd.GeoDataFrame:
    """The significant hot and cold spots as a map layer, with a confidence band for each.

    E.g. "Hot spot, 99% confidence": never the z-score or p-value.
    """
    words = hotspot_confidence(result)
    words.index = result["area_code"].astype(str)
    return category_layer(areas, words, keep=sorted(set(words) - {"Not significant"}))


def small_area_slice(
    dataset: Dataset, published: pd.DataFrame, level: str, *, column: str = "n_hat"
) -> pd.DataFrame:
    """A map slice of :func:`publish_small_area`'s table at ``level``.

    ``column='n_hat'`` maps estimated people per 1,000 adults, ``'hidden_share'``
    the per cent of them no service sees; the rounded 95% interval of the
    estimated people is a tooltip column.
    """
    rows = published.loc[published["level"] == level].copy()
    if rows.empty:
        raise InputError(f"there are no small-area estimates at level {level!r}",
                         expected="one of " + ", ".join(dict.fromkeys(published["level"])))  # fmt: skip
    adults = _adults_at(dataset, level)
    out = pd.DataFrame({"area_code": rows["area_code"].astype(str).to_numpy()})
    out["count"] = np.nan
    if column == "hidden_share":
        out["denominator"] = np.nan
        out["value"] = rows["hidden_share"].to_numpy(dtype=float)
        out["unit"], out["unit_label"] = "percent", "% of estimated people seen by no service"
        out["indicator_name"] = "Share of people facing multiple disadvantage seen by no service"
    else:
        out["denominator"] = out["area_code"].map(adults) if adults is not None else np.nan
        out["value"] = (rows["n_hat"].to_numpy(dtype=float) / out["denominator"] * 1000).round(1)
        out["unit"], out["unit_label"] = "per_1000", "estimated people per 1,000 adults"
        out["indicator_name"] = "Estimated people facing multiple disadvantage, known and hidden"
    out["Estimated people (95% interval)"] = [
        f"{n:,.0f} ({lo:,.0f} to {hi:,.0f})" if np.isfinite(n) else ""
        for n, lo, hi in zip(rows["n_hat"], rows["ci_low"], rows["ci_high"], strict=True)
    ]
    out["indicator"] = f"small_area_{column}"
    out["domain"] = "context"
    out["period"] = ""
    out["source"] = "Small-area estimates (MEAM Mapping), rounded to 5 people"
    out["level"] = level
    hidden = (
        rows["suppressed"].astype(bool).to_numpy()
        if "suppressed" in rows
        else np.zeros(len(out), bool)
    )
    out.loc[hidden, "value"] = np.nan
    out.loc[hidden, "Estimated people (95% interval)"] = "hidden with the people known to services"
    safe = mark_no_counts(out)
    safe["suppressed"] = hidden
    if hidden.any():
        safe["suppression"] = np.where(hidden, SECONDARY, "")
    return safe


def category_layer(
    areas: gpd.GeoDataFrame, categories: pd.Series, *, keep: list[str] | None = None
) -> gpd.GeoDataFrame:
    """Areas with a ``category`` column for a switchable map layer.

    Parameters
    ----------
    categories : pandas.Series
        Category per area, indexed by area code.
    keep : list of str, optional
        Only these categories are drawn (e.g. leave out "Not significant").
    """
    layer = areas[["area_code", "area_name", "geometry"]].copy()
    layer["category"] = layer["area_code"].map(categories).astype(str)
    if keep is not None:
        layer = layer.loc[layer["category"].isin(keep)]
    return layer.reset_index(drop=True)


def display_table(data: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """The map as a table for people: one row per area, highest rate first.

    Numbers stay numbers (so columns sort as numbers); a hidden count, rate
    or interval is an empty cell, and the ``Note`` column says why: "fewer
    than 5" for a small count, "hidden to protect a small number nearby" for
    a secondary suppression, "withheld by the source", "not known: includes
    counts withheld by the source" for an area added up from some withheld
    ones (see :func:`~meam_mapping.disclosure.hidden_note`), or "no data". Counts
    are whole numbers and rates have one decimal place.
    """
    from meam_mapping.indicators.table import unit_text

    threshold = threshold or _threshold_of(data)
    unit = unit_text(data)
    ordered = data.sort_values("value", ascending=False, na_position="last")
    hidden = ordered["suppressed"].astype(bool).to_numpy()
    reason = (
        ordered["suppression"].fillna("").astype(str).to_numpy()
        if "suppression" in ordered
        else np.full(len(ordered), "")
    )
    count = pd.to_numeric(ordered["count"], errors="coerce").to_numpy(dtype=float, copy=True)
    value = pd.to_numeric(ordered["value"], errors="coerce").to_numpy(dtype=float, copy=True)
    count[hidden] = np.nan
    value[hidden] = np.nan
    notes = []
    for is_hidden, why, v in zip(hidden, reason, value, strict=True):
        if is_hidden:
            notes.append(hidden_note(why, threshold))
        elif np.isnan(v):
            notes.append("no data")
        else:
            notes.append("")
    rate = f"Rate ({unit})" if unit else "Value"
    return pd.DataFrame(
        {
            "Area": ordered.get("area_name", ordered["area_code"]).to_numpy(),
            "Code": ordered["area_code"].to_numpy(),
            "Count": pd.array(np.round(count), dtype="Int64"),
            "Population": pd.array(
                np.round(
                    pd.to_numeric(ordered["denominator"], errors="coerce").to_numpy(dtype=float)
                ),
                dtype="Int64",
            ),
            rate: np.round(value, 1),
            "Note": notes,
        }
    )


def _threshold_of(data: pd.DataFrame) -> int | None:
    text = str(data.attrs.get("disclosure_policy", ""))
    import re

    match = re.search(r"fewer than (\d+)", text)
    return int(match.group(1)) if match else None
