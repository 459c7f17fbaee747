"""The visibility gap: fewer people known to services than similar areas suggest.

Areas are grouped into peer groups on standardised context indicators (for
example a deprivation score and adult population density) by k-means, with the
number of groups chosen by the silhouette score when not given (Rousseeuw
1987). For each area the peers' pooled rate (sum of their counts over the sum
of their denominators, leaving the area itself out) times the area's own
denominator is the number of people we would expect services to know about.

The observed count is compared with that expected count by an exact Poisson
test, the method Fingertips uses for small counts and for funnel-plot limits:
``lower`` and ``upper`` are the counts between which the observed count would
be unsurprising, and the observed/expected ratio has the exact Poisson
interval of the observed count divided by the expected count (as for an
indirectly standardised ratio). An area is flagged "fewer known than expected"
exactly when the whole ratio interval lies below 1, i.e. when its count is
below ``lower``. The peers' rate is treated as known; with peer groups of many
areas its own uncertainty is small next to the area's.

References
----------
Rousseeuw, P. J. (1987). Silhouettes. J. Comput. Appl. Math. 20, 53-65.
Breslow, N. E. & Day, N. E. (1987). Statistical Methods in Cancer Research,
vol. II (indirect standardisation, exact Poisson limits). IARC, Lyon.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from meam_mapping.errors import InputError
from meam_mapping.estimate.funnel import count_control_limits
from meam_mapping.indicators.intervals import count_interval
from meam_mapping.indicators.units import rate_unit

__all__ = ["VISIBILITY_FLAGS", "VisibilityGap", "visibility_gap"]

#: The flags, in the words shown to people.
VISIBILITY_FLAGS: tuple[str, ...] = (
    "fewer known than expected (possible hidden need)",
    "as expected",
    "more known than expected",
    "not assessed",
)

#: Fewest areas with a known count for any comparison.
MIN_AREAS = 4


def _rows(mask: np.ndarray) -> int | list[int]:
    """Spreadsheet row numbers (header is row 1) of the True entries."""
    rows = [int(i) + 2 for i in np.flatnonzero(mask)]
    return rows[0] if len(rows) == 1 else rows


def _numeric_column(table: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values.isna().to_numpy() & table[column].notna().to_numpy()
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} values in {column!r} are not numbers",
            row=_rows(bad),
            column=column,
            expected="numbers",
        )
    return values.to_numpy(dtype=float, copy=True)


class VisibilityGap:
    """Compare each area's known count with what its peer areas suggest.

    Parameters
    ----------
    n_clusters : 'auto' or int, default 'auto'
        Number of peer groups. ``'auto'`` tries 2 to ``max_clusters`` groups
        and keeps the one with the best silhouette score among those whose
        smallest group has at least ``min_cluster_size`` areas (one group if
        none qualifies).
    context : list of str
        Columns of context indicators the peer groups are formed on (for
        example ``['deprivation_score', 'adults_per_hectare']``).
    random_state : int, default 0
        Seed for k-means.
    confidence : float, default 0.95
        Level of the intervals and of the flags. With many areas, about
        ``(1 - confidence) / 2`` of them are flagged each way by chance alone;
        0.998 makes that rarer.
    max_clusters : int, default 8
    min_cluster_size : int, default 3
    unit : str, default 'per 1,000'
        Unit of ``peer_rate`` in the result.

    Attributes
    ----------
    clusters_ : pandas.Series
        Peer group (1, 2, ...) of each area, indexed by ``area_code``; groups
        are numbered in increasing order of the first context indicator.
    n_clusters_ : int
    silhouette_ : dict of int to float
        Silhouette score of each number of groups tried (empty if not 'auto').
    cluster_summary_ : pandas.DataFrame
        Per group: ``cluster, areas, count, denominator, rate`` and the mean
        of each context indicator.
    result_ : pandas.DataFrame
        ``area_code, cluster, observed, expected, lower, upper, ratio,
        ratio_lower, ratio_upper, flag`` plus ``denominator, peer_rate,
        n_peers, reason`` (and ``area_name`` when given). ``lower``/``upper``
        bound the counts consistent with the peers' rate; ``flag`` is one of
        :data:`VISIBILITY_FLAGS`.
    assumption_text_ : str
        A plain-English paragraph on what the comparison assumes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> deprivation = np.repeat([10.0, 40.0], 20) + rng.normal(0, 1, 40)
    >>> denominator = np.full(40, 1500.0)
    >>> count = rng.poisson(np.where(deprivation > 25, 0.02, 0.005) * denominator)
    >>> t = pd.DataFrame({"area_code": [f"E{i:02d}" for i in range(40)], "count": count,
    ...                   "denominator": denominator, "deprivation": deprivation})
    >>> gap = VisibilityGap(context=["deprivation"]).fit(t)
    >>> gap.n_clusters_
    2
    """

    def __init__(
        self,
        n_clusters: int | str = "auto",
        *,
        context: Sequence[str] | None = None,
        random_state: int | None = 0,
        confidence: float = 0.95,
        max_clusters: int = 8,
        min_cluster_size: int = 3,
        unit: str = "per 1,000",
    ) -> None:
        self.n_clusters = n_clusters
        self.context = context
        self.random_state = random_state
        self.confidence = confidence
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.unit = unit

    # ----------------------------------------------------------------- checks
    def _context_matrix(self, table: pd.DataFrame) -> np.ndarray:
        if not self.context:
            raise InputError(
                "no context indicators were chosen",
                expected="context= naming one or more columns, e.g. ['deprivation_score']",
                fix="Choose the indicators that peer areas should be similar on",
            )
        context = list(self.context)
        missing = [c for c in context if c not in table.columns]
        if missing:
            raise InputError(
                "the table has no context column " + ", ".join(repr(c) for c in missing),
                column=missing,
                expected="columns " + ", ".join(repr(c) for c in table.columns),
            )
        matrix = np.column_stack([_numeric_column(table, c) for c in context])
        blank = np.isnan(matrix)
        if blank.any():
            columns = [c for c, bad in zip(context, blank.any(axis=0), strict=True) if bad]
            raise InputError(
                f"{int(blank.any(axis=1).sum())} areas have no value for a context indicator",
                row=_rows(blank.any(axis=1)),
                column=columns,
                expected="a context value for every area",
                fix="Fill the gaps, or drop those areas or that indicator",
            )
        constant = [c for c, sd in zip(context, matrix.std(axis=0), strict=True) if sd == 0]
        if constant:
            raise InputError(
                "context indicator " + ", ".join(repr(c) for c in constant) + " has the same "
                "value in every area, so it cannot tell areas apart",
                column=constant,
                expected="indicators that vary between areas",
                fix="Drop that indicator from the context",
            )
        return matrix

    def _counts(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        for column in ("area_code", "count", "denominator"):
            if column not in table.columns:
                raise InputError(
                    f"the table has no column {column!r}",
                    column=column,
                    expected="columns area_code, count, denominator and the context indicators",
                )
        count = _numeric_column(table, "count")
        denominator = _numeric_column(table, "denominator")
        for name, values in (("count", count), ("denominator", denominator)):
            negative = values < 0
            if negative.any():
                raise InputError(
                    f"{int(negative.sum())} values in {name!r} are negative",
                    row=_rows(negative),
                    column=name,
                    expected="numbers of 0 or more",
                )
        if "suppressed" in table.columns:
            count[table["suppressed"].fillna(False).astype(bool).to_numpy()] = np.nan
        return count, denominator

    # ----------------------------------------------------------------- groups
    def _choose_groups(self, scaled: np.ndarray) -> tuple[np.ndarray, dict[int, float]]:
        n = len(scaled)
        if self.n_clusters != "auto":
            k = self.n_clusters
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n // 2:
                raise InputError(
                    f"n_clusters={k!r} cannot be used with {n} areas",
                    expected=f"'auto' or a whole number from 1 to {max(n // 2, 1)}",
                    fix="Use 'auto' or fewer peer groups",
                )
            return self._kmeans(scaled, int(k)), {}
        scores: dict[int, float] = {}
        best: tuple[float, np.ndarray] | None = None
        distinct = len(np.unique(scaled, axis=0))
        for k in range(2, min(self.max_clusters, n // self.min_cluster_size, distinct - 1) + 1):
            labels = self._kmeans(scaled, k)
            if np.bincount(labels).min() < self.min_cluster_size:
                continue
            scores[k] = float(silhouette_score(scaled, labels))
            if best is None or scores[k] > best[0]:
                best = (scores[k], labels)
        return (best[1] if best else np.zeros(n, dtype=int)), scores

    def _kmeans(self, scaled: np.ndarray, k: int) -> np.ndarray:
        if k == 1:
            return np.zeros(len(scaled), dtype=int)
        model = KMeans(n_clusters=k, n_init=10, random_state=self.random_state)
        return model.fit_predict(scaled)

    # ----------------------------------------------------------------- fit
    def fit(self, table: pd.DataFrame, y: None = None) -> VisibilityGap:
        """Form peer groups and compare each area with its peers.

        Parameters
        ----------
        table : pandas.DataFrame
            One row per area: ``area_code``, ``count`` (blank or
            ``suppressed`` True where unknown), ``denominator`` and the
            ``context`` columns.
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        VisibilityGap
            ``self``, fitted.

        Raises
        ------
        InputError
            Missing columns or context values, constant context, too few areas,
            an unusable ``n_clusters``.
        """
        if not isinstance(table, pd.DataFrame):
            raise InputError(f"expected a table, got {type(table).__name__}")
        unit = rate_unit(self.unit)
        count, denominator = self._counts(table)
        matrix = self._context_matrix(table)
        known = ~np.isnan(count) & (denominator > 0)
        if len(table) < MIN_AREAS or known.sum() < MIN_AREAS:
            raise InputError(
                f"too few areas with a known count ({int(known.sum())}) to compare areas "
                "with their peers",
                expected=f"at least {MIN_AREAS} areas with a count and a denominator",
                fix="Use a finer geography or a larger study area",
            )
        if table["area_code"].duplicated().any():
            raise InputError(
                "some area codes appear more than once",
                row=_rows(table["area_code"].duplicated().to_numpy()),
                column="area_code",
                expected="one row per area",
            )

        scaled = StandardScaler().fit_transform(matrix)
        raw_labels, self.silhouette_ = self._choose_groups(scaled)
        order = pd.Series(matrix[:, 0]).groupby(raw_labels).mean().sort_values().index
        relabel = {old: new for new, old in enumerate(order, start=1)}
        labels = np.array([relabel[x] for x in raw_labels])
        self.n_clusters_ = len(order)
        codes = table["area_code"].astype(str).to_numpy()
        self.clusters_ = pd.Series(labels, index=pd.Index(codes, name="area_code"), name="cluster")

        frame = pd.DataFrame({"cluster": labels, "known": known})
        frame["c"] = np.where(known, count, 0.0)
        frame["d"] = np.where(known, denominator, 0.0)
        totals = frame.groupby("cluster")[["c", "d", "known"]].transform("sum")
        own_c, own_d = frame["c"].to_numpy(), frame["d"].to_numpy()
        peer_c = totals["c"].to_numpy() - own_c
        peer_d = totals["d"].to_numpy() - own_d
        n_peers = totals["known"].to_numpy().astype(int) - known.astype(int)
        assessable = known & (n_peers > 0) & (peer_d > 0)
        peer_rate = np.where(n_peers > 0, peer_c / np.where(peer_d > 0, peer_d, np.nan), np.nan)
        expected = np.where(assessable, peer_rate * denominator, np.nan)

        level = float(self.confidence)
        lower = np.full(len(table), np.nan)
        upper = np.full(len(table), np.nan)
        ratio_lower = np.full(len(table), np.nan)
        ratio_upper = np.full(len(table), np.nan)
        ratio = np.full(len(table), np.nan)
        if assessable.any():
            e = expected[assessable]
            o = count[assessable]
            limits = count_control_limits(e, confidence=level)
            lower[assessable] = limits["lower"].to_numpy()
            upper[assessable] = limits["upper"].to_numpy()
            # Exact Poisson interval of the observed count (the one implementation).
            o_low, o_high = count_interval(o, method="exact", confidence=level)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio[assessable] = np.where(e > 0, o / e, np.nan)
                ratio_lower[assessable] = np.where(e > 0, o_low / e, np.nan)
                ratio_upper[assessable] = np.where(e > 0, o_high / e, np.nan)

        flag = np.full(len(table), VISIBILITY_FLAGS[1], dtype=object)
        flag[count < lower] = VISIBILITY_FLAGS[0]
        flag[count > upper] = VISIBILITY_FLAGS[2]
        flag[~assessable] = VISIBILITY_FLAGS[3]
        reason = np.full(len(table), None, dtype=object)
        reason[known & ~assessable] = "no peer area with a known count"
        reason[~(denominator > 0)] = "denominator missing or zero"
        reason[np.isnan(count)] = "count suppressed or missing"

        result = pd.DataFrame({"area_code": codes, "cluster": labels, "observed": count})
        result["expected"] = expected
        result["lower"], result["upper"] = lower, upper
        result["ratio"], result["ratio_lower"], result["ratio_upper"] = (
            ratio,
            ratio_lower,
            ratio_upper,
        )
        result["flag"] = flag
        result["denominator"] = denominator
        result["peer_rate"] = peer_rate * unit.multiplier
        result["n_peers"] = n_peers
        result["reason"] = reason
        if "area_name" in table.columns:
            result.insert(1, "area_name", table["area_name"].to_numpy())
        self.result_ = result
        self.context_ = list(self.context or [])
        self.cluster_summary_ = self._summary(frame, matrix, unit.multiplier)
        self.assumption_text_ = self._assumption_text(result)
        return self

    def _summary(self, frame: pd.DataFrame, matrix: np.ndarray, multiplier: int) -> pd.DataFrame:
        grouped = frame.groupby("cluster")
        summary = pd.DataFrame(
            {
                "areas": grouped.size(),
                "count": grouped["c"].sum(),
                "denominator": grouped["d"].sum(),
            }
        )
        summary["rate"] = summary["count"] / summary["denominator"] * multiplier
        means = pd.DataFrame(matrix, columns=self.context_).groupby(frame["cluster"]).mean()
        return summary.join(means).reset_index()

    def _assumption_text(self, result: pd.DataFrame) -> str:
        names = ", ".join(self.context_)
        fewer = int((result["flag"] == VISIBILITY_FLAGS[0]).sum())
        chance = (
            (1 - float(self.confidence)) / 2 * int((result["flag"] != VISIBILITY_FLAGS[3]).sum())
        )
        groups = (
            "one peer group (the areas could not be split into distinct groups)"
            if self.n_clusters_ == 1
            else f"{self.n_clusters_} peer groups"
        )
        return (
            f"Areas were put into {groups} of areas that are alike on {names}. "
            "The comparison assumes that areas alike on these measures should have similar "
            "rates of people known to services, so each area's known count is compared with "
            "what its peers' combined rate would give for its population. An area with fewer "
            "people known than expected may have people whose needs are not visible to "
            "services (for example because services are hard to reach there), but it may "
            "also genuinely have less need, for reasons the context measures do not capture. "
            f"{fewer} areas were flagged as having fewer known than expected; at the "
            f"{float(self.confidence) * 100:g}% level about {chance:.1f} such flags would be "
            "expected by chance alone, so treat a flag as a prompt to ask local services, "
            "not as proof of hidden need."
        )


def visibility_gap(
    table: pd.DataFrame,
    *,
    context: Sequence[str],
    n_clusters: int | str = "auto",
    random_state: int | None = 0,
    confidence: float = 0.95,
    unit: str = "per 1,000",
) -> pd.DataFrame:
    """Compare each area's known count with its peers' rate in one call.

    Parameters
    ----------
    table : pandas.DataFrame
        As for :meth:`VisibilityGap.fit`.
    context : list of str
        Context indicator columns to form peer groups on.
    n_clusters : 'auto' or int, default 'auto'
    random_state : int, default 0
    confidence : float, default 0.95
    unit : str, default 'per 1,000'

    Returns
    -------
    pandas.DataFrame
        :attr:`VisibilityGap.result_`.
    """
    model = VisibilityGap(
        n_clusters,
        context=context,
        random_state=random_state,
        confidence=confidence,
        unit=unit,
    )
    return model.fit(table).result_
