"""Tests for meam_mapping.concentrate.typology."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import adjusted_rand_score

from meam_mapping.concentrate import typology as typology_module
from meam_mapping.concentrate.typology import (
    CLUSTER_METHODS,
    Typology,
    describe_profile,
    typologies,
)
from meam_mapping.errors import InputError

DOMAINS4 = ["homelessness", "substance_misuse", "mental_health", "justice"]


def planted(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three planted groups of areas with distinct domain profiles.

    Group 0 (30 areas): high homelessness and justice.
    Group 1 (40 areas): high mental health.
    Group 2 (50 areas): high substance misuse.
    """
    rng = np.random.default_rng(seed)
    centres = np.array([[4.0, 2.0, 2.0, 4.0], [2.0, 2.0, 4.0, 2.0], [2.0, 4.0, 2.0, 2.0]])
    truth = np.repeat([0, 1, 2], [30, 40, 50])
    rates = (centres[truth] + rng.normal(0, 0.3, (truth.size, 4))) / 100
    codes = pd.Index([f"A{i:03d}" for i in range(truth.size)], name="area_code")
    return pd.DataFrame(rates, columns=DOMAINS4, index=codes), truth


@pytest.mark.parametrize("method", sorted(CLUSTER_METHODS))
def test_recovers_planted_groups(method):
    rates, truth = planted()
    model = Typology(method=method).fit(rates)
    assert model.n_clusters_ == 3
    assert adjusted_rand_score(truth, model.labels_.to_numpy()) >= 0.9
    # Group 1 is the highest-need group: the planted homelessness + justice group.
    assert set(model.labels_.iloc[:30]) == {1}
    words = dict(zip(model.profiles_["cluster"], model.profiles_["description"], strict=True))
    assert words[1] == (
        "Very high homelessness and contact with criminal justice; "
        "low substance misuse and mental ill health"
    )
    assert sorted(words[c] for c in (2, 3)) == [
        "High mental ill health; low homelessness, substance misuse and contact with "
        "criminal justice",
        "High substance misuse; low homelessness, mental ill health and contact with "
        "criminal justice",
    ]
    chosen = model.selection_[model.selection_["chosen"]]
    assert list(chosen["n_clusters"]) == [3]
    # One group ("no clear types") is always a candidate.
    assert list(model.selection_["n_clusters"]) == list(range(1, 9))
    assert model.stability_ > 0.9
    assert not any("No clear types" in n for n in model.notes_)


def test_selection_criterion_matches_method():
    rates, _ = planted()
    assert set(Typology(method="gmm").fit(rates).selection_["criterion"]) == {"bic"}
    assert set(Typology(method="ward", n_clusters=3).fit(rates).selection_["criterion"]) == {
        "silhouette"
    }


def test_labels_are_stable_across_runs_and_row_order():
    rates, _ = planted()
    first = Typology(n_clusters=3, random_state=7).fit(rates).labels_
    again = Typology(n_clusters=3, random_state=7).fit(rates).labels_
    pd.testing.assert_series_equal(first, again)
    shuffled = rates.sample(frac=1.0, random_state=1)
    moved = Typology(n_clusters=3, random_state=7).fit(shuffled).labels_
    pd.testing.assert_series_equal(moved.loc[first.index], first)


def test_profiles_frame_shape_and_sizes():
    rates, _ = planted()
    profiles = Typology(n_clusters=3).fit(rates).profiles_
    assert list(profiles.columns) == ["cluster", "n_areas", *DOMAINS4, "description"]
    assert sorted(profiles["n_areas"]) == [30, 40, 50]
    # Mean z of each domain over all areas is 0, so size-weighted profile means are 0.
    weighted = (profiles[DOMAINS4].mul(profiles["n_areas"], axis=0)).sum()
    np.testing.assert_allclose(weighted, 0.0, atol=1e-9)


def test_describe_profile_thresholds_and_wording():
    profile = pd.Series({"homelessness": 0.51, "justice": 0.5, "mental_health": -0.6})
    assert describe_profile(profile) == "High homelessness; low mental ill health"
    assert describe_profile(profile, threshold=0.4) == (
        "High homelessness and contact with criminal justice; low mental ill health"
    )
    assert describe_profile(pd.Series({"a_b": 0.1})) == "Close to the average in every domain"
    assert describe_profile(pd.Series({"rough_sleeping": 2.0})) == "Very high rough sleeping"
    assert describe_profile(pd.Series({"homelessness": 1.6, "justice": -1.6})) == (
        "Very high homelessness; very low contact with criminal justice"
    )
    assert describe_profile(pd.Series({"homelessness": 0.6, "justice": 1.4})) == (
        "High in every domain"
    )


def test_profile_figure_has_one_bar_group_per_cluster():
    rates, _ = planted()
    fig = Typology(n_clusters=3).fit(rates).profile_figure()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.containers) == 3
    assert all(len(bars) == 4 for bars in ax.containers)


def test_typologies_function_twin():
    rates, truth = planted()
    out = typologies(rates, n_clusters=3)
    assert list(out.columns) == ["area_code", "cluster", "description"]
    assert adjusted_rand_score(truth, out["cluster"]) >= 0.9
    assert out["description"].iloc[0].startswith("Very high homelessness")


# ---------------------------------------------------------------- bad inputs
def test_fewer_areas_than_clusters_is_refused():
    rates, _ = planted()
    with pytest.raises(InputError, match="5 groups were asked for but there are only 3"):
        Typology(n_clusters=5).fit(rates.iloc[[0, 40, 80]])
    with pytest.raises(InputError, match="too few to group"):
        Typology().fit(rates.iloc[[0, 40]])
    twins = rates.iloc[[0, 0, 40]].set_axis(["X", "Y", "Z"]).rename_axis("area_code")
    with pytest.raises(InputError, match="only 2 distinct area profiles, too few to choose"):
        Typology().fit(twins)


@pytest.mark.parametrize("k", [0, -1, 2.5, "three", True])
def test_bad_n_clusters(k):
    rates, _ = planted()
    with pytest.raises(InputError, match="n_clusters"):
        Typology(n_clusters=k).fit(rates)


def test_unknown_method_lists_the_options():
    rates, _ = planted()
    with pytest.raises(InputError, match="gmm, kmeans, ward"):
        Typology(method="dbscan").fit(rates)


def test_constant_data_is_refused_and_constant_domain_dropped():
    rates, _ = planted()
    flat = pd.DataFrame(1.0, index=rates.index, columns=DOMAINS4)
    with pytest.raises(InputError, match="nothing to group"):
        Typology().fit(flat)
    with pytest.warns(UserWarning, match="justice"):
        model = Typology(n_clusters=2).fit(rates.assign(justice=0.02))
    assert (model.profiles_["justice"] == 0).all()


def test_missing_values_are_left_out_with_a_warning():
    rates, _ = planted()
    rates.loc["A005", "mental_health"] = np.nan
    with pytest.warns(UserWarning, match="1 areas with a missing rate"):
        model = Typology(n_clusters=3).fit(rates)
    assert "A005" not in model.labels_.index
    assert model.excluded_.to_dict("records") == [
        {"area_code": "A005", "reason": "no rate for mental_health"}
    ]


def test_ward_refuses_too_many_areas(monkeypatch):
    rates, _ = planted()
    monkeypatch.setattr(typology_module, "WARD_MAX_AREAS", 100)
    with pytest.raises(InputError, match="Use method='kmeans'"):
        Typology(method="ward").fit(rates)


def test_confidence_interval_columns_are_ignored():
    rates, truth = planted()
    with_ci = rates.assign(justice_lower=rates["justice"] * 0.9, justice_upper=rates["justice"])
    model = Typology(n_clusters=3).fit(with_ci)
    assert list(model.zscores_.columns) == DOMAINS4
    assert adjusted_rand_score(truth, model.labels_) >= 0.9


# ------------------------------------------------------- no types, collinear
def noise_rates(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = pd.Index([f"N{i:04d}" for i in range(n)], name="area_code")
    return pd.DataFrame(rng.normal(5, 1, (n, 4)) / 100, columns=DOMAINS4, index=codes)


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_independent_noise_gives_no_types(method):
    model = Typology(method=method).fit(noise_rates())
    assert model.n_clusters_ == 1
    assert set(model.labels_) == {1}
    assert model.profiles_["description"].iloc[0].startswith("No clear types")
    assert any(n.startswith("No clear types") for n in model.notes_)
    assert np.isnan(model.stability_)


def test_noise_silhouette_is_below_the_threshold():
    # Issue 14: k-means on noise picked k = 5 with silhouette 0.23 and named five types.
    model = Typology().fit(noise_rates())
    best = model.selection_.loc[model.selection_["n_clusters"] > 1, "score"].max()
    assert 0.15 < best < typology_module.MIN_SILHOUETTE


def test_collinear_domains_suggest_the_index():
    rng = np.random.default_rng(4)
    need = rng.lognormal(0, 0.6, 400)
    rates = pd.DataFrame(
        need[:, None] * np.array([3.0, 2.0, 4.0, 1.0]) * rng.normal(1, 0.08, (400, 4)),
        columns=DOMAINS4,
        index=pd.Index([f"C{i:03d}" for i in range(400)], name="area_code"),
    )
    model = Typology().fit(rates)
    assert model.correlation_ > 0.9
    assert any("Use the index instead" in n for n in model.notes_)


def test_one_group_can_be_asked_for():
    rates, _ = planted()
    model = Typology(n_clusters=1).fit(rates)
    assert model.n_clusters_ == 1 and len(model.profiles_) == 1


def test_number_of_groups_chosen_on_a_stratified_sample(monkeypatch):
    monkeypatch.setattr(typology_module, "SEARCH_SAMPLE", 60)
    rates, truth = planted()
    model = Typology().fit(rates)
    assert model.n_clusters_ == 3
    assert any("stratified sample of 60 of 120" in n for n in model.notes_)
    assert len(model.labels_) == 120  # fitted on all areas
    assert adjusted_rand_score(truth, model.labels_.to_numpy()) >= 0.9


def test_unstable_groups_are_called_rough():
    # Two overlapping blobs: types exist only weakly and move under resampling.
    rng = np.random.default_rng(9)
    x = np.vstack([rng.normal(0, 1, (150, 4)), rng.normal(1.2, 1, (150, 4))])
    rates = pd.DataFrame(
        5 + x, columns=DOMAINS4, index=pd.Index([f"U{i:03d}" for i in range(300)], name="area_code")
    )
    model = Typology(n_clusters=5).fit(rates)
    assert 0 <= model.stability_ < typology_module.UNSTABLE
    assert any("treat them as rough" in n for n in model.notes_)


def test_sampled_choice_finds_the_true_number_of_groups_at_scale():
    # 12,000 areas (more than SEARCH_SAMPLE) in 4 planted groups of unequal size: k is
    # chosen on a 5,000-area stratified sample, the groups are then found on all areas.
    rng = np.random.default_rng(4)
    centres = np.array(
        [[4.0, 2.0, 2.0, 4.0], [2.0, 2.0, 4.0, 2.0], [2.0, 4.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]]
    )
    truth = rng.choice(4, size=12_000, p=[0.1, 0.2, 0.3, 0.4])
    rates = pd.DataFrame(
        (centres[truth] + rng.normal(0, 0.3, (truth.size, 4))) / 100,
        columns=DOMAINS4,
        index=pd.Index([f"L{i:05d}" for i in range(truth.size)], name="area_code"),
    )
    model = Typology().fit(rates)
    assert model.n_clusters_ == 4
    assert any("stratified sample of 5,000 of 12,000" in n for n in model.notes_)
    assert adjusted_rand_score(truth, model.labels_.to_numpy()) >= 0.95


def test_silhouette_scorer_matches_scikit_learn_sampled_silhouette():
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(2)
    x = rng.normal(size=(4_500, 4))
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)
    scorer = typology_module._SilhouetteScorer(x, seed=3)
    expected = silhouette_score(x, labels, sample_size=typology_module._SILHOUETTE_SAMPLE,
                                random_state=3)  # fmt: skip
    assert scorer(labels) == pytest.approx(expected, rel=1e-12)
    small = x[:500]
    assert typology_module._SilhouetteScorer(small, seed=3)(labels[:500]) == pytest.approx(
        silhouette_score(small, labels[:500]), rel=1e-12
    )


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_groups_do_not_depend_on_how_many_threads_refit_them(method, monkeypatch):
    rates, _ = planted(seed=4)
    monkeypatch.setattr(typology_module, "SEARCH_SAMPLE", 80)  # k on a sample, then all areas
    monkeypatch.setattr(typology_module, "_threads", lambda tasks: 1)
    one = Typology(method=method, random_state=1).fit(rates)
    monkeypatch.setattr(typology_module, "_threads", lambda tasks: 2)
    two = Typology(method=method, random_state=1).fit(rates)
    pd.testing.assert_frame_equal(one.selection_, two.selection_)
    np.testing.assert_array_equal(one.labels_, two.labels_)
    assert one.stability_ == two.stability_ and one.n_clusters_ == two.n_clusters_ > 1


def test_refit_threads_run_k_means_on_one_openmp_thread():
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    with typology_module._refit_pool(4) as pool:
        assert set(pool.map(lambda _: _openmp_effective_n_threads(), range(4))) == {1}
