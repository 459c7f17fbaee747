"""Strata estimated in forked worker processes give exactly the serial table.

On Linux, with one Python thread, ``estimate_by_stratum`` forks its workers
from the calling process (no second import of the estimator); elsewhere they
are loky's fresh interpreters. Either way the table must be the one of
``n_jobs=1``, a stratum that cannot be estimated must say why in its row, an
unexpected error must name its stratum, and a worker that dies must name the
strata whose results were lost.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

from meam_mapping.estimate.mse import estimate_by_stratum
from meam_mapping.estimate.mse import parallel as parallel_module
from meam_mapping.estimate.mse import strata as strata_module
from meam_mapping.estimate.mse.parallel import WorkerStopped, map_chunks, start_method

LISTS = ["housing", "treatment", "mental_health", "probation"]
FORK = sys.platform.startswith("linux")
needs_fork = pytest.mark.skipif(not FORK, reason="workers are forked only on Linux")


@pytest.fixture(autouse=True)
def _threads_of_this_test_only(monkeypatch):
    # Idle threads that earlier tests of the session leave behind (the app's autosave
    # pool, a browser driver's child watcher) would rule fork out for this whole module:
    # the rule is checked against the threads started during each test, which is what
    # each test is about (a real web-server thread is started inside the test below).
    before = set(parallel_module._other_threads())
    real = parallel_module._other_threads
    monkeypatch.setattr(parallel_module, "_other_threads",
                        lambda: [t for t in real() if t not in before])  # fmt: skip


def _districts(n: int, seed: int, bad: int | None = None) -> pd.DataFrame:
    """Four-list overlap tables of ``n`` districts: independent lists, and some dependent."""
    rng = np.random.default_rng(seed)
    pats = np.array(list(itertools.product((0, 1), repeat=len(LISTS))))[1:]
    frames = []
    for d in range(n):
        p = rng.uniform(0.2, 0.5, len(LISTS))
        prob = np.prod(np.where(pats == 1, p, 1 - p), axis=1)
        if d % 3 == 0:  # housing and treatment seen together more often
            prob = prob * np.where((pats[:, 0] == 1) & (pats[:, 1] == 1), 2.0, 1.0)
        counts = rng.poisson(rng.integers(300, 1500) * prob)
        if d == bad:
            counts[:] = 0
            counts[0] = 12  # one list only: no overlap, cannot be estimated
        frames.append(pd.DataFrame(pats, columns=LISTS).assign(lad_code=f"E06{d:06d}",
                                                               count=counts))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _by_stratum(table: pd.DataFrame, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_by_stratum(table, "lad_code", **kw)


@needs_fork
def test_forked_workers_give_exactly_the_serial_table():
    assert start_method() == "fork"
    table = _districts(24, seed=3, bad=7)
    serial = _by_stratum(table, n_jobs=1)
    parallel = _by_stratum(table, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)
    assert list(parallel["lad_code"][:-1]) == sorted(table["lad_code"].unique())
    # Not a table of failures: nearly every district has an estimate, and the models differ.
    assert parallel["n_hat"].iloc[:-1].notna().sum() == 23
    assert parallel["model"].iloc[:-1].astype(str).nunique() > 1


def test_a_stratum_that_cannot_be_estimated_says_why_in_its_row():
    table = _districts(8, seed=4, bad=5)
    serial = _by_stratum(table, n_jobs=1)
    parallel = _by_stratum(table, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)
    row = parallel.loc[parallel["lad_code"] == "E06000005"].iloc[0]
    assert np.isnan(row["n_hat"]) and row["observed"] == 12
    (message,) = row["warnings"]
    assert message.startswith("not estimated: ") and "nobody on them" in message
    total = parallel.iloc[-1]
    assert np.isnan(total["n_hat"])
    assert "1 stratum(s) could not be estimated" in total["warnings"][0]


@needs_fork
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_unexpected_error_names_its_stratum(n_jobs, monkeypatch):
    real = strata_module._estimate

    def broken(part, params):
        if part.table["count"].sum() == 12:
            raise ZeroDivisionError("a bug, not the data")
        return real(part, params)

    monkeypatch.setattr(strata_module, "_estimate", broken)  # forked workers inherit it
    with pytest.raises(ZeroDivisionError, match="a bug") as info:
        _by_stratum(_districts(8, seed=4, bad=5), n_jobs=n_jobs)
    assert "while estimating lad_code 'E06000005'" in info.value.__notes__


@needs_fork
def test_a_worker_that_dies_names_the_strata_lost(monkeypatch):
    real = strata_module._estimate

    def dies(part, params):
        if part.table["count"].sum() == 12:
            os._exit(3)  # as if killed for lack of memory
        return real(part, params)

    monkeypatch.setattr(strata_module, "_estimate", dies)
    with pytest.raises(WorkerStopped, match="n_jobs=1") as info:
        _by_stratum(_districts(8, seed=4, bad=5), n_jobs=2)
    assert "lad_code 'E06000005'" in str(info.value)


def _square(chunk: list[int]) -> list[tuple[int, int]]:
    return [(x, x * x) for x in chunk]


def _blas_threads(chunk: list[int]) -> list[int]:
    from threadpoolctl import threadpool_info

    threads = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return [max(threads, default=1)] * len(chunk)


@pytest.mark.parametrize("start", ["fork", "loky"])
def test_results_come_back_in_the_items_order(start):
    items = [f"item {i}" for i in np.random.default_rng(0).permutation(37)]
    # ``list`` keeps the worker light: loky's fresh interpreters import only joblib.
    assert map_chunks(list, items, 2, start=start) == items
    assert map_chunks(list, items, 1, start=start) == items
    assert map_chunks(list, [], 2, start=start) == []
    if start == "fork":
        assert map_chunks(_square, list(range(37)), 2, start=start) == [
            (x, x * x) for x in range(37)
        ]


@needs_fork
def test_forked_workers_use_one_blas_thread():
    assert map_chunks(_blas_threads, list(range(8)), 2, start="fork") == [1] * 8


@needs_fork
def test_a_process_with_other_threads_does_not_fork():
    map_chunks(list, list(range(4)), 2, start="loky")  # leaves loky's threads running
    assert start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="web server")
    other.start()
    try:
        assert start_method() == "loky"
        assert start_method("fork") == "fork"  # asked for explicitly
    finally:
        stop.set()
        other.join()
    assert start_method() == "fork"
    assert start_method("loky") == "loky"
    # asyncio's child watcher (left by a browser driver, say) only waits for its child.
    waiter = threading.Thread(target=stop.wait, name="asyncio-waitpid-7")
    stop.clear()
    waiter.start()
    try:
        assert start_method() == "fork"
    finally:
        stop.set()
        waiter.join()
    with pytest.raises(ValueError, match="'auto', 'fork' or 'loky'"):
        start_method("spawn")
