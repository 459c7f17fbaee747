"""Concentration for a dataset: domain rates, index, typologies, hot spots.

Thin glue between a :class:`~meam_mapping.dataset.Dataset` and the estimators
in :mod:`meam_mapping.concentrate`: it adds up counts to the chosen level
(rates recomputed, never averaged), builds the per-area domain rates, and turns
results into map slices that have been through the disclosure policy. The
composite index, typology and hot-spot scores are not counts of people, so
they are marked as carrying no counts.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.concentrate.hotspots import Hotspots
from meam_mapping.concentrate.index import CompositeIndex, domain_rates
from meam_mapping.concentrate.typology import Typology
from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import mark_no_counts
from meam_mapping.errors import InputError
from meam_mapping.mapping import every_indicator_all_levels

__all__ = [
    "category_layer",
    "fit_index",
    "fit_typology",
    "find_hotspots_on",
    "indicators_at_level",
    "level_domain_rates",
    "score_map_data",
]


def indicators_at_level(dataset: Dataset, level: str, period: str | None = None) -> pd.DataFrame:
    """Every indicator with counts, added up to ``level`` (unsuppressed: for estimators only)."""
    table = every_indicator_all_levels(dataset, period)
    part = table.loc[table["level"] == level]
    if part.empty:
        raise InputError(
            f"no indicator can be shown at level {level!r}",
            expected="one of " + ", ".join(dataset.levels),
        )
    return part.reset_index(drop=True)


def level_domain_rates(dataset: Dataset, level: str, period: str | None = None) -> pd.DataFrame:
    """Per-area rate of one indicator per domain (with 95% limits), at ``level``.

    Raises
    ------
    InputError
        If no indicator outside the context domain has counts at this level.
    """
    table = indicators_at_level(dataset, level, period)
    counted = table.loc[table["count"].notna() & (table["domain"] != "context")]
    if counted.empty:
        raise InputError(
            f"no indicator has counts at {level} level outside the context domain",
            expected="counts for homelessness, substance misuse, mental health or justice",
        )
    return domain_rates(counted, dataset.areas[level], ci=True)


def fit_index(
    rates: pd.DataFrame, *, method: str = "exponential", random_state: int = 0
) -> CompositeIndex:
    """Fit the composite index once; move weights later with ``reweight``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CompositeIndex(method=method, n_simulations=200, random_state=random_state).fit(
            rates
        )  # type: ignore[arg-type]


def fit_typology(
    rates: pd.DataFrame, *, method: str = "kmeans", n_clusters: int | str = "auto"
) -> Typology:
    """Group areas with similar domain profiles (seeded)."""
    columns = [c for c in rates.columns if not c.endswith(("_lower", "_upper"))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Typology(method=method, n_clusters=n_clusters, random_state=0).fit(rates[columns])  # type: ignore[arg-type]


def find_hotspots_on(
    areas: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    *,
    statistic: str = "gi_star",
    permutations: int = 999,
    alpha: float = 0.05,
) -> Hotspots:
    """Hot spots (Gi*) or clusters and outliers (local Moran's I) of a score."""
    values = pd.Series(scores["score"].to_numpy(), index=scores["area_code"].astype(str).to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Hotspots(statistic, permutations=permutations, alpha=alpha, random_state=0).fit(  # type: ignore[arg-type]
            areas.loc[areas["area_code"].isin(values.index)], values
        )


def score_map_data(scores: pd.DataFrame, *, name: str, unit: str = "index score") -> pd.DataFrame:
    """A map slice of a score that is not a count (marked as carrying no counts)."""
    out = pd.DataFrame(
        {
            "area_code": scores["area_code"].astype(str).to_numpy(),
            "count": np.nan,
            "denominator": np.nan,
            "value": scores["score"].to_numpy(dtype=float),
            "suppressed": False,
            "unit": unit,
            "indicator_name": name,
        }
    )
    return mark_no_counts(out)


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
