"""Tests for meam_mapping.concentrate.permutation (conditional permutation of neighbour sums)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from meam_mapping.concentrate.permutation import conditional_neighbour_sums, directed_p


def ring(n: int, k: int) -> sparse.csr_array:
    """Each area's neighbours are the next k areas round a ring."""
    rows = np.repeat(np.arange(n), k)
    cols = (rows + np.tile(np.arange(1, k + 1), n)) % n
    return sparse.csr_array((np.ones(n * k), (rows, cols)), shape=(n, n))


def brute_force(y, links, permutations, seed):
    """Area by area, k values drawn without replacement from the other areas (esda's rule)."""
    rng = np.random.default_rng(seed)
    at_least = np.zeros(len(y), dtype=int)
    for i in range(len(y)):
        nbrs = links.indices[links.indptr[i] : links.indptr[i + 1]]
        others = np.delete(y, i)
        picks = np.argsort(rng.random((permutations, len(others))), axis=1)[:, : len(nbrs)]
        sims = others[picks].sum(axis=1)
        at_least[i] = (sims >= y[nbrs].sum() - 1e-9).sum()
    return at_least


def test_counts_agree_with_drawing_area_by_area():
    rng = np.random.default_rng(1)
    y = rng.gamma(2.0, size=60)
    links = ring(60, 4)
    got = conditional_neighbour_sums(y, links, 4000, seed=3)
    want = brute_force(y, links, 4000, seed=4)
    # Two independent Monte Carlo estimates of the same probability per area.
    se = np.sqrt(0.25 / 4000) * np.sqrt(2)
    assert np.abs(got.at_least / 4000 - want / 4000).max() < 5 * se


def test_the_area_itself_is_never_drawn_as_its_own_neighbour():
    # One huge value: if an area could draw itself, its sums would reach 1000.
    y = np.zeros(12)
    y[5] = 1000.0
    links = ring(12, 3)
    got = conditional_neighbour_sums(y, links, 2000, seed=0)
    # Area 5's neighbours (6, 7, 8) are 0; drawn from the others (all 0) the sum
    # is always 0, so every permutation ties with it.
    assert got.at_least[5] == 2000 and got.at_most[5] == 2000
    assert got.z[5] == 0.0
    # Area 2's neighbours include area 5: sum 1000, reached only when 5 is drawn,
    # with probability 3 / 11 of the 11 other areas.
    assert got.at_least[2] / 2000 == pytest.approx(3 / 11, abs=0.04)


def test_same_seed_same_counts_other_seed_differs():
    y = np.random.default_rng(2).normal(size=200)
    links = ring(200, 6)
    a = conditional_neighbour_sums(y, links, 999, seed=7)
    b = conditional_neighbour_sums(y, links, 999, seed=7)
    c = conditional_neighbour_sums(y, links, 999, seed=8)
    assert np.array_equal(a.at_least, b.at_least) and np.array_equal(a.z, b.z)
    assert not np.array_equal(a.at_least, c.at_least)


def test_islands_and_mixed_neighbour_counts():
    links = ring(30, 2).tolil()
    links[0, :] = 0  # an island
    links[1, 10] = 1  # an area with three neighbours
    y = np.random.default_rng(3).normal(size=30)
    got = conditional_neighbour_sums(y, links.tocsr(), 499, seed=1)
    assert np.isnan(got.z[0]) and got.at_least[0] == 0
    assert np.isfinite(got.z[1:]).all()
    assert ((got.at_least + got.at_most)[1:] >= 499).all()


def test_z_is_standardised_against_the_permutations():
    y = np.random.default_rng(4).normal(size=400)
    got = conditional_neighbour_sums(y, ring(400, 5), 2000, seed=2)
    # No pattern: z-scores look standard normal.
    assert abs(got.z.mean()) < 0.15 and 0.85 < got.z.std() < 1.15


def test_directed_p_is_esdas_folded_count():
    p = directed_p(np.array([0, 10, 95, 99]), 99)
    np.testing.assert_allclose(p, np.array([1, 11, 5, 1]) / 100)
