"""Class breaks for choropleth maps, shared by the interactive and static maps.

One facade, :func:`classify`, over a registry of classification schemes
(mostly from :mod:`mapclassify`). The result, :class:`Classification`, holds
the breaks, the class of every value and ready-made legend labels, so that the
interactive (folium) map and the static (matplotlib) map colour every area the
same way.

Class ``i`` holds the values ``v`` with ``bins[i-1] < v <= bins[i]`` (the first
class starts at ``lower``, the smallest value), as in mapclassify.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from meam_mapping.errors import InputError

__all__ = [
    "Classification",
    "OrdinalClassification",
    "SCHEMES",
    "classify",
    "classify_ordinal",
    "format_number",
    "ordinal_classes_for",
]

#: Above this many values Fisher-Jenks runs on evenly spaced quantiles of the
#: data (an exact Fisher-Jenks is O(k n^2) without numba).
_FISHER_JENKS_SAMPLE = 300
_KMEANS_SAMPLE = 2000


@dataclass(frozen=True, eq=False)
class Classification:
    """Class breaks and class membership for one set of values.

    Attributes
    ----------
    scheme : str
        Registry name of the scheme used (e.g. ``"quantiles"``).
    bins : tuple of float
        Upper bound of each class, increasing; the last is the maximum value.
    lower : float
        Smallest value classified (the lower bound of the first class).
    classes : numpy.ndarray
        Class index (0 = lowest) for each input value, ``-1`` where the value
        was missing (NaN).
    labels : tuple of str
        One legend label per class, e.g. ``"12.0 – 18.5"``.
    counts : tuple of int
        Number of values in each class.
    note : str or None
        Plain-words note when the scheme had to be adjusted (for example fewer
        classes than asked because there were too few distinct values).
    """

    scheme: str
    bins: tuple[float, ...]
    lower: float
    classes: np.ndarray
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    note: str | None = None

    @property
    def k(self) -> int:
        """Number of classes."""
        return len(self.bins)

    def assign(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Class index of new values under these breaks.

        Parameters
        ----------
        values : array-like of float
            Values to place; NaN gives ``-1``. Values below ``lower`` go in the
            first class and values above the last bin in the last class.

        Returns
        -------
        numpy.ndarray
            Integer class index per value.
        """
        return _assign(np.asarray(values, dtype=float), np.asarray(self.bins))


def _assign(values: np.ndarray, bins: np.ndarray) -> np.ndarray:
    out = np.searchsorted(bins, values, side="left").astype(int)
    out = np.clip(out, 0, len(bins) - 1)
    out[np.isnan(values)] = -1
    return out


def format_number(value: float, step: float | None = None) -> str:
    """Format a break value with as many decimals as the class widths need.

    Parameters
    ----------
    value : float
        Number to format.
    step : float, optional
        Typical gap between breaks; decides the number of decimals (one
        significant figure more than the gap). Without it, two significant
        figures are used.

    Returns
    -------
    str
        The number with thousands separators, e.g. ``"1,234.5"``.

    Examples
    --------
    >>> format_number(12.04, step=6.5)
    '12.0'
    >>> format_number(1234.0, step=500)
    '1,234'
    """
    if not np.isfinite(value):
        return str(value)
    if step is None or not np.isfinite(step) or step <= 0:
        step = abs(value) if value else 1.0
    decimals = int(max(0, min(6, 1 - np.floor(np.log10(step)))))
    if step >= 100:
        decimals = 0
    text = f"{value:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" and decimals == 0 else text


def _labels(lower: float, bins: np.ndarray) -> tuple[str, ...]:
    edges = np.concatenate([[lower], bins])
    gaps = np.diff(edges)
    positive = gaps[gaps > 0]
    step = float(np.min(positive)) if positive.size else abs(float(edges[-1])) or 1.0
    labels = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        a, b = format_number(low, step), format_number(high, step)
        labels.append(a if a == b else f"{a} – {b}")
    return tuple(labels)


# -- scheme implementations: each takes (values, k, breaks) -> (bins, note) --------


def _mc_bins(name: str, values: np.ndarray, **kwargs: object) -> np.ndarray:
    import mapclassify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(getattr(mapclassify, name)(values, **kwargs).bins, dtype=float)


def _quantiles(values: np.ndarray, k: int, breaks: object) -> np.ndarray:
    # mapclassify.Quantiles' rule in numpy (its import pulls scipy.stats and
    # scikit-learn, a second for the default scheme): upper bounds at the
    # k equally spaced percentiles, linear interpolation, repeats collapsed.
    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    percents[-1] = min(percents[-1], 100.0)
    return np.unique(np.percentile(values, percents[:k]))


def _equal_interval(values: np.ndarray, k: int, breaks: object) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        return _mc_bins("EqualInterval", values, k=k)
    # mapclassify.EqualInterval's rule in numpy (see _quantiles).
    width = (high - low) / k
    cuts = np.arange(low + width, high + width, width)[:k]
    cuts[-1] = high
    return cuts


def _std_mean(values: np.ndarray, k: int, breaks: object) -> np.ndarray:
    return _mc_bins("StdMean", values, multiples=[-2, -1, 1, 2])


def _fisher_jenks(values: np.ndarray, k: int, breaks: object) -> np.ndarray:
    sample = values
    if values.size > _FISHER_JENKS_SAMPLE:
        # Deterministic stand-in for random sampling: evenly spaced quantiles.
        sample = np.quantile(values, np.linspace(0, 1, _FISHER_JENKS_SAMPLE))
    bins = _mc_bins("FisherJenks", sample, k=min(k, np.unique(sample).size))
    bins[-1] = values.max()
    return bins


def _natural_breaks(values: np.ndarray, k: int, breaks: object) -> np.ndarray:
    # One-dimensional k-means (Jenks' "natural breaks") with a fixed seed so
    # the same data always gives the same map.
    from sklearn.cluster import KMeans

    sample = values
    if values.size > _KMEANS_SAMPLE:
        sample = np.quantile(values, np.linspace(0, 1, _KMEANS_SAMPLE))
    fit = KMeans(n_clusters=k, n_init=10, random_state=0).fit(sample.reshape(-1, 1))
    tops = [sample[fit.labels_ == c].max() for c in range(k)]
    return np.unique(np.asarray(tops, dtype=float))


def _user_defined(values: np.ndarray, k: int, breaks: object) -> np.ndarray:
    if breaks is None:
        raise InputError(
            "The 'user_defined' scheme needs break values",
            column="breaks",
            expected="a list of increasing upper bounds, e.g. [5, 10, 20]",
            fix="Type the class breaks you want, or choose another scheme",
        )
    bins = np.asarray(list(breaks), dtype=float)  # type: ignore[call-overload]
    if bins.size == 0 or np.any(~np.isfinite(bins)) or np.any(np.diff(bins) <= 0):
        raise InputError(
            f"Break values {', '.join(f'{b:g}' for b in bins) or '(none)'} are not usable",
            column="breaks",
            expected="finite numbers in strictly increasing order",
            fix="Remove repeated values and sort the breaks from smallest to largest",
        )
    bins = bins[bins < values.max()]
    return np.append(bins, values.max())


_Scheme = Callable[[np.ndarray, int, object], np.ndarray]

#: Registry of scheme name -> (implementation, plain-words description).
SCHEMES: dict[str, tuple[_Scheme, str]] = {
    "quantiles": (_quantiles, "equal numbers of areas in each class"),
    "fisher_jenks": (_fisher_jenks, "optimal breaks that keep classes internally similar"),
    "natural_breaks": (_natural_breaks, "natural groupings found by k-means"),
    "equal_interval": (_equal_interval, "classes of equal width"),
    "std_mean": (_std_mean, "standard deviations from the mean"),
    "user_defined": (_user_defined, "breaks typed by the user"),
}


def classify(
    values: Sequence[float] | np.ndarray,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: Sequence[float] | None = None,
) -> Classification:
    """Divide values into classes for a choropleth map.

    Parameters
    ----------
    values : array-like of float
        One value per area; NaN (missing or suppressed) is left out of the
        breaks and gets class ``-1``.
    scheme : str, default "quantiles"
        One of :data:`SCHEMES`: ``quantiles``, ``fisher_jenks``,
        ``natural_breaks``, ``equal_interval``, ``std_mean`` (standard
        deviations about the mean: ``k`` is ignored) or ``user_defined``.
    k : int, default 5
        Number of classes wanted. Reduced, with a note, when there are fewer
        distinct values.
    breaks : sequence of float, optional
        Upper bounds of the classes for ``user_defined``; the maximum value is
        added as the last bound.

    Returns
    -------
    Classification
        Breaks, class of each value, labels and counts.

    Raises
    ------
    InputError
        If the scheme name is unknown (the message lists the valid ones), ``k``
        is below 1, there are no finite values, or user breaks are unusable.

    Examples
    --------
    >>> c = classify([1, 2, 3, 4, float("nan")], "equal_interval", k=2)
    >>> c.classes.tolist(), c.labels
    ([0, 0, 1, 1, -1], ('1.0 – 2.5', '2.5 – 4.0'))
    """
    if scheme not in SCHEMES:
        raise InputError(
            f"Unknown classification scheme {scheme!r}",
            column="scheme",
            expected="one of " + ", ".join(SCHEMES),
            fix="Pick one of the listed schemes",
        )
    if int(k) < 1:
        raise InputError(f"Number of classes k={k} is too small", expected="k of 1 or more")
    y = np.array(values, dtype=float).ravel()  # a copy: NaN is written into it below
    finite = y[np.isfinite(y)]
    if finite.size == 0:
        raise InputError(
            "There are no values to classify (all are missing or suppressed)",
            expected="at least one area with a value",
            fix="Check that the indicator has data for the areas shown",
        )
    note = None
    k = int(k)
    distinct = np.unique(finite).size
    if distinct < k and scheme not in ("user_defined", "std_mean"):
        note = f"Only {distinct} distinct value(s), so {distinct} class(es) instead of {k}."
        k = distinct
    if distinct == 1 or (distinct <= k and scheme not in ("user_defined", "std_mean")):
        bins = np.unique(finite)  # one class per distinct value
    else:
        bins = SCHEMES[scheme][0](finite, k, breaks)
        bins = np.unique(bins[np.isfinite(bins)])
        # no empty classes outside the data: drop bins below the minimum and
        # end the last class at the maximum
        top = finite.max()
        bins = np.append(bins[(bins >= finite.min()) & (bins < top)], top)
    if scheme not in ("user_defined", "std_mean") and len(bins) < k and note is None:
        note = (f"The data allow only {len(bins)} distinct class{'' if len(bins) == 1 else 'es'} "
                f"instead of {k}.")  # fmt: skip
    y[~np.isfinite(y)] = np.nan
    classes = _assign(y, bins)
    counts = tuple(int(c) for c in np.bincount(classes[classes >= 0], minlength=len(bins)))
    lower = float(finite.min())
    return Classification(
        scheme=scheme,
        bins=tuple(float(b) for b in bins),
        lower=lower,
        classes=classes,
        labels=_labels(lower, bins),
        counts=counts,
        note=note,
    )


#: Number of ordered groups for the group kinds.
_GROUPS = {"decile": 10, "quintile": 5}


@dataclass(frozen=True, eq=False)
class OrdinalClassification(Classification):
    """Classes of an ordinal indicator (decile, quintile, rank), the worse end darkest.

    Class 0 is drawn lightest and the last class darkest (as for every
    classification), so for a ``lower_is_worse`` indicator the classes run
    from the highest values down: decile 10 is class 0 and decile 1 the last,
    darkest class. ``bins`` stay in increasing value order.

    Attributes
    ----------
    kind : str
        ``decile``, ``quintile`` or ``rank``.
    polarity : str
        ``lower_is_worse``, ``higher_is_worse`` or ``neutral``.
    reverse : bool
        True when low values are the darkest classes.
    """

    kind: str = "decile"
    polarity: str = "lower_is_worse"
    reverse: bool = True

    def assign(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Class index of values (-1 for missing, and for groups outside 1..n)."""
        y = np.asarray(values, dtype=float)
        out = _assign(y, np.asarray(self.bins))
        if self.kind in _GROUPS:
            out[(y < 1) | (y > _GROUPS[self.kind]) | (y != np.round(y))] = -1
        if self.reverse:
            out = np.where(out >= 0, len(self.bins) - 1 - out, -1)
        return out


def classify_ordinal(
    values: Sequence[float] | np.ndarray,
    kind: str,
    polarity: str = "lower_is_worse",
    *,
    k: int = 5,
    ends: tuple[str, str] = ("worst", "best"),
) -> OrdinalClassification:
    """Ordered classes for deciles, quintiles and ranks, the worse end darkest.

    Parameters
    ----------
    values : array-like of float
        One value per area (NaN for missing).
    kind : {"decile", "quintile", "rank"}
        Deciles make ten classes (1 to 10) and quintiles five, whether or not
        every group is present; ranks are cut into ``k`` classes with equal
        numbers of areas.
    polarity : str, default "lower_is_worse"
        Which end is worse: ``lower_is_worse`` makes the lowest values
        (decile 1, rank 1) darkest; otherwise the highest are.
    k : int, default 5
        Classes for ranks.
    ends : tuple of str
        Words for the worse and the better end, written on the first and last
        legend labels (e.g. ``("most deprived", "least deprived")``).

    Returns
    -------
    OrdinalClassification

    Raises
    ------
    InputError
        For another kind, or when no value is present.

    Examples
    --------
    >>> c = classify_ordinal([1, 5, 10], "decile", ends=("most deprived", "least deprived"))
    >>> c.k, c.classes.tolist(), c.labels[0], c.labels[-1]
    (10, [9, 5, 0], '10 (least deprived)', '1 (most deprived)')
    """
    if kind not in (*_GROUPS, "rank"):
        raise InputError(
            f"{kind!r} is not an ordinal kind",
            column="kind",
            expected="decile, quintile or rank",
        )
    y = np.array(values, dtype=float).ravel()
    finite = y[np.isfinite(y)]
    if finite.size == 0:
        raise InputError(
            "There are no values to classify (all are missing or suppressed)",
            expected="at least one area with a value",
        )
    reverse = polarity == "lower_is_worse"
    worse, better = ends
    note = None
    if kind in _GROUPS:
        n = _GROUPS[kind]
        bins = np.arange(1, n + 1, dtype=float)
        labels = [str(int(b)) for b in bins]
        lower = 1.0
        outside = (finite < 1) | (finite > n) | (finite != np.round(finite))
        if outside.any():
            note = f"{int(outside.sum())} value(s) are not {kind}s 1 to {n} and are left blank."
    else:
        base = classify(finite, "quantiles", k=k)
        bins, lower = np.asarray(base.bins), base.lower
        labels = list(base.labels)
        note = base.note
    low_end, high_end = (worse, better) if reverse else (better, worse)
    if polarity == "neutral":
        low_end, high_end = "lowest", "highest"
    labels[0] = f"{labels[0]} ({low_end})"
    labels[-1] = f"{labels[-1]} ({high_end})"
    result = OrdinalClassification(
        scheme=kind, bins=tuple(float(b) for b in bins), lower=float(lower),
        classes=np.zeros(0, dtype=int), labels=(), counts=(), note=note,
        kind=kind, polarity=polarity, reverse=reverse,
    )  # fmt: skip
    classes = result.assign(y)
    order = labels[::-1] if reverse else labels
    counts = tuple(int(c) for c in np.bincount(classes[classes >= 0], minlength=len(bins)))
    object.__setattr__(result, "classes", classes)
    object.__setattr__(result, "labels", tuple(order))
    object.__setattr__(result, "counts", counts)
    return result


def ordinal_classes_for(
    data: object, values: Sequence[float] | np.ndarray, *, k: int = 5
) -> OrdinalClassification | None:
    """Ordinal classes when a published slice is a decile, quintile or rank, else None.

    Parameters
    ----------
    data : pandas.DataFrame
        The slice being mapped; its ``kind`` and ``polarity`` columns (first
        value) decide. The legend's end words are "most deprived" / "least
        deprived" when its ``indicator_name`` speaks of deprivation, "most
        concentrated" / "least concentrated" for the composite index, else
        "worse" / "better".
    values : array-like of float
        The values to classify, in map order.
    k : int, default 5
        Classes for ranks.

    Returns
    -------
    OrdinalClassification or None
    """
    columns = getattr(data, "columns", ())
    if "kind" not in columns or not len(data):  # type: ignore[arg-type]
        return None
    kind = str(data["kind"].dropna().iloc[0]) if data["kind"].notna().any() else ""  # type: ignore[index]
    if kind not in (*_GROUPS, "rank"):
        return None
    polarity = "lower_is_worse"
    if "polarity" in columns and data["polarity"].notna().any():  # type: ignore[index]
        polarity = str(data["polarity"].dropna().iloc[0])  # type: ignore[index]
    name = ""
    if "indicator_name" in columns and data["indicator_name"].notna().any():  # type: ignore[index]
        name = str(data["indicator_name"].dropna().iloc[0]).lower()  # type: ignore[index]
    deprivation = "depriv" in name or "imd" in name.split() or "(imd)" in name
    ends = ("most deprived", "least deprived") if deprivation else ("worse", "better")
    if "concentrat" in name or "composite index" in name:  # the composite index's deciles
        ends = ("most concentrated", "least concentrated")
    if not np.isfinite(np.asarray(values, dtype=float)).any():
        return None
    return classify_ordinal(values, kind, polarity, k=k, ends=ends)
