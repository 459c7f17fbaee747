"""Composite index of multiple disadvantage: where the domains concentrate.

Each domain rate (homelessness, substance misuse, mental ill health, contact
with criminal justice) is standardised, the standardised domains are combined
with weights a workshop can change, and areas are ranked (rank 1 = most
concentrated). Alongside the score: in how many domains each area is in the top
fifth (co-occurrence), and, where the rates carry confidence intervals, the
range of ranks each area plausibly holds.

Standardisation methods (``method=``)
-------------------------------------
``'exponential'`` (default)
    The exponential transformation used to combine domains in the English
    Indices of Deprivation 2019: rates are ranked, the rank scaled to
    ``R / N`` (1/N for the lowest rate, 1 for the highest) and transformed to
    ``X = -23 ln(1 - (R/N)(1 - exp(-100/23)))``, which runs from about 0 to
    100. It is the default because it is rank based (one extreme rate, common
    with small counts, cannot swamp the others) and it stretches the top of
    each domain, so a high rate in one domain is only partly cancelled by a
    low rate in another: the point of looking for *multiple* disadvantage.
``'zscore'``
    ``(rate - mean) / standard deviation``: keeps distances, but sensitive to
    outliers.
``'rank'``
    ``R / N``: robust, but fully compensatory.

Missing values
--------------
``missing='exclude'`` (default) leaves out any area with a missing (for
example suppressed) rate in a domain, listing it in ``excluded_`` with the
reason: an unknown rate is never treated as zero or as average.
``missing='impute'`` instead gives the area the mean standardised value of that
domain (it neither raises nor lowers the area) and flags it in the ``imputed``
column; areas with no rate in any domain are still excluded.

References
----------
McLennan, D., Noble, S., Noble, M., Plunkett, E., Wright, G. and Gutacker, N.
(2019) *The English Indices of Deprivation 2019: Technical report*. Ministry of
Housing, Communities and Local Government (combining domains: the exponential
transformation).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from meam_mapping.errors import InputError
from meam_mapping.indicators.rates import domain_rates
from meam_mapping.schema import AREA_COLUMNS

__all__ = [
    "STANDARDISERS",
    "RANK_RANGE_LEVEL",
    "RANK_RANGE_LABEL",
    "CompositeIndex",
    "composite_index",
    "domain_rates",
    "exponential_transform",
    "standardise",
]

Method = Literal["zscore", "rank", "exponential"]
MissingPolicy = Literal["exclude", "impute"]

_Z95 = 1.959963984540054
#: Level of the rank ranges: the 5th to 95th percentiles of simulated ranks.
RANK_RANGE_LEVEL = 0.90
RANK_RANGE_LABEL = f"{RANK_RANGE_LEVEL:.0%} range"
_IOD_SCALE = 23.0
_CI_SUFFIXES = ("_lower", "_upper")


def _rows(positions: np.ndarray) -> int | list[int]:
    """Spreadsheet row numbers (header = row 1) for 0-based positions."""
    rows = [int(i) + 2 for i in positions]
    return rows[0] if len(rows) == 1 else rows


# ------------------------------------------------------------------- standardise
def exponential_transform(fraction: np.ndarray | float) -> np.ndarray:
    """Exponential transformation of a scaled rank (IoD 2019).

    Parameters
    ----------
    fraction : array_like
        Scaled rank ``R / N`` in (0, 1], 1 for the highest rate.

    Returns
    -------
    ndarray
        ``-23 ln(1 - fraction (1 - exp(-100/23)))``: 0 to 100.
    """
    fraction = np.asarray(fraction, dtype=float)
    return -_IOD_SCALE * np.log1p(-fraction * (1.0 - math.exp(-100.0 / _IOD_SCALE)))


def _zscore(x: np.ndarray, exact_ties: bool = True) -> np.ndarray:
    x = np.asarray(x, dtype=float)  # simulated draws come as float32
    sd = x.std(axis=-1, keepdims=True)
    centred = x - x.mean(axis=-1, keepdims=True)
    return np.divide(centred, sd, out=np.zeros_like(centred), where=sd > 0)


def _rank_fraction(x: np.ndarray, exact_ties: bool = True) -> np.ndarray:
    n = x.shape[-1]
    if exact_ties:
        return rankdata(x, method="average", axis=-1) / n
    # Simulated draws are continuous: ordinal ranks (one argsort) are enough and fast.
    order = np.argsort(np.asarray(x, dtype=np.float32), axis=-1)
    ranks = np.empty(order.shape)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1.0, n + 1), order.shape), axis=-1)
    return ranks / n


def _exponential(x: np.ndarray, exact_ties: bool = True) -> np.ndarray:
    if exact_ties:
        return exponential_transform(_rank_fraction(x, exact_ties))
    # Ordinal ranks are 1..n in every row: transform those n values once and place them
    # (the same numbers as transforming each rank, without n_sims x n logarithms).
    n = x.shape[-1]
    order = np.argsort(np.asarray(x, dtype=np.float32), axis=-1)
    out = np.empty(order.shape)
    values = exponential_transform(np.arange(1.0, n + 1) / n)
    np.put_along_axis(out, order, np.broadcast_to(values, order.shape), axis=-1)
    return out


#: Standardisation methods by name; each standardises along the last axis.
STANDARDISERS: dict[str, Callable[..., np.ndarray]] = {
    "exponential": _exponential,
    "rank": _rank_fraction,
    "zscore": _zscore,
}


def _standardiser(method: str) -> Callable[..., np.ndarray]:
    if method not in STANDARDISERS:
        raise InputError(
            f"unknown standardisation method {method!r}",
            column="method",
            expected="one of " + ", ".join(sorted(STANDARDISERS)),
        )
    return STANDARDISERS[method]


def standardise(values: np.ndarray, method: Method = "exponential") -> np.ndarray:
    """Standardise values (no missing values) along the last axis.

    Parameters
    ----------
    values : array_like
        Rates; higher = more need.
    method : {'exponential', 'rank', 'zscore'}
        See the module notes.

    Returns
    -------
    ndarray
        Same shape; higher = more need.
    """
    return _standardiser(method)(np.asarray(values, dtype=float))


# --------------------------------------------------------------------- validation
def _rate_columns(frame: pd.DataFrame) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Split columns into rates and (lower, upper) pairs for the rates that have them."""
    names = [str(c) for c in frame.columns]
    ci_cols = {
        c
        for c in names
        for s in _CI_SUFFIXES
        if c.endswith(s) and c[: -len(s)] in names and c[: -len(s)] != ""
    }
    rates = [c for c in names if c not in ci_cols and c not in AREA_COLUMNS]
    pairs = {
        c: (f"{c}_lower", f"{c}_upper")
        for c in rates
        if f"{c}_lower" in names and f"{c}_upper" in names
    }
    return rates, pairs


def _validate_rates(rates: pd.DataFrame, name: str = "domain rates") -> pd.DataFrame:
    """Return a float frame indexed by area code (rates and CI columns only)."""
    if not isinstance(rates, pd.DataFrame):
        raise InputError(f"the {name} must be a table", expected="a pandas DataFrame")
    frame = rates.set_index("area_code") if "area_code" in rates.columns else rates
    frame = frame.rename(columns=str)
    rate_cols, pairs = _rate_columns(frame)
    if not rate_cols:
        raise InputError(f"the {name} have no rate columns", expected="one column per domain")
    keep = rate_cols + [c for pair in pairs.values() for c in pair]
    frame = frame[keep]
    codes = pd.Index(frame.index.astype(str), name="area_code")
    dupes = np.flatnonzero(codes.duplicated(keep=False))
    if dupes.size:
        raise InputError(
            f"{len(set(codes[dupes]))} area codes appear more than once",
            file=name,
            row=_rows(dupes),
            column="area_code",
            expected="one row per area",
        )
    out = {}
    for col in keep:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = np.flatnonzero(((values.isna() & frame[col].notna()) | (values < 0)).to_numpy())
        if bad.size:
            raise InputError(
                f"{bad.size} value(s) in {col!r} are not rates",
                file=name,
                row=_rows(bad),
                column=col,
                expected="a number of 0 or more, or blank where unknown",
            )
        out[col] = values.to_numpy(dtype=float)
    result = pd.DataFrame(out, index=codes)
    if len(result) < 2:
        raise InputError(
            f"the {name} have {len(result)} area; an index ranks areas against each other",
            file=name,
            expected="at least 2 areas",
        )
    return result


def _reversed(given: Sequence[str] | None, rates: pd.DataFrame, columns: list[str]) -> list[str]:
    """Domains to turn round: those named, else those ``rates.attrs`` says are lower-is-worse."""
    if given is None:
        polarity = rates.attrs.get("polarity", {}) if hasattr(rates, "attrs") else {}
        return [c for c in columns if polarity.get(c) == "lower_is_worse"]
    named = [given] if isinstance(given, str) else [str(c) for c in given]
    unknown = [c for c in named if c not in columns]
    if unknown:
        raise InputError(
            "lower_is_worse names domains that are not in the rates: "
            + ", ".join(map(repr, unknown)),
            column="lower_is_worse",
            expected="names from " + ", ".join(columns),
        )
    return [c for c in columns if c in named]


def _weights(weights: Mapping[str, float] | None, columns: list[str]) -> np.ndarray:
    """Normalised weights in column order; unnamed columns keep weight 1."""
    if weights is None:
        return np.full(len(columns), 1.0 / len(columns))
    if not isinstance(weights, Mapping):
        raise InputError("weights must map domain names to numbers", column="weights")
    unknown = [k for k in weights if k not in columns]
    if unknown:
        raise InputError(
            "weights name domains that are not in the rates: " + ", ".join(map(repr, unknown)),
            column="weights",
            expected="names from " + ", ".join(columns),
        )
    raw = np.array([weights.get(c, 1.0) for c in columns], dtype=float)
    if not np.all(np.isfinite(raw)) or np.any(raw < 0):
        raise InputError("weights must be numbers of 0 or more", column="weights")
    if raw.sum() == 0:
        raise InputError(
            "all weights are zero, so no domain counts",
            column="weights",
            fix="Give at least one domain a weight above zero",
        )
    return raw / raw.sum()


# ------------------------------------------------------------------------- index
class CompositeIndex:
    """Composite index of multiple disadvantage with rank uncertainty.

    Parameters
    ----------
    method : {'exponential', 'zscore', 'rank'}, default 'exponential'
        How each domain is standardised (see the module notes for the choice).
    weights : mapping, optional
        Domain -> weight (0 or more); domains not named keep weight 1.
        Normalised to sum to 1. Equal weights by default.
    n_simulations : int, default 200
        Draws used for rank ranges where rates have ``_lower``/``_upper``
        columns (0 to skip).
    random_state : int, default 0
        Seed for the draws.
    missing : {'exclude', 'impute'}, default 'exclude'
        Missing-value policy (module notes).
    lower_is_worse : sequence of str, optional
        Domains where a *lower* rate means more need (e.g. successful
        completions of treatment): they are turned round before
        standardising, so a higher score still means more concentration.
        By default taken from ``rates.attrs["polarity"]`` (set by
        :func:`~meam_mapping.indicators.rates.domain_rates` from the
        indicators' ``polarity``); none when absent.

    Attributes
    ----------
    scores_ : DataFrame
        ``area_code, score, rank, rank_low, rank_high, rank_range,
        rank_range_level, co_occurrence, imputed, method`` sorted by rank (1 =
        most concentrated). ``rank_low`` / ``rank_high`` are the 5th / 95th
        percentiles of simulated ranks, a 90% range (NA without confidence
        intervals); ``rank_range`` says it in words ("3 to 8 (90% range)", ''
        without one) and ``rank_range_level`` is 0.9.
    standardised_ : DataFrame
        Standardised domain values (index ``area_code``), cached for
        :meth:`reweight`.
    weights_ : dict
        Normalised weights used.
    excluded_ : DataFrame
        ``area_code, reason`` for areas left out.
    constant_ : list of str
        Domains with the same rate everywhere (they contribute 0).
    reversed_ : list of str
        Domains turned round because a lower rate is worse.

    Notes
    -----
    Simulation: each rate with limits is drawn from a normal on the log scale
    with standard error ``(ln upper - ln lower) / (2 x 1.96)`` (a normal on
    the rate scale, folded at 0, where the lower limit or the rate is 0); every
    draw is standardised and combined as the observed rates are, and areas
    re-ranked. Each domain has its own seeded stream, so re-weighting with the
    same ``random_state`` reuses the same draws.

    Examples
    --------
    >>> rates = pd.DataFrame(
    ...     {"homelessness": [3.0, 1.0, 2.0], "justice": [1.0, 3.0, 2.5]},
    ...     index=pd.Index(["A", "B", "C"], name="area_code"),
    ... )
    >>> model = CompositeIndex(method="zscore").fit(rates)
    >>> model.scores_["area_code"].tolist()
    ['C', 'A', 'B']
    >>> model.reweight({"homelessness": 3})["area_code"].tolist()
    ['A', 'C', 'B']
    """

    def __init__(
        self,
        method: Method = "exponential",
        weights: Mapping[str, float] | None = None,
        n_simulations: int = 200,
        random_state: int = 0,
        missing: MissingPolicy = "exclude",
        lower_is_worse: Sequence[str] | None = None,
    ) -> None:
        self.method = method
        self.weights = weights
        self.n_simulations = n_simulations
        self.random_state = random_state
        self.missing = missing
        self.lower_is_worse = lower_is_worse

    def fit(self, rates: pd.DataFrame, y: None = None) -> CompositeIndex:
        """Standardise, combine and rank the areas in ``rates``.

        Parameters
        ----------
        rates : DataFrame
            Wide per-area rates (index or column ``area_code``), optionally
            with ``<col>_lower`` / ``<col>_upper`` columns.
        y : None
            Ignored.

        Returns
        -------
        CompositeIndex
            ``self``, fitted.
        """
        standardiser = _standardiser(self.method)
        if self.missing not in ("exclude", "impute"):
            raise InputError(
                f"unknown missing-value policy {self.missing!r}",
                column="missing",
                expected="'exclude' or 'impute'",
            )
        sims = self.n_simulations
        if isinstance(sims, bool) or not isinstance(sims, (int, np.integer)) or sims < 0:
            raise InputError(
                f"n_simulations must be a whole number of 0 or more, not {sims!r}",
                column="n_simulations",
            )
        frame = _validate_rates(rates)
        columns, pairs = _rate_columns(frame)
        weights = _weights(self.weights, columns)
        self.reversed_ = _reversed(self.lower_is_worse, rates, columns)
        sign = np.array([-1.0 if c in self.reversed_ else 1.0 for c in columns])
        values = frame[columns].to_numpy(dtype=float, copy=True)
        missing = np.isnan(values)
        drop = missing.any(axis=1) if self.missing == "exclude" else missing.all(axis=1)
        reasons = [
            "no rate for " + ", ".join(c for c, m in zip(columns, row, strict=True) if m)
            for row in missing[drop]
        ]
        self.excluded_ = pd.DataFrame({"area_code": frame.index[drop], "reason": reasons})
        if drop.sum() > len(frame) - 2:
            raise InputError(
                f"only {len(frame) - drop.sum()} areas have rates in every domain",
                file="domain rates",
                expected="at least 2 areas with rates",
                fix="Use missing='impute', fewer domains, or a larger geography level",
            )
        kept = frame.loc[~drop]
        values, missing = values[~drop], missing[~drop]
        self.constant_ = [
            c for j, c in enumerate(columns) if np.nanmax(values[:, j]) == np.nanmin(values[:, j])
        ]
        if self.constant_:
            warnings.warn(
                "these domains have the same rate in every area with a rate and contribute nothing "
                "to the index: " + ", ".join(self.constant_),
                UserWarning,
                stacklevel=2,
            )
        standard = np.zeros_like(values)
        co_occurrence = np.zeros(len(kept), dtype=int)
        for j, col in enumerate(columns):
            if col in self.constant_:
                continue
            seen = ~missing[:, j]
            standard[seen, j] = standardiser(sign[j] * values[seen, j])
            standard[~seen, j] = standard[seen, j].mean()
            worst = rankdata(-sign[j] * values[seen, j], method="min")
            top = worst <= math.ceil(0.2 * seen.sum())
            co_occurrence[np.flatnonzero(seen)[top]] += 1
        self.standardised_ = pd.DataFrame(standard, index=kept.index, columns=columns)
        self._imputed = missing.any(axis=1)
        self._co_occurrence = co_occurrence
        self._draw_inputs = (kept, columns, pairs, missing, standardiser, sign)
        self.weights_ = dict(zip(columns, weights.tolist(), strict=True))
        self.scores_ = self._scores(weights, with_ranges=True)
        return self

    def reweight(
        self, weights: Mapping[str, float] | None, *, ranges: bool = False
    ) -> pd.DataFrame:
        """Scores under new weights, reusing the cached standardised values.

        Parameters
        ----------
        weights : mapping or None
            New domain weights (same rules as the ``weights`` parameter).
        ranges : bool, default False
            Also re-simulate rank ranges (slower; same draws as ``fit``).
            Without it ``rank_low`` / ``rank_high`` are NA.

        Returns
        -------
        DataFrame
            Same columns as ``scores_``.
        """
        if not hasattr(self, "standardised_"):
            raise InputError("the index has not been fitted yet", fix="Call fit(rates) first")
        columns = list(self.standardised_.columns)
        return self._scores(_weights(weights, columns), with_ranges=ranges)

    # -- internals
    def _scores(self, weights: np.ndarray, *, with_ranges: bool) -> pd.DataFrame:
        score = self.standardised_.to_numpy() @ weights
        rank = rankdata(-score, method="min").astype(int)
        low = high = np.full(len(score), np.nan)
        if with_ranges:
            draws = self._simulated_ranks(weights)
            if draws is not None:
                tail = 100 * (1 - RANK_RANGE_LEVEL) / 2
                low, high = np.empty(len(score)), np.empty(len(score))

                def limits(cols: slice) -> None:
                    part = draws[:, cols]
                    low[cols] = np.percentile(part, tail, axis=0, method="lower")
                    high[cols] = np.percentile(part, 100 - tail, axis=0, method="higher")

                _in_halves(limits, len(score), cells=draws.size)
        out = pd.DataFrame(
            {
                "area_code": self.standardised_.index.astype(str),
                "score": score,
                "rank": rank,
                "rank_low": pd.array(np.round(low), dtype="Int64"),
                "rank_high": pd.array(np.round(high), dtype="Int64"),
                "rank_range": [
                    f"{lo:.0f} to {hi:.0f} ({RANK_RANGE_LABEL})" if np.isfinite(lo) else ""
                    for lo, hi in zip(
                        np.broadcast_to(low, score.shape),
                        np.broadcast_to(high, score.shape),
                        strict=True,
                    )
                ],  # fmt: skip
                "rank_range_level": RANK_RANGE_LEVEL,
                "co_occurrence": self._co_occurrence,
                "imputed": self._imputed,
                "method": self.method,
            }
        )
        return out.sort_values(["rank", "area_code"], kind="stable").reset_index(drop=True)

    def _simulated_ranks(self, weights: np.ndarray) -> np.ndarray | None:
        kept, columns, pairs, missing, standardiser, sign = self._draw_inputs
        active = [c for c in pairs if c not in self.constant_]
        if self.n_simulations <= 0 or not active:
            return None
        n_sims, n = int(self.n_simulations), len(kept)

        def block(j: int, col: str) -> np.ndarray:
            # One domain's simulated standardised values (rows = draws). Each
            # domain draws from its own seeded stream, so the answer does not
            # depend on which thread runs it or in what order.
            if col not in pairs:
                return self.standardised_[col].to_numpy()
            seen = ~missing[:, j]
            rng = np.random.default_rng([int(self.random_state), j])
            x = kept[col].to_numpy(dtype=float)[seen]
            lo, hi = (kept[c].to_numpy(dtype=float)[seen] for c in pairs[col])
            draws = _draw_rates(x, lo, hi, rng, n_sims)
            if sign[j] < 0:
                np.negative(draws, out=draws)
            if seen.all():
                return standardiser(draws, exact_ties=False)
            out = np.empty((n_sims, n))
            out[:, seen] = standardiser(draws, exact_ties=False)
            out[:, ~seen] = out[:, seen].mean(axis=1, keepdims=True)
            return out

        used = [(j, col) for j, col in enumerate(columns)
                if weights[j] != 0 and col not in self.constant_]  # fmt: skip
        total = np.zeros((n_sims, n))
        # Sorting, exp and scatter release the GIL: the domains run side by
        # side on two threads, and are added in column order (the same sums).
        with ThreadPoolExecutor(max_workers=_threads()) as pool:
            for (j, _), values in zip(used, pool.map(lambda jc: block(*jc), used), strict=True):
                total += weights[j] * values
        return _ordinal_ranks(-total.astype(np.float32))


def _threads() -> int:
    """Threads for the rank simulations: two where there are two cores, else one."""
    return max(1, min(2, os.cpu_count() or 1))


def _in_halves(work: Callable[[slice], None], n: int, *, cells: int) -> None:
    """Call ``work`` on slices covering ``range(n)``: two halves side by side where there are two cores.

    For numpy work over ``cells`` values that lets other threads run
    (sorting, partitioning): the national rank simulations' ranks and limits
    took 0.5 s on one core. Small work stays in this thread. Each slice is
    written by one call only, so the result does not depend on the threads.
    """
    parts = _threads() if cells >= 100_000 and n >= 2 else 1
    cuts = np.linspace(0, n, parts + 1).astype(int)
    slices = [slice(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    if parts == 1:
        work(slices[0])
        return
    with ThreadPoolExecutor(max_workers=parts) as pool:
        list(pool.map(work, slices))


def _ordinal_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of each row (ties in draw order), as one argsort per row."""
    ranks = np.empty(x.shape, dtype=np.intp)
    steps = np.arange(1, x.shape[1] + 1)

    def rank(rows: slice) -> None:
        order = np.argsort(x[rows], axis=1)
        np.put_along_axis(ranks[rows], order, np.broadcast_to(steps, order.shape), axis=1)

    _in_halves(rank, x.shape[0], cells=x.size)
    return ranks


def _draw_rates(
    x: np.ndarray, lower: np.ndarray, upper: np.ndarray, rng: np.random.Generator, n_sims: int
) -> np.ndarray:
    """Draw plausible rates from their 95% limits (rows = draws, float32 for speed).

    A rate with positive limits is drawn on the log scale,
    ``x * exp(se * z)`` with ``se = (ln upper - ln lower) / (2 * 1.96)``;
    otherwise on the linear scale, ``|x + se * z|``. The arithmetic is done in
    float32 in place, in the draws' own array.
    """
    draws = rng.standard_normal((n_sims, x.size), dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_scale = (x > 0) & (lower > 0) & (upper > 0)
        se_log = np.nan_to_num((np.log(upper) - np.log(lower)) / (2 * _Z95)).astype(np.float32)
        se_lin = np.nan_to_num((upper - lower) / (2 * _Z95)).astype(np.float32)
    x32 = x.astype(np.float32)
    if log_scale.all():  # the usual case: no column selection to copy
        draws *= se_log
        np.exp(draws, out=draws)
        draws *= x32
        return draws
    log_idx, lin_idx = np.flatnonzero(log_scale), np.flatnonzero(~log_scale)
    draws[:, log_idx] = x32[log_idx] * np.exp(se_log[log_idx] * draws[:, log_idx])
    draws[:, lin_idx] = np.abs(x32[lin_idx] + se_lin[lin_idx] * draws[:, lin_idx])
    return draws


def composite_index(
    rates: pd.DataFrame,
    *,
    method: Method = "exponential",
    weights: Mapping[str, float] | None = None,
    n_simulations: int = 200,
    random_state: int = 0,
    missing: MissingPolicy = "exclude",
    lower_is_worse: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Score and rank areas in one call (see :class:`CompositeIndex`).

    Parameters
    ----------
    rates : DataFrame
        Wide per-area domain rates, e.g. from :func:`domain_rates`.
    method, weights, n_simulations, random_state, missing, lower_is_worse
        As for :class:`CompositeIndex`.

    Returns
    -------
    DataFrame
        :attr:`CompositeIndex.scores_`.
    """
    return (
        CompositeIndex(
            method=method,
            weights=weights,
            n_simulations=n_simulations,
            random_state=random_state,
            missing=missing,
            lower_is_worse=lower_is_worse,
        )
        .fit(rates)
        .scores_
    )
