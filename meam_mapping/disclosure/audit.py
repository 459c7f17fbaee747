"""The interval audit: how tightly could someone pin down each hidden small count.

An attacker sees the published table: every published count, every total
(a parent area is the sum of its children; linked tables such as Persons =
Male + Female; totals assumed published elsewhere, e.g. the study area), and the
``suppression`` label of each blank cell. The label tells them that a
``small count`` cell is a whole number from 1 to T-1 (0 to T-1 when zeros are
suppressed too), that a ``secondary`` cell is 0 or at least T (at least T when
zeros are suppressed), and that a cell ``withheld by source`` is a whole number
of 0 or more. The audit works out, for each hidden small count, the smallest
and largest value it can take consistently with all of that.

Protection rule (stated in every pack): with a threshold T a small count's
label says "1 to T-1", a range of width T-2. A primary cell is **protected**
when the audited range keeps at least half of that width,
``upper - lower >= ceil((T - 2) / 2)`` (at least 1): with T = 5, at least three
of the four values 1, 2, 3, 4 stay possible, so no small count is pinned to
one value or narrowed to two. In tau-ARGUS terms this is a protection interval
of half the label's range. The rule cannot ask for the whole range: the labels
alone sometimes narrow it (an MSOA whose count is the sum of two small LSOAs is
at least 2), and no further suppression can undo what a label says. A cell
withheld by the source (value unknown to this program) is protected when the
audit cannot pin it to one value. Values inside the range ruled out by
whole-number effects (gaps) are not counted against protection.

How it is computed. Hidden cells are grouped into blocks, the connected
components of the constraints that touch hidden cells (published cells are
constants), found with :func:`scipy.sparse.csgraph.connected_components`, so
each district (or smaller) is audited on its own. A block with one constraint
whose hidden cells are all parts of it is solved exactly over whole numbers by
a reachable-sums table; any other block by mixed-integer programming
(:func:`scipy.optimize.milp`, HiGHS) with one binary per secondary cell
(``T*z <= x <= M*z``, with ``M`` from a linear-programming bound on the block),
minimising and maximising each audited cell. A feasible point found for one
cell that already reaches another cell's label limits saves that cell's solve.

References
----------
.. [1] Hundepool, A. et al. (2012), *Statistical Disclosure Control*, Wiley,
   ch. 4 (protection intervals, the interval audit, secondary suppression).
.. [2] de Wolf, P.-P. et al., tau-ARGUS user's manual, version 4.2, section 4.2.
.. [3] Cox, L. H. (1980), "Suppression methodology and statistical disclosure
   control", Journal of the American Statistical Association 75, 377-385.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from meam_mapping.disclosure._solve import solve_block
from meam_mapping.disclosure.policy import DEFAULT_POLICY, DisclosureError, DisclosurePolicy

__all__ = ["PROTECTION_RULE", "AuditResult", "audit_cells", "required_width"]

#: Cell kinds used by the audit engine.
PUBLISHED, PRIMARY, SECONDARY_CELL, WITHHELD_CELL = 0, 1, 2, 3
KIND_NAMES = {PUBLISHED: "published", PRIMARY: "primary", SECONDARY_CELL: "secondary",
              WITHHELD_CELL: "withheld"}  # fmt: skip
#: The protection rule in words, for the pack's methods section.
PROTECTION_RULE = (
    "A hidden small count is protected when, using every published number and total and"
    " what each blank's label says (a small count is 1 to T-1, a count hidden to protect"
    " another is 0 or T or more), the tightest range it could be in, found by integer linear"
    " programming, still spans at least half of 1 to T-1 (with T = 5: at least three of the"
    " values 1, 2, 3 and 4 stay possible), so no small count can be pinned down."
)


def required_width(policy: DisclosurePolicy) -> int:
    """Smallest ``upper - lower`` a primary cell's audited range must keep."""
    rng = policy.small_range
    if rng is None:
        return 0
    width = rng[1] - rng[0]
    return min(width, max(1, -(-width // 2)))


def required_width_of(threshold: int, suppress_zero: bool = False) -> int:
    """:func:`required_width` for a threshold (zeros published unless ``suppress_zero``)."""
    return required_width(
        DisclosurePolicy(threshold=max(int(threshold), 0), suppress_zero=suppress_zero,
                         not_for_sharing=True)
    )  # fmt: skip


#: A constraint: (total cell or -1 for a total published outside the table, member cells).
Constraint = tuple[int, np.ndarray]


@dataclass(frozen=True)
class AuditResult:
    """The interval audit of one table.

    Attributes
    ----------
    cells : DataFrame
        One row per hidden cell: ``row`` (position in the audited table),
        ``kind`` (``primary``, ``secondary``, ``withheld``), ``block`` (the
        independent block it was audited in), ``lower`` and ``upper`` (the
        tightest whole-number range an attacker can work out; blank for
        secondary cells, which are not audited) and ``protected``.
    threshold : int
        The policy threshold T.
    rule : str
        The protection rule (:data:`PROTECTION_RULE`).
    """

    cells: pd.DataFrame
    threshold: int
    rule: str = PROTECTION_RULE
    n_published: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def n_audited(self) -> int:
        """Number of hidden cells audited (primary and withheld)."""
        return int(self.cells["kind"].isin(["primary", "withheld"]).sum())

    @property
    def n_primary(self) -> int:
        """Number of primary (small count) cells."""
        return int((self.cells["kind"] == "primary").sum())

    @property
    def n_secondary(self) -> int:
        """Number of cells hidden to protect a small count nearby."""
        return int((self.cells["kind"] == "secondary").sum())

    @property
    def n_withheld(self) -> int:
        """Number of cells withheld by the source."""
        return int((self.cells["kind"] == "withheld").sum())

    @property
    def n_unprotected(self) -> int:
        """Number of audited cells the audit found not protected."""
        return int((~self.cells["protected"]).sum())

    @property
    def n_label_limited(self) -> int:
        """Primary cells whose labels alone narrow them below the rule's width."""
        return int((self.cells["needed"] < required_width_of(self.threshold)).sum())

    @property
    def n_blocks(self) -> int:
        """Number of independent blocks audited."""
        return int(self.cells["block"].nunique())

    @property
    def all_protected(self) -> bool:
        """True when every audited cell is protected."""
        return self.n_unprotected == 0

    def summary(self) -> dict[str, int]:
        """Plain counts for ``df.attrs`` and the pack's methods section."""
        return {
            "cells": int(self.n_published + len(self.cells)),
            "audited": self.n_audited,
            "primary": self.n_primary,
            "secondary": self.n_secondary,
            "withheld": self.n_withheld,
            "unprotected": self.n_unprotected,
            "label_limited": self.n_label_limited,
            "blocks": self.n_blocks,
            "threshold": int(self.threshold),
        }

    def describe(self) -> str:
        """One paragraph for the pack's methods section."""
        s = self.summary()
        total = s["cells"]
        hidden = s["primary"] + s["secondary"] + s["withheld"]
        share = 100 * hidden / total if total else 0.0
        text = (
            f"{self.rule} Of {total:,} cells, {s['primary']:,} small counts were hidden and"
            f" {s['secondary']:,} more were hidden to protect them ({share:.1f}% of cells"
            f" hidden); the audit ran over {s['blocks']:,} independent blocks."
        )
        if s["label_limited"]:
            text += (
                f" For {s['label_limited']:,} of them the labels alone say more (for example an"
                " area made of three small counts is at least 3), so the audit asked for the"
                " widest range the labels allow."
            )
        if s["unprotected"]:
            text += (
                f" {s['unprotected']:,} hidden count(s) could not be fully protected within"
                " this table; they are still blank, but the totals around them narrow them."
            )
        else:
            text += " Every hidden small count passed the audit."
        return text


# ------------------------------------------------------------------ the system
@dataclass(frozen=True)
class System:
    """Constraints of one table as a sparse matrix: ``a @ x = outside`` for the true x."""

    a: sparse.csr_matrix
    outside: np.ndarray
    is_total: np.ndarray
    height: np.ndarray

    @classmethod
    def build(cls, values: np.ndarray, constraints: Sequence[Constraint]) -> System:
        """Sparse system from ``(total, members)`` constraints (single-cell outside ones dropped)."""
        n = values.size
        known = np.nan_to_num(values, nan=0.0)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        data: list[np.ndarray] = []
        outside: list[float] = []
        is_total = np.zeros(n, dtype=bool)
        r = 0
        for total, members in constraints:
            members = np.asarray(members, dtype=np.int64)
            if members.size + (total >= 0) < 2:
                continue  # a single cell under an outside total: that total is the cell
            cells = members if total < 0 else np.append(members, total)
            coef = np.ones(cells.size)
            if total >= 0:
                coef[-1] = -1.0
                is_total[total] = True
                outside.append(0.0)
            else:
                outside.append(float(known[members].sum()))
            rows.append(np.full(cells.size, r))
            cols.append(cells)
            data.append(coef)
            r += 1
        if r == 0:
            a = sparse.csr_matrix((0, n))
        else:
            a = sparse.csr_matrix(
                (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n)
            )
            a.sum_duplicates()
        # levels of totals below each cell: 0 for parts, 1 for their totals, ...
        height = np.zeros(n, dtype=np.int64)
        inner = [(t, np.asarray(m, dtype=np.int64)) for t, m in constraints if t >= 0 and len(m)]
        for _ in range(8):
            changed = False
            for total, members in inner:
                h = int(height[members].max()) + 1
                if h > height[total]:
                    height[total] = h
                    changed = True
            if not changed:
                break
        return cls(a, np.asarray(outside, dtype=float), is_total, height)


def blocks(system: System, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Label hidden cells and active constraints by independent block.

    Returns
    -------
    cell_block : ndarray
        Block of each cell (-1 for published cells and hidden cells in no constraint).
    con_block : ndarray
        Block of each constraint (-1 for constraints with no hidden cell).
    n : int
        Number of blocks.
    """
    n_cells = hidden.size
    cell_block = np.full(n_cells, -1)
    con_block = np.full(system.a.shape[0], -1)
    idx = np.flatnonzero(hidden)
    if idx.size == 0 or system.a.shape[0] == 0:
        return cell_block, con_block, 0
    h = system.a[:, idx].tocsr()
    active = np.flatnonzero(h.getnnz(axis=1) > 0)
    h = h[active]
    in_con = np.flatnonzero(h.getnnz(axis=0) > 0)
    h = h[:, in_con]
    k = in_con.size
    if k == 0:
        return cell_block, con_block, 0
    graph = sparse.bmat([[None, h.T], [h, None]], format="csr")
    n, labels = connected_components(graph, directed=False)
    cell_block[idx[in_con]] = labels[:k]
    con_block[active] = labels[k:]
    return cell_block, con_block, n


# ------------------------------------------------------------------ one block
def audit_block(
    system: System,
    hidden: np.ndarray,
    rhs_all: np.ndarray,
    kinds: np.ndarray,
    cells: np.ndarray,
    cons: np.ndarray,
    policy: DisclosurePolicy,
    max_milp: int | None = None,
    solved: dict[bytes, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of each audited cell (primary, withheld) of one block.

    ``solved`` remembers results by everything :func:`solve_block` is given
    (the block's cell kinds, its totals' terms and right-hand sides), so a
    block met again, in another round or another audit of the same table
    under the same ``policy``, is not solved again.
    """
    a = system.a
    local = {int(c): i for i, c in enumerate(cells.tolist())}
    entries = []
    for c in cons.tolist():
        idx = a.indices[a.indptr[c] : a.indptr[c + 1]]
        coef = a.data[a.indptr[c] : a.indptr[c + 1]]
        keep = hidden[idx]
        entries.append(
            (np.array([local[int(i)] for i in idx[keep]], dtype=np.int64), coef[keep].astype(float))
        )
    rhs = rhs_all[cons]
    block_kinds = kinds[cells]
    if solved is None:
        return solve_block(cells.size, entries, rhs, block_kinds, policy, max_milp)
    key = _block_key(entries, rhs, block_kinds, max_milp)
    got = solved.get(key)
    if got is None:
        got = solved[key] = solve_block(cells.size, entries, rhs, block_kinds, policy, max_milp)
    return got


def _block_key(entries: list[tuple[np.ndarray, np.ndarray]], rhs: np.ndarray,
               kinds: np.ndarray, max_milp: int | None) -> bytes:  # fmt: skip
    """The whole of a block's problem as bytes (equal keys: the same problem)."""
    sizes = np.array([cells.size for cells, _ in entries] + [-1 if max_milp is None else max_milp],
                     dtype=np.int64)  # fmt: skip
    parts = [sizes.tobytes(), np.asarray(kinds, dtype=np.int64).tobytes(),
             np.asarray(rhs, dtype=float).tobytes()]  # fmt: skip
    for cells, coef in entries:
        parts.append(cells.tobytes())
        parts.append(coef.tobytes())
    return b"".join(parts)


def protected(
    kinds: np.ndarray, lower: np.ndarray, upper: np.ndarray, policy: DisclosurePolicy,
    need: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """The protection rule (see the module notes) for each cell.

    ``need`` is the width each primary cell must keep (default
    :func:`required_width`; less where the labels alone narrow it).
    """
    rng = policy.small_range
    ok = np.ones(kinds.size, dtype=bool)
    infeasible = np.isnan(lower) | np.isnan(upper)
    prim = (kinds == PRIMARY) & ~infeasible
    if rng is not None:
        width = np.full(kinds.size, float(required_width(policy))) if need is None else need
        ok[prim] = (upper[prim] - lower[prim]) >= width[prim]
    wh = (kinds == WITHHELD_CELL) & ~infeasible
    ok[wh] = upper[wh] > lower[wh]
    return ok


# ------------------------------------------------------------------ whole table
_LABEL_ONLY_MILP = 200  # largest non-tree block solved when finding what labels alone allow


class Auditor:
    """Audits blocks, remembering results while a block's cells stay the same.

    Before the first audit it works out what the labels alone allow: the range
    of each primary cell if every published count of the table were hidden as
    well. Where even that is narrower than :func:`required_width` (an MSOA
    that is the sum of three small LSOAs is at least 3, whatever else is
    hidden), the cell must keep that narrower width instead, because no
    suppression can widen it; these cells are counted as ``label_limited``.
    A primary cell pinned even then (a district of 2 whose other areas are all
    0, with the district total published elsewhere) is ``hopeless``: it is
    reported unprotected and nothing more is hidden for it.
    """

    def __init__(
        self, system: System, values: np.ndarray, policy: DisclosurePolicy,
        solved: dict[bytes, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:  # fmt: skip
        self.system = system
        self.values = values
        self.policy = policy
        # Blocks solved, by their whole problem (see audit_block): shared with another
        # Auditor of the same table and policy, it saves solving the blocks they share.
        self.solved = {} if solved is None else solved
        self._cache: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.need: np.ndarray | None = None
        self.hopeless = np.zeros(values.size, dtype=bool)

    def _ranges(
        self, kinds: np.ndarray, cache: dict | None, max_milp: int | None,
        system: System | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        system = system or self.system
        n = kinds.size
        lower = np.full(n, np.nan)
        upper = np.full(n, np.nan)
        hidden = kinds > PUBLISHED
        cell_block, con_block, nb = blocks(system, hidden)
        if nb:
            known = np.where(hidden, 0.0, np.nan_to_num(self.values, nan=0.0))
            rhs_all = system.outside - system.a @ known
            cell_order = np.argsort(cell_block, kind="stable")
            cell_starts = np.searchsorted(cell_block[cell_order], np.arange(nb + 1))
            con_order = np.argsort(con_block, kind="stable")
            con_starts = np.searchsorted(con_block[con_order], np.arange(nb + 1))
            for b in range(nb):
                cells = np.sort(cell_order[cell_starts[b] : cell_starts[b + 1]])
                cons = np.sort(con_order[con_starts[b] : con_starts[b + 1]])
                key = (*cells.tolist(), -1, *kinds[cells].tolist())
                got = cache.get(key) if cache is not None else None
                if got is None:
                    got = audit_block(system, hidden, rhs_all, kinds, cells, cons, self.policy,
                                      max_milp, self.solved)  # fmt: skip
                    if cache is not None:
                        cache[key] = got
                lower[cells], upper[cells] = got
        # A hidden cell in no constraint is bounded by its label alone.
        loose = (kinds > PUBLISHED) & (cell_block < 0)
        rng = self.policy.small_range
        if rng is not None:
            lone = loose & (kinds == PRIMARY)
            lower[lone], upper[lone] = rng
        lone_w = loose & (kinds == WITHHELD_CELL)
        lower[lone_w], upper[lone_w] = 0.0, np.inf
        return lower, upper, cell_block

    def _label_only(self, kinds: np.ndarray) -> np.ndarray:
        everything = kinds.copy()
        everything[(kinds == PUBLISHED) & np.isfinite(self.values)] = SECONDARY_CELL
        # Only totals with a small count in them are used: dropping the others can only
        # widen these ranges, which asks more of the audit, never less.
        a = self.system.a
        rows = np.flatnonzero(np.asarray((a[:, kinds == PRIMARY] != 0).sum(axis=1)).ravel() > 0)
        sub = System(a[rows], self.system.outside[rows], self.system.is_total, self.system.height)
        lower, upper, _ = self._ranges(everything, None, _LABEL_ONLY_MILP, sub)
        need = np.full(kinds.size, float(required_width(self.policy)))
        width = upper - lower
        narrow = np.isfinite(width) & (width < need) & (width > 0)
        need[narrow] = width[narrow]
        # pinned even with everything else hidden: no suppression in this table can help
        self.hopeless = (kinds == PRIMARY) & (width == 0) & (need > 0)
        return need

    def run(self, kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return lower, upper, protected and block for every cell (NaN/True/-1 if n/a)."""
        if self.need is None:
            self.need = self._label_only(kinds)
        lower, upper, cell_block = self._ranges(kinds, self._cache, None)
        return lower, upper, protected(kinds, lower, upper, self.policy, self.need), cell_block


def result_from(kinds: np.ndarray, lower: np.ndarray, upper: np.ndarray, ok: np.ndarray,
                block: np.ndarray, policy: DisclosurePolicy,
                need: np.ndarray | None = None) -> AuditResult:  # fmt: skip
    """Assemble an :class:`AuditResult` from per-cell arrays."""
    hidden = np.flatnonzero(kinds > PUBLISHED)
    width = float(required_width(policy))
    need = np.full(kinds.size, width) if need is None else need
    primary = kinds[hidden] == PRIMARY
    cells = pd.DataFrame(
        {
            "row": hidden,
            "kind": [KIND_NAMES[int(k)] for k in kinds[hidden]],
            "block": block[hidden],
            "lower": lower[hidden],
            "upper": upper[hidden],
            "needed": np.where(primary, need[hidden], np.nan),
            "protected": ok[hidden],
        }
    )
    return AuditResult(cells, int(policy.threshold), n_published=int(kinds.size - hidden.size))


def audit_cells(
    values: Any,
    kinds: Any,
    constraints: Sequence[tuple[int | None, Sequence[int]]],
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> AuditResult:
    """Audit hidden cells of any table given its totals as constraints.

    Parameters
    ----------
    values : array of float
        True counts of every cell (NaN where unknown, e.g. withheld by the source).
    kinds : array of str
        ``""`` (published), ``"small count"``, ``"secondary"`` or ``"withheld by
        source"`` per cell, as in the ``suppression`` column.
    constraints : sequence of (total, members)
        ``value[total] == sum(value[members])``; ``total`` None (or -1) for a
        total published outside the table (its value is the sum of the members).
    policy : DisclosurePolicy, default DEFAULT_POLICY

    Returns
    -------
    AuditResult

    Examples
    --------
    An MSOA of 9 whose LSOAs show 6, 0 and three small blanks: each blank is 1.

    >>> r = audit_cells([6, 0, 1, 1, 1, 9], ["", "", "small count", "small count",
    ...                 "small count", ""], [(5, [0, 1, 2, 3, 4])])
    >>> r.cells[["lower", "upper", "protected"]].values.tolist()[0]
    [1.0, 1.0, False]
    """
    values = np.asarray(values, dtype=float)
    codes = {"": PUBLISHED, "small count": PRIMARY, "secondary": SECONDARY_CELL,
             "withheld by source": WITHHELD_CELL,
             "hidden in a group": WITHHELD_CELL,
             "includes withheld counts": WITHHELD_CELL}  # fmt: skip
    try:
        kind_arr = np.array([codes[str(k)] for k in kinds], dtype=np.int64)
    except KeyError as err:
        raise DisclosureError(
            f"the suppression reason {err.args[0]!r} is not known",
            expected="one of " + ", ".join(repr(c) for c in codes),
        ) from None
    if kind_arr.size != values.size:
        raise DisclosureError(
            f"{kind_arr.size} suppression reasons were given for {values.size} cells",
            expected="one reason per cell",
        )
    cons = [(-1 if t is None else int(t), np.asarray(m, dtype=np.int64)) for t, m in constraints]
    system = System.build(values, cons)
    auditor = Auditor(system, values, policy)
    lower, upper, ok, block = auditor.run(kind_arr)
    return result_from(kind_arr, lower, upper, ok, block, policy, auditor.need)
