"""Caseload page: a realistic first caseload, the coordinators it needs, and where it would come from."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec
from meam_mapping.pipeline.display import category_layer, score_slice
from meam_mapping.pipeline.zones import caseload_plan
from ui.cache import analysis_cached
from ui.state import current_dataset, kept, policy, remember, settings, update_settings
from ui.widgets import show_headline, show_problem, show_table

st.title("Caseload")
st.caption(
    'MEAM guidance: "A small number of the right people is better than a bigger group", with intensive support '
    "at no more than one coordinator per ten clients (many partnerships find 1:8 better). This page turns the "
    "estimates into a first caseload, a team size, and the focus zones it would come from."
)
dataset = current_dataset()
if dataset.label:
    st.caption(f":material/science: {dataset.label}")

with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    ratio = c1.radio(
        "People per coordinator",
        [8, 10],
        horizontal=True,
        key=kept("case_ratio", 8),
        format_func=lambda r: f"1:{r}",
    )
    reach = c2.slider(
        "Share of the estimated people to reach in year one (%)",
        1,
        50,
        step=1,
        key=kept("case_reach_pct", 5),
        format="%d%%",
    )
    fixed = c3.number_input(
        "…or a fixed first caseload (people, 0 = use the share)",
        min_value=0,
        max_value=5000,
        step=5,
        key=kept("case_fixed", 0),
    )
    floor = st.slider(
        "Smallest focus zone (estimated people in each zone)",
        10,
        200,
        step=10,
        key=kept("case_floor", int(settings().zone_floor)),
        help="Focus zones are groups of neighbouring areas, each holding at least this many people.",
    )
remember("case_ratio", "case_reach_pct", "case_fixed", "case_floor")

chosen = update_settings(zone_floor=float(floor))
results = analysis_cached(dataset.token, dataset, chosen, policy())
show_headline(results.published_headline())
for part, reason in results.unavailable.items():
    if part in ("hidden", "zones", "caseload"):
        st.warning(f"{part.capitalize()}: {reason}")

if results.zones is None or results.zones.empty:
    st.info(
        "Focus zones need estimates per area: an overlap table and a count of people known to services."
    )
    st.stop()

try:
    plan = caseload_plan(
        results.zones,
        results.published_headline(),
        coordinator_ratio=int(ratio),
        reach_share=float(reach) / 100,
        caseload_size=int(fixed) if fixed else None,
    )
except (InputError, EstimationError) as err:
    show_problem(err)
    st.stop()

m1, m2, m3 = st.columns(3)
m1.metric(
    "First caseload (people)",
    f"{plan.people_to_reach:,}",
    help="Estimated people to work with in year one.",
)
m1.caption(
    f"from the 95% interval of the estimate: {plan.people_to_reach_lower:,} to {plan.people_to_reach_upper:,}"
)
m2.metric(
    "Coordinators needed",
    f"{plan.coordinators:,}",
    help=f"At 1:{plan.coordinator_ratio}, rounded up.",
)
m2.caption(
    f"from the 95% interval of the estimate: {plan.coordinators_lower:,} to {plan.coordinators_upper:,}"
)
m3.metric("Share of estimated need covered", f"{100 * plan.share_of_need_covered:.0f}%")
m3.caption(
    f"of about {plan.estimate:,.0f} people (95% interval {plan.lower:,.0f} to {plan.upper:,.0f})"
)

st.markdown("**Text for the workshop minutes**")
st.code(plan.minutes_text(), language=None, wrap_lines=True)
with st.expander("Assumptions behind these numbers"):
    for sentence in plan.assumptions:
        st.markdown(f"- {sentence}")
    for warning in plan.warnings:
        st.warning(warning)

st.subheader("Focus zones")
st.caption(
    "Contiguous groups of neighbouring areas, each with at least the chosen number of estimated people, "
    "ranked by estimated people per 1,000 adults: candidate patches for coordinators."
)
left, right = st.columns([3, 2])
with left:
    level_areas = results.areas
    if results.scores is None:
        st.info(
            "The composite index could not be made, so the zones are shown without it: "
            + results.unavailable.get("index", "")
        )
        st.stop()
    data = score_slice(results.scores.dropna(subset=["score"]), name="Composite index")
    labels = (
        results.zone_assignment.dropna(subset=["zone"])
        .set_index("area_code")["zone"]
        .map(lambda z: f"Zone {int(z)}")
    )
    chosen = (
        set(plan.first_caseload["zone"].astype(str)) if "zone" in plan.first_caseload else set()
    )
    layer = category_layer(level_areas, labels, keep=sorted(chosen) or None)
    fmap = choropleth(
        level_areas,
        MapLayer(
            data,
            title="Composite index, with the zones of the first caseload",
            unit="index score",
            label=dataset.label,
            threshold=policy().threshold,
        ),
        MapSpec(show_overlays=True),
        extra_layers={"First-caseload zones": layer},
    )
    st_folium(fmap, height=500, use_container_width=True, returned_objects=[], key="zone_map")
with right:
    table = results.tables.get("focus_zones")
    if table is not None:
        show_table(table, hide_index=True, width="stretch", height=480)
