"""Areas coloured by a named category (e.g. better / similar / worse than a benchmark).

A category map has one class per category, in the order given, each with its
own colour; the value of each area stays its published rate (for tooltips
and tables) while the colour follows its ``category`` column. Suppressed
areas keep their hatching and areas with no value their "no data" grey, as on
every other map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.maps.classify import Classification

__all__ = ["CATEGORY_SCHEME", "category_classes"]

#: Scheme name of a :class:`Classification` made from categories.
CATEGORY_SCHEME = "categories"


def category_classes(
    category: pd.Series | np.ndarray,
    status: np.ndarray,
    categories: tuple[tuple[str, str], ...],
    *,
    note: str | None = None,
) -> tuple[Classification, tuple[str, ...]]:
    """One class per category, for areas that have a value.

    Parameters
    ----------
    category : array-like of str
        Each area's category (ignored where ``status`` is not ``'value'``).
    status : numpy.ndarray
        ``'value'``, ``'suppressed'`` or ``'missing'`` per area.
    categories : tuple of (label, colour)
        The categories in legend order, each with its hex colour.
    note : str, optional
        What the categories mean (shown with the legend).

    Returns
    -------
    classification : Classification
        ``classes`` indexes ``categories`` (-1 where there is no value);
        labels are the category labels.
    colours : tuple of str
        One colour per class.

    Raises
    ------
    InputError
        If an area with a value has a category not in ``categories``.
    """
    if not categories:
        raise InputError("a category map needs at least one category", column="category")
    labels = tuple(str(label) for label, _ in categories)
    index = {label: i for i, label in enumerate(labels)}
    shown = np.asarray(status) == "value"
    names = pd.Series(np.asarray(category, dtype=object)).fillna("").astype(str).to_numpy()
    unknown = sorted({n for n, s in zip(names, shown, strict=True) if s and n not in index})
    if unknown:
        raise InputError(
            f"areas have categories the map does not know: {', '.join(map(repr, unknown))}",
            column="category",
            expected="one of " + ", ".join(labels),
        )
    classes = np.array(
        [index[n] if s else -1 for n, s in zip(names, shown, strict=True)], dtype=int
    )
    counts = tuple(int(c) for c in np.bincount(classes[classes >= 0], minlength=len(labels)))
    classification = Classification(
        scheme=CATEGORY_SCHEME,
        bins=tuple(float(i) for i in range(len(labels))),
        lower=0.0,
        classes=classes,
        labels=labels,
        counts=counts,
        note=note,
    )
    return classification, tuple(str(colour) for _, colour in categories)
