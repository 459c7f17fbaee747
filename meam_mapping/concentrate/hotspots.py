"""Hotspots: clusters of high (or low) values that are unlikely to be chance.

Two local statistics are offered, chosen by name:

``gi_star``
    Getis-Ord Gi* (Getis and Ord 1992; Ord and Getis 1995). For each area it
    compares the total of the area and its neighbours with what a random
    arrangement of the same values would give. A *hot spot* is a group of
    neighbouring areas with high values; a *cold spot* one with low values.
``local_moran``
    Local Moran's I (Anselin 1995). It says whether an area is like its
    neighbours (High-High, Low-Low clusters) or unlike them (High-Low,
    Low-High outliers).

Significance comes from conditional permutation (the area's value is held and
its neighbours' values are drawn at random from the other areas, ``permutations``
times). esda's ``p_sim`` is one-sided in the direction the area happens to
lie ("directed": ``(M + 1) / (R + 1)`` with ``M`` the permutations at least as
extreme on that side), which under no clustering flags about twice the stated
share of areas. Each area's p-value here is two-sided,
``min(1, 2 p_sim)``: hot and cold spots are both looked for, so both tails
count (the usual Monte Carlo two-sided p-value, Davison and Hinkley 1997,
section 4.2). The statistics come from esda; the permutations are drawn by
:mod:`meam_mapping.concentrate.permutation`, which gives each area the same
conditional randomisation as esda's but vectorised over areas (esda's runs
area by area, slowly without numba). Because hundreds of areas are
tested at once, the p-values are adjusted by the Benjamini-Hochberg false
discovery rate (FDR) procedure: with ``alpha=0.05``, at most about 5% of the
areas called significant are expected to be false alarms.

A global Moran's I (is the map as a whole clustered?) is reported alongside.

References
----------
Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their
Application. Cambridge University Press.
Anselin, L. (1995). Local indicators of spatial association - LISA.
Geographical Analysis 27(2), 93-115.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
JRSS B 57(1), 289-300.
Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics.
Geographical Analysis 27(4), 286-306.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from threadpoolctl import threadpool_limits

from meam_mapping.concentrate.permutation import conditional_neighbour_sums, directed_p
from meam_mapping.concentrate.weights import SpatialWeights, build_weights, check_areas
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.geography.codes import codes_in

__all__ = [
    "HOTSPOT_STATISTICS",
    "HotspotStatistic",
    "two_sided",
    "GI_STAR_CATEGORIES",
    "LISA_CATEGORIES",
    "GlobalMoran",
    "Hotspots",
    "find_hotspots",
    "STATISTIC_NAMES",
]

HotspotStatistic = Literal["gi_star", "local_moran"]
#: Most permutations used when more are needed for the FDR adjustment to reject.
MAX_AUTO_PERMUTATIONS = 9999
GI_STAR_CATEGORIES: tuple[str, ...] = ("Hot spot", "Cold spot", "Not significant")
LISA_CATEGORIES: tuple[str, ...] = (
    "High-High",
    "Low-Low",
    "High-Low",
    "Low-High",
    "Not significant",
)
_LISA_QUADRANT = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
#: The statistics' names as people read them.
STATISTIC_NAMES = {"gi_star": "Getis-Ord Gi*", "local_moran": "Local Moran's I"}


@dataclass(frozen=True)
class GlobalMoran:
    """Global Moran's I, which says whether the map as a whole is clustered.

    Attributes
    ----------
    estimate : float
        Moran's I. Near 0: no pattern; positive: similar values sit together;
        negative: neighbours tend to differ.
    expected : float
        Its expected value with no spatial pattern, -1 / (n - 1).
    z : float
        Standardised I from the permutations.
    p_value : float
        Folded pseudo p-value from ``permutations`` random rearrangements.
    permutations : int
        Number of random rearrangements.
    method : str
        "Global Moran's I (permutation)".
    """

    estimate: float
    expected: float
    z: float
    p_value: float
    permutations: int
    method: str = "Global Moran's I (permutation)"


def _seed(random_state: Any) -> int:
    """An integer seed for esda (which needs an int) from a random_state."""
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    raise InputError(
        f"random_state must be a whole number, a numpy Generator or None, got {random_state!r}"
    )


def _values(areas: gpd.GeoDataFrame, values: pd.Series | str) -> pd.Series:
    """Values as floats indexed by area_code, in the areas' order (NaN where absent)."""
    codes = areas["area_code"].astype(str)
    if isinstance(values, str):
        if values not in areas.columns:
            raise InputError(
                f"the areas table has no column {values!r}",
                file="areas",
                column=values,
                expected="the name of a numeric column, or a Series indexed by area_code",
            )
        raw = pd.Series(areas[values].to_numpy(), index=codes.to_numpy())
    elif isinstance(values, pd.Series):
        raw = values.copy()
        raw.index = raw.index.astype(str)
        if raw.index.duplicated().any():
            dups = sorted(set(raw.index[raw.index.duplicated()]))[:5]
            raise InputError(
                f"values are given more than once for areas {', '.join(dups)}",
                column=str(values.name) if values.name is not None else None,
                expected="one value per area_code",
            )
        raw = raw.reindex(codes.to_numpy())
    else:
        raise InputError(
            f"values must be a column name or a pandas Series, got {type(values).__name__}",
            expected="a Series indexed by area_code",
        )
    try:
        return pd.to_numeric(raw, errors="raise").astype(float)
    except (TypeError, ValueError):
        raise InputError(
            "values are not all numbers",
            column=values if isinstance(values, str) else None,
            expected="numbers (blank where unknown)",
        ) from None


def two_sided(p_directed: Any) -> np.ndarray:
    """Two-sided permutation p-values from esda's one-sided ("directed") ``p_sim``.

    Parameters
    ----------
    p_directed : array-like
        ``(M + 1) / (R + 1)``, ``M`` the permutations at least as extreme as
        the observed value on the side it lies.

    Returns
    -------
    numpy.ndarray
        ``min(1, 2 p_directed)``.
    """
    return np.minimum(1.0, 2.0 * np.asarray(p_directed, dtype=float))


def _gi_star(
    y: np.ndarray, weights: SpatialWeights, permutations: int, seed: int
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    if y.min() < 0:
        # Gi* is written for non-negative values; its z-score and permutation
        # p-value are unchanged by adding a constant, so shift to make it valid.
        y = y - y.min() + 1.0
        notes.append(
            "Some values are negative; Gi* was computed after adding a constant "
            "(z-scores and p-values are unchanged, the raw statistic is not)."
        )
    # Binary weights with a self-weight of 1 give the z-score of Ord and Getis
    # (1995); esda's row-standardised variance does not. Permutation p-values
    # are the same either way (the statistic is monotone in the local sum).
    stat = esda.G_Local(y, weights.binary, transform="B", star=True, permutations=0)
    # The star statistic rises with the neighbours' sum (self-weight and
    # neighbour weights are all 1), so its permutation test is that sum's.
    sums = conditional_neighbour_sums(y, weights.binary.sparse, permutations, seed)
    z = np.asarray(stat.Zs, dtype=float)
    frame = pd.DataFrame({"statistic": np.asarray(stat.Gs, dtype=float), "z": z})
    frame["p_value"] = two_sided(directed_p(sums.at_least, permutations))
    frame["_label"] = np.where(z > 0, "Hot spot", "Cold spot")
    return frame, notes


def _local_moran(
    y: np.ndarray, weights: SpatialWeights, permutations: int, seed: int
) -> tuple[pd.DataFrame, list[str]]:
    stat = esda.Moran_Local(y, weights.graph, transformation="r", permutations=0)
    # I_i = c z_i * (mean of the neighbours' z) with c > 0: for z_i > 0 it rises
    # with the neighbours' sum, for z_i < 0 it falls, for z_i = 0 it cannot move.
    sums = conditional_neighbour_sums(y, weights.graph.sparse, permutations, seed)
    side = np.sign(y - y.mean())
    larger = np.where(side > 0, sums.at_least, sums.at_most)
    p = two_sided(directed_p(larger, permutations))
    p[side == 0] = 1.0
    frame = pd.DataFrame({"statistic": np.asarray(stat.Is, dtype=float), "z": side * sums.z})
    frame["p_value"] = p
    frame["_label"] = [_LISA_QUADRANT.get(int(q), "Not significant") for q in stat.q]
    return frame, []


_STATISTICS: dict[str, Callable[..., tuple[pd.DataFrame, list[str]]]] = {
    "gi_star": _gi_star,
    "local_moran": _local_moran,
}
#: Valid ``statistic`` names.
HOTSPOT_STATISTICS: tuple[str, ...] = tuple(_STATISTICS)


def _global_moran(
    y: np.ndarray, weights: SpatialWeights, permutations: int, seed: int
) -> GlobalMoran:
    """Moran's I (Moran 1950) with row-standardised weights and a permutation test.

    ``I = n / S0 * z'Wz / z'z`` with ``z`` the centred values (computed here:
    esda's ``Moran`` also works out analytic moments, half a second nationally,
    that are not reported); each permutation shuffles all values at once.
    """
    sparse = weights.graph.sparse.tocsr()
    n = len(y)
    z = y - y.mean()
    scale = n / sparse.sum() / (z @ z)
    estimate = float(scale * (z @ (sparse @ z)))
    rng = np.random.default_rng(seed)
    sims = np.empty(permutations)
    for i in range(permutations):
        shuffled = rng.permutation(z)
        sims[i] = scale * (shuffled @ (sparse @ shuffled))
    larger = int((sims >= estimate).sum())
    larger = min(larger, permutations - larger)
    spread = sims.std()
    # Two-sided, like the local tests: clustering or dispersion.
    return GlobalMoran(
        estimate=estimate,
        expected=-1.0 / (n - 1),
        z=float((estimate - sims.mean()) / spread) if spread > 0 else float("nan"),
        p_value=min(1.0, 2.0 * (larger + 1.0) / (permutations + 1.0)),
        permutations=permutations,
    )


class Hotspots:
    """Find statistically significant hot and cold spots among areas.

    Parameters
    ----------
    statistic : {"gi_star", "local_moran"}, default "gi_star"
        Local statistic (see the module notes).
    weights : str or SpatialWeights, default "queen"
        A neighbour rule for :func:`build_weights` or weights already built.
    permutations : int, default 999
        Random rearrangements per area. The smallest possible two-sided
        p-value is 2 / (permutations + 1); with ``fdr`` on, too few for the
        number of areas are raised (up to 9,999, said in ``warnings_``).
    alpha : float, default 0.05
        Significance level (the false discovery rate when ``fdr`` is True).
    fdr : bool, default True
        Adjust p-values for testing many areas at once (Benjamini-Hochberg).
    missing : {"exclude", "refuse"}, default "exclude"
        What to do with areas that have no value: leave them out (with a note
        in ``warnings_``; weights are rebuilt on the remaining areas) or raise.
    n_jobs : int, optional
        Accepted for compatibility and ignored: the permutations are
        vectorised in this process (a second of work for all of England and
        Wales), so the result never depends on the number of cores.
    random_state : int, numpy Generator or None, default 0
        Seed for the permutations; a fixed seed gives repeatable results.

    Attributes
    ----------
    result_ : pandas.DataFrame
        One row per analysed area: ``area_code, value, statistic, z, p_value,
        p_fdr, significant, category, method``. ``p_fdr`` is the FDR-adjusted
        p-value (q-value); ``significant`` compares it (or ``p_value`` when
        ``fdr`` is False) with ``alpha``.
    global_ : GlobalMoran
        Global Moran's I for the whole map.
    weights_ : SpatialWeights
        The neighbour relations used.
    excluded_ : tuple of str
        Area codes left out for having no value.
    permutations_ : int
        Permutations actually used.
    warnings_ : list of str
        Plain-English notes (islands, exclusions, shifted values, ...).

    Examples
    --------
    >>> hs = Hotspots(statistic="gi_star").fit(areas, "known_rate")  # doctest: +SKIP
    >>> hs.result_.query("significant")  # doctest: +SKIP
    """

    def __init__(
        self,
        statistic: str = "gi_star",
        *,
        weights: str | SpatialWeights = "queen",
        permutations: int = 999,
        alpha: float = 0.05,
        fdr: bool = True,
        missing: Literal["exclude", "refuse"] = "exclude",
        n_jobs: int | None = None,
        random_state: int | np.random.Generator | None = 0,
    ) -> None:
        self.statistic = statistic
        self.weights = weights
        self.permutations = permutations
        self.alpha = alpha
        self.fdr = fdr
        self.missing = missing
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_params(self) -> str:
        key = str(self.statistic).lower().strip()
        if key not in _STATISTICS:
            raise InputError(
                f"unknown hotspot statistic {self.statistic!r}",
                expected="one of " + ", ".join(repr(s) for s in HOTSPOT_STATISTICS),
            )
        if not isinstance(self.permutations, (int, np.integer)) or self.permutations < 99:
            raise InputError(
                f"permutations must be a whole number of at least 99, got {self.permutations!r}",
                fix="Use 999 (the default) for reliable p-values",
            )
        if not 0 < float(self.alpha) < 1:
            raise InputError(f"alpha must be between 0 and 1, got {self.alpha!r}")
        if self.missing not in ("exclude", "refuse"):
            raise InputError(
                f"unknown missing-value rule {self.missing!r}", expected="'exclude' or 'refuse'"
            )
        return key

    def _weights_for(self, areas: gpd.GeoDataFrame, notes: list[str]) -> SpatialWeights:
        given = self.weights
        if isinstance(given, SpatialWeights):
            if set(given.area_codes) == set(areas["area_code"].astype(str)):
                return given
            notes.append("Weights rebuilt for the areas that have a value.")
            return build_weights(
                areas,
                given.kind,
                k=given.k,
                threshold=given.threshold,
                island_neighbours=given.island_neighbours,
            )
        if isinstance(given, str):
            return build_weights(areas, given)
        raise InputError(
            f"weights must be a neighbour rule name or SpatialWeights, got {type(given).__name__}"
        )

    def fit(self, areas: gpd.GeoDataFrame, values: pd.Series | str) -> Hotspots:
        """Compute the local statistic, permutation p-values and FDR for each area.

        Parameters
        ----------
        areas : geopandas.GeoDataFrame
            Areas with ``area_code`` and ``geometry`` (EPSG:27700).
        values : pandas.Series or str
            One number per area: a Series indexed by ``area_code`` or the name
            of a column of ``areas``. Use rates, not counts, when areas differ
            in population.

        Returns
        -------
        Hotspots
            This estimator, fitted.

        Raises
        ------
        InputError
            Unknown statistic, bad parameters, unusable areas or values.
        EstimationError
            Too few areas with values, all values equal, or no area has a
            neighbour.
        """
        key = self._check_params()
        check_areas(areas)
        notes: list[str] = []
        y_all = _values(areas, values)
        if isinstance(values, pd.Series):
            extra = set(values.index.astype(str)) - set(y_all.index)
            if extra:
                notes.append(f"{len(extra)} value(s) for area codes not in the areas were ignored.")
        absent = y_all.index[y_all.isna()]
        if len(absent) and self.missing == "refuse":
            raise InputError(
                f"{len(absent)} areas have no value: {', '.join(list(absent)[:5])}",
                column=values if isinstance(values, str) else None,
                fix="Supply the values, or choose missing='exclude' to leave these areas out",
            )
        if len(absent):
            notes.append(
                f"{len(absent)} area(s) with no value were left out: {', '.join(list(absent)[:10])}"
                + (" ..." if len(absent) > 10 else "")
                + "."
            )
        kept = areas[codes_in(areas["area_code"].astype(str), y_all.dropna().index)]
        if len(kept) < 3:
            raise EstimationError(
                f"only {len(kept)} area(s) have a value; hotspots need at least 3 "
                "(and are only meaningful with many more, say 30)."
            )
        y_series = y_all.dropna()
        if np.ptp(y_series.to_numpy()) == 0:
            raise EstimationError(
                f"every area has the same value ({y_series.iloc[0]:g}), so there is no "
                "pattern of high and low values to find."
            )
        weights = self._weights_for(kept, notes)
        notes.extend(weights.warnings)
        lonely = weights.graph.cardinalities == 0
        if lonely.all():
            raise EstimationError(
                "no area has a neighbour, so hotspots cannot be computed. Use a "
                "neighbour rule that links areas (for example weights='knn')."
            )
        if len(kept) < 30:
            notes.append(
                f"Only {len(kept)} areas: permutation tests have little power, so few or no "
                "areas may show as significant even where a pattern exists."
            )
        order = list(weights.area_codes)
        y = y_series.reindex(order).to_numpy(dtype=float)
        seed = _seed(self.random_state)
        permutations = self._enough_permutations(len(y), notes)
        with warnings.catch_warnings():
            # esda 2.x warns that its default p-value ("directed") will change;
            # the p-values used here are two-sided either way (see two_sided).
            warnings.filterwarnings("ignore", message="The alternative hypothesis")
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="esda")
            # One BLAS thread: the permutations are many small vector products, which
            # threaded BLAS makes ten times slower on a busy machine (same numbers).
            with threadpool_limits(limits=1, user_api="blas"):
                frame, stat_notes = _STATISTICS[key](y, weights, permutations, seed)
                # One test for the whole map, outside the FDR adjustment: the
                # permutations asked for are enough (no need for the raised count).
                self.global_ = _global_moran(y, weights, int(self.permutations), seed)
        notes.extend(stat_notes)
        frame.loc[lonely.reindex(order).to_numpy(), "p_value"] = np.nan
        frame.insert(0, "value", y)
        frame.insert(0, "area_code", pd.array(order, dtype="str"))
        frame["p_fdr"] = self._adjust(frame["p_value"].to_numpy(), notes)
        test = frame["p_fdr"] if self.fdr else frame["p_value"]
        frame["significant"] = (test <= self.alpha).fillna(False).astype(bool)
        frame["category"] = frame["_label"].where(frame["significant"], "Not significant")
        frame["method"] = STATISTIC_NAMES[key] + (" with FDR" if self.fdr else "")
        cols = ["area_code", "value", "statistic", "z", "p_value", "p_fdr", "significant"]
        self.result_ = frame[[*cols, "category", "method"]]
        self.weights_ = weights
        self.excluded_ = tuple(str(c) for c in absent)
        self.warnings_ = notes
        self.statistic_ = key
        return self

    def _enough_permutations(self, n_areas: int, notes: list[str]) -> int:
        """Raise the permutations (up to 9,999) so that the FDR adjustment can reject at all.

        The smallest two-sided p-value is ``2 / (R + 1)`` and the adjustment's
        first step needs ``alpha / n_areas``; with too few permutations no area
        could ever be significant, whatever the data.
        """
        permutations = int(self.permutations)
        if self.fdr:
            needed = int(np.ceil(2 * n_areas / float(self.alpha))) - 1
            if permutations < needed and permutations < MAX_AUTO_PERMUTATIONS:
                raised = min(int(10 ** np.ceil(np.log10(needed + 1))) - 1, MAX_AUTO_PERMUTATIONS)
                notes.append(
                    f"{permutations} permutations give two-sided p-values no smaller than "
                    f"{2 / (permutations + 1):.4f}, too coarse for the false discovery rate "
                    f"adjustment over {n_areas} areas; {raised} permutations were used instead."
                )
                permutations = raised
        self.permutations_ = permutations
        return permutations

    def _adjust(self, p: np.ndarray, notes: list[str]) -> np.ndarray:
        """Benjamini-Hochberg adjusted p-values over the areas that were tested."""
        out = np.full(len(p), np.nan)
        tested = ~np.isnan(p)
        out[tested] = multipletests(p[tested], alpha=self.alpha, method="fdr_bh")[1]
        smallest = 2.0 / (self.permutations_ + 1)
        coarse = smallest > self.alpha / tested.sum()
        if self.fdr and coarse and (out[tested] > self.alpha).all() and (p <= self.alpha).any():
            notes.append(
                f"With {self.permutations_} permutations the smallest possible p-value is "
                f"{smallest:.4f}; after the false discovery rate adjustment over "
                f"{int(tested.sum())} areas no area reached significance, though some did "
                "before it. More permutations (for example 9999) give finer p-values."
            )
        return out

    def explain(self) -> str:
        """Describe in plain English what the results mean.

        Returns
        -------
        str
            A few paragraphs suitable for a report; includes counts when fitted.
        """
        key = getattr(self, "statistic_", str(self.statistic))
        level = f"{float(self.alpha):.0%}"
        if key == "local_moran":
            text = (
                "Local Moran's I asks, for each area, whether it is similar to its "
                "neighbours. 'High-High' areas have high values and are surrounded by "
                "high values (a cluster of concern); 'Low-Low' the reverse. 'High-Low' "
                "and 'Low-High' are outliers: areas that differ sharply from those around them."
            )
        else:
            text = (
                "A hot spot is an area that, together with its neighbours, has higher "
                "values than a random arrangement of the same values across the map would "
                "give. It marks a cluster of neighbouring areas, not a single high area. "
                "A cold spot is the same for low values."
            )
        text += (
            f"\n\nEach area was tested by shuffling the other areas' values "
            f"{getattr(self, 'permutations_', self.permutations)} times, counting unusually high and unusually low results "
            "alike (a two-sided test). "
        )
        if self.fdr:
            text += (
                "Because every area is tested at once, some would look significant by "
                "chance alone. The false discovery rate (FDR) adjustment controls this: "
                f"of the areas marked significant, no more than about {level} are "
                "expected to be false alarms."
            )
        else:
            text += (
                f"Areas are marked significant at the {level} level without adjusting "
                "for testing many areas at once, so some will be false alarms."
            )
        if hasattr(self, "result_"):
            counts = self.result_["category"].value_counts()
            names = LISA_CATEGORIES if key == "local_moran" else GI_STAR_CATEGORIES
            shown = ", ".join(f"{name}: {int(counts.get(name, 0))}" for name in names)
            g = self.global_
            text += (
                f"\n\nOf {len(self.result_)} areas: {shown}. Across the whole map, "
                f"Moran's I is {g.estimate:.2f} (p = {g.p_value:.3f}); "
                + (
                    "similar values tend to sit together."
                    if g.p_value <= self.alpha and g.estimate > g.expected
                    else "there is no clear overall clustering."
                )
            )
        text += (
            "\n\nA significant result shows where values cluster, not why; check "
            "whether differences in recording between services could explain it."
        )
        return text


def find_hotspots(
    areas: gpd.GeoDataFrame,
    values: pd.Series | str,
    statistic: str = "gi_star",
    **kwargs: Any,
) -> pd.DataFrame:
    """Find hot and cold spots in one call (see :class:`Hotspots`).

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code`` and ``geometry``.
    values : pandas.Series or str
        One number per area (Series indexed by ``area_code``, or a column name).
    statistic : {"gi_star", "local_moran"}, default "gi_star"
        Local statistic.
    **kwargs
        Other :class:`Hotspots` parameters (``weights``, ``permutations``,
        ``alpha``, ``fdr``, ``missing``, ``n_jobs``, ``random_state``).

    Returns
    -------
    pandas.DataFrame
        :attr:`Hotspots.result_`; the notes are in ``.attrs["warnings"]``.
    """
    model = Hotspots(statistic, **kwargs).fit(areas, values)
    result = model.result_.copy()
    result.attrs["warnings"] = list(model.warnings_)
    return result
