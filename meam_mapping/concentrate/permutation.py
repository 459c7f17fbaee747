"""Conditional permutation of neighbour sums, vectorised over areas.

Local statistics with weights that are equal within each area's neighbour
set (binary, row-standardised, and binary with a self-weight, as in Gi*) are
monotone in one number per area: the sum of its neighbours' values. Under
conditional randomisation (Anselin 1995) area ``i`` keeps its value and its
``k`` neighbours are replaced by ``k`` values drawn without replacement from
the other ``n - 1`` areas, ``R`` times. esda does this area by area (copying
all ``n`` values for each area, so ``n**2`` work without numba); here one set
of random orderings is shared by all areas, as esda also shares its
permutation ids, and the sums are computed once per neighbour count.

How the draws exclude area ``i`` exactly: each permutation ``r`` is the start
of a random ordering of all ``n`` areas (``max k + 1`` distinct areas). An
area with ``k`` neighbours uses the first ``k``; if it is itself among them,
it is dropped and the ``k + 1``-th area is used instead. Either way the ``k``
values are a uniformly random ``k``-subset of the other ``n - 1`` areas (the
first ``k`` of a random ordering of the other areas). Only about ``R k / n``
permutations per area need that correction, so the work is about
``R * max k`` draws plus a sort per neighbour count, instead of
``n * R * k``.

References
----------
Anselin, L. (1995). Local indicators of spatial association - LISA.
Geographical Analysis 27(2), 93-115.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = ["NeighbourSums", "conditional_neighbour_sums", "directed_p"]


@dataclass(frozen=True)
class NeighbourSums:
    """Where each area's observed neighbour sum lies among its permuted sums.

    Attributes
    ----------
    at_least : numpy.ndarray
        Per area, the permutations whose neighbour sum is at least the observed.
    at_most : numpy.ndarray
        Per area, the permutations whose neighbour sum is at most the observed.
    z : numpy.ndarray
        ``(observed - mean) / sd`` of the permuted sums (``sd`` with divisor
        ``R``); NaN for areas with no neighbour, 0 where the sum cannot vary.
    permutations : int
        ``R``, the number of permutations.
    """

    at_least: np.ndarray
    at_most: np.ndarray
    z: np.ndarray
    permutations: int


def _orderings(n: int, size: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """``permutations`` rows of ``size`` distinct area positions in random order."""
    ids = rng.integers(0, n, size=(permutations, size))
    if size > 1:
        ordered = np.sort(ids, axis=1)
        repeated = np.flatnonzero((np.diff(ordered, axis=1) == 0).any(axis=1))
        # A row with a repeat is redrawn whole, so every row is a uniform draw
        # without replacement (rejection sampling; rare unless n is small).
        for row in repeated:
            ids[row] = rng.choice(n, size=size, replace=False)
    return ids


def conditional_neighbour_sums(
    values: np.ndarray,
    adjacency: sparse.sparray | sparse.spmatrix,
    permutations: int,
    seed: int,
) -> NeighbourSums:
    """Compare each area's neighbour sum with its conditional permutation distribution.

    Parameters
    ----------
    values : numpy.ndarray
        One finite value per area.
    adjacency : scipy sparse matrix
        ``n x n``; any non-zero off the diagonal marks a neighbour (the
        diagonal is ignored). Rows are the areas whose neighbours are summed.
    permutations : int
        ``R``, random draws of the neighbours per area.
    seed : int
        Seed of the random orderings; the same seed gives the same result.

    Returns
    -------
    NeighbourSums
        Counts of permuted sums at least / at most the observed one, and the
        observed sum's z-score within them. Sums equal to the observed one
        within rounding (``1e-9`` of the largest possible sum) count as ties.
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    y = y - y.mean()  # sums of centred values keep the moments free of cancellation
    links = sparse.csr_array(adjacency, dtype=float)
    links = sparse.csr_array((links != 0).astype(float))
    links.setdiag(0)
    links.eliminate_zeros()
    card = np.diff(links.indptr)
    observed = links @ y
    at_least = np.zeros(n)
    at_most = np.zeros(n)
    total = np.zeros(n)
    total_sq = np.zeros(n)
    most = int(card.max()) if n else 0
    if most == 0:
        nan = np.full(n, np.nan)
        return NeighbourSums(at_least.astype(int), at_most.astype(int), nan, permutations)
    ids = _orderings(n, min(most + 1, n), permutations, np.random.default_rng(seed))
    drawn = y[ids]
    sums = np.cumsum(drawn, axis=1)
    tol = 1e-9 * float(np.abs(y).max()) * (most + 1)
    for k in np.unique(card[card > 0]):
        k = int(k)
        members = np.flatnonzero(card == k)
        first = sums[:, k - 1]
        ordered = np.sort(first)
        t = observed[members]
        at_least[members] = permutations - np.searchsorted(ordered, t - tol, side="left")
        at_most[members] = np.searchsorted(ordered, t + tol, side="right")
        total[members] = first.sum()
        total_sq[members] = (first * first).sum()
        # Permutations that drew the area itself among its own k: swap in draw k + 1.
        rows, cols = np.nonzero(card[ids[:, :k]] == k)
        if not len(rows):
            continue
        area = ids[rows, cols]
        old = first[rows]
        new = old - y[area] + drawn[rows, k]
        ta = observed[area]
        at_least += np.bincount(area, (new >= ta - tol).astype(float) - (old >= ta - tol), n)
        at_most += np.bincount(area, (new <= ta + tol).astype(float) - (old <= ta + tol), n)
        total += np.bincount(area, new - old, n)
        total_sq += np.bincount(area, new * new - old * old, n)
    mean = total / permutations
    spread = np.sqrt(np.maximum(total_sq / permutations - mean * mean, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > tol, (observed - mean) / spread, 0.0)
    z[card == 0] = np.nan
    return NeighbourSums(
        at_least=np.rint(at_least).astype(int),
        at_most=np.rint(at_most).astype(int),
        z=z,
        permutations=permutations,
    )


def directed_p(larger: np.ndarray, permutations: int) -> np.ndarray:
    """The one-sided ("directed") pseudo p-value from the count of larger draws.

    Parameters
    ----------
    larger : numpy.ndarray
        Per area, the permutations at least as large as the observed statistic.
    permutations : int
        ``R``.

    Returns
    -------
    numpy.ndarray
        ``(M + 1) / (R + 1)`` with ``M`` the count on the side the observed
        value lies (``larger`` or ``R - larger``, whichever is smaller).
    """
    larger = np.asarray(larger, dtype=float)
    extreme = np.minimum(larger, permutations - larger)
    return (extreme + 1.0) / (permutations + 1.0)
