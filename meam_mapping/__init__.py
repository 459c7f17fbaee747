"""MEAM Mapping: map, estimate and focus on multiple disadvantage locally.

The library behind the MEAM Mapping app. It never imports streamlit: the same
functions run in the app, on the command line and in scripts.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
