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


@st.cache_resource(show_spinner="Building the synthetic Cambridgeshire demo…")
def demo_dataset() -> Dataset:
    """The demo dataset (deterministic, so one copy serves every session)."""
    return dataset_from_demo(build_demo())
