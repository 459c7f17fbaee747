"""The area profile on screen: picker, key facts, indicator table and exports."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from meam_mapping.dataset import Dataset
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.export.profile import profile_facts
from meam_mapping.pipeline.profile import AreaProfile
from ui.cache import (
    domain_rates_cached,
    profile_cached,
    profile_files_cached,
    trend_cached,
    typology_cached,
)
from ui.widgets import show_table

__all__ = [
    "indicator_table",
    "open_profile",
    "show_trend",
    "profile_for",
    "show_exports",
    "show_facts",
    "typology_labels",
]


def typology_labels(dataset: Dataset, settings) -> pd.Series | None:  # noqa: ANN001
    """Typology group per area at the analysis level (k-means, groups chosen automatically)."""
    try:
        rates = domain_rates_cached(dataset.token, dataset, settings)
        typology = typology_cached(dataset.token, rates, settings.level, "kmeans", "auto")
    except (InputError, EstimationError):
        return None
    described = typology.profiles_.set_index("cluster")["description"]
    return typology.labels_.map(lambda c: f"Group {c}: {described.get(c, '')}")


def _key(frame: pd.DataFrame | pd.Series | None) -> str:
    if frame is None or not len(frame):
        return ""
    return hashlib.sha1(
        pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    ).hexdigest()


def profile_for(dataset: Dataset, analysis, area_code: str, settings, policy, notes) -> AreaProfile:  # noqa: ANN001
    """The cached profile of one area."""
    typology = typology_labels(dataset, settings)
    return profile_cached(
        dataset.token, dataset, analysis, area_code, settings, policy, typology, _key(typology),
        notes, _key(notes),
    )  # fmt: skip


def show_facts(profile: AreaProfile) -> None:
    """Key facts: people facing multiple disadvantage, index, hot spot, typology."""
    cols = st.columns(3)
    people = profile.people
    with cols[0]:
        if people is not None:
            st.metric(
                "Estimated people facing multiple disadvantage",
                f"{people['estimated_people']:,.0f}",
            )
            st.caption(
                f"95% interval {people['lower']:,.0f} to {people['upper']:,.0f} ({people['source']})"
            )
        else:
            st.metric("Estimated people facing multiple disadvantage", "–")
            st.caption("Not available: " + profile.unavailable.get("people", ""))
    with cols[1]:
        index = profile.index
        decile = index.get("decile") if index else None
        st.metric("Composite index decile", "–" if decile is None else f"{decile} of 10",
                  help="10 = the tenth of areas with the highest index score.")  # fmt: skip
        st.caption(
            ("; ".join(x for x in (index.get("rank_range"), index.get("shown")) if x) or " ")
            if index else "Not available: " + profile.unavailable.get("index", "")
        )  # fmt: skip
    with cols[2]:
        st.metric("Hot spot", profile.hotspot or "–")
        st.caption(profile.typology or profile.unavailable.get("hotspot", ""))


def indicator_table(profile: AreaProfile) -> pd.DataFrame:
    """Every indicator for the area as a table for people (numbers stay numbers)."""
    t = profile.indicators
    if t.empty:
        return pd.DataFrame()
    district = f"District ({profile.district_name})" if profile.district_name else "District"
    return pd.DataFrame({
        "Indicator": t["indicator_name"], "Unit": t["unit"], "Period": t["period"],
        "Count": pd.array(t["count"].round(), dtype="Int64"),
        "Area": t["value"].round(1), "95% lower": t["lower"].round(1), "95% upper": t["upper"].round(1),
        "Compared with the study area (95%)": t["category"], district: t["district_value"].round(1),
        "Study area": t["study_value"].round(1), "Note": t["note"],
    })  # fmt: skip


def show_exports(profile: AreaProfile, token: str) -> None:
    """The one-page profile as an image with PNG and PDF downloads."""
    content = repr((profile_facts(profile), profile.notes, profile.label, profile.dataset_name))
    key = _key(profile.indicators.astype(str)) + hashlib.sha1(content.encode()).hexdigest()
    files = profile_files_cached(token, profile, key)
    name = f"profile-{profile.area_code}".replace(" ", "-")
    c1, c2 = st.columns(2)
    c1.download_button("Download the one-page profile (PNG)", files["png"], file_name=f"{name}.png",
                       mime="image/png", icon=":material/download:", key="profile_png")  # fmt: skip
    c2.download_button("Download the one-page profile (PDF)", files["pdf"], file_name=f"{name}.pdf",
                       mime="application/pdf", icon=":material/download:", key="profile_pdf")  # fmt: skip
    alt = "; ".join(f"{h}: {t}" for h, t in profile_facts(profile))
    with st.expander("Preview the one-page profile"):
        st.image(
            files["png"], alt=f"One-page profile of {profile.area_name}. {alt}", width="stretch"
        )


def open_profile(level: str, area_code: str) -> None:
    """Go to the Area profile page showing ``area_code`` (a ``level`` area)."""
    from ui.state import _KEPT

    store = st.session_state.setdefault(_KEPT, {})
    store["profile_level"] = level
    store[f"profile_area_{level}"] = area_code
    for key in ("profile_level", f"profile_area_{level}"):
        st.session_state.pop(key, None)
    st.switch_page("pages/profile.py")


def show_trend(dataset: Dataset, profile: AreaProfile, policy) -> None:  # noqa: ANN001
    """The area's rate in each period, with the change from the one before (two or more periods)."""
    trend = trend_cached(dataset.token, dataset, profile.area_code, profile.level, policy)
    if trend.empty:
        return
    st.markdown("**Over time**")
    show_table(
        pd.DataFrame({
            "Indicator": trend["indicator_name"], "Period": trend["period"],
            "Count": pd.array(trend["count"].round(), dtype="Int64"), "Rate": trend["value"].round(1),
            "Change from the period before (rate ratio, 95% interval)": trend["change"],
        }),
        hide_index=True, width="stretch",
    )  # fmt: skip
