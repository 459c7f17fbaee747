"""Session state: the current dataset and choices that survive page changes.

Streamlit forgets a widget's value when a page without that widget runs. The
helpers here keep each choice in a plain session key, so moving from the Map
page to the Data page and back shows the same map.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DisclosurePolicy
from ui.cache import demo_dataset

DATASET = "dataset"
POLICY = "disclosure_policy"
#: Set by app.py on every run, so pages know the router is in charge.
ROUTED = "_routed_by_app"
_KEPT = "_kept_choices"


def _use_the_router() -> None:
    """Make a deep link (``/estimates``) go through ``app.py``'s router.

    Streamlit starts each server process in its old multipage mode when a
    ``pages/`` folder exists, until some session calls ``st.navigation``. If the
    very first visitor opens a page's address directly, that page would run
    without ``app.py`` (no sidebar, no offline assets). Switching the mode off
    and rerunning sends the request through the router instead.
    """
    if st.session_state.get(ROUTED):
        return
    st.session_state[ROUTED] = True  # at most one extra run per session
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def current_dataset() -> Dataset:
    """The dataset this session works on (the demo until the user loads data)."""
    _use_the_router()
    if DATASET not in st.session_state:
        st.session_state[DATASET] = demo_dataset()
    return st.session_state[DATASET]


def set_dataset(dataset: Dataset) -> None:
    """Make ``dataset`` the current one (the previous one is kept for undo)."""
    if DATASET in st.session_state:
        st.session_state["previous_dataset"] = st.session_state[DATASET]
    st.session_state[DATASET] = dataset
    # Choices that named indicators of the old data may no longer apply.
    st.session_state[_KEPT] = {}


def policy() -> DisclosurePolicy:
    """The disclosure policy in force for this session."""
    if POLICY not in st.session_state:
        st.session_state[POLICY] = DisclosurePolicy()
    return st.session_state[POLICY]


def kept(key: str, default: Any, options: list[Any] | None = None) -> str:
    """Prepare widget ``key`` so that its value survives page changes.

    Call before creating the widget with ``key=key``; call :func:`remember`
    after. Returns ``key`` for convenience.
    """
    store = st.session_state.setdefault(_KEPT, {})
    if key not in st.session_state:
        value = store.get(key, default)
        if options is not None and value not in options:
            value = default if default in options else (options[0] if options else None)
        st.session_state[key] = value
    elif options is not None and st.session_state[key] not in options:
        st.session_state[key] = default if default in options else (options[0] if options else None)
    return key


def remember(*keys: str) -> None:
    """Store the current values of widget ``keys`` for other pages to restore."""
    store = st.session_state.setdefault(_KEPT, {})
    for key in keys:
        if key in st.session_state:
            store[key] = st.session_state[key]


SETTINGS = "analysis_settings"


def settings():  # noqa: ANN201 - AnalysisSettings
    """The analysis settings in force for this session (shared by every page and the pack).

    The threshold always follows the session's disclosure policy.
    """
    from meam_mapping.pipeline.settings import AnalysisSettings

    current = st.session_state.get(SETTINGS)
    threshold = policy().threshold
    if current is None:
        current = AnalysisSettings(threshold=threshold)
    elif current.threshold != threshold:
        current = current.replace(threshold=threshold)
    st.session_state[SETTINGS] = current
    return current


def update_settings(**changes: Any):  # noqa: ANN201 - AnalysisSettings
    """Change some analysis settings for this session; returns the new settings."""
    new = settings().replace(**changes)
    st.session_state[SETTINGS] = new
    return new
