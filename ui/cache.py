"""Cached pipeline calls: work done once per content, shared safely between sessions.

Every function wraps one :mod:`meam_mapping.pipeline` call in a Streamlit
cache keyed by the dataset's content token (:attr:`Dataset.token`) and the
choices, with the object itself passed unhashed, so two sessions with
different data never share a result and a rerun after a slider move
recomputes only what the slider touches. Nothing here computes a number.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from meam_mapping import pipeline
from meam_mapping.dataset import Dataset, dataset_from_demo
from meam_mapping.demo import build_demo
from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.pipeline import concentration, publish, rates
from meam_mapping.pipeline.settings import AnalysisSettings


@st.cache_resource(show_spinner="Building the synthetic Cambridgeshire demo…")
def demo_dataset() -> Dataset:
    """The demo dataset (deterministic, so one copy serves every session)."""
    return dataset_from_demo(build_demo())


@st.cache_resource(
    show_spinner="Running the analysis (estimates, index, hot spots, focus zones)…", max_entries=8
)
def analysis_cached(
    token: str, _dataset: Dataset, settings: AnalysisSettings, policy: DisclosurePolicy
):
    """:func:`meam_mapping.pipeline.run`, cached by data content, settings and policy."""
    return pipeline.run(_dataset, settings, policy)


@st.cache_resource(show_spinner="Estimating hidden populations…", max_entries=32)
def hidden_cached(token: str, _dataset: Dataset, settings: AnalysisSettings):
    """:func:`meam_mapping.pipeline.hidden_by_area` (unsuppressed: publish before showing)."""
    return pipeline.hidden_by_area(_dataset, settings)


@st.cache_data(show_spinner=False, max_entries=32)
def prevalence_cached(
    token: str,
    _dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str,
    policy: DisclosurePolicy,
    benchmark: str | float,
):
    """:func:`meam_mapping.pipeline.rates.prevalence_by_area`, cached."""
    return rates.prevalence_by_area(_dataset, indicator, period, level, policy, benchmark=benchmark)


@st.cache_data(
    show_spinner="Testing how visible people are in each group of areas…", max_entries=16
)
def visibility_cached(
    token: str,
    _dataset: Dataset,
    indicator: str,
    context: tuple[str, ...],
    level: str,
    policy: DisclosurePolicy,
):
    """:func:`meam_mapping.pipeline.rates.visibility`, cached."""
    return rates.visibility(_dataset, indicator, list(context), level, policy)


@st.cache_data(show_spinner="Adding up counts to the chosen level…", max_entries=16)
def domain_rates_cached(token: str, _dataset: Dataset, settings: AnalysisSettings) -> pd.DataFrame:
    """Per-area domain rates at ``settings.level``, cached by data content."""
    return concentration.domain_rates(_dataset, settings)


@st.cache_resource(show_spinner="Building the composite index…", max_entries=16)
def index_model_cached(token: str, _rates: pd.DataFrame, settings: AnalysisSettings):
    """A fitted composite index, shared so weight sliders only re-weight (fast)."""
    return concentration.fit_index(_rates, settings.replace(index_weights=None))


@st.cache_resource(show_spinner="Grouping similar areas…", max_entries=16)
def typology_cached(
    token: str, _rates: pd.DataFrame, level: str, method: str, n_clusters: int | str
):
    """A fitted typology, cached by data content and choices."""
    return concentration.fit_typology(_rates, method=method, n_clusters=n_clusters)


@st.cache_resource(show_spinner="Testing for hot spots (permutations)…", max_entries=32)
def hotspots_cached(
    token: str, _dataset: Dataset, settings: AnalysisSettings, _scores: pd.DataFrame
):
    """Hot spots of the index for one set of settings (weights included in the key)."""
    return concentration.find_hotspots(_dataset.areas[settings.level], _scores, settings)


@st.cache_data(show_spinner=False, max_entries=16)
def all_levels_cached(
    token: str, _dataset: Dataset, indicator: str, period: str | None
) -> tuple[pd.DataFrame, str]:
    """:func:`meam_mapping.pipeline.slices.indicator_all_levels`, cached.

    The levels offered, the audit and the map's rows all start from it.
    """
    from meam_mapping.pipeline.slices import indicator_all_levels

    return indicator_all_levels(_dataset, indicator, period)


@st.cache_data(show_spinner=False, max_entries=16)
def published_levels_cached(
    token: str, _dataset: Dataset, indicator: str, period: str | None, policy: DisclosurePolicy
) -> pd.DataFrame:
    """:func:`meam_mapping.pipeline.publish.published_levels`, cached: one audit for every level."""
    return publish.published_levels(_dataset, indicator, period, policy,
                                    all_levels=all_levels_cached(token, _dataset, indicator, period))  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=64)
def map_slice_cached(
    token: str,
    _dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str | None,
    policy: DisclosurePolicy,
) -> pd.DataFrame:
    """:func:`meam_mapping.pipeline.publish.map_slice`, cached; another level reuses the audit."""
    all_levels = all_levels_cached(token, _dataset, indicator, period)
    published = published_levels_cached(token, _dataset, indicator, period, policy)
    return publish.map_slice(_dataset, indicator, period, level, policy, published=published,
                             all_levels=all_levels)  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=64)
def comparison_cached(
    token: str,
    _dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str,
    policy: DisclosurePolicy,
    confidence: float,
):
    """:func:`meam_mapping.pipeline.compare.compare_with_study_area`, cached."""
    from meam_mapping.pipeline.compare import compare_with_study_area

    return compare_with_study_area(
        _dataset, indicator, period, level, policy, confidence=confidence
    )


@st.cache_data(show_spinner=False, max_entries=32)
def compare_chart_cached(
    token: str,
    _comparison,  # noqa: ANN001
    indicator: str,
    period: str | None,
    level: str,
    policy: DisclosurePolicy,
    confidence: float,
    title: str,
    label: str | None,
) -> tuple[bytes, str]:
    """The compare-areas chart as PNG bytes and its alt text, cached by the same key."""
    from meam_mapping.export.charts import compare_areas_figure, figure_bytes

    fig = compare_areas_figure(_comparison, title=title, label=label)
    return figure_bytes(fig), fig.meam_alt_text


@st.cache_data(show_spinner="Gathering everything published about this area…", max_entries=64)
def profile_cached(
    token: str,
    _dataset: Dataset,
    _analysis,  # noqa: ANN001
    area_code: str,
    settings: AnalysisSettings,
    policy: DisclosurePolicy,
    _typology,  # noqa: ANN001
    typology_key: str,
    _notes: pd.DataFrame | None,
    notes_key: str,
):
    """:func:`meam_mapping.pipeline.profile.area_profile`, cached by data, area, settings and notes."""
    from meam_mapping.pipeline.profile import area_profile

    return area_profile(_dataset, _analysis, area_code, typology=_typology, notes=_notes)


@st.cache_data(show_spinner="Drawing the one-page profile…", max_entries=32)
def profile_files_cached(token: str, _profile, key: str) -> dict[str, bytes]:  # noqa: ANN001
    """The profile page as PNG and PDF bytes, cached by the profile's cache key."""
    from meam_mapping.export.profile import profile_bytes

    return {"png": profile_bytes(_profile, "png"), "pdf": profile_bytes(_profile, "pdf")}


@st.cache_data(show_spinner=False, max_entries=32)
def change_cached(
    token: str,
    _dataset: Dataset,
    indicator: str,
    before: str,
    after: str,
    level: str,
    policy: DisclosurePolicy,
):
    """:func:`meam_mapping.pipeline.change.change_between`, cached."""
    from meam_mapping.pipeline.change import change_between

    return change_between(_dataset, indicator, before, after, level, policy)


@st.cache_data(show_spinner=False, max_entries=64)
def trend_cached(
    token: str, _dataset: Dataset, area_code: str, level: str, policy: DisclosurePolicy
):
    """:func:`meam_mapping.pipeline.change.area_trend`, cached."""
    from meam_mapping.pipeline.change import area_trend

    return area_trend(_dataset, area_code, level, policy)
