"""The pruned model search chooses what the full search chooses (issue 17, item 6).

Simulated four-list overlap tables are drawn from log-linear models with
known dependence (none, one or two pairwise interactions of random strength,
or heterogeneity through a shared visibility), then the pruned search
(:func:`search_models` with ``prune=True``) is compared with fitting all 64
models: it must choose the same model, or one whose AIC is within
``PRUNE_TOLERANCE`` of the best, and the same model in at least 90% of
tables. The demo's districts and many simulated districts must give the same
rows whether strata are estimated one at a time or in worker processes, with
or without pruning.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.estimate.mse import estimate_by_stratum
from meam_mapping.estimate.mse.select import (
    PRUNE_TOLERANCE,
    all_terms,
    best_model,
    search_models,
)
from meam_mapping.estimate.mse.strata import workers

LISTS = ["housing", "treatment", "mental_health", "probation"]


def simulated_table(rng: np.random.Generator) -> np.ndarray:
    """Observable cell counts of a four-list table with random dependence."""
    cells = np.array(list(itertools.product((0, 1), repeat=4)))[:, ::-1]  # binary counting
    n = int(rng.integers(150, 3000))
    logit = np.log(rng.uniform(0.1, 0.5, 4) / (1 - rng.uniform(0.1, 0.5, 4)))
    eta = cells @ logit
    pairs = list(itertools.combinations(range(4), 2))
    for k in rng.choice(6, size=rng.integers(0, 3), replace=False):
        i, j = pairs[k]
        eta = eta + rng.normal(0, 0.8) * cells[:, i] * cells[:, j]
    if rng.random() < 0.25:  # people differ in visibility: a shared random effect
        frailty = rng.normal(0, 0.7, 4000)
        probs = np.exp(eta[None] + np.outer(frailty, cells.sum(axis=1)))
        probs = (probs / probs.sum(axis=1, keepdims=True)).mean(axis=0)
    else:
        probs = np.exp(eta) / np.exp(eta).sum()
    counts = rng.multinomial(n, probs)
    return counts[1:].astype(float)  # drop the hidden (all-zero) cell


def _compare(seeds: range) -> tuple[int, int, list]:
    same = total = 0
    misses = []
    for seed in seeds:
        y = simulated_table(np.random.default_rng(seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full, _ = search_models(y, LISTS)
            pruned, how = search_models(y, LISTS, prune=True)
        assert how == "pruned"
        try:
            a = best_model(full, "aic")
        except Exception:  # noqa: BLE001 - no usable model: the pruned search must say so too
            with pytest.raises(Exception):  # noqa: B017
                best_model(pruned, "aic")
            continue
        b = best_model(pruned, "aic")
        total += 1
        assert len(pruned) <= len(full)
        assert b.aic - a.aic <= PRUNE_TOLERANCE + 1e-9, (seed, a.terms, b.terms)
        if a.terms == b.terms:
            same += 1
            assert b.n_hat == a.n_hat
        else:
            misses.append((seed, a.terms, b.terms, b.aic - a.aic))
    return same, total, misses


def test_pruned_search_chooses_the_full_search_model():
    same, total, misses = _compare(range(12))
    assert total >= 10
    assert same >= 0.9 * total, misses


@pytest.mark.slow
def test_pruned_search_on_many_tables():
    same, total, misses = _compare(range(1000, 1300))
    assert same >= 0.95 * total, misses


def test_pruned_search_fits_fewer_models_and_keeps_their_order():
    y = simulated_table(np.random.default_rng(1))
    full, _ = search_models(y, LISTS)
    pruned, _ = search_models(y, LISTS, prune=True)
    assert len(pruned) < len(full)
    order = {f.terms: i for i, f in enumerate(full)}
    positions = [order[f.terms] for f in pruned]
    assert positions == sorted(positions)  # same order, so ties break the same way
    assert pruned[-1].terms == tuple(all_terms(LISTS))


def _district_table(n_districts: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pats = np.array(list(itertools.product((0, 1), repeat=4)))[:, ::-1][1:]
    rows = []
    for d in range(n_districts):
        y = simulated_table(rng)
        frame = pd.DataFrame(pats, columns=LISTS).assign(district=f"D{d:02d}", count=y)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def test_strata_same_rows_pruned_or_not_serial_or_parallel():
    table = _district_table(6, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = estimate_by_stratum(table, "district", search="all", interval_window=0.0, n_jobs=1)
        serial = estimate_by_stratum(table, "district", n_jobs=1)
        parallel = estimate_by_stratum(table, "district", n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)
    same = full["model"].astype(str) == serial["model"].astype(str)
    assert same.mean() >= 0.8
    pd.testing.assert_frame_equal(
        full.loc[same, ["district", "observed", "n_hat", "ci_low", "ci_high"]],
        serial.loc[same, ["district", "observed", "n_hat", "ci_low", "ci_high"]],
    )


def test_demo_districts_same_with_pruned_search(demo):
    patterns = demo.patterns.drop(columns="sex")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = estimate_by_stratum(patterns, "area_code", search="all", interval_window=0.0)
        pruned = estimate_by_stratum(patterns, "area_code", n_jobs=1)
    pd.testing.assert_frame_equal(full, pruned)


@pytest.mark.parametrize(
    ("n_jobs", "n_tasks", "expected"),
    [(1, 100, 1), (2, 100, 2), (5, 3, 3), (None, 5, 1), (-1, 100, None)],
)
def test_workers_follow_scikit_learn_convention(n_jobs, n_tasks, expected, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    got = workers(n_jobs, n_tasks)
    assert got == (4 if expected is None else expected)
    assert workers(None, 100) == 4
    assert workers(-2, 100) == 3


@pytest.mark.parametrize("bad", [0, 1.5, "2", True])
def test_workers_refuse_a_bad_n_jobs(bad):
    with pytest.raises(InputError, match="n_jobs"):
        workers(bad, 10)


def test_unknown_search_is_refused():
    table = _district_table(1, seed=1).drop(columns="district")
    with pytest.raises(InputError, match="'all'"):
        estimate_by_stratum(table.assign(d="x"), "d", search="greedy", n_jobs=1)
