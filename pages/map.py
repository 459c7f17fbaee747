"""Map page: where is the indicator high? Choose level, indicator and classes."""

from __future__ import annotations

import streamlit as st

from meam_mapping.mapping import MapRequest, not_drawn
from meam_mapping.maps.classify import SCHEMES
from meam_mapping.maps.style import PALETTES
from meam_mapping.pipeline.compare import CONFIDENCE_LEVELS
from meam_mapping.schema import LEVEL_LABELS, LEVEL_WORDS
from ui.labels import scheme_help, scheme_label
from ui.maps import (
    cached_levels,
    cached_missing_levels,
    show_change_map,
    show_compare_chart,
    show_map,
)
from ui.state import current_dataset, kept, policy, remember
from ui.widgets import indicator_picker, periods_of

MODES = ["Value", "Compared with the benchmark", "Change over time"]

st.title("Map")
st.caption(
    "Where do the numbers concentrate? Pick an indicator and a level of geography. "
    "Rates are recomputed from summed counts and populations at every level (never averaged). "
    "Areas with small counts are hidden to protect people's privacy."
)
dataset = current_dataset()
if dataset.label and not st.session_state.get("start_here_closed"):
    with st.container(border=True):
        st.markdown(
            "**Start here.** You are looking at **synthetic demonstration data** on real Cambridgeshire "
            "boundaries. To use your own: **1** load boundaries and tables on the *Data* page; **2** see how "
            "many people face multiple disadvantage, including those no service sees, on *Estimates*; "
            "**3** find where it concentrates on *Concentration* and size a first caseload on *Caseload*; "
            "**4** share safe maps and the evidence pack from *Export*."
        )
        if st.button("Got it", key="start_here_close"):
            st.session_state["start_here_closed"] = True
            st.rerun()


@st.fragment
def _map_section() -> None:
    """Controls, map and table: a widget change here reruns only this part of the page."""
    with st.container(border=True):
        c1, c2, c3 = st.columns([1.2, 2.2, 1])
        with c2:
            indicator, period = indicator_picker(dataset, key_prefix="map")
        with c1:
            levels = cached_levels(dataset, indicator, period) or dataset.levels
            default_level = "msoa" if "msoa" in levels else levels[0]
            st.radio(
                "Level of geography",
                levels,
                key=kept("map_level", default_level, levels),
                format_func=lambda level: LEVEL_LABELS.get(level, level),
                help="Smaller areas show more detail but more of them are hidden because counts are small. "
                "Only the levels this indicator has are offered: figures without counts (scores, ranks) "
                "cannot be added up to larger areas.",
            )
            for missing, why in cached_missing_levels(dataset, indicator, period).items():
                word = LEVEL_WORDS.get(missing, missing)
                st.caption(f"**{word[:1].upper()}{word[1:]}s are not offered.** {why}.")
            if caveat := not_drawn(dataset, st.session_state["map_level"]):
                st.caption(caveat)
        with c3:
            st.radio(
                "Colour areas by",
                MODES,
                key=kept("map_mode", MODES[0], MODES),
                help="Their value in classes; whether each area is better, similar or worse than "
                "the study area as a whole (Fingertips style: only when its confidence interval "
                "lies wholly on one side); or how its rate changed since an earlier period "
                "(needs two or more periods).",
            )
            comparing = st.session_state["map_mode"] == MODES[1]
            changing = st.session_state["map_mode"] == MODES[2]
            periods = periods_of(dataset, indicator)
            if changing and len(periods) < 2:
                st.caption("Change over time needs two or more periods of this indicator.")
                changing = False
            if changing:
                earlier = [p for p in periods if p != period]
                st.selectbox(
                    "Compared with",
                    earlier,
                    index=len(earlier) - 1,
                    key=f"map_before_{indicator}",
                    help="The earlier period: each area's rate now is divided by its rate then.",
                )
            elif comparing:
                st.radio(
                    "Confidence",
                    list(CONFIDENCE_LEVELS),
                    key=kept("map_confidence", 0.95, list(CONFIDENCE_LEVELS)),
                    format_func=CONFIDENCE_LEVELS.get,
                    horizontal=True,
                    help="95% is Fingertips' usual level; 99.8% marks only the clearest differences.",
                )
            if not comparing and not changing:
                schemes = list(SCHEMES)
                st.selectbox(
                    "Classes",
                    schemes,
                    key=kept("map_scheme", "quantiles", schemes),
                    format_func=scheme_label,
                    help="How values are grouped into colours.  \n" + scheme_help(),
                )
                st.slider("Number of colours", 3, 7, key=kept("map_k", 5))
        breaks_text = ""
        if not comparing and not changing and st.session_state.get("map_scheme") == "user_defined":
            breaks_text = st.text_input(
                "Your class breaks (upper bounds, separated by commas)",
                key=kept("map_breaks", ""),
                placeholder="e.g. 2, 4, 8",
            )
            if not breaks_text.strip():
                st.info(
                    "Type the upper bound of each class, e.g. 2, 4, 8; until then the map uses quantiles."
                )

    with st.expander("More map options"):
        o1, o2, o3 = st.columns(3)
        palettes = ["automatic", *PALETTES]
        o1.selectbox(
            "Colours",
            palettes,
            key=kept("map_palette", "automatic", palettes),
            help="Automatic picks a one-sided scale for counts and rates and a two-sided one for signed values.",
        )
        o2.checkbox("Show district outlines", key=kept("map_outlines", True))
        o3.checkbox(
            "Show a street map underneath (needs internet)",
            key=kept("map_tiles", False),
            help="Off by default: the map works with no internet, and nothing is sent to a tile server.",
        )
    remember(
        "map_level", "map_scheme", "map_k", "map_palette", "map_outlines", "map_tiles", "map_breaks",
        "map_mode", "map_confidence",
    )  # fmt: skip

    request = MapRequest(
        indicator=indicator,
        period=period,
        level=st.session_state["map_level"],
        scheme=st.session_state.get("map_scheme", "quantiles")
        if st.session_state.get("map_scheme") != "user_defined" or breaks_text.strip()
        else "quantiles",
        k=st.session_state.get("map_k", 5),
        breaks_text=breaks_text,
        palette=None
        if st.session_state["map_palette"] == "automatic"
        else st.session_state["map_palette"],
        outlines=st.session_state["map_outlines"],
        tiles=st.session_state["map_tiles"],
        benchmark_confidence=st.session_state["map_confidence"] if comparing else None,
    )
    if changing:
        show_change_map(dataset, request, policy(), st.session_state[f"map_before_{indicator}"],
                        key="main_change")  # fmt: skip
        return
    shown = show_map(dataset, request, policy(), key="main_map")
    if shown is not None and shown[1] is not None:
        show_compare_chart(dataset, request, policy(), shown[1], shown[0], key="main_compare")


_map_section()
