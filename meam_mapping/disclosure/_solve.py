"""Exact whole-number ranges of hidden cells in one block of the interval audit.

Sets of whole numbers are kept as sorted unions of closed intervals
``[(a, b), ...]`` (``b`` may be infinite). A block whose cells and totals form
a tree (every hierarchy of areas: each area is a part of one total and the
total of at most one) is solved exactly by passing such sets along the tree
(arc consistency, which is exact on trees): the set a total allows for one of
its cells is the total minus the sum of the sets of its other cells. Any
other block (cross tables, linked tables) is solved by mixed-integer
programming with :func:`scipy.optimize.milp`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from meam_mapping.disclosure.policy import DisclosurePolicy

Intervals = list[tuple[float, float]]
PUBLISHED, PRIMARY, SECONDARY_CELL, WITHHELD_CELL = 0, 1, 2, 3
_INF = float("inf")
_BIG = 1e6  # bound used when a block's linear programme is unbounded


def merge(pieces: Sequence[tuple[float, float]]) -> Intervals:
    """Sorted union of whole-number intervals (touching ones joined)."""
    out: Intervals = []
    for a, b in sorted(p for p in pieces if p[0] <= p[1]):
        if out and a <= out[-1][1] + 1:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def add(x: Intervals, y: Intervals) -> Intervals:
    """Minkowski sum of two sets."""
    if len(x) == 1 and len(y) == 1:  # most sums in a national audit: one interval each
        low, high = x[0][0] + y[0][0], x[0][1] + y[0][1]
        return [(low, high)] if low <= high else []
    return merge([(a + c, b + d) for a, b in x for c, d in y])


def neg(x: Intervals) -> Intervals:
    """The set of negated values."""
    return [(-b, -a) for a, b in reversed(x)]


def meet(x: Intervals, y: Intervals) -> Intervals:
    """Intersection of two sets."""
    out: Intervals = []
    i = j = 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a <= b:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def label_sets(kinds: np.ndarray, policy: DisclosurePolicy) -> list[Intervals]:
    """What each hidden cell's label tells an attacker, as a set of whole numbers.

    Cells of the same kind share one list (the sets are never changed in place).
    """
    rng = policy.small_range
    t = float(policy.threshold)
    by_kind: dict[int, Intervals] = {}
    for k in np.unique(np.asarray(kinds)).tolist():
        if k == PRIMARY and rng is not None:
            by_kind[k] = [(float(rng[0]), float(rng[1]))]
        elif k == SECONDARY_CELL and t >= 2:
            by_kind[k] = [(t, _INF)] if policy.suppress_zero else [(0.0, 0.0), (t, _INF)]
        else:
            by_kind[k] = [(0.0, _INF)]
    return [by_kind[k] for k in np.asarray(kinds).tolist()]


def _is_tree(k: int, entries: Sequence[tuple[np.ndarray, np.ndarray]]) -> bool:
    edges = sum(len(cells) for cells, _ in entries)
    return edges == k + len(entries) - 1


def tree_ranges(
    k: int, entries: Sequence[tuple[np.ndarray, np.ndarray]], rhs: np.ndarray,
    sets: list[Intervals],
) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """Exact ranges on a tree-shaped block (None when the block is not a tree)."""
    m = len(entries)
    if not _is_tree(k, entries):
        return None
    # nodes: cells 0..k-1, constraints k..k+m-1; adjacency with coefficients
    adj: list[list[tuple[int, float]]] = [[] for _ in range(k + m)]
    for c, (cells, coef) in enumerate(entries):
        for i, a in zip(cells.tolist(), coef.tolist(), strict=True):
            adj[i].append((k + c, a))
            adj[k + c].append((i, a))
    parent = [-1] * (k + m)
    coef_up = [0.0] * (k + m)
    order = [0]
    seen = [False] * (k + m)
    seen[0] = True
    for node in order:
        for other, a in adj[node]:
            if not seen[other]:
                seen[other] = True
                parent[other] = node
                coef_up[other] = a
                order.append(other)
    if len(order) != k + m:
        return None
    children: list[list[int]] = [[] for _ in range(k + m)]
    for node in order[1:]:
        children[parent[node]].append(node)
    up: list[Intervals] = [[] for _ in range(k + m)]

    def cell_msg(i: int, extra: list[Intervals]) -> Intervals:
        s = sets[i]
        for e in extra:
            s = meet(s, e)
            if not s:
                break
        return s

    def con_msg(c: int, to_coef: float, parts: list[tuple[float, Intervals]]) -> Intervals:
        # sum_j a_j x_j + a_to x_to = r  =>  x_to = a_to * (r - sum_j a_j x_j)
        s: Intervals = [(float(rhs[c - k]), float(rhs[c - k]))]
        for a, part in parts:
            s = add(s, neg(part) if a > 0 else part)
            if not s:
                break
        return neg(s) if to_coef < 0 else s

    for node in reversed(order[1:]):  # leaves to root
        if node < k:
            up[node] = cell_msg(node, [up[c] for c in children[node]])
        else:
            parts = [(coef_up[j], up[j]) for j in children[node]]
            up[node] = con_msg(node, coef_up[node], parts)
    down: list[Intervals] = [[] for _ in range(k + m)]
    for node in order:  # root to leaves
        kids = children[node]
        if node < k:
            for c in kids:
                extra = [up[o] for o in kids if o != c] + ([down[node]] if node else [])
                down[c] = cell_msg(node, extra)
        else:  # prefix and suffix sums keep this linear in the number of parts
            r = float(rhs[node - k])
            q = down[node] if coef_up[node] > 0 else neg(down[node])
            base = add([(r, r)], neg(q))
            contrib = [up[j] if coef_up[j] > 0 else neg(up[j]) for j in kids]
            pre: list[Intervals] = [[(0.0, 0.0)]]
            for part in contrib:
                pre.append(add(pre[-1], part))
            suf: list[Intervals] = [[(0.0, 0.0)]]
            for part in reversed(contrib):
                suf.append(add(suf[-1], part))
            suf.reverse()
            for i, j in enumerate(kids):
                msg = add(base, neg(add(pre[i], suf[i + 1])))
                down[j] = msg if coef_up[j] > 0 else neg(msg)
    lower = np.full(k, np.nan)
    upper = np.full(k, np.nan)
    for i in range(k):
        belief = cell_msg(i, [up[c] for c in children[i]] + ([down[i]] if i else []))
        if belief:
            lower[i], upper[i] = belief[0][0], belief[-1][1]
    return lower, upper


def times(x: Intervals, n: int) -> Intervals:
    """The Minkowski sum of ``n`` copies of ``x`` (``{0}`` when ``n`` is 0), by doubling."""
    out: Intervals = [(0.0, 0.0)]
    while n > 0:
        if n & 1:
            out = add(out, x)
        n >>= 1
        if n:
            x = add(x, x)
    return out


def star_ranges(rhs: float, sets: list[Intervals]) -> tuple[np.ndarray, np.ndarray]:
    """Exact ranges when the hidden cells are the parts of one total (``sum x = rhs``).

    Cells whose labels allow the same set have the same range, so the work is
    done once per distinct set: the other cells' sum is the sum, over the
    distinct sets, of as many copies of each as there are other cells with it
    (:func:`times`, logarithmic in the count). Linear in the number of cells.
    """
    k = len(sets)
    groups: dict[tuple[tuple[float, float], ...], list[int]] = {}
    for p, part in enumerate(sets):
        groups.setdefault(tuple(part), []).append(p)
    kinds = list(groups)
    counts = [len(groups[key]) for key in kinds]
    lower = np.full(k, np.nan)
    upper = np.full(k, np.nan)
    for g, key in enumerate(kinds):
        others: Intervals = [(0.0, 0.0)]
        for h, other in enumerate(kinds):
            others = add(others, times(list(other), counts[h] - (h == g)))
            if not others:
                break
        feasible = meet(list(key), add([(rhs, rhs)], neg(others)))
        if feasible:
            cells = groups[key]
            lower[cells], upper[cells] = feasible[0][0], feasible[-1][1]
    return lower, upper


def milp_ranges(
    k: int, entries: Sequence[tuple[np.ndarray, np.ndarray]], rhs: np.ndarray,
    kinds: np.ndarray, audited: np.ndarray, policy: DisclosurePolicy,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Ranges of the audited cells by mixed-integer programming (one binary per secondary)."""
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # 1 s to import: only here

    m = len(entries)
    a = np.zeros((m, k))
    for c, (cells, coef) in enumerate(entries):
        a[c, cells] = coef
    rng = policy.small_range
    t = float(policy.threshold)
    lo = np.zeros(k)
    hi = np.full(k, np.inf)
    primary = kinds == PRIMARY
    if rng is not None:
        lo[primary], hi[primary] = rng
    relaxed = linprog(-np.ones(k), A_eq=a, b_eq=rhs, bounds=np.column_stack([lo, hi]),
                      method="highs")  # fmt: skip
    nan = np.full(k, np.nan)
    if relaxed.status == 2:  # infeasible: the published totals do not add up
        return nan, nan.copy()
    big = float(np.ceil(-relaxed.fun)) + 1.0 if relaxed.status == 0 else _BIG
    hi = np.minimum(hi, big)
    sec = np.flatnonzero(kinds == SECONDARY_CELL)
    if t < 2:
        sec = sec[:0]  # "0, or 1 or more" says nothing
    elif policy.suppress_zero:
        lo[sec] = np.maximum(lo[sec], t)
        sec = sec[:0]
    ns = sec.size
    rows = [LinearConstraint(np.hstack([a, np.zeros((m, ns))]), rhs, rhs)]
    if ns:
        e = np.zeros((ns, k))
        e[np.arange(ns), sec] = 1.0
        rows.append(LinearConstraint(np.hstack([e, -t * np.eye(ns)]), 0, np.inf))
        rows.append(LinearConstraint(np.hstack([e, -big * np.eye(ns)]), -np.inf, 0))
    bounds = Bounds(np.concatenate([lo, np.zeros(ns)]), np.concatenate([hi, np.ones(ns)]))
    integrality = np.ones(k + ns)
    lower, upper = nan.copy(), nan.copy()
    seen_lo = np.full(k, np.inf)
    seen_hi = np.full(k, -np.inf)
    for p in np.flatnonzero(audited):
        for sign in (1.0, -1.0):
            target = lo[p] if sign > 0 else hi[p]
            if (sign > 0 and seen_lo[p] <= target) or (sign < 0 and seen_hi[p] >= target):
                (lower if sign > 0 else upper)[p] = target
                continue
            c = np.zeros(k + ns)
            c[p] = sign
            res = milp(c, integrality=integrality, bounds=bounds, constraints=rows,
                       options={"mip_rel_gap": 0.0})  # fmt: skip
            if res.x is None:
                return nan, nan.copy()
            x = np.round(res.x[:k])
            seen_lo = np.minimum(seen_lo, x)
            seen_hi = np.maximum(seen_hi, x)
            (lower if sign > 0 else upper)[p] = x[p]
    return lower, upper


def solve_block(
    k: int, entries: Sequence[tuple[np.ndarray, np.ndarray]], rhs: np.ndarray,
    kinds: np.ndarray, policy: DisclosurePolicy, max_milp: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Lower and upper bound of each hidden cell of one block (audited cells at least).

    A block that is not a tree and has more than ``max_milp`` cells is not
    solved (NaN bounds); by default every block is solved.
    """
    audited = (kinds == PRIMARY) | (kinds == WITHHELD_CELL)
    if not audited.any():
        return np.full(k, np.nan), np.full(k, np.nan)
    sets = label_sets(kinds, policy)
    if len(entries) == 1 and len(entries[0][0]) == k and bool(np.all(entries[0][1] == 1.0)):
        done = star_ranges(float(rhs[0]), sets)
    else:
        done = tree_ranges(k, entries, rhs, sets)
    if done is not None:
        lower, upper = done
        lower[~audited] = np.nan
        upper[~audited] = np.nan
        return lower, upper
    if max_milp is not None and k > max_milp:
        return np.full(k, np.nan), np.full(k, np.nan)
    return milp_ranges(k, entries, rhs, kinds, audited, policy)
