"""Typologies: groups of areas with a similar mix of disadvantage.

Areas are clustered on their standardised domain profiles (z-scores: how many
standard deviations each domain rate is above or below the mean of all areas)
with scikit-learn. The number of groups can be chosen automatically: by
silhouette width for k-means and Ward clustering, by the Bayesian information
criterion (BIC) for Gaussian mixtures; the scores for every k tried are kept
in ``selection_`` so a workshop can see how clear the choice was.

One group (``k = 1``, "no clear types") is always a candidate: with k-means
and Ward it wins unless the best average silhouette width reaches
:data:`MIN_SILHOUETTE` = 0.25, below which Kaufman and Rousseeuw (1990,
ch. 2) find "no substantial structure" (independent noise in four domains
gives about 0.23); with Gaussian mixtures it wins when a single component
has the lowest BIC. A silhouette threshold rather than the gap statistic
(Tibshirani et al. 2001) because it needs no reference simulations, so it
stays affordable at 35,000 areas, and it is the quantity already shown.
The number of groups is chosen on a stratified sample of at most
:data:`SEARCH_SAMPLE` areas (strata: tenths of the mean z-score) and the
chosen clustering is then fitted on all areas. The result reports
``stability_``, the mean adjusted Rand index between the groups and those
found on :data:`BOOTSTRAP_RESAMPLES` bootstrap resamples (Hennig 2007), and
``notes_`` in plain words, including when the domains are so correlated
(average absolute correlation above :data:`COLLINEAR`) that one index
describes the areas better than types.

Groups are numbered by their mean z-score over the domains, highest first, so
group 1 is always the highest-need group, whatever order the algorithm found
them in; each is described in words ("high homelessness and contact with
criminal justice; low mental ill health") from its mean z-scores.

References
----------
Kaufman, L. and Rousseeuw, P. J. (1990). Finding Groups in Data. Wiley.
Hennig, C. (2007). Cluster-wise assessment of cluster stability.
Computational Statistics & Data Analysis 52, 258-271.
Tibshirani, R., Walther, G. and Hastie, T. (2001). Estimating the number of
clusters in a data set via the gap statistic. JRSS B 63, 411-423.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from meam_mapping.concentrate.index import _rate_columns, _validate_rates
from meam_mapping.concentrate.index import _threads as _index_threads
from meam_mapping.errors import InputError
from meam_mapping.schema import DOMAIN_LABELS

__all__ = ["CLUSTER_METHODS", "Typology", "describe_profile", "typologies"]

ClusterMethod = Literal["kmeans", "gmm", "ward"]

#: Largest number of areas Ward clustering accepts (its memory grows with n²).
WARD_MAX_AREAS = 10_000
_SILHOUETTE_SAMPLE = 4_000
#: Best average silhouette below which there are "no clear types" (Kaufman & Rousseeuw 1990).
MIN_SILHOUETTE = 0.25
#: Largest number of areas the number of groups is chosen on.
SEARCH_SAMPLE = 5_000
#: Bootstrap resamples for the stability (adjusted Rand index).
BOOTSTRAP_RESAMPLES = 20
#: Average absolute correlation between domains above which types are one axis cut up.
COLLINEAR = 0.9
#: Stability below which the groups are called rough.
UNSTABLE = 0.6
NO_TYPES = "No clear types: the areas do not fall into distinct groups"


def _kmeans(x: np.ndarray, k: int, seed: int, *, score: bool = True) -> tuple[np.ndarray, float]:
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
    return labels, _silhouette(x, labels, seed) if score else float("nan")


def _gmm(x: np.ndarray, k: int, seed: int, *, score: bool = True) -> tuple[np.ndarray, float]:
    # Diagonal covariances: 2 parameters per domain and group, so BIC stays usable for a
    # few dozen areas and small groups cannot give singular covariance matrices.
    model = GaussianMixture(
        n_components=k, covariance_type="diag", n_init=3, random_state=seed
    ).fit(x)
    return model.predict(x), float(model.bic(x)) if score else float("nan")


def _ward(x: np.ndarray, k: int, seed: int, *, score: bool = True) -> tuple[np.ndarray, float]:
    labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)
    return labels, _silhouette(x, labels, seed) if score else float("nan")


def _silhouette(x: np.ndarray, labels: np.ndarray, seed: int) -> float:
    return _SilhouetteScorer(x, seed)(labels)


class _SilhouetteScorer:
    """Average silhouette width of labellings of the same areas, distances computed once.

    The areas scored are those ``silhouette_score(x, labels, sample_size=
    _SILHOUETTE_SAMPLE, random_state=seed)`` would draw (the first
    ``_SILHOUETTE_SAMPLE`` of a permutation seeded by ``seed``; all areas when
    there are no more), so the value is the same, but the distances between
    them are computed once for every k tried instead of once per k.
    """

    def __init__(self, x: np.ndarray, seed: int) -> None:
        if len(x) > _SILHOUETTE_SAMPLE:
            self.rows = np.random.RandomState(seed).permutation(len(x))[:_SILHOUETTE_SAMPLE]
        else:
            self.rows = np.arange(len(x))
        self.distances: np.ndarray | None = None
        self.x = x

    def prepare(self) -> None:
        """Compute the distances now (before the scorer is shared between threads)."""
        if self.distances is None:
            distances = euclidean_distances(self.x[self.rows])
            np.fill_diagonal(distances, 0.0)
            self.distances = distances

    def __call__(self, labels: np.ndarray) -> float:
        labels = np.asarray(labels)[self.rows]
        if len(np.unique(labels)) < 2:
            return float("nan")
        self.prepare()
        return float(silhouette_score(self.distances, labels, metric="precomputed"))


#: Clustering methods by name: (function(x, k, seed, *, score=True) -> (labels, score),
#: criterion, best); with ``score=False`` the score is NaN (not computed).
CLUSTER_METHODS: dict[str, tuple[Callable[..., tuple[np.ndarray, float]], str, str]] = {
    "kmeans": (_kmeans, "silhouette", "max"),
    "gmm": (_gmm, "bic", "min"),
    "ward": (_ward, "silhouette", "max"),
}


def _stratified_sample(x: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Row indices of at most ``size`` rows, in proportion from tenths of the mean z-score."""
    if len(x) <= size:
        return np.arange(len(x))
    rng = np.random.default_rng(seed)
    score = x.mean(axis=1)
    edges = np.quantile(score, np.linspace(0, 1, 11)[1:-1])
    strata = np.searchsorted(edges, score, side="right")
    picked = []
    for s in np.unique(strata):
        members = np.flatnonzero(strata == s)
        take = max(1, int(round(size * len(members) / len(x))))
        picked.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(picked))


def _mean_abs_correlation(x: np.ndarray) -> float:
    if x.shape[1] < 2:
        return float("nan")
    r = np.corrcoef(x, rowvar=False)
    return float(np.abs(r[np.triu_indices_from(r, 1)]).mean())


def _stability(
    x: np.ndarray, labels: np.ndarray, k: int, cluster: Callable[..., tuple], seed: int
) -> float:
    """Mean adjusted Rand index of the groups against bootstrap refits.

    Each resample is clustered with the same ``k``; every area is then given
    the group of the nearest resample group centre.
    """
    rng = np.random.default_rng(seed)
    resamples = [rng.integers(0, len(x), len(x)) for _ in range(BOOTSTRAP_RESAMPLES)]

    def agreement(b: int) -> float | None:
        xb = x[resamples[b]]
        if len(np.unique(np.round(xb, 12), axis=0)) <= k:
            return None
        boot = cluster(xb, k, seed + b + 1, score=False)[0]
        centres = np.array([xb[boot == g].mean(axis=0) for g in np.unique(boot)])
        nearest = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        return float(adjusted_rand_score(labels, nearest))

    # The resamples are drawn first, in order; each refit has its own seed, so
    # running two at a time gives the same scores.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _refit_pool(BOOTSTRAP_RESAMPLES) as pool:
            scores = [a for a in pool.map(agreement, range(BOOTSTRAP_RESAMPLES)) if a is not None]
    return float(np.mean(scores)) if scores else float("nan")


def _threads(tasks: int) -> int:
    """Threads for independent refits: as the rank simulations use, one per task at most."""
    return max(1, min(_index_threads(), tasks))


def _one_openmp_thread() -> None:
    # OpenMP's thread count is kept per thread: a new thread would start k-means
    # with every core again (and two such threads overload the machine).
    threadpool_limits(limits=1, user_api="openmp")


def _refit_pool(tasks: int) -> ThreadPoolExecutor:
    """A pool for independent seeded refits, each on one OpenMP thread."""
    return ThreadPoolExecutor(max_workers=_threads(tasks), initializer=_one_openmp_thread)


def _label(column: str) -> str:
    return DOMAIN_LABELS.get(column, column.replace("_", " ")).lower()


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_profile(profile: pd.Series, threshold: float = 0.5) -> str:
    """Describe a mean z-score profile in words.

    Parameters
    ----------
    profile : Series
        Mean z-score per domain (index = domain or indicator name).
    threshold : float, default 0.5
        Above ``+threshold`` is "high", below ``-threshold`` is "low"; beyond
        three times the threshold (1.5 by default) is "very high" / "very low".

    Returns
    -------
    str
        For example ``"High homelessness and contact with criminal justice;
        low mental ill health"``, ``"Very high in every domain"`` or ``"Close
        to the average in every domain"``.

    Examples
    --------
    >>> describe_profile(pd.Series({"homelessness": 1.2, "justice": 0.8, "mental_health": -0.9}))
    'High homelessness and contact with criminal justice; low mental ill health'
    """
    tiers = {"very high": [], "high": [], "low": [], "very low": []}
    for column, z in profile.items():
        if z > 3 * threshold:
            tiers["very high"].append(column)
        elif z > threshold:
            tiers["high"].append(column)
        elif z < -3 * threshold:
            tiers["very low"].append(column)
        elif z < -threshold:
            tiers["low"].append(column)
    full = [tier for tier, cols in tiers.items() if len(profile) > 1 and len(cols) == len(profile)]
    if full:
        text = f"{full[0]} in every domain"
    else:
        parts = [
            f"{tier} {_join([_label(c) for c in cols])}" for tier, cols in tiers.items() if cols
        ]
        text = "; ".join(parts) if parts else "close to the average in every domain"
    return text[0].upper() + text[1:]


class Typology:
    """Cluster areas on their standardised domain profiles.

    Parameters
    ----------
    method : {'kmeans', 'gmm', 'ward'}, default 'kmeans'
        k-means, Gaussian mixture (diagonal covariances), or Ward hierarchical
        clustering (at most ``WARD_MAX_AREAS`` areas).
    n_clusters : 'auto' or int, default 'auto'
        Number of groups; ``'auto'`` tries 1 to 8 (fewer if there are few
        distinct profiles) and keeps the best silhouette if it reaches
        :data:`MIN_SILHOUETTE` (k-means, Ward; else 1 group) or the lowest BIC
        (Gaussian mixture). 1 means no types.
    random_state : int, default 0
        Seed, so the same data always give the same groups.
    threshold : float, default 0.5
        z-score beyond which a domain is called "high" or "low".

    Attributes
    ----------
    labels_ : Series
        Group (1 = highest need) per area, index ``area_code``.
    profiles_ : DataFrame
        ``cluster, n_areas``, the mean z-score of each domain, ``description``.
    selection_ : DataFrame
        ``n_clusters, criterion, score, chosen`` for every k tried (one row
        when ``n_clusters`` is given).
    n_clusters_ : int
        Number of groups used (1: no clear types).
    stability_ : float
        Mean adjusted Rand index between the groups and those of
        :data:`BOOTSTRAP_RESAMPLES` bootstrap refits (1 = identical; NaN for one group).
    correlation_ : float
        Average absolute correlation between the domains clustered.
    notes_ : list of str
        Plain-words notes: no clear types, collinear domains, instability,
        sampled search.
    zscores_ : DataFrame
        The standardised profiles clustered (index ``area_code``).
    excluded_ : DataFrame
        ``area_code, reason`` for areas left out because a rate is missing.

    Notes
    -----
    Areas with a missing rate in any domain are left out (listed in
    ``excluded_``, with a warning): clustering needs every coordinate. A domain
    with the same rate everywhere carries no information: it is left out of
    the clustering with a warning and shows as 0 in the profiles.
    """

    def __init__(
        self,
        method: ClusterMethod = "kmeans",
        n_clusters: int | Literal["auto"] = "auto",
        random_state: int = 0,
        threshold: float = 0.5,
    ) -> None:
        self.method = method
        self.n_clusters = n_clusters
        self.random_state = random_state
        self.threshold = threshold

    def fit(self, rates: pd.DataFrame, y: None = None) -> Typology:
        """Standardise the rates, choose k if asked, cluster and describe.

        The clustering runs on one OpenMP/BLAS thread: with a handful of
        domains each k-means step is tiny, so thread start-up and waiting
        dominate, and on a busy machine (more runnable processes than cores)
        scikit-learn's threaded k-means is up to 100 times slower than one
        thread. The groups found are the same.

        Parameters
        ----------
        rates : DataFrame
            Wide per-area rates (index or column ``area_code``), e.g. from
            :func:`meam_mapping.concentrate.index.domain_rates`; confidence
            interval columns are ignored.
        y : None
            Ignored.

        Returns
        -------
        Typology
            ``self``, fitted.
        """
        if self.method not in CLUSTER_METHODS:
            raise InputError(
                f"unknown clustering method {self.method!r}",
                column="method",
                expected="one of " + ", ".join(sorted(CLUSTER_METHODS)),
            )
        with threadpool_limits(limits=1):
            return self._fit(rates)

    def _fit(self, rates: pd.DataFrame) -> Typology:
        cluster, criterion, best = CLUSTER_METHODS[self.method]
        frame = _validate_rates(rates, "rates to cluster")
        columns = _rate_columns(frame)[0]
        frame = frame[columns]
        incomplete = frame.isna().any(axis=1)
        self.excluded_ = pd.DataFrame(
            {
                "area_code": frame.index[incomplete],
                "reason": [
                    "no rate for " + ", ".join(frame.columns[row.to_numpy()])
                    for _, row in frame[incomplete].isna().iterrows()
                ],
            }
        )
        if incomplete.any():
            warnings.warn(
                f"{int(incomplete.sum())} areas with a missing rate were left out of the "
                "typology (see excluded_)",
                UserWarning,
                stacklevel=3,
            )
        frame = frame.loc[~incomplete]
        if len(frame) < 3:
            raise InputError(
                f"only {len(frame)} areas have a rate in every domain, too few to group",
                file="rates to cluster",
                expected="at least 3 areas with every rate known",
                fix="Use fewer domains or a larger geography level",
            )
        sd = frame.std(ddof=0)
        constant = [c for c in columns if not sd[c] > 0]
        used = [c for c in columns if c not in constant]
        if not used:
            raise InputError(
                "every domain has the same rate in every area, so there is nothing to group",
                file="rates to cluster",
                expected="rates that differ between areas",
            )
        if constant:
            warnings.warn(
                "these domains have the same rate in every area and were left out of the "
                "clustering: " + ", ".join(constant),
                UserWarning,
                stacklevel=3,
            )
        values = frame.to_numpy(dtype=float, copy=True)
        spread = sd.to_numpy(dtype=float)
        z = pd.DataFrame(
            np.where(
                spread > 0, (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1), 0
            ),
            index=frame.index,
            columns=columns,
        )
        self.zscores_ = z
        x = z[used].to_numpy(dtype=float, copy=True)
        distinct = len(np.unique(np.round(x, 12), axis=0))
        ks = self._candidate_ks(len(x), distinct)
        seed = int(self.random_state)
        notes: list[str] = []
        sample = _stratified_sample(x, SEARCH_SAMPLE, seed)
        xs = x[sample]
        if len(sample) < len(x):
            notes.append(
                f"The number of groups was chosen on a stratified sample of {len(sample):,} of "
                f"{len(x):,} areas; the groups were then found on all areas."
            )
        rows, fits = [], {}
        silhouette = _SilhouetteScorer(xs, seed) if criterion == "silhouette" else None

        def fit_k(k: int) -> tuple[np.ndarray, float]:
            labels, score = cluster(xs, k, seed, score=silhouette is None)
            return labels, silhouette(labels) if silhouette is not None else score

        tried = [k for k in ks if k != 1]
        if silhouette is not None and tried:
            silhouette.prepare()  # once, before the threads share it
        # Each k is its own seeded fit on one OpenMP thread, so two run side by side
        # (the clustering and distance loops release the GIL) with the same answers.
        with _refit_pool(len(tried)) as pool:
            for k, (labels, score) in zip(tried, pool.map(fit_k, tried), strict=True):
                fits[k] = labels
                rows.append({"n_clusters": k, "criterion": criterion, "score": score})
        if 1 in ks:
            one = (
                float(GaussianMixture(1, covariance_type="diag", random_state=seed).fit(xs).bic(xs))
                if best == "min"
                else MIN_SILHOUETTE
            )
            rows.insert(0, {"n_clusters": 1, "criterion": criterion, "score": one})
        selection = pd.DataFrame(rows)
        scores = selection["score"].fillna(-np.inf if best == "max" else np.inf)
        if best == "max":
            # k = 1 wins ties: types must clear the threshold.
            beat = scores[selection["n_clusters"] > 1]
            chosen = int(selection.loc[beat.idxmax(), "n_clusters"]) if len(beat) else 1
            if 1 in ks and beat.max() < MIN_SILHOUETTE:
                chosen = 1
        else:
            chosen = int(selection.loc[scores.idxmin(), "n_clusters"])
        selection["chosen"] = selection["n_clusters"] == chosen
        self.selection_ = selection
        self.n_clusters_ = chosen
        if chosen == 1:
            labels = np.zeros(len(x), dtype=int)
            if self.n_clusters == "auto":
                top = selection.loc[selection["n_clusters"] > 1, "score"]
                detail = (
                    f"the best average silhouette width is {top.max():.2f}, below the "
                    f"{MIN_SILHOUETTE:.2f} under which there is no substantial structure"
                    if best == "max"
                    else "one group has the lowest BIC"
                )
                notes.insert(0, f"{NO_TYPES} ({detail}). Describe the areas by the index instead.")
        elif len(sample) < len(x):
            labels = cluster(x, chosen, seed, score=False)[0]
        else:
            labels = fits[chosen]
        self.correlation_ = _mean_abs_correlation(x)
        if self.correlation_ > COLLINEAR:
            notes.append(
                f"The domains move together (average correlation {self.correlation_:.2f}): "
                "the areas differ mainly in how much disadvantage they have, not in its mix, "
                "so groups would be one scale cut into pieces. Use the index instead."
            )
        self.stability_ = (
            _stability(xs, labels[sample], chosen, cluster, seed) if chosen > 1 else float("nan")
        )
        if chosen > 1 and self.stability_ < UNSTABLE:
            notes.append(
                f"The groups change a lot when the areas are resampled (stability "
                f"{self.stability_:.2f} on a 0-1 scale): treat them as rough."
            )
        self.notes_ = notes
        self._describe(z, labels)
        if chosen == 1:
            self.profiles_["description"] = NO_TYPES
        return self

    def _candidate_ks(self, n_areas: int, distinct: int) -> list[int]:
        if self.method == "ward" and n_areas > WARD_MAX_AREAS:
            raise InputError(
                f"Ward clustering of {n_areas:,} areas needs too much memory",
                column="method",
                expected=f"at most {WARD_MAX_AREAS:,} areas for 'ward'",
                fix="Use method='kmeans' or 'gmm', or a coarser geography level",
            )
        if self.n_clusters == "auto":
            top = min(8, distinct - 1)
            if top < 2:
                raise InputError(
                    f"only {distinct} distinct area profiles, too few to choose a number of groups",
                    file="rates to cluster",
                    expected="at least 3 areas with different profiles",
                )
            return list(range(1, top + 1))
        k = self.n_clusters
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(
                f"n_clusters must be 'auto' or a whole number of 1 or more, not {k!r}",
                column="n_clusters",
            )
        if k > distinct:
            raise InputError(
                f"{k} groups were asked for but there are only {distinct} distinct area "
                f"profiles ({n_areas} areas)",
                file="rates to cluster",
                column="n_clusters",
                expected=f"at most {distinct} groups",
                fix="Ask for fewer groups or use 'auto'",
            )
        return [int(k)]

    def _describe(self, z: pd.DataFrame, labels: np.ndarray) -> None:
        means = z.groupby(labels).mean()
        sizes = pd.Series(labels).value_counts()
        order = sorted(means.index, key=lambda g: (-means.loc[g].mean(), -sizes[g], g))
        relabel = {old: new for new, old in enumerate(order, start=1)}
        self.labels_ = pd.Series(
            [relabel[g] for g in labels], index=z.index, name="cluster", dtype="int64"
        )
        profiles = means.loc[order].reset_index(drop=True)
        profiles.insert(0, "n_areas", [int(sizes[g]) for g in order])
        profiles.insert(0, "cluster", range(1, len(order) + 1))
        profiles["description"] = [describe_profile(means.loc[g], self.threshold) for g in order]
        self.profiles_ = profiles

    def profile_figure(self) -> Figure:
        """Bar chart of each group's mean z-score by domain.

        Returns
        -------
        matplotlib.figure.Figure
            One group of bars per domain, one bar per cluster; dashed lines at
            the "high" / "low" thresholds.
        """
        if not hasattr(self, "profiles_"):
            raise InputError("the typology has not been fitted yet", fix="Call fit(rates) first")
        domains = [
            c for c in self.profiles_.columns if c not in ("cluster", "n_areas", "description")
        ]
        k = len(self.profiles_)
        fig = Figure(figsize=(max(7.0, 2.2 * len(domains)), 4.5), layout="constrained")
        ax = fig.add_subplot()
        width = 0.8 / k
        base = np.arange(len(domains))
        for i, row in self.profiles_.iterrows():
            ax.bar(
                base + (i - (k - 1) / 2) * width,
                row[domains].to_numpy(dtype=float),
                width,
                label=f"Group {row['cluster']} ({row['n_areas']} areas)",
            )
        for level in (self.threshold, -self.threshold):
            ax.axhline(level, color="grey", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="black", linewidth=0.8)
        names = [DOMAIN_LABELS.get(d, d.replace("_", " ")) for d in domains]
        ax.set_xticks(base, [textwrap.fill(n, 16) for n in names])
        ax.set_ylabel("Mean z-score (0 = average of all areas)")
        ax.set_title(f"Area typology: {k} groups ({self.method})")
        fig.legend(loc="outside right upper", fontsize="small")
        return fig


def typologies(
    rates: pd.DataFrame,
    *,
    method: ClusterMethod = "kmeans",
    n_clusters: int | Literal["auto"] = "auto",
    random_state: int = 0,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Group areas by profile in one call (see :class:`Typology`).

    Parameters
    ----------
    rates : DataFrame
        Wide per-area rates.
    method, n_clusters, random_state, threshold
        As for :class:`Typology`.

    Returns
    -------
    DataFrame
        ``area_code, cluster, description`` (cluster 1 = highest need).
    """
    model = Typology(
        method=method, n_clusters=n_clusters, random_state=random_state, threshold=threshold
    ).fit(rates)
    words = model.profiles_.set_index("cluster")["description"]
    out = model.labels_.rename("cluster").reset_index()
    out["description"] = out["cluster"].map(words)
    return out
