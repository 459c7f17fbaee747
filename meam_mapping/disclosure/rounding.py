"""Rounding and banding of derived outputs before they are published.

Estimates worked out from small counts (focus-zone and small-area estimates)
are rounded to a base before any rate is derived from them, so the rate cannot
be multiplied back into an exact count; composite-index scores are published
as bands (deciles by default), so they do not reveal where a hidden rate sits
among the published ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.disclosure.policy import DisclosureError

__all__ = ["band_scores", "round_to_base"]


def round_to_base(values: Any, base: int = 5) -> Any:
    """Round to the nearest multiple of ``base`` (halves up, conventional rounding).

    Parameters
    ----------
    values : array-like or Series
        Counts or estimates (NaN stays NaN).
    base : int, default 5
        A whole number of 1 or more.

    Returns
    -------
    ndarray or Series
        Same shape (a Series keeps its index and name).

    Raises
    ------
    DisclosureError
        If ``base`` is not a whole number of 1 or more.

    Examples
    --------
    >>> round_to_base([0, 2.4, 2.5, 7, 12.49, np.nan]).tolist()
    [0.0, 0.0, 5.0, 5.0, 10.0, nan]
    """
    if isinstance(base, bool) or not isinstance(base, (int, np.integer)) or base < 1:
        raise DisclosureError(
            f"the rounding base is {base!r}", expected="a whole number of 1 or more"
        )
    arr = np.asarray(values, dtype=float)
    # Conventional rounding, halves up; a tiny tolerance keeps 2.5 from becoming 0 by float error.
    out = np.floor(arr / base + 0.5 + 1e-12) * base
    if isinstance(values, pd.Series):
        return pd.Series(out, index=values.index, name=values.name)
    return out


def band_scores(scores: Any, bands: int = 10, *, higher_first: bool = True) -> Any:
    """Replace scores by equal-count bands (deciles by default) of their ranks.

    Band 1 holds the highest scores when ``higher_first`` (the areas of most
    concern in a composite index). Tied scores share a band; NaN stays missing.

    Parameters
    ----------
    scores : array-like or Series
    bands : int, default 10
        Number of bands, 2 or more (10: deciles, 5: quintiles).
    higher_first : bool, default True

    Returns
    -------
    ndarray of float, or Series of Int64
        Band numbers from 1 to ``bands``.

    Examples
    --------
    >>> band_scores([5.0, 1.0, 3.0, 2.0], bands=2).tolist()
    [1.0, 2.0, 1.0, 2.0]
    """
    if isinstance(bands, bool) or not isinstance(bands, (int, np.integer)) or bands < 2:
        raise DisclosureError(
            f"the number of bands is {bands!r}", expected="a whole number of 2 or more"
        )
    s = pd.Series(np.asarray(scores, dtype=float))
    n = int(s.notna().sum())
    rank = s.rank(method="average", ascending=not higher_first)
    band = np.ceil(rank / n * bands - 1e-9).clip(1, bands) if n else rank
    if isinstance(scores, pd.Series):
        return pd.Series(band.to_numpy(), index=scores.index, name=scores.name).astype("Int64")
    return band.to_numpy()
