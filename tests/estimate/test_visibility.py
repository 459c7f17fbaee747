from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from sklearn.metrics import adjusted_rand_score

from meam_mapping.errors import InputError
from meam_mapping.estimate.visibility import VISIBILITY_FLAGS, VisibilityGap, visibility_gap

FEWER, AS_EXPECTED, MORE, NOT_ASSESSED = VISIBILITY_FLAGS


def _synthetic(seed=0, n_per_group=40, plant=()):
    """Three kinds of area (deprivation / density) with their own true rates."""
    rng = np.random.default_rng(seed)
    centres = [(10.0, 5.0, 0.004), (30.0, 20.0, 0.010), (55.0, 40.0, 0.020)]
    rows = []
    for group, (dep, density, rate) in enumerate(centres):
        for _ in range(n_per_group):
            rows.append((group, dep + rng.normal(0, 2), density + rng.normal(0, 2), rate))
    group, dep, density, rate = map(np.array, zip(*rows, strict=True))
    denominator = rng.integers(1500, 3000, len(group)).astype(float)
    count = rng.poisson(rate * denominator).astype(float)
    for i in plant:
        count[i] = np.round(count[i] * 0.3)
    return pd.DataFrame(
        {
            "area_code": [f"E0100{i:04d}" for i in range(len(group))],
            "area_name": [f"Area {i}" for i in range(len(group))],
            "count": count,
            "denominator": denominator,
            "deprivation": dep,
            "density": density,
            "true_group": group,
        }
    )


def test_peer_groups_are_recovered_and_labelled_by_first_context():
    table = _synthetic()
    gap = VisibilityGap(context=["deprivation", "density"]).fit(table)
    assert gap.n_clusters_ == 3
    assert adjusted_rand_score(table["true_group"], gap.clusters_.to_numpy()) == 1.0
    # groups numbered from the least to the most deprived
    assert list(gap.cluster_summary_["deprivation"].round()) == sorted(
        gap.cluster_summary_["deprivation"].round()
    )
    assert set(gap.silhouette_) >= {2, 3} and max(gap.silhouette_, key=gap.silhouette_.get) == 3


def test_planted_undercounts_are_flagged():
    planted = [85, 90, 95, 100, 105, 110]  # all in the most deprived group (expected ~40 each)
    table = _synthetic(plant=planted)
    result = VisibilityGap(context=["deprivation", "density"]).fit(table).result_
    assert (result.loc[planted, "flag"] == FEWER).all()
    assert (result.loc[planted, "ratio_upper"] < 1).all()
    assert ((result["flag"] == FEWER).sum() - len(planted)) <= 4


def test_uniform_data_flags_almost_nothing():
    # Rates differ between kinds of area but not within them: comparing with peers
    # flags little (about 5% at the 95% level by chance), while a single study-wide
    # rate would flag most of the least and most deprived areas.
    table = _synthetic(seed=5)
    gap = VisibilityGap(context=["deprivation", "density"]).fit(table)
    flagged = (gap.result_["flag"] != AS_EXPECTED).sum()
    assert flagged <= 0.08 * len(table)
    naive = VisibilityGap(1, context=["deprivation", "density"]).fit(table).result_
    assert (naive["flag"] != AS_EXPECTED).sum() > 0.5 * len(table)


def test_leave_one_out_worked_example():
    # One peer group: area 1's peers have (20 + 30 + 40) / (1000 * 3) = 0.03, so it
    # should have 30 people known; area 4's peers (10 + 20 + 30) / 3000 -> 20 expected.
    table = pd.DataFrame(
        {
            "area_code": ["a", "b", "c", "d"],
            "count": [10, 20, 30, 40],
            "denominator": [1000.0] * 4,
            "deprivation": [1.0, 2.0, 3.0, 4.0],
        }
    )
    gap = VisibilityGap(1, context=["deprivation"]).fit(table)
    r = gap.result_
    assert_allclose(r["expected"], [30.0, 26.666667, 23.333333, 20.0], rtol=1e-6)
    assert_allclose(r["peer_rate"], [30.0, 26.666667, 23.333333, 20.0], rtol=1e-6)
    assert_allclose(r["ratio"], [1 / 3, 0.75, 30 / 23.333333, 2.0], rtol=1e-6)
    # ratio limits: exact Poisson limits of the observed count / expected
    # (10 events: 4.7954 to 18.3904, Armitage & Berry chi-squared form)
    assert_allclose(
        r.loc[0, ["ratio_lower", "ratio_upper"]].astype(float),
        [4.7954 / 30, 18.3904 / 30],
        atol=1e-4,
    )
    assert list(r["flag"]) == [FEWER, AS_EXPECTED, AS_EXPECTED, MORE]
    assert list(r["n_peers"]) == [3, 3, 3, 3]
    # the flag is the observed count against the limits for the expected count
    assert (r.loc[0, "observed"] < r.loc[0, "lower"]) and (r.loc[3, "observed"] > r.loc[3, "upper"])
    assert_allclose(stats.chi2.ppf(0.975, 2 * r.loc[0, "lower"] + 2) / 2, 30.0, rtol=1e-8)


def test_suppressed_counts_are_not_assessed_and_not_used_by_peers():
    table = pd.DataFrame(
        {
            "area_code": list("abcde"),
            "count": [10.0, 20.0, 30.0, 40.0, 999.0],
            "denominator": [1000.0] * 5,
            "suppressed": [False, False, False, False, True],
            "deprivation": [1.0, 2.0, 3.0, 4.0, 5.0],
        },
        index=[7, 3, 9, 1, 5],  # a filtered table keeps its old index
    )
    r = visibility_gap(table, context=["deprivation"], n_clusters=1)
    assert r.loc[4, "flag"] == NOT_ASSESSED and np.isnan(r.loc[4, "observed"])
    assert r.loc[4, "reason"] == "count suppressed or missing"
    assert_allclose(r.loc[0, "expected"], 30.0)


def test_function_twin_matches_estimator():
    table = _synthetic(seed=2, n_per_group=15)
    a = visibility_gap(table, context=["deprivation", "density"], random_state=4)
    b = VisibilityGap(context=["deprivation", "density"], random_state=4).fit(table).result_
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:11]) == [
        "area_code",
        "area_name",
        "cluster",
        "observed",
        "expected",
        "lower",
        "upper",
        "ratio",
        "ratio_lower",
        "ratio_upper",
        "flag",
    ]


def test_assumption_text_explains_both_readings():
    gap = VisibilityGap(context=["deprivation"]).fit(_synthetic(n_per_group=10))
    text = gap.assumption_text_
    assert (
        "similar" in text
        and "not visible to services" in text
        and "genuinely have less need" in text
    )
    assert "deprivation" in text


def test_init_only_stores_parameters():
    gap = VisibilityGap(3, context=["x"], random_state=9)
    assert vars(gap) == {
        "n_clusters": 3,
        "context": ["x"],
        "random_state": 9,
        "confidence": 0.95,
        "max_clusters": 8,
        "min_cluster_size": 3,
        "unit": "per 1,000",
    }


def test_clear_errors():
    table = _synthetic(n_per_group=5)
    with pytest.raises(InputError, match="no context indicators"):
        VisibilityGap().fit(table)
    with pytest.raises(InputError, match="'poverty'"):
        VisibilityGap(context=["poverty"]).fit(table)
    with pytest.raises(InputError, match="same value in every area"):
        VisibilityGap(context=["deprivation", "flat"]).fit(table.assign(flat=1.0))
    gappy = table.copy()
    gappy.loc[3, "density"] = np.nan
    with pytest.raises(InputError, match="row 5") as err:
        VisibilityGap(context=["deprivation", "density"]).fit(gappy)
    assert "'density'" in err.value.message
    with pytest.raises(InputError, match="too few areas"):
        VisibilityGap(context=["deprivation"]).fit(table.head(3))
    with pytest.raises(InputError, match="n_clusters"):
        VisibilityGap(20, context=["deprivation"]).fit(table)
    with pytest.raises(InputError, match="negative"):
        VisibilityGap(context=["deprivation"]).fit(table.assign(count=-1.0))
