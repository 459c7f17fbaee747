"""Cached loaders: work done once per content, shared safely between sessions.

Cached functions take a content token (:attr:`Dataset.token`) as their key and
the object itself as an unhashed argument, so two sessions with different data
never share a result and a rerun after a slider move recomputes only what the
slider touches.
"""

from __future__ import annotations

import streamlit as st

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
