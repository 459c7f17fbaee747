"""Published tables renamed for people: plain column names, numbers kept as numbers."""

from __future__ import annotations

import pandas as pd

__all__ = ["hidden_table", "model_table"]

_HIDDEN = {
    "area_name": "Area",
    "observed": "Seen by a service",
    "n_hat": "Estimated people",
    "ci_low": "95% lower",
    "ci_high": "95% upper",
    "hidden": "Hidden",
    "hidden_share": "Hidden share",
    "model": "Model",
    "warnings": "Warnings",
}
_MODELS = {
    "model": "Model",
    "deviance": "Deviance",
    "df": "Degrees of freedom",
    "AIC": "AIC",
    "BIC": "BIC",
    "n_hat": "Estimated people",
    "ci_low": "95% lower",
    "ci_high": "95% upper",
    "selected": "Chosen",
}


def _renamed(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    columns = [c for c in names if c in frame.columns]
    return frame[columns].rename(columns=names)


def hidden_table(published: pd.DataFrame) -> pd.DataFrame:
    """:func:`~meam_mapping.pipeline.publish.publish_hidden`'s table with plain names.

    The hidden share is given in whole per cent (0.2069 becomes 21): an
    estimate with an interval of tens of people supports no finer figure.
    """
    table = _renamed(published, _HIDDEN)
    if "Hidden share" in table:
        table["Hidden share"] = (
            100 * pd.to_numeric(table["Hidden share"], errors="coerce")
        ).round()
    return table


def model_table(comparison: pd.DataFrame, rows: int = 12) -> pd.DataFrame:
    """:func:`~meam_mapping.pipeline.publish.publish_models`'s first ``rows`` models with plain names."""
    return _renamed(comparison.head(rows), _MODELS)
