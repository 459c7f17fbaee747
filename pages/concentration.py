"""Concentration page: where do the domains pile up, which areas are alike, where are the hot spots?"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec
from meam_mapping.pipeline.display import (
    DECILE_UNIT,
    category_layer,
    hotspot_layer,
    index_table,
    profile_table,
    score_slice,
)
from meam_mapping.schema import DOMAIN_LABELS, LEVEL_LABELS
from ui.cache import domain_rates_cached, hotspots_cached, index_model_cached, typology_cached
from ui.state import current_dataset, kept, policy, remember, settings, update_settings
from ui.widgets import show_problem, show_table

st.title("Concentration")
st.caption(
    "Where do homelessness, substance misuse, mental ill health and justice contact pile up on the same streets? "
    "Move the weights to ask 'what if we weighted justice contact more?'."
)
dataset = current_dataset()
if dataset.label:
    st.caption(f":material/science: {dataset.label}")

levels = [lv for lv in dataset.levels if lv != "lad"] or dataset.levels
default_level = settings().level if settings().level in levels else levels[0]
level = st.radio(
    "Level of geography",
    levels,
    horizontal=True,
    key=kept("conc_level", default_level, levels),
    format_func=lambda lv: LEVEL_LABELS.get(lv, lv),
)
remember("conc_level")
try:
    rates = domain_rates_cached(dataset.token, dataset, update_settings(level=level))
except (InputError, EstimationError) as err:
    show_problem(err)
    st.stop()
domains = [c for c in rates.columns if not c.endswith(("_lower", "_upper"))]
if len(rates) < 3:
    st.warning(
        "There are too few areas at this level to compare. Choose a finer level or load more areas."
    )
    st.stop()


def _index_map(data, *, outlines=None, extra=None):  # noqa: ANN001, ANN202
    """The composite index deciles at this level; ``extra`` layers are shown on top, switchable."""
    layer = MapLayer(
        data,
        title="Composite index decile (10 = most concentrated)",
        unit=DECILE_UNIT,
        label=dataset.label,
        threshold=policy().threshold,
    )
    if extra is None:
        return choropleth(dataset.areas[level], layer, outlines=outlines)
    return choropleth(dataset.areas[level], layer, MapSpec(show_overlays=True), extra_layers=extra)


tab_index, tab_types, tab_hot = st.tabs(["Composite index", "Typologies", "Hot spots"])

with tab_index:
    st.markdown(
        "Each domain's rate is ranked and spread on the exponential scale used by the English Indices of "
        "Deprivation, so a very high rate in one domain is not cancelled by a low rate in another; the "
        "domains are then combined with the weights below (equal by default)."
    )
    method = st.selectbox(
        "How each domain is scaled",
        ["exponential", "zscore", "rank"],
        key=kept("conc_method", "exponential"),
        format_func={
            "exponential": "Exponential of ranks (Indices of Deprivation)",
            "zscore": "z-scores",
            "rank": "Ranks",
        }.get,
    )
    cols = st.columns(len(domains))
    weights = {}
    for col, domain in zip(cols, domains, strict=True):
        weights[domain] = col.slider(
            DOMAIN_LABELS.get(domain, domain),
            0.0,
            3.0,
            step=0.25,
            key=kept(f"conc_w_{domain}", 1.0),
        )
    remember("conc_method", *[f"conc_w_{d}" for d in domains])
    if not any(weights.values()):
        st.warning("At least one weight must be above zero.")
        st.stop()
    chosen = update_settings(index_method=method, index_weights=weights)
    model = index_model_cached(dataset.token, rates, chosen)
    try:
        scores = model.reweight(weights)
    except InputError as err:
        show_problem(err)
        st.stop()
    data = score_slice(
        scores.dropna(subset=["score"]), name="Composite index of multiple disadvantage"
    )
    fmap = _index_map(data, outlines=dataset.areas.get("lad") if level != "lad" else None)
    left, right = st.columns([5, 3])
    with left:
        st_folium(fmap, height=560, use_container_width=True, returned_objects=[], key="conc_map")
    names = dataset.areas[level].set_index("area_code")["area_name"]
    with right:
        st.markdown("**Areas where need is most concentrated**")
        show_table(index_table(scores, names), hide_index=True, width="stretch", height=520)
    st.caption(
        "The index is shown in deciles: 10 is the tenth of areas where need is most concentrated. "
        "Exact scores are not shown or downloadable, because an area's exact place among the others "
        "can tell where a hidden small count lies."
    )
    exact = st.toggle(
        "Show exact scores (not for sharing)",
        key=kept("conc_exact", False),
        help="For your own checking only. Exact scores are never in a download or the evidence pack.",
    )
    remember("conc_exact")
    if exact:
        st.warning(
            "NOT FOR SHARING. Exact scores can reveal where a hidden small count lies. Do not copy them "
            "into reports, slides or messages; they are left out of every download and of the evidence pack."
        )
        exact_scores = scores.dropna(subset=["score"]).sort_values("rank").head(25)
        st.table(
            exact_scores.assign(area=exact_scores["area_code"].map(names))[
                ["rank", "area", "score"]
            ].rename(columns={"rank": "Rank", "area": "Area", "score": "Score (not for sharing)"})
        )
    if model.excluded_ is not None and len(model.excluded_):
        st.caption(
            f"{len(model.excluded_)} areas left out because a domain rate is unknown (suppressed or missing)."
        )
    st.caption(
        "'Domains in the top fifth' counts in how many domains an area is among the highest 20%: "
        "the co-occurrence that defines multiple disadvantage."
    )

with tab_types:
    st.markdown(
        "Areas are grouped by the *shape* of their profile across domains (standardised rates), so each "
        "group can be described in words."
    )
    t1, t2 = st.columns(2)
    t_method = t1.selectbox(
        "Method",
        ["kmeans", "gmm", "ward"],
        key=kept("conc_tmethod", "kmeans"),
        format_func={"kmeans": "k-means", "gmm": "Gaussian mixture", "ward": "Ward"}.get,
    )
    t_k = t2.selectbox(
        "Number of groups",
        ["automatic", 2, 3, 4, 5, 6],
        key=kept("conc_k", "automatic"),
        help="Automatic picks the number with the best silhouette (or BIC for Gaussian mixtures).",
    )
    remember("conc_tmethod", "conc_k")
    try:
        typology = typology_cached(
            dataset.token, rates, level, t_method, "auto" if t_k == "automatic" else int(t_k)
        )
    except (InputError, EstimationError) as err:
        show_problem(err)
    else:
        profiles = typology.profiles_
        show_table(profile_table(profiles), hide_index=True, width="stretch")
        labels = typology.labels_.map(
            lambda c: f"Group {c}: " + profiles.set_index("cluster").loc[c, "description"]
        )
        layer = category_layer(dataset.areas[level], labels)
        tmap = _index_map(data, extra={"Typology groups": layer})
        c1, c2 = st.columns([3, 2])
        with c1:
            st_folium(
                tmap, height=480, use_container_width=True, returned_objects=[], key="type_map"
            )
        with c2:
            st.pyplot(typology.profile_figure(), width="stretch")
        st.caption(
            "How many groups was chosen: "
            + ", ".join(
                f"{int(r.n_clusters)}: {r.score:.2f}" for r in typology.selection_.itertuples()
            )
            + " (score used: "
            + str(typology.selection_["criterion"].iloc[0])
            + ")"
        )

with tab_hot:
    h1, h2 = st.columns(2)
    statistic = h1.selectbox(
        "Statistic",
        ["gi_star", "local_moran"],
        key=kept("conc_stat", settings().hotspot_statistic),
        format_func={
            "gi_star": "Getis-Ord Gi* (hot and cold spots)",
            "local_moran": "Local Moran's I (clusters and outliers)",
        }.get,
    )
    permutations = h2.selectbox(
        "Permutations",
        [999, 9999],
        key=kept("conc_perm", settings().permutations),
        help="More permutations give finer p-values (needed with few areas).",
    )
    remember("conc_stat", "conc_perm")
    try:
        chosen = update_settings(hotspot_statistic=statistic, permutations=int(permutations))
        spots = hotspots_cached(dataset.token, dataset, chosen, scores.dropna(subset=["score"]))
    except (InputError, EstimationError) as err:
        show_problem(err)
    else:
        result = spots.result_
        st.info(spots.explain())
        for warning in spots.warnings_:
            st.warning(warning)
        layer = hotspot_layer(dataset.areas[level], result)
        hmap = _index_map(data, extra={"Significant areas": layer})
        st_folium(hmap, height=520, use_container_width=True, returned_objects=[], key="hot_map")
        counts = result["category"].value_counts()
        st.caption(" · ".join(f"{k}: {v}" for k, v in counts.items()))
        st.caption(
            "Each significant area says how sure the test is (e.g. 'Hot spot, 99% confidence'); "
            "exact z-scores and p-values are not shown, as they can be turned back into an area's score."
        )
