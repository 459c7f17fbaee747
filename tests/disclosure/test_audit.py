"""The interval audit against hand-checked tables (meam_mapping.disclosure.audit).

Each expected range is worked out by hand in the comment above it (T = 5: a
small count is 1..4, a secondary cell is 0 or 5 and more).
"""

from __future__ import annotations

import numpy as np
import pytest

from meam_mapping.disclosure import (
    PROTECTION_RULE,
    DisclosureError,
    DisclosurePolicy,
    audit_cells,
    required_width,
)
from meam_mapping.disclosure._solve import add, label_sets, meet, merge, milp_ranges, tree_ranges

S, P, X = "small count", "secondary", ""


def ranges(result):
    return result.cells[["lower", "upper"]].to_numpy().tolist()


def test_three_small_blanks_adding_to_three_are_pinned():
    # 9 - 6 - 0 = 3 over three cells of at least 1: each is exactly 1.
    r = audit_cells([6, 0, 1, 1, 1, 9], [X, X, S, S, S, X], [(5, [0, 1, 2, 3, 4])])
    assert ranges(r) == [[1, 1]] * 3 and r.n_unprotected == 3


def test_three_small_blanks_adding_to_six_keep_the_whole_range():
    # 12 - 6 - 0 = 6; the other two add to 2..8, so each is 6 - (2..8) = -2..4, i.e. 1..4.
    r = audit_cells([6, 0, 2, 3, 1, 12], [X, X, S, S, S, X], [(5, [0, 1, 2, 3, 4])])
    assert ranges(r) == [[1, 4]] * 3 and r.all_protected


@pytest.mark.parametrize(
    ("secondary", "expected", "ok"),
    [
        (5, [1, 1], False),  # 1 + s = 6, s is 0 or >= 5: only 1 + 5
        (6, [1, 2], False),  # 1 + s = 7: 1 + 6 or 2 + 5
        (7, [1, 3], True),  # 1 + s = 8: 1..3 (4 would need s = 4)
        (8, [1, 4], True),  # 1 + s = 9: the whole range
    ],
)
def test_one_small_and_one_secondary(secondary, expected, ok):
    r = audit_cells([1, secondary, 20], [S, P, X], [(None, [0, 1, 2])])
    primary = r.cells.loc[r.cells["kind"] == "primary"]
    assert primary[["lower", "upper"]].to_numpy().tolist() == [expected]
    assert bool(primary["protected"].iloc[0]) is ok


def test_two_level_tree_matches_hand_and_integer_programming():
    # District 30 = M1 + M2 + M3 (M3 = 15 published); M1 (3) = L1 (3) + L2 (0 published).
    # So L1 = M1 and M1 + M2 = 15 with M2 = 0 or >= 5: M1 = 15 - M2 in 1..4 for M2 11..14.
    values = [3, 0, 3, 12, 15, 30]
    kinds = [S, X, S, P, X, X]
    cons = [(2, [0, 1]), (5, [2, 3, 4])]
    r = audit_cells(values, kinds, cons)
    assert ranges(r)[0] == [1, 4] and r.all_protected  # L1
    assert r.cells.loc[r.cells["row"] == 2, ["lower", "upper"]].to_numpy().tolist() == [[1, 4]]
    assert r.n_blocks == 1
    # the same block by integer programming
    entries = [(np.array([0, 1]), np.array([-1.0, 1.0])), (np.array([1, 2]), np.array([1.0, 1.0]))]
    kinds_b = np.array([1, 1, 2])  # L1, M1 primary; M2 secondary
    rhs = np.array([0.0, 15.0])
    policy = DisclosurePolicy()
    tree = tree_ranges(3, entries, rhs, label_sets(kinds_b, policy))
    milp = milp_ranges(3, entries, rhs, kinds_b, kinds_b == 1, policy)
    assert tree[0][:2].tolist() == milp[0][:2].tolist() == [1, 1]
    assert tree[1][:2].tolist() == milp[1][:2].tolist() == [4, 4]


def test_cross_table_rectangle_by_integer_programming():
    # Rows a (2, 8 | 10) and b (10, 9 | 19), columns 12 and 17; the four body cells hidden.
    # m_a = 1 -> f_a 9, m_b 11, f_b 8; m_a = 4 -> f_a 6, m_b 8, f_b 11: all >= 5, so 1..4.
    values = [2, 8, 10, 10, 9, 19, 12, 17, 29]
    kinds = [S, P, X, P, P, X, X, X, X]
    cons = [(2, [0, 1]), (5, [3, 4]), (6, [0, 3]), (7, [1, 4]), (8, [6, 7])]
    r = audit_cells(values, kinds, cons)
    assert ranges(r)[0] == [1, 4] and r.all_protected
    # f_a = 6 instead (row 8): m_a = 10 - f_a with f_a 0 or >= 5 gives m_a <= 3... and
    # m_b = 12 - m_a >= 5, f_b = 17 - f_a >= 5 hold: m_a is 1..3 (f_a 7..9), width 2.
    values = [2, 6, 8, 10, 11, 21, 12, 17, 29]
    r = audit_cells(values, kinds, [(2, [0, 1]), (5, [3, 4]), (6, [0, 3]), (7, [1, 4])])
    assert ranges(r)[0] == [1, 3] and r.all_protected


def test_blocks_are_independent():
    # Two MSOAs under separate published totals: two blocks, each audited alone.
    values = [1, 9, 20, 30, 2, 9, 20, 31]
    kinds = [S, P, X, X, S, P, X, X]
    r = audit_cells(values, kinds, [(3, [0, 1, 2]), (7, [4, 5, 6])])
    assert r.n_blocks == 2 and r.all_protected
    assert sorted(r.cells["block"].unique().tolist()) == [0, 1]


def test_withheld_cell_must_not_be_pinned():
    r = audit_cells([np.nan, 12, 15, 20], ["withheld by source", X, X, X], [(None, [0, 1, 2, 3])])
    assert r.n_withheld == 1 and r.n_unprotected == 1


def test_label_limited_cells_ask_only_what_the_labels_allow():
    # MSOA 3 = three small LSOAs + two zeros: the MSOA is at least 3 whatever is hidden,
    # so it needs width 1 (3..4), not 2.
    values = [1, 1, 1, 0, 0, 3, 40, 43]
    kinds = [S, S, S, X, X, S, X, X]
    r = audit_cells(values, kinds, [(5, [0, 1, 2, 3, 4]), (7, [5, 6])])
    msoa = r.cells.loc[r.cells["row"] == 5]
    assert msoa["needed"].item() == 1 and r.n_label_limited >= 1
    assert "labels alone" in r.describe()


def test_suppress_zero_makes_secondary_cells_at_least_t():
    zero = DisclosurePolicy(suppress_zero=True)
    # small counts are 0..4 now; x + s = 6 with s >= 5 (a hidden zero would be primary):
    # x is 0 or 1
    r = audit_cells([1, 5, 20], [S, P, X], [(None, [0, 1, 2])], zero)
    assert ranges(r)[0] == [0, 1] and r.n_unprotected == 1


def test_required_width_and_rule_text():
    assert required_width(DisclosurePolicy()) == 2
    assert required_width(DisclosurePolicy(threshold=10)) == 4
    assert required_width(DisclosurePolicy(threshold=3)) == 1
    assert required_width(DisclosurePolicy(threshold=2)) == 0  # "fewer than 2" already says 1
    assert "half" in PROTECTION_RULE


def test_summary_and_bad_reason():
    r = audit_cells([1, 8, 20], [S, P, X], [(None, [0, 1, 2])])
    assert r.summary() == {"cells": 3, "audited": 1, "primary": 1, "secondary": 1,
                           "withheld": 0, "unprotected": 0, "label_limited": 0, "blocks": 1,
                           "threshold": 5}  # fmt: skip
    assert "Every hidden small count passed the audit" in r.describe()
    with pytest.raises(DisclosureError, match="not known"):
        audit_cells([1], ["tiny"], [])
    with pytest.raises(DisclosureError, match="one reason per cell"):
        audit_cells([1, 2], [S], [])


def test_interval_sets():
    assert merge([(5, 9), (0, 0), (1, 3), (4, 4)]) == [(0, 9)]
    assert add([(0, 0), (5, np.inf)], [(1, 4)]) == [(1, 4), (6, np.inf)]
    assert meet([(0, 0), (5, 9)], [(3, 6)]) == [(5, 6)]


def _brute_star(rhs, kinds, policy):
    """Ranges of each cell in sum(x) = rhs by enumerating every labelled value (small cases)."""
    import itertools

    allowed = []
    for k in kinds:
        if k == 1:
            allowed.append(range(policy.small_range[0], policy.small_range[1] + 1))
        elif k == 2:
            allowed.append([0, *range(policy.threshold, rhs + 1)])
        else:
            allowed.append(range(rhs + 1))
    seen = [set() for _ in kinds]
    for xs in itertools.product(*allowed):
        if sum(xs) == rhs:
            for i, x in enumerate(xs):
                seen[i].add(x)
    return [[min(s), max(s)] if s else [np.nan, np.nan] for s in seen]


@pytest.mark.parametrize("seed", range(6))
def test_star_block_matches_enumeration(seed):
    # One total over its hidden parts (the national LSOA table is one such star of 34,753
    # cells): the per-label-set solver must give what enumerating every value gives.
    from meam_mapping.disclosure._solve import star_ranges

    rng = np.random.default_rng(seed)
    policy = DisclosurePolicy()
    for _ in range(20):
        kinds = rng.choice([1, 1, 2, 3], size=int(rng.integers(1, 5)))
        rhs = int(rng.integers(0, 16))
        lower, upper = star_ranges(float(rhs), label_sets(kinds, policy))
        got = np.column_stack([lower, upper]).tolist()
        assert np.array_equal(np.array(got), np.array(_brute_star(rhs, kinds, policy)),
                              equal_nan=True), (kinds, rhs)  # fmt: skip


def test_sums_of_single_intervals_take_the_short_way_to_the_same_set():
    """add's one-interval path gives what the general union of pairwise sums gives."""
    rng = np.random.default_rng(7)
    ends = [0.0, 1.0, 2.0, 4.0, 5.0, 9.0, float("inf")]
    for _ in range(500):
        x, y = (sorted(rng.choice(ends, 2).tolist()) for _ in range(2))
        assert add([tuple(x)], [tuple(y)]) == merge([(x[0] + y[0], x[1] + y[1])])
        # and as a part of longer sums, against the general path on two-interval sets
        z = [(0.0, 0.0), (5.0, float("inf"))]
        assert add(add([tuple(x)], z), [tuple(y)]) == merge(
            [(a + c, b + d) for a, b in merge([(x[0] + p, x[1] + q) for p, q in z]) for c, d in [y]]
        )
