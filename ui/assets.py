"""Serve the map's JavaScript and CSS from the app itself (no CDN)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from meam_mapping.maps.assets import install_static_assets


@st.cache_resource(show_spinner=False)
def ensure_static_assets(static_dir: Path) -> Path:
    """Copy Leaflet into ``static_dir`` once per server process."""
    install_static_assets(static_dir)
    return static_dir
