"""The sidebar every page shares: what data is loaded, and the rules in force."""

from __future__ import annotations

import streamlit as st

from ui.state import current_dataset, policy


def render_sidebar() -> None:
    """Show the current dataset, its label and the disclosure policy."""
    dataset = current_dataset()
    with st.sidebar:
        st.markdown(f"**Data:** {dataset.name}")
        if dataset.label:
            st.warning(dataset.label, icon=":material/science:")
        levels = ", ".join(
            f"{len(dataset.areas[level]):,} {level.upper()}" for level in dataset.levels
        )
        st.caption(f"Areas: {levels}")
        st.caption(
            f"Disclosure control: counts from 1 to {policy().threshold - 1} are hidden "
            "everywhere (maps, tables, exports). Change it on the Export page."
        )
