"""Choosing secondary suppressions until the interval audit protects every small count.

The loop: audit every block (:mod:`meam_mapping.disclosure.audit`); in each
block with an unprotected cell, hide one more published count near the first
unprotected cell (by area code); audit again the blocks that changed; repeat
until every cell is protected or nothing near it is left to hide.

Which count is hidden. Candidates are the published counts in the totals that
contain the unprotected cell, and in the totals reached from there through
other hidden cells of its block (breadth first, "rings"). The choice is, in
order of preference:

1. a count of T or more (a zero hidden as "0 or T or more" is soon known to be 0);
2. a count of at least ``2T - 2``, which alone gives a small count room to be
   anything from 1 to T-1 (with T = 5: 8 or more). Zeros and counts just
   over T give an attacker almost no slack once they know a secondary cell is
   0 or at least T, which is why hiding the *smallest* neighbour fails;
3. a part rather than a total, and a lower total rather than a higher one (an
   LSOA before an MSOA before a district: hiding a total spreads upwards);
4. the nearest ring;
5. among counts with room, by area code, not by size, so the choice says
   nothing about the hidden value beyond what the label says; among counts
   without room, the largest.

The cost is therefore constant per hidden cell (information loss counted in
cells), not the cell's value, which would again favour the smallest neighbour.
"""

from __future__ import annotations

import numpy as np

from meam_mapping.disclosure.audit import (
    PUBLISHED,
    SECONDARY_CELL,
    Auditor,
    AuditResult,
    System,
    result_from,
)
from meam_mapping.disclosure.policy import DisclosurePolicy

__all__ = ["choose_secondary", "protect"]


def choose_secondary(
    u: int,
    system: System,
    values: np.ndarray,
    kinds: np.ndarray,
    order: np.ndarray,
    policy: DisclosurePolicy,
    csc: object | None = None,
) -> int | None:
    """The published cell to hide next to protect cell ``u`` (None if none is left)."""
    a = system.a
    at = csc if csc is not None else a.tocsc()
    t = int(policy.threshold)
    slack = max(2 * t - 2, t)
    seen_cons: set[int] = set()
    seen = {u}
    frontier = [u]
    found: list[np.ndarray] = []
    rings: list[np.ndarray] = []
    depth = 0
    while frontier:
        cons: list[int] = []
        for v in frontier:
            for ci in at.indices[at.indptr[v] : at.indptr[v + 1]]:
                if int(ci) not in seen_cons:
                    seen_cons.add(int(ci))
                    cons.append(int(ci))
        if not cons:
            break
        ring = np.unique(np.concatenate([a.indices[a.indptr[c] : a.indptr[c + 1]] for c in cons]))
        cand = ring[(kinds[ring] == PUBLISHED) & ~np.isnan(values[ring])]
        found.append(cand)
        rings.append(np.full(cand.size, depth))
        nxt = [int(c) for c in ring if kinds[c] != PUBLISHED and int(c) not in seen]
        seen.update(nxt)
        frontier = nxt
        depth += 1
    if not found:
        return None
    cand = np.concatenate(found)
    if cand.size == 0:
        return None
    ring_of = np.concatenate(rings)
    v = values[cand]
    key = np.lexsort(
        (order[cand], np.where(v >= slack, 0.0, -v), ring_of, system.height[cand], v < slack,
         v < max(t, 1))
    )  # fmt: skip
    return int(cand[key[0]])


def protect(
    values: np.ndarray,
    kinds: np.ndarray,
    system: System,
    order: np.ndarray,
    policy: DisclosurePolicy,
    *,
    max_rounds: int = 1000,
    solved: dict | None = None,
) -> tuple[np.ndarray, AuditResult]:
    """Add secondary suppressions until every audited cell is protected.

    Parameters
    ----------
    values : ndarray
        True counts (NaN where unknown; such cells are never chosen).
    kinds : ndarray of int
        Cell kinds (published, primary, secondary, withheld) as in the audit.
    system : System
        The table's totals.
    order : ndarray
        Tie-break rank of each cell (by area code).
    policy : DisclosurePolicy
    max_rounds : int, default 1000
        Rounds of choosing secondary cells before giving up.
    solved : dict, optional
        Blocks already solved for this table and ``policy`` (filled in here):
        pass the same dict to another ``protect`` of the same table to reuse
        them.

    Returns
    -------
    kinds : ndarray
        With secondary cells added.
    audit : AuditResult
        The audit of the final table.
    """
    kinds = np.asarray(kinds).copy()
    auditor = Auditor(system, values, policy, solved)
    csc = system.a.tocsc()
    stuck: set[int] = set()
    for round_ in range(max_rounds):
        lower, upper, ok, block = auditor.run(kinds)
        if round_ == 0:
            stuck.update(int(c) for c in np.flatnonzero(auditor.hopeless))
        bad = np.flatnonzero(~ok & (kinds > PUBLISHED))
        bad = bad[[int(c) not in stuck for c in bad]] if stuck else bad
        if bad.size == 0:
            break
        first: dict[int, int] = {}
        for c in bad[np.argsort(order[bad], kind="stable")]:
            first.setdefault(int(block[c]), int(c))
        changed = False
        for b, u in first.items():
            pick = choose_secondary(u, system, values, kinds, order, policy, csc)
            if pick is None:
                stuck.update(int(c) for c in bad[block[bad] == b])
            else:
                kinds[pick] = SECONDARY_CELL
                changed = True
        if not changed:
            break
    lower, upper, ok, block = auditor.run(kinds)
    return kinds, result_from(kinds, lower, upper, ok, block, policy, auditor.need)
