"""Concentration for a dataset: the composite index, typologies and hot spots.

One function per step, each taking the dataset (or the areas) and one
:class:`~meam_mapping.pipeline.settings.AnalysisSettings`, so the
Concentration page, the presenter, the caseload page and the evidence pack
use the same rule (the same neighbours, test and false discovery rate) and
get the same hot spots. Results are unsuppressed estimator objects; scores
are not counts of people, and pass :mod:`~meam_mapping.pipeline.publish`
before they are shown.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.pipeline.settings import AnalysisSettings
from meam_mapping.pipeline.slices import domain_rates_at

if TYPE_CHECKING:
    import geopandas as gpd

    from meam_mapping.concentrate.hotspots import Hotspots
    from meam_mapping.concentrate.index import CompositeIndex
    from meam_mapping.concentrate.typology import Typology
    from meam_mapping.dataset import Dataset

__all__ = ["domain_rates", "fit_index", "fit_typology", "find_hotspots", "hotspot_rule"]


def domain_rates(dataset: Dataset, settings: AnalysisSettings) -> pd.DataFrame:
    """Per-area domain rates (with 95% limits) at ``settings.level``."""
    if settings.level not in dataset.areas:
        raise InputError(
            f"the data have no {settings.level!r} areas",
            column="level",
            expected="one of " + ", ".join(dataset.levels),
            fix="Choose another level",
        )
    return domain_rates_at(dataset, settings.level, settings.period)


def fit_index(
    rates: pd.DataFrame,
    settings: AnalysisSettings = AnalysisSettings(),  # noqa: B008
    *,
    simulations: int = 200,
) -> CompositeIndex:
    """Fit the composite index once; move the weights later with ``reweight``."""
    from meam_mapping.concentrate.index import CompositeIndex

    columns = [c for c in rates.columns if not c.endswith(("_lower", "_upper"))]
    weights = settings.weights
    if weights is not None:
        weights = {d: w for d, w in weights.items() if d in columns} or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CompositeIndex(
            method=settings.index_method,  # type: ignore[arg-type]
            weights=weights,
            n_simulations=simulations,
            random_state=settings.random_state,
        ).fit(rates)


def fit_typology(
    rates: pd.DataFrame,
    *,
    method: str = "kmeans",
    n_clusters: int | str = "auto",
    random_state: int = 0,
) -> Typology:
    """Group areas with similar domain profiles (seeded)."""
    from meam_mapping.concentrate.typology import Typology

    columns = [c for c in rates.columns if not c.endswith(("_lower", "_upper"))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Typology(method=method, n_clusters=n_clusters, random_state=random_state).fit(  # type: ignore[arg-type]
            rates[columns]
        )


def find_hotspots(
    areas: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    settings: AnalysisSettings = AnalysisSettings(),  # noqa: B008
) -> Hotspots:
    """Hot spots of a score by the settings' one rule (statistic, neighbours, FDR).

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas at the analysis level.
    scores : pandas.DataFrame
        ``area_code, score``.
    """
    from meam_mapping.concentrate.hotspots import Hotspots

    values = pd.Series(
        scores["score"].to_numpy(dtype=float), index=scores["area_code"].astype(str).to_numpy()
    ).dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Hotspots(
            settings.hotspot_statistic,
            weights=settings.hotspot_weights,
            permutations=settings.permutations,
            alpha=settings.alpha,
            random_state=settings.random_state,
        ).fit(areas.loc[areas["area_code"].astype(str).isin(values.index)], values)


def hotspot_rule(settings: AnalysisSettings) -> dict[str, object]:
    """The hot-spot rule in a form for reports and ``analyse`` (weights, test, FDR)."""
    weights = {"knn": "6 nearest neighbours", "queen": "shared borders (queen contiguity)",
               "rook": "shared edges (rook contiguity)"}.get(settings.hotspot_weights,
                                                           settings.hotspot_weights)  # fmt: skip
    return {
        "statistic": settings.hotspot_statistic,
        "weights": weights,
        "permutations": settings.permutations,
        "fdr": settings.alpha,
    }
