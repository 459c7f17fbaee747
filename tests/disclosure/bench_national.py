"""Time suppress_indicators on a synthetic national hierarchy, old engine against new.

Not a test (timings never go into pass/fail tests). Run from the worktree::

    python tests/disclosure/bench_national.py N_LAD MEAN [OLD_MODULE_PATH]

35,000 LSOAs in 7,000 MSOAs (5 each) in 350 districts (20 each), one indicator
and period, counts drawn from a gamma-Poisson with mean 6 per LSOA (about a
quarter of LSOAs fall in 1..4). With OLD_MODULE_PATH (the pre-split
``disclosure.py``, e.g. from ``git show``), both run in the same process.
"""

from __future__ import annotations

import importlib.util
import sys
import time

import numpy as np
import pandas as pd


def national(
    n_lad: int = 350, msoa_per_lad: int = 20, lsoa_per_msoa: int = 5, seed: int = 1,
    mean: float = 6.0,
):  # fmt: skip
    """Synthetic LSOA -> MSOA -> district table (all levels) and its parent lookup."""
    rng = np.random.default_rng(seed)
    n_msoa = n_lad * msoa_per_lad
    n_lsoa = n_msoa * lsoa_per_msoa
    lsoa = np.array([f"E01{i:06d}" for i in range(n_lsoa)])
    msoa = np.array([f"E02{i:06d}" for i in range(n_msoa)])
    lad = np.array([f"E07{i:06d}" for i in range(n_lad)])
    lsoa_parent = np.repeat(msoa, lsoa_per_msoa)
    msoa_parent = np.repeat(lad, msoa_per_lad)
    mean = rng.gamma(2.0, mean / 2.0, n_lsoa)
    counts = rng.poisson(mean).astype(float)
    msoa_counts = counts.reshape(n_msoa, lsoa_per_msoa).sum(axis=1)
    lad_counts = msoa_counts.reshape(n_lad, msoa_per_lad).sum(axis=1)
    codes = np.concatenate([lsoa, msoa, lad])
    allc = np.concatenate([counts, msoa_counts, lad_counts])
    table = pd.DataFrame({"area_code": codes, "indicator": "homelessness", "period": "2024",
                          "count": allc, "denominator": 1500.0, "value": allc / 1.5,
                          "suppressed": False})  # fmt: skip
    parent = pd.Series(np.concatenate([lsoa_parent, msoa_parent]),
                       index=np.concatenate([lsoa, msoa]))  # fmt: skip
    return table, parent


def _load(path: str):
    spec = importlib.util.spec_from_file_location("old_disclosure", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_disclosure"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    from meam_mapping.disclosure import suppress_and_audit

    table, parent = national(n_lad=int(argv[1]), mean=float(argv[2]))
    small = int(((table["count"] > 0) & (table["count"] < 5)).sum())
    print(f"{len(table):,} rows; primary {small:,}", flush=True)
    start = time.perf_counter()
    out, audit = suppress_and_audit(table, parent_of=parent)
    new = time.perf_counter() - start
    print(
        f"new: {new:.2f} s; audit {audit.summary()}; hidden {out['suppressed'].mean():.1%}",
        flush=True,
    )
    if len(argv) > 3:
        old_module = _load(argv[3])
        start = time.perf_counter()
        old_out = old_module.suppress_indicators(table, parent_of=parent)
        old = time.perf_counter() - start
        print(f"old: {old:.2f} s; hidden {old_out['suppressed'].mean():.1%};"
              f" old / new = {old / new:.2f}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv)
