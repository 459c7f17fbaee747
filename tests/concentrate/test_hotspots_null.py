"""Hot spots under no clustering: the stated false-alarm levels hold (issue 14, item 3).

Values are shuffled at random over the real demo MSOA geometry, so no area is
truly a hot or cold spot. Two-sided p-values must flag about ``alpha`` of the
areas before adjustment (esda's one-sided "directed" default flagged about
twice that), and after the Benjamini-Hochberg adjustment the share of maps
with any discovery at all (under the complete null the FDR equals this
share) must be at most ``alpha``, allowing for Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meam_mapping.concentrate.hotspots import Hotspots


@pytest.fixture(scope="module")
def msoas():
    from meam_mapping.dataset import dataset_from_demo
    from meam_mapping.demo import build_demo

    return dataset_from_demo(build_demo()).areas["msoa"][["area_code", "geometry"]]


def _null_maps(msoas, statistic, n_maps, permutations, seed, fdr=True):
    rng = np.random.default_rng(seed)
    base = rng.lognormal(2.0, 0.6, len(msoas))
    flagged, any_discovery = [], []
    for m in range(n_maps):
        values = pd.Series(rng.permutation(base), index=msoas["area_code"].to_numpy())
        result = (
            Hotspots(statistic, permutations=permutations, random_state=seed + m, fdr=fdr)
            .fit(msoas, values)
            .result_
        )
        flagged.append((result["p_value"] <= 0.05).mean())
        any_discovery.append(bool((result["p_fdr"] <= 0.05).any()))
    return np.array(flagged), np.array(any_discovery)


def _check_flagged(flagged):
    # About 5% of areas flagged before adjustment (the one-sided p gave ~10%).
    assert 0.03 <= flagged.mean() <= 0.07, flagged.mean()


def _check(flagged, any_discovery):
    n = len(any_discovery)
    _check_flagged(flagged)
    # Maps with any false discovery: at most 5% plus two Monte Carlo standard errors.
    assert any_discovery.mean() <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / n), any_discovery.mean()


@pytest.mark.parametrize("statistic", ["gi_star", "local_moran"])
def test_null_maps_on_demo_msoas_fast(msoas, statistic):
    # Unadjusted p-values only: the adjustment needs 9,999 permutations here (slow test).
    flagged, _ = _null_maps(msoas, statistic, n_maps=50, permutations=999, seed=1, fdr=False)
    _check_flagged(flagged)


@pytest.mark.slow
@pytest.mark.parametrize("statistic", ["gi_star", "local_moran"])
def test_null_maps_on_demo_msoas(msoas, statistic):
    # 9,999 permutations so that the adjustment over 76 areas can reject at all.
    flagged, any_discovery = _null_maps(msoas, statistic, n_maps=200, permutations=9999, seed=2)
    _check(flagged, any_discovery)
