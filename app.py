"""MEAM Mapping: the Streamlit app. Run with ``streamlit run app.py``.

This file only routes between pages and draws the shared sidebar; every
calculation lives in the ``meam_mapping`` library.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.assets import ensure_static_assets
from ui.auth import require_login
from ui.sidebar import render_sidebar
from ui.state import ROUTED
from ui.workspace import autosave_session, recovery_offer

st.set_page_config(
    page_title="MEAM Mapping",
    page_icon=str(Path(__file__).resolve().parent / "ui" / "icon.png"),
    layout="wide",
)
require_login()  # with sign-in switched on, nothing below runs until the visitor has signed in
ensure_static_assets(Path(__file__).resolve().parent / "static")
st.session_state[ROUTED] = True

pages = [
    st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
    st.Page("pages/estimates.py", title="Estimates", icon=":material/functions:"),
    st.Page("pages/profile.py", title="Area profile", icon=":material/person_pin_circle:"),
    st.Page("pages/concentration.py", title="Concentration", icon=":material/scatter_plot:"),
    st.Page("pages/caseload.py", title="Caseload", icon=":material/groups:"),
    st.Page("pages/export.py", title="Export", icon=":material/download:"),
    st.Page("pages/workspace.py", title="Workspace", icon=":material/save:"),
    st.Page("pages/presenter.py", title="Presenter", icon=":material/co_present:"),
]
navigation = st.navigation(pages)
render_sidebar()
recovery_offer()  # offers an earlier autosave, once per session
navigation.run()
autosave_session()  # saves a recovery copy, only when something changed
