"""Presenter view: a clean full-width map for a projector, four workshop questions.

The view is written into the address (``?indicator=...&level=...&step=...&palette=...``)
so a copied link reopens the same view.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit_folium import st_folium

from meam_mapping.disclosure import describe_hidden
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.mapping import MapRequest, interactive_map
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec
from meam_mapping.maps.style import PALETTES
from meam_mapping.pipeline.display import display_table
from meam_mapping.pipeline.scenarios import Scenario, index_map_data
from meam_mapping.schema import LEVEL_LABELS
from ui.cache import analysis_cached
from ui.maps import cached_slice
from ui.state import current_dataset, policy, settings
from ui.widgets import show_problem, show_table
from ui.workspace import cached_scenario_index, saved_scenarios

st.set_page_config(layout="wide", initial_sidebar_state="collapsed")

STEPS = ("How many?", "Where?", "Who is hidden?", "Where to focus?")
PALETTE_OPTIONS = ["automatic", *PALETTES]
KEYS = {
    "indicator": "pres_indicator",
    "level": "pres_level",
    "palette": "pres_palette",
    "contrast": "pres_contrast",
}

st.markdown(
    """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stSidebarNav"], [data-testid="collapsedControl"],
[data-testid="stExpandSidebarButton"] {display: none !important;}
.block-container {padding-top: 1.2rem; padding-left: 2rem; padding-right: 2rem; max-width: 100% !important;}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {font-size: 1.45rem; line-height: 1.45;}
[data-testid="stWidgetLabel"] p {font-size: 1.15rem !important;}
h1 {font-size: 2.9rem !important;}
h2 {font-size: 2.2rem !important;}
[data-testid="stMetricValue"] {font-size: 3.2rem !important;}
[data-testid="stMetricLabel"] p {font-size: 1.3rem !important;}
button p {font-size: 1.2rem !important;}
</style>
""",
    unsafe_allow_html=True,
)

dataset = current_dataset()
catalogue = dataset.catalogue()
indicators = catalogue["indicator"].tolist()
names = dict(zip(catalogue["indicator"], catalogue["indicator_name"], strict=True))
levels = dataset.levels


# ----------------------------------------------------------- view from the URL
def _from_url() -> list[str]:
    """Set the view from the address; returns what could not be used."""
    params = st.query_params
    ignored = []
    wanted = {
        "indicator": (params.get("indicator"), indicators),
        "level": (params.get("level"), levels),
        "palette": (params.get("palette"), PALETTE_OPTIONS),
    }
    for name, (value, options) in wanted.items():
        if value is None:
            continue
        if value in options:
            st.session_state[KEYS[name]] = value
        else:
            ignored.append(f"{name}={value}")
    step = params.get("step")
    if step is not None:
        if step.isdigit() and 1 <= int(step) <= len(STEPS):
            st.session_state["pres_step"] = int(step)
        else:
            ignored.append(f"step={step}")
    if params.get("contrast") is not None:
        st.session_state[KEYS["contrast"]] = params.get("contrast") in ("1", "true", "yes")
    return ignored


current_url = dict(st.query_params.to_dict())
if st.session_state.get("_pres_url") != current_url:
    ignored = _from_url()
    if ignored:
        st.warning(
            "Parts of the link were not understood and were left out: " + ", ".join(ignored),
            icon=":material/link_off:",
        )
st.session_state.setdefault("pres_step", 1)
st.session_state.setdefault(
    KEYS["indicator"], st.session_state.get("_kept_choices", {}).get("map_indicator", indicators[0])
)
if st.session_state[KEYS["indicator"]] not in indicators:
    st.session_state[KEYS["indicator"]] = indicators[0]
st.session_state.setdefault(KEYS["level"], "msoa" if "msoa" in levels else levels[0])
st.session_state.setdefault(KEYS["palette"], "automatic")
st.session_state.setdefault(KEYS["contrast"], False)


def _move(by: int) -> None:
    st.session_state["pres_step"] = min(max(st.session_state["pres_step"] + by, 1), len(STEPS))


# --------------------------------------------------------------------- controls
step = st.session_state["pres_step"]
head, nav = st.columns([5, 2], vertical_alignment="bottom")
head.title(f"{step}. {STEPS[step - 1]}")
with nav:
    b1, b2 = st.columns(2)
    b1.button(
        "◀ Back",
        on_click=_move,
        args=(-1,),
        disabled=step == 1,
        width="stretch",
        key="pres_back",
    )
    b2.button(
        "Next ▶",
        on_click=_move,
        args=(1,),
        disabled=step == len(STEPS),
        width="stretch",
        key="pres_next",
        type="primary",
    )
st.progress(
    step / len(STEPS),
    text=" → ".join(f"**{s}**" if i + 1 == step else s for i, s in enumerate(STEPS)),
)
with st.expander("View settings", expanded=False, icon=":material/tune:"):
    c1, c2, c3, c4 = st.columns([3, 2, 2, 1.4])
    c1.selectbox("Indicator", indicators, key=KEYS["indicator"], format_func=lambda i: names[i])
    c2.selectbox(
        "Level of geography",
        levels,
        key=KEYS["level"],
        format_func=lambda lv: LEVEL_LABELS.get(lv, lv),
    )
    c3.selectbox(
        "Colours",
        PALETTE_OPTIONS,
        key=KEYS["palette"],
        format_func=lambda p: "automatic" if p == "automatic" else f"{p}: {PALETTES[p][4]}",
        help="Every palette offered is colour-blind safe.",
    )
    c4.toggle("High contrast", key=KEYS["contrast"])

view = {
    "indicator": st.session_state[KEYS["indicator"]],
    "level": st.session_state[KEYS["level"]],
    "step": str(step),
    "palette": st.session_state[KEYS["palette"]],
}
if st.session_state[KEYS["contrast"]]:
    view["contrast"] = "1"
if dict(st.query_params.to_dict()) != view:
    st.query_params.from_dict(view)
st.session_state["_pres_url"] = view
palette = None if view["palette"] == "automatic" else view["palette"]
contrast = bool(st.session_state[KEYS["contrast"]])
request = MapRequest(
    indicator=view["indicator"], level=view["level"], palette=palette, high_contrast=contrast
)
label = f":material/science: {dataset.label}" if dataset.label else ""


def draw(request: MapRequest, key: str) -> None:
    """The full-width map and, for screen readers and keyboards, its table."""
    try:
        data = cached_slice(dataset, request, policy())
        fmap = interactive_map(dataset, request, policy(), data=data)
    except (InputError, EstimationError) as err:
        show_problem(err)
        return
    st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key=key)
    if label:
        st.caption(label)
    with st.expander("Table view of this map", icon=":material/table:"):
        show_table(display_table(data, policy().threshold), hide_index=True, width="stretch")


analysis = analysis_cached(dataset.token, dataset, settings(), policy())
hidden = analysis.published_headline()
if step == 1:
    coarse = "lad" if "lad" in levels else view["level"]
    try:
        totals = cached_slice(
            dataset, MapRequest(indicator=view["indicator"], level=coarse), policy()
        )
    except (InputError, EstimationError) as err:
        show_problem(err)
        totals = None
    m1, m2, m3 = st.columns(3)
    if totals is not None and totals["count"].notna().any():
        shown = totals["count"].sum()
        some_hidden = bool(totals["suppressed"].any())
        m1.metric(
            f"{names[view['indicator']]}", f"{'at least ' if some_hidden else ''}{shown:,.0f}"
        )
    if hidden and hidden.get("n_hat") is not None:
        m2.metric("People seen by at least one service (matched lists)", f"{hidden['observed']:,}")
        m3.metric(
            "Estimated in total, including hidden",
            f"{hidden['n_hat']:,}",
            help=f"95% interval {hidden['ci_low']:,} to {hidden['ci_high']:,} ({hidden['method']})",
        )
        m3.caption(f"95% interval {hidden['ci_low']:,} to {hidden['ci_high']:,}")
    draw(
        MapRequest(
            indicator=view["indicator"], level=coarse, palette=palette, high_contrast=contrast
        ),
        "pres_map_1",
    )
elif step == 2:
    st.markdown(f"Where is **{names[view['indicator']]}** highest? Darker areas have higher rates.")
    draw(request, "pres_map_2")
elif step == 3:
    if hidden and hidden.get("n_hat") is not None:
        st.markdown(
            f"Services know **{hidden['observed']:,}** people. Matching their lists suggests about "
            f"**{hidden['hidden']:,}** more are known to none of them "
            f"(95% interval {hidden['ci_low'] - hidden['observed']:,} to {hidden['ci_high'] - hidden['observed']:,})."
        )
    elif "hidden" in analysis.unavailable:
        st.markdown(
            f"A hidden-population estimate cannot be made: {analysis.unavailable['hidden']}"
        )
    try:
        data = cached_slice(dataset, request, policy())
        hidden = data["suppressed"].astype(bool)
        why = data.loc[hidden, "suppression"] if "suppression" in data else [""] * int(hidden.sum())
        st.markdown(
            f"On the map, **{int(hidden.sum())} of {len(data)}** areas are hatched grey and "
            f"their numbers not shown: {describe_hidden(why, policy().threshold)}."
            if hidden.any()
            else f"On the map, every one of the {len(data)} areas shows its number."
        )
    except (InputError, EstimationError) as err:
        show_problem(err)
    draw(request, "pres_map_3")
else:
    matching = [s for s in saved_scenarios().values() if (s.level or levels[0]) == view["level"]]
    scenario = matching[-1] if matching else Scenario("Equal weights", level=view["level"])
    st.markdown(
        f"Where do the four domains concentrate together? Composite index, scenario "
        f"**{scenario.name}**; the top {scenario.top_n} areas are outlined."
    )
    try:
        scores = cached_scenario_index(dataset, scenario)
        data = index_map_data(scores, scenario.top_n)
        areas = dataset.areas[view["level"]]
        top = areas.merge(data.loc[data["top"] != "", ["area_code", "top"]], on="area_code")
        fmap = choropleth(
            areas,
            MapLayer(
                data,
                title=f"Composite index ({scenario.name})",
                unit="score (higher = more concentrated)",
                label=dataset.label,
            ),
            MapSpec(palette=palette, high_contrast=contrast, show_overlays=True),
            extra_layers={f"Top {scenario.top_n}": top.rename(columns={"top": "category"})},
        )
        st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key="pres_map_4")
        table = scores.head(scenario.top_n)[["rank", "area_name", "area_code", "score"]]
        show_table(
            table.rename(
                columns={"rank": "Rank", "area_name": "Area", "area_code": "Code", "score": "Score"}
            ),
            hide_index=True,
            width="stretch",
        )
    except (InputError, EstimationError) as err:
        show_problem(err)

st.markdown("[:material/logout: Leave the presenter view (back to the app)](./)")
st.caption("Link to this view (copy it to reopen exactly this screen):")
base = (st.context.url or "").split("?")[0]
st.code(f"{base}?{urlencode(view)}", language=None)
