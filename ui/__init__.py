"""Streamlit-only helpers: cached loaders, session state and shared widgets.

This is the only package (with ``app.py`` and ``pages/``) that imports
streamlit; the library ``meam_mapping`` never does.
"""
