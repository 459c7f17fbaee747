"""Shared frame helpers for the disclosure functions (validation, blanking, rounding)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from meam_mapping.disclosure.policy import DisclosureError, DisclosurePolicy

__all__ = ["DERIVED_COLUMNS"]

#: Columns treated as derived from the count (hidden with it) when present.
DERIVED_COLUMNS: tuple[str, ...] = (
    "value", "rate", "percent", "percentage", "proportion", "share", "lower", "upper",
    "lower_998", "upper_998", "ci_low", "ci_high", "lower_ci", "upper_ci", "lower_95",
    "upper_95", "se", "standard_error", "z_score", "comparison", "significance",
)  # fmt: skip


def numeric(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """The column as floats; non-numbers and negatives are refused with their rows."""
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna()
    if bad.any():
        raise DisclosureError(
            f"{int(bad.sum())} value(s) in {column!r} are not numbers",
            file=what,
            row=[int(i) + 2 for i in np.flatnonzero(bad.to_numpy())],
            column=column,
            expected="a whole number of 0 or more, or blank if unknown",
            fix="Correct those cells",
        )
    arr = np.array(values.to_numpy(dtype=float), dtype=float, copy=True)
    if (arr < 0).any():
        raise DisclosureError(
            f"{column!r} has negative counts",
            file=what,
            row=[int(i) + 2 for i in np.flatnonzero(arr < 0)],
            column=column,
            expected="a whole number of 0 or more",
            fix="Correct those cells",
        )
    return arr


def require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Refuse a frame missing any of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DisclosureError(
            f"the {what} has no column(s) {', '.join(map(repr, missing))}",
            file=what,
            column=missing,
            expected="columns " + ", ".join(columns),
        )


def flag(df: pd.DataFrame, column: str) -> np.ndarray:
    """A boolean column as an array (all False when absent)."""
    if column not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return df[column].fillna(False).astype(bool).to_numpy()


def blank_and_round(
    out: pd.DataFrame,
    column: str,
    counts: np.ndarray,
    hidden: np.ndarray,
    derived: Sequence[str],
    policy: DisclosurePolicy,
) -> None:
    """Blank hidden cells (count and derived), then round and rescale published ones."""
    mask = pd.Series(hidden, index=out.index)
    published = ~hidden & ~np.isnan(counts)
    rounded = np.where(published, policy.round(counts), np.nan)
    for col in derived:
        out[col] = out[col].mask(mask)
        if policy.round_to and policy.round_to > 1 and _is_number(out[col]):
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(published & (counts > 0), rounded / counts, 1.0)
            out[col] = out[col].astype(float) * factor
    out[column] = rounded


def _is_number(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def order_of(keys: np.ndarray) -> np.ndarray:
    """Rank of each row by key, ties by row position (deterministic tie-break)."""
    return np.argsort(np.argsort(keys, kind="stable"), kind="stable")
