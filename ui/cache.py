"""Cached loaders: work done once per content, shared safely between sessions.

Cached functions take a content token (:attr:`Dataset.token`) as their key and
the object itself as an unhashed argument, so two sessions with different data
never share a result and a rerun after a slider move recomputes only what the
slider touches.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from meam_mapping.concentration import find_hotspots_on, fit_index, fit_typology, level_domain_rates
from meam_mapping.dataset import Dataset, dataset_from_demo
from meam_mapping.demo import build_demo
from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.views import hidden_view, prevalence_view, visibility_view


@st.cache_resource(show_spinner="Building the synthetic Cambridgeshire demo…")
def demo_dataset() -> Dataset:
    """The demo dataset (deterministic, so one copy serves every session)."""
    return dataset_from_demo(build_demo())


@st.cache_data(show_spinner="Estimating hidden populations…", max_entries=32)
def hidden_view_cached(
    token: str,
    _dataset: Dataset,
    lists: tuple[str, ...],
    by: str | None,
    interactions: str | None,
    select: str | None,
    policy: DisclosurePolicy,
):
    """:func:`meam_mapping.views.hidden_view`, cached by data content and choices."""
    return hidden_view(
        _dataset, list(lists), by=by, interactions=interactions, select=select, policy=policy
    )


@st.cache_data(show_spinner=False, max_entries=32)
def prevalence_view_cached(
    token: str,
    _dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str,
    policy: DisclosurePolicy,
    benchmark: str | float,
):
    """:func:`meam_mapping.views.prevalence_view`, cached by data content and choices."""
    return prevalence_view(_dataset, indicator, period, level, policy, benchmark=benchmark)


@st.cache_data(show_spinner="Comparing areas with their peers…", max_entries=16)
def visibility_view_cached(
    token: str,
    _dataset: Dataset,
    indicator: str,
    context: tuple[str, ...],
    level: str,
    policy: DisclosurePolicy,
):
    """:func:`meam_mapping.views.visibility_view`, cached by data content and choices."""
    return visibility_view(_dataset, indicator, list(context), level, policy)


@st.cache_data(show_spinner="Adding up counts to the chosen level…", max_entries=16)
def domain_rates_cached(token: str, _dataset: Dataset, level: str) -> pd.DataFrame:
    """Per-area domain rates at ``level``, cached by data content."""
    return level_domain_rates(_dataset, level)


@st.cache_resource(show_spinner="Building the composite index…", max_entries=16)
def index_model_cached(token: str, _rates: pd.DataFrame, level: str, method: str):
    """A fitted composite index, shared so weight sliders only re-weight (fast)."""
    return fit_index(_rates, method=method)


@st.cache_resource(show_spinner="Grouping similar areas…", max_entries=16)
def typology_cached(token: str, _rates: pd.DataFrame, level: str, method: str, n_clusters: int | str):
    """A fitted typology, cached by data content and choices."""
    return fit_typology(_rates, method=method, n_clusters=n_clusters)


@st.cache_resource(show_spinner="Testing for hot spots (permutations)…", max_entries=32)
def hotspots_cached(token: str, _dataset: Dataset, level: str, weights_key: tuple, method: str, statistic: str,
                    permutations: int, _scores: pd.DataFrame):
    """Hot spots of the index for one set of weights, cached by data content and choices."""
    return find_hotspots_on(_dataset.areas[level], _scores, statistic=statistic, permutations=permutations)


@st.cache_resource(show_spinner="Running the analysis (estimates, index, hot spots, focus zones)…", max_entries=8)
def analysis_cached(token: str, _dataset: Dataset, settings, policy: DisclosurePolicy):
    """:func:`meam_mapping.analysis.run_analysis`, cached by data content and settings."""
    from meam_mapping.analysis import run_analysis

    return run_analysis(_dataset, policy=policy, settings=settings)
