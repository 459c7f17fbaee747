"""Hidden-population estimates per area (or other stratum), reconciled to a total.

This is the one per-area loop (:func:`each_stratum`): the command line's
records (:func:`hidden_records`) and the separate estimates of
:func:`estimate_by_stratum` both go through it.

Two ways:

* **separate** (``pooled=False``): one estimate per stratum, each from its own
  table; the total row is the sum of the stratum estimates (its interval is
  a normal approximation treating strata as independent) and is compared
  with the estimate from all strata added together;
* **pooled** (``pooled=True``), for sparse per-area tables: one log-linear
  model over all strata with the stratum as a factor (its own size) and list
  effects and interactions shared by all strata (interactions chosen on the
  table of all strata together). Each stratum's hidden cell then has its own
  profile-likelihood interval. Because the stratum enters as a main effect
  only, the strata sum exactly to the estimate from the added-up table
  (collapsibility), which gives the total and its interval.

Separate estimates are independent, so with many strata they run in
parallel worker processes (``n_jobs``, scikit-learn's convention: ``None``
for as many as the machine has cores, up to :data:`MAX_WORKERS`, when there
are at least :data:`PARALLEL_FROM` strata; ``1`` for one at a time; ``-1``
for every core). On Linux the workers are forked from this process, so they
do not import the estimator again (see :mod:`~meam_mapping.estimate.mse.parallel`).
Each stratum's candidate models are searched with the
pruned search (``search='pruned'``, see
:func:`~meam_mapping.estimate.mse.select.search_models`) and only the chosen
model's interval is profiled (``interval_window=0``), as the per-stratum rows
report only the chosen model; pass ``search='all'`` to fit every model.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.mse.estimate import HiddenPopulationEstimate, estimate_hidden
from meam_mapping.estimate.mse.loglinear import (
    PROFILE_METHOD,
    design_matrix,
    profile_interval_design,
)
from meam_mapping.estimate.mse.parallel import map_chunks
from meam_mapping.estimate.mse.patterns import (
    COUNT_COLUMN,
    PatternTable,
    pattern_counts,
    validate_patterns,
)
from meam_mapping.estimate.mse.wording import about

__all__ = ["TOTAL_LABEL", "each_stratum", "estimate_by_stratum", "hidden_records"]

#: Value in the ``by`` column of the reconciled total row.
TOTAL_LABEL = "Total"
#: Most worker processes used by default for separate estimates.
MAX_WORKERS = 8
#: Fewest strata for which separate estimates run in parallel by default.
PARALLEL_FROM = 24
#: Options of the separate per-stratum fits unless the caller sets them.
STRATUM_DEFAULTS: dict[str, Any] = {"search": "pruned", "interval_window": 0.0}
COLUMNS = ["observed", "n_hat", "ci_low", "ci_high", "hidden", "method", "model", "ci_method"]


def estimate_by_stratum(
    patterns: pd.DataFrame,
    by: str,
    *,
    pooled: bool = False,
    lists: Sequence[str] | None = None,
    overall: HiddenPopulationEstimate | None = None,
    n_jobs: int | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """One estimate per stratum plus a reconciled total.

    Parameters
    ----------
    patterns : pandas.DataFrame
        Pattern table with a ``by`` column.
    by : str
        Stratum column (for example ``'area_code'``).
    pooled : bool
        Fit one model with the stratum as a factor (for sparse tables) instead
        of a separate model per stratum.
    lists : sequence of str, optional
        List columns (auto-detected by default).
    overall : HiddenPopulationEstimate, optional
        The estimate from all strata added together, when the caller has
        already fitted it with the same options (it is fitted here otherwise).
    n_jobs : int, optional
        Worker processes for the separate estimates: ``None`` for one per
        core (at most :data:`MAX_WORKERS`) from :data:`PARALLEL_FROM` strata
        on, ``1`` for one stratum at a time, ``-1`` for every core, ``-2``
        for all but one. The results do not depend on it.
    **kw
        :class:`~meam_mapping.estimate.mse.MultipleSystemsEstimator` options;
        the separate estimates use :data:`STRATUM_DEFAULTS` unless given.

    Returns
    -------
    pandas.DataFrame
        One row per stratum, then a row with ``by`` equal to ``'Total'``.
        Columns ``by, observed, n_hat, ci_low, ci_high, hidden, method, model,
        ci_method, warnings, note``; the total row's ``note`` compares the
        sum of strata with the estimate from all strata added together.

    Raises
    ------
    InputError
        On a bad table or a missing ``by`` column.
    EstimationError
        When the pooled model or the all-strata estimate cannot be made.
    """
    if by not in patterns.columns:
        raise InputError(
            f"there is no column {by!r} to split by",
            column=by,
            expected=f"one of {[str(c) for c in patterns.columns]}",
        )
    table = validate_patterns(patterns, lists=lists, strata=[by])
    lists = list(table.lists)
    if overall is None:
        # Only its estimate and interval are used, so no intervals for the other models.
        overall = estimate_hidden(
            table.table.drop(columns=[by]), lists=lists, **{"interval_window": 0.0, **kw}
        )
    if pooled:
        rows = _pooled_rows(table.table, by, lists, overall, kw.get("alpha", 0.05))
    else:
        rows = _separate_rows(table.table, by, lists, {**STRATUM_DEFAULTS, **kw}, n_jobs)
    frame = pd.DataFrame(rows)
    total = _total_row(frame, by, overall, pooled, kw.get("alpha", 0.05))
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return frame[[by, *COLUMNS, "warnings", "note"]]


def each_stratum(
    table: pd.DataFrame, by: str, **params: Any
) -> Iterator[tuple[Any, pd.DataFrame, HiddenPopulationEstimate | EstimationError]]:
    """The one per-stratum loop: estimate each value of ``by`` on its own.

    Parameters
    ----------
    table : pandas.DataFrame
        Pattern table with a ``by`` column.
    by : str
        Stratum column.
    **params
        :class:`~meam_mapping.estimate.mse.estimate.MultipleSystemsEstimator`
        options.

    Yields
    ------
    tuple
        ``(value, group, result)`` in sorted order of ``value``; ``group`` is
        the stratum's table without ``by``; ``result`` is a
        :class:`HiddenPopulationEstimate` or the
        :class:`~meam_mapping.errors.EstimationError` saying why the stratum
        could not be estimated.
    """
    for value, part in _strata(table, by):
        yield value, part, _estimate(part, params)


def _strata(table: pd.DataFrame, by: str) -> Iterator[tuple[Any, pd.DataFrame]]:
    for value, group in table.groupby(by, sort=True, dropna=False):
        value = value.item() if hasattr(value, "item") else value
        yield value, group.drop(columns=[by]).reset_index(drop=True)


def _checked_strata(
    table: pd.DataFrame, by: str, lists: list[str]
) -> list[tuple[Any, PatternTable]]:
    # Each stratum of a checked table is itself checked (0/1 lists, whole counts, one row
    # per pattern, sorted), so the estimator takes it as it is instead of checking it again
    # (about a sixth of the time per district).
    return [(value, PatternTable(table=part, lists=tuple(lists), strata=(), warnings=()))
            for value, part in _strata(table, by)]  # fmt: skip


def _estimate(part: PatternTable, params: dict) -> HiddenPopulationEstimate | EstimationError:
    try:
        return estimate_hidden(part, **params)
    except EstimationError as exc:
        return exc


def workers(n_jobs: int | None, n_tasks: int) -> int:
    """Worker processes for ``n_tasks`` independent tasks (scikit-learn's ``n_jobs``).

    Parameters
    ----------
    n_jobs : int or None
        ``None``: one per core, at most :data:`MAX_WORKERS`, and 1 below
        :data:`PARALLEL_FROM` tasks; a positive number: that many; ``-1``:
        every core, ``-2``: all but one, and so on.
    n_tasks : int
        Number of tasks (never more workers than tasks).

    Returns
    -------
    int
        At least 1.
    """
    cores = os.cpu_count() or 1
    if n_jobs is None:
        wanted = min(cores, MAX_WORKERS) if n_tasks >= PARALLEL_FROM else 1
    elif isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise InputError(
            f"n_jobs must be a whole number other than 0, or None, not {n_jobs!r}",
            column="n_jobs",
            expected="None (one per core), 1 (one at a time), 2, ... or -1 (every core)",
        )
    elif n_jobs < 0:
        wanted = max(1, cores + 1 + int(n_jobs))
    else:
        wanted = int(n_jobs)
    return max(1, min(wanted, n_tasks))


def _stratum_row(by: str, value: Any, part: PatternTable, params: dict) -> dict:
    try:
        r = _estimate(part, params)
    except Exception as exc:  # not a problem of the data: say where, and let it through
        exc.add_note(f"while estimating {by} {value!r}")
        raise
    row: dict[str, Any] = {by: value, "note": ""}
    if isinstance(r, EstimationError):
        row |= {
            "observed": int(part.table[COUNT_COLUMN].sum()), "n_hat": np.nan, "ci_low": np.nan,
            "ci_high": np.nan, "hidden": np.nan, "method": "", "model": [],
            "ci_method": "", "warnings": [f"not estimated: {r}"],
        }  # fmt: skip
    else:
        row |= {
            "observed": r.observed, "n_hat": r.n_hat, "ci_low": r.ci_low,
            "ci_high": r.ci_high, "hidden": r.hidden, "method": r.method,
            "model": list(r.model), "ci_method": r.ci_method, "warnings": list(r.warnings),
        }  # fmt: skip
    return row


def _chunk_rows(chunk: list[tuple[Any, PatternTable]], by: str, params: dict) -> list[dict]:
    return [_stratum_row(by, value, part, params) for value, part in chunk]


def _separate_rows(
    table: pd.DataFrame, by: str, lists: list[str], kw: dict, n_jobs: int | None = None
) -> list[dict]:
    params = {"lists": lists, **kw}
    strata = _checked_strata(table, by, lists)
    return map_chunks(
        functools.partial(_chunk_rows, by=by, params=params), strata,
        workers(n_jobs, len(strata)), describe=lambda item: f"{by} {item[0]!r}",
    )  # fmt: skip


def _pooled_rows(
    table: pd.DataFrame, by: str, lists: list[str], overall: Any, alpha: float
) -> list[dict]:
    if overall.method != "loglinear" and len(lists) == 2:
        terms: tuple[str, ...] = ()
    else:
        terms = overall.model
    values = sorted(table[by].unique().tolist(), key=str)
    ys = [pattern_counts(table[table[by] == v], lists) for v in values]
    base = design_matrix(lists, terms)
    n_cells = base.shape[0]
    y = np.concatenate(ys)
    rows = []
    for s, value in enumerate(values):
        # Stratum s is the reference, so the intercept is its hidden cell.
        others = [r for r in range(len(values)) if r != s]
        dummies = np.zeros((len(y), len(others)))
        for c, r in enumerate(others):
            dummies[r * n_cells : (r + 1) * n_cells, c] = 1.0
        X = np.column_stack([np.tile(base, (len(values), 1))[:, :1], dummies,
                             np.tile(base[:, 1:], (len(values), 1))])  # fmt: skip
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit()
        coef = np.asarray(res.params, dtype=float)
        if not res.converged or np.max(np.abs(coef[1 + len(others) :])) > 15:
            raise EstimationError(
                "the pooled model across strata did not converge; try interactions='none'"
            )
        observed = float(ys[s].sum())
        low, high = profile_interval_design(X, y, coef, observed, alpha)
        hidden = float(np.exp(coef[0]))
        warnings = [] if observed > 0 else ["nobody was seen in this stratum"]
        rows.append(
            {
                by: value,
                "observed": int(observed),
                "n_hat": observed + hidden,
                "ci_low": low,
                "ci_high": high,
                "hidden": hidden,
                "method": "loglinear (pooled)",
                "model": list(terms),
                "ci_method": PROFILE_METHOD,
                "warnings": warnings,
                "note": "",
            }  # fmt: skip
        )
    return rows


def _total_row(frame: pd.DataFrame, by: str, overall: Any, pooled: bool, alpha: float) -> dict:
    observed = int(frame["observed"].sum())
    row: dict[str, Any] = {by: TOTAL_LABEL, "observed": observed, "model": list(overall.model)}
    if pooled:
        n_hat = float(frame["n_hat"].sum())
        row |= {
            "n_hat": n_hat, "ci_low": overall.ci_low, "ci_high": overall.ci_high,
            "hidden": n_hat - observed, "method": "loglinear (pooled)",
            "ci_method": overall.ci_method, "warnings": list(overall.warnings),
            "note": (
                f"sum of strata {about(n_hat)}; estimate from all strata added together "
                f"{about(overall.n_hat)} (equal by construction: strata share the list effects)"
            ),
        }  # fmt: skip
        return row
    if frame["n_hat"].isna().any():
        missing = int(frame["n_hat"].isna().sum())
        row |= {
            "n_hat": np.nan, "ci_low": np.nan, "ci_high": np.nan, "hidden": np.nan,
            "method": "sum of strata", "ci_method": "",
            "warnings": [f"{missing} stratum(s) could not be estimated, so there is no sum"],
            "note": f"estimate from all strata added together: {about(overall.n_hat)} "
            f"({about(overall.ci_low)} to {about(overall.ci_high)}); consider pooled=True",
        }  # fmt: skip
        return row
    z = stats.norm.ppf(1 - alpha / 2)
    n_hat = float(frame["n_hat"].sum())
    se = np.sqrt(np.sum(((frame["ci_high"] - frame["ci_low"]) / (2 * z)) ** 2))
    diff = (n_hat - overall.n_hat) / overall.n_hat
    note = (
        f"sum of strata {about(n_hat)} vs estimate from all strata added together "
        f"{about(overall.n_hat)} ({diff:+.0%}). "
    )
    if abs(diff) > 0.1:
        note += (
            "A large difference means the strata differ in how visible people are to the "
            "lists (added together, that looks like list dependence) or that some strata "
            "are too sparse for their own estimate; consider pooled=True"
        )
    else:
        note += "They agree within 10%"
    row |= {
        "n_hat": n_hat,
        "ci_low": max(float(observed), n_hat - z * se) if math.isfinite(se) else np.nan,
        "ci_high": n_hat + z * se if math.isfinite(se) else np.inf,
        "hidden": n_hat - observed,
        "method": "sum of strata",
        "ci_method": "normal approximation from the stratum intervals (strata independent)",
        "warnings": list(overall.warnings),
        "note": note,
    }
    return row


def hidden_records(
    patterns: pd.DataFrame,
    by: str | None = None,
    method: str = "auto",
    interactions: str | Sequence[str] | None = None,
    select: str | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    """Return the records for ``python -m meam_mapping hidden --format json``.

    Parameters
    ----------
    patterns : pandas.DataFrame
        Pattern table.
    by : str, optional
        Column to split by (one record per value, in sorted order).
    method, interactions, select
        As for :class:`~meam_mapping.estimate.mse.estimate.MultipleSystemsEstimator`
        (``select=None`` means AIC when ``interactions`` is None).
    **kw
        Other estimator parameters (``ci``, ``alpha``, ``lists`` ...).

    Returns
    -------
    list of dict
        Keys ``observed, n_hat, ci_low, ci_high, hidden, method, model,
        ci_method, warnings, chao_lower_bound`` (plus ``by`` when given). A group that cannot be
        estimated gets ``None`` numbers and the reason in ``warnings``.

    Raises
    ------
    InputError
        On a bad table, option or ``by`` column.
    EstimationError
        When ``by`` is None and no estimate can be made.
    """
    params = dict(method=method, interactions=interactions, select=select, **kw)
    if by is None:
        return [estimate_hidden(patterns, **params).to_record()]
    if by not in patterns.columns:
        raise InputError(
            f"there is no column {by!r} to split by",
            column=by,
            expected=f"one of {[str(c) for c in patterns.columns]}",
        )
    strata = [s for s in kw.pop("strata", ()) if s != by]
    params["strata"] = strata
    validate_patterns(patterns, lists=kw.get("lists"), strata=[by, *strata])
    records = []
    for value, part, r in each_stratum(patterns, by, **params):
        if isinstance(r, EstimationError):
            record = {
                "observed": int(pd.to_numeric(part[COUNT_COLUMN]).sum()),
                "n_hat": None, "ci_low": None, "ci_high": None, "hidden": None,
                "method": str(method), "model": [], "ci_method": "",
                "warnings": [f"not estimated: {r}"], "chao_lower_bound": None,
            }  # fmt: skip
        else:
            record = r.to_record()
        records.append({by: value, **record})
    return records
