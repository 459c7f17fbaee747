"""Area profile: everything published about one area, against its district and the study area."""

from __future__ import annotations

import streamlit as st

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.pipeline.profile import area_choices
from meam_mapping.schema import LEVEL_LABELS
from ui.cache import analysis_cached
from ui.profile import indicator_table, profile_for, show_exports, show_facts, show_trend
from ui.state import current_dataset, kept, policy, remember, settings
from ui.widgets import download_csv, show_problem, show_table
from ui.workspace import current_notes

st.title("Area profile")
st.caption(
    "One area at a glance, for a bid or a briefing: every indicator against its district and the "
    "study area, its estimated people facing multiple disadvantage, its index and hot-spot status, "
    "and your notes. Figures for small numbers stay hidden, as everywhere."
)
dataset = current_dataset()
if dataset.label:
    st.caption(f":material/science: {dataset.label}")

asked = st.query_params.get("area")
levels = list(dataset.levels)
if asked:
    found = [lvl for lvl in levels if asked in set(area_choices(dataset, lvl).index)]
    if found:
        st.session_state["profile_level"] = found[0]
        st.session_state[f"profile_area_{found[0]}"] = asked
    else:
        st.warning(f"There is no area with the code {asked!r} in this data: pick one below.")
c1, c2 = st.columns([1, 2])
default_level = settings().level if settings().level in levels else levels[0]
level = c1.radio("Level of geography", levels, key=kept("profile_level", default_level, levels),
                 format_func=lambda lvl: LEVEL_LABELS.get(lvl, lvl))  # fmt: skip
names = area_choices(dataset, level)
codes = list(names.index)
area = c2.selectbox("Area", codes, key=kept(f"profile_area_{level}", codes[0], codes),
                    format_func=lambda c: f"{names[c]} ({c})" if names[c] != c else c)  # fmt: skip
remember("profile_level", f"profile_area_{level}")
if st.query_params.get("area") != area:
    st.query_params["area"] = area  # the address of this profile, to share

try:
    analysis = analysis_cached(dataset.token, dataset, settings(), policy())
    profile = profile_for(dataset, analysis, area, settings(), policy(), current_notes())
except (InputError, EstimationError) as err:
    show_problem(err)
    st.stop()

st.subheader(profile.area_name)
where = LEVEL_LABELS.get(profile.level, profile.level)
st.caption(
    f"{profile.area_code} · {where}"
    + (f" · in {profile.district_name}" if profile.district_name else "")
)
show_facts(profile)
table = indicator_table(profile)
st.markdown("**Every indicator, against the district and the study area**")
if table.empty:
    st.info("No indicator has a figure for this area.")
else:
    show_table(table, hide_index=True, width="stretch")
    download_csv(table, f"profile-{profile.area_code}", key="profile_csv")
show_trend(dataset, profile, policy())
if profile.notes:
    st.markdown("**Notes on this area**")
    for note in profile.notes:
        st.text(f"• {note}")  # typed by people: shown as plain text
show_exports(profile, dataset.token)
