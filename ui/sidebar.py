"""The sidebar every page shares: what data is loaded, and the rules in force."""

from __future__ import annotations

import streamlit as st

from ui.state import current_dataset, policy

#: Captions in Streamlit's light theme are body text at 60% opacity (#828180 on white,
#: contrast 3.9:1); WCAG 2.2 AA asks 4.5:1 for text this size, so they are drawn
#: opaque in #595959 (7:1).
_CONTRAST_CSS = (
    "<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] *,"
    " [data-testid='stWidgetLabel'] [data-testid='stCaptionContainer']"
    " {color: #595959 !important; opacity: 1 !important;}</style>"
)


def render_sidebar() -> None:
    """Show the current dataset, its label and the disclosure policy."""
    dataset = current_dataset()
    st.html(_CONTRAST_CSS)
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
