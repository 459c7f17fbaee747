"""The visibility gap against known truth: exact tests, exact chance counts, hidden need found.

Worked examples are checked against scipy's Fisher exact test (the
hypergeometric test of a group against its stratum is Fisher's test of the
group against the rest); the chance count against redraws from the exact null
law; the flags against the true hidden people of simulated demo worlds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from meam_mapping.errors import InputError
from meam_mapping.estimate.visibility import (
    VISIBILITY_FLAGS,
    VisibilityGap,
    exact_group_test,
    visibility_gap,
)

LESS, AS_EXPECTED, MORE, NOT_ASSESSED = VISIBILITY_FLAGS


def _world(seed=0, slope=0.15, n=160, districts=2):
    """Areas whose share seen by 2+ (visibility) falls with distance when slope > 0."""
    rng = np.random.default_rng(seed)
    distance = rng.uniform(0, 20, n)
    people = rng.poisson(10, n)
    logit_seen = 0.8 - slope * distance
    seen_prob = 1 / (1 + np.exp(-logit_seen))
    # Each person seen by each of 3 services independently: any / two or more.
    counts = np.zeros((n, 4), dtype=int)  # people by number of services (0..3)
    for i in range(n):
        k = rng.binomial(3, seen_prob[i], size=people[i])
        counts[i] = np.bincount(k, minlength=4)
    return pd.DataFrame(
        {
            "area_code": [f"E01{i:06d}" for i in range(n)],
            "area_name": [f"Area {i}" for i in range(n)],
            "lad_code": np.where(np.arange(n) % districts == 0, "E07000001", "E07000002"),
            "distance_km": distance,
            "known_any": counts[:, 1:].sum(axis=1),
            "known_2plus": counts[:, 2:].sum(axis=1),
            "n_true": people,
            "hidden": counts[:, 0],
        }
    )


def test_group_test_is_fishers_exact_test():
    # District: 60 known, 30 by two or more; group: 20 known, 5 by two or more.
    p_lower, p_upper, chance_lower, chance_upper = exact_group_test(60, 30, 20, 5, 0.025)
    table = [[5, 20 - 5], [30 - 5, (60 - 20) - (30 - 5)]]  # group vs rest of district
    assert_allclose(p_lower, stats.fisher_exact(table, alternative="less")[1], rtol=1e-10)
    assert_allclose(p_upper, stats.fisher_exact(table, alternative="greater")[1], rtol=1e-10)
    # the exact chance of rejecting is at most the level and is attained by a count
    law = stats.hypergeom(60, 30, 20)
    c = max(s for s in range(21) if law.cdf(s) <= 0.025)
    assert_allclose(chance_lower, law.cdf(c)) and chance_lower <= 0.025
    assert law.cdf(c + 1) > 0.025
    assert 0 < chance_upper <= 0.025


def test_worked_example_groups_and_flags():
    # One stratum, 6 areas: the far half has 2 of 20 known seen by 2+, the near half 18 of 20.
    table = pd.DataFrame(
        {
            "area_code": list("abcdef"),
            "known_any": [7, 7, 6, 7, 7, 6],
            "known_2plus": [6, 6, 6, 1, 1, 0],
            "distance_km": [1.0, 2.0, 3.0, 10.0, 11.0, 12.0],
        }
    )
    gap = VisibilityGap(context=["distance_km"]).fit(table)
    r = gap.result_
    assert list(r["group"]) == [1, 1, 1, 2, 2, 2]
    assert list(r["flag"]) == [MORE] * 3 + [LESS] * 3
    assert_allclose(r["group_share"], [0.9] * 3 + [0.1] * 3)
    assert_allclose(r["stratum_share"], 0.5)
    fisher = stats.fisher_exact([[2, 18], [18, 2]], alternative="less")[1]
    assert_allclose(r.loc[5, "p_lower"], fisher, rtol=1e-10)
    law = stats.hypergeom(40, 20, 20)
    c = max(s for s in range(21) if law.cdf(s) <= 0.025)
    assert_allclose(gap.expected_by_chance_, 6 * law.cdf(c))  # both groups, by symmetry
    assert gap.n_flagged_ == 3


def test_flagged_areas_have_a_higher_true_hidden_share():
    higher = []
    for seed in range(20):
        world = _world(seed)
        r = VisibilityGap(context=["distance_km"], stratum="lad_code").fit(world).result_
        flagged = (r["flag"] == LESS).to_numpy()
        assert flagged.any()
        share = [world["hidden"][m].sum() / world["n_true"][m].sum() for m in (flagged, ~flagged)]
        higher.append(share[0] > share[1])
    assert all(higher)


def test_expected_by_chance_matches_redraws_from_the_exact_null_law():
    world = _world(3, slope=0.0)
    gap = VisibilityGap(context=["distance_km"], stratum="lad_code", n_groups=4).fit(world)
    rng = np.random.default_rng(11)
    flags = []
    for _ in range(100):
        redrawn = world.copy()
        for _, rows in world.groupby("lad_code"):
            redrawn.loc[rows.index, "known_2plus"] = rng.multivariate_hypergeometric(
                rows["known_any"].to_numpy(), int(rows["known_2plus"].sum())
            )
        flags.append(
            VisibilityGap(context=["distance_km"], stratum="lad_code", n_groups=4)
            .fit(redrawn)
            .n_flagged_
        )
    flags = np.asarray(flags)
    # groups of ~20 areas are flagged together: compare the mean with its standard error
    se = flags.std(ddof=1) / np.sqrt(len(flags))
    assert abs(flags.mean() - gap.expected_by_chance_) < 3 * se + 0.05
    assert gap.expected_by_chance_ < 0.025 * len(world)  # discrete tests are conservative


def test_several_context_columns_use_groups_ordered_by_the_first():
    world = _world(1).assign(other=lambda t: t["distance_km"] * 2 + 1)
    gap = VisibilityGap(context=["distance_km", "other"], stratum="lad_code", n_groups=3).fit(world)
    means = world.groupby([gap.result_["stratum"], gap.result_["group"]])["distance_km"].mean()
    for _, by_group in means.groupby(level=0):
        assert list(by_group) == sorted(by_group)


def test_suppressed_areas_keep_their_group_flag_and_leave_the_counts():
    world = _world(2)
    hidden = world.assign(suppressed=False)
    hidden.loc[[0, 2], "suppressed"] = True
    r = VisibilityGap(context=["distance_km"], stratum="lad_code").fit(hidden).result_
    assert np.isnan(r.loc[0, "known"]) and r.loc[0, "flag"] != NOT_ASSESSED
    assert "suppressed" in r.loc[0, "reason"]
    full = VisibilityGap(context=["distance_km"], stratum="lad_code").fit(world).result_
    assert r.loc[0, "group_share"] != full.loc[0, "group_share"] or world.loc[0, "known_any"] == 0


def test_function_twin_matches_estimator():
    world = _world(4)
    a = visibility_gap(world, context=["distance_km"], stratum="lad_code")
    b = VisibilityGap(context=["distance_km"], stratum="lad_code").fit(world).result_
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:5]) == ["area_code", "area_name", "stratum", "group", "known"]


def test_text_gives_method_chance_and_assumptions():
    gap = VisibilityGap(context=["distance_km"], stratum="lad_code").fit(_world(5))
    text = gap.assumption_text_
    assert f"{gap.expected_by_chance_:.1f} areas would be flagged" in text
    assert "two or more services" in text and "exact" in text and "distance_km" in text
    assert f"{gap.n_flagged_} areas were flagged" in text


def test_init_only_stores_parameters():
    gap = VisibilityGap(context=["x"], stratum="lad_code", random_state=9)
    assert vars(gap) == {
        "context": ["x"],
        "stratum": "lad_code",
        "any_column": "known_any",
        "two_plus_column": "known_2plus",
        "n_groups": 2,
        "confidence": 0.95,
        "random_state": 9,
    }


def test_clear_errors():
    world = _world(6, n=20)
    with pytest.raises(InputError, match="no visibility context"):
        VisibilityGap().fit(world)
    with pytest.raises(InputError, match="'rurality'"):
        VisibilityGap(context=["rurality"]).fit(world)
    with pytest.raises(InputError, match="more people known to two or more"):
        VisibilityGap(context=["distance_km"]).fit(world.assign(known_2plus=world["known_any"] + 1))
    gappy = world.copy()
    gappy.loc[3, "distance_km"] = np.nan
    with pytest.raises(InputError, match="row 5"):
        VisibilityGap(context=["distance_km"]).fit(gappy)
    with pytest.raises(InputError, match="n_groups"):
        VisibilityGap(context=["distance_km"], n_groups=1).fit(world)
    with pytest.raises(InputError, match="negative or fractional"):
        VisibilityGap(context=["distance_km"]).fit(world.assign(known_any=-1))
    with pytest.raises(InputError, match="appear more than once"):
        VisibilityGap(context=["distance_km"]).fit(pd.concat([world, world.head(1)]))
