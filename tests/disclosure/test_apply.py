"""Tests for suppress_indicators and suppress_counts (meam_mapping.disclosure.apply).

Besides the bounds-aware attacks of ``test_attacks.py``, the property tests
here rebuild the linear constraints ("total = sum of parts") from the
*published* table, independently of the package, and show by least squares that
no small count is determined by linear algebra alone: a cell u is determined
exactly when the unit vector e_u lies in the row space of the constraint matrix
restricted to the suppressed cells (Cox 1980, "Suppression methodology and
statistical disclosure control", JASA 75, 377-385).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from disclosure_attacker import determined
from disclosure_tables import build_table as indicator_table
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from meam_mapping.disclosure import (
    DEFAULT_POLICY,
    POLICY_ATTR,
    DisclosureError,
    DisclosurePolicy,
    audit_table,
    suppress_and_audit,
    suppress_counts,
    suppress_indicators,
)
from meam_mapping.errors import InputError

FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None)
#: cross tables are audited by integer programming: fewer examples by default
FEW = settings(max_examples=8, deadline=None, derandomize=True, database=None)


# ----------------------------------------------------------- independent check
def constraint_matrix(constraints, n):
    rows = []
    for total, members in constraints:
        row = np.zeros(n)
        row[list(members)] = 1.0
        if total is not None:
            row[total] -= 1.0
        rows.append(row)
    return np.asarray(rows).reshape(-1, n)


def assert_small_unrecoverable(constraints, hidden, small):
    """No small count is fixed by the constraints (secondary cells may be: they are not small)."""
    hidden = np.asarray(hidden, dtype=bool)
    n = hidden.size
    # Constraints with one cell of the table and an outside total cannot be
    # protected by this table (documented); the table's own constraints can.
    usable = [(t, m) for t, m in constraints if len(m) + (t is not None) >= 2]
    fixed = determined(constraint_matrix(usable, n), hidden)
    assert not np.asarray(small, dtype=bool)[fixed].any(), fixed


# --------------------------------------------------------------------- policy
def test_default_suppresses_one_to_four_and_keeps_zero():
    table = indicator_table([0, 1, 2, 3, 4, 5, 6, 30])
    out = suppress_indicators(table, DisclosurePolicy(secondary=False))
    assert_array_equal(out["suppressed"], [False, True, True, True, True, False, False, False])
    assert out["count"].iloc[0] == 0
    assert list(out["suppression"][1:5]) == ["small count"] * 4
    assert out["count"][1:5].isna().all() and out["value"][1:5].isna().all()


def test_threshold_ten_variant():
    out = suppress_indicators(
        indicator_table([0, 5, 9, 10, 11]), DisclosurePolicy(10, secondary=False)
    )
    assert_array_equal(out["suppressed"], [False, True, True, False, False])
    assert "1 to 9" in out.attrs[POLICY_ATTR]


def test_suppress_zero_option():
    policy = DisclosurePolicy(suppress_zero=True, secondary=False)
    assert_array_equal(policy.is_small([0, 4, 5, np.nan]), [True, True, False, False])
    assert "Zero counts are suppressed too" in policy.describe()


def test_source_withheld_stays_withheld_and_unknown_is_not_zero():
    table = indicator_table([np.nan, 12, 15, 20])
    table.loc[0, "suppressed"] = True
    out = suppress_indicators(table)
    assert out.loc[0, "suppression"] == "withheld by source"
    # the total of the group would give the withheld count away: one more is hidden
    assert out.loc[1, "suppression"] == "secondary"
    assert out["suppressed"].sum() == 2


def test_a_total_over_a_withheld_count_is_unknown_not_withheld():
    """An MSOA added up from LSOAs one of which the source withheld: not known, and said so."""
    table = pd.DataFrame({
        "area_code": ["L1", "L2", "L3", "M1"], "indicator": "x", "period": "2024",
        "count": [np.nan, 12, 15, np.nan], "suppressed": [True, False, False, True],
        "note": [None, None, None, "includes suppressed"],
    })  # fmt: skip
    parents = {"L1": "M1", "L2": "M1", "L3": "M1"}
    out, _ = suppress_and_audit(table, parent_of=parents)
    assert list(out["suppression"]) == ["withheld by source", "", "", "includes withheld counts"]
    assert out["count"].iloc[[0, 3]].isna().all()
    # The audit reads the new reason back as a cell whose value is unknown.
    audit = audit_table(table.assign(count=[3, 12, 15, 30]), out, parent_of=parents)
    assert audit.n_withheld == 2


def test_classic_secondary_five_areas_in_a_district():
    # One of five areas in a district is small; the district total is published, so one
    # more count must go: the first by area code of those with room (8 or more), here 10,
    # not the smallest (7), which the old rule chose.
    counts = [3, 10, 12, 20, 7]
    table = indicator_table(counts)
    parent = dict.fromkeys(table["area_code"], "E07000008")
    out, audit = suppress_and_audit(table, parent_of=parent)
    assert list(out["suppression"]) == ["small count", "secondary", "", "", ""]
    assert audit.all_protected
    assert_small_unrecoverable([(None, range(5))], out["suppressed"], [1, 0, 0, 0, 0])


def test_complement_prefers_counts_with_room_over_zeros_and_small_neighbours():
    out = suppress_indicators(indicator_table([2, 0, 0, 9, 8]))
    assert list(out["suppression"]) == ["small count", "", "", "secondary", ""]
    # 1 next to a 5: the 5 gives no room (1 + 5 = 6 and the 5 is 0 or >= 5: only 1 + 5)
    out, audit = suppress_and_audit(indicator_table([1, 5, 30, 6]))
    assert out["suppression"].tolist() == ["small count", "", "secondary", ""]
    assert audit.all_protected
    # 2, 0, 0 under a total of 2 published elsewhere: hiding the zeros ("0 or 5 or more")
    # cannot help, so nothing more is hidden and the audit reports the cell unprotected
    only_zeros, audit = suppress_and_audit(indicator_table([2, 0, 0]))
    assert only_zeros["suppressed"].tolist() == [True, False, False]
    assert audit.n_unprotected == 1 and "could not be fully protected" in audit.describe()


def test_parent_minus_children_is_blocked():
    # District row (30) published next to its three wards: 30 - 10 - 17 = 3.
    codes = ["W1", "W2", "W3", "D1"]
    table = indicator_table([3, 10, 17, 30], codes=codes)
    out = suppress_indicators(table, parent_of={"W1": "D1", "W2": "D1", "W3": "D1"})
    assert list(out["suppression"]) == ["small count", "secondary", "", ""]
    assert not np.isnan(out.loc[3, "count"])  # the parent itself stays published
    assert_small_unrecoverable([(3, [0, 1, 2])], out["suppressed"], [1, 0, 0, 0])


def test_groups_are_per_indicator_and_period():
    a = indicator_table([3, 10, 12], indicator="a")
    b = indicator_table([30, 10, 12], indicator="b")
    out = suppress_indicators(pd.concat([a, b], ignore_index=True))
    assert out["suppressed"].tolist() == [True, True, False, False, False, False]


def test_derived_rates_intervals_and_comparisons_are_suppressed():
    table = indicator_table([2, 40, 50])
    table["lower"] = [0.2, 30.0, 40.0]
    table["upper"] = [7.0, 50.0, 60.0]
    table["comparison"] = ["similar", "similar", "significantly higher"]
    table["my_rate"] = [2.0, 40.0, 50.0]
    out = suppress_indicators(table, DisclosurePolicy(secondary=False), derived=["my_rate"])
    row = out.iloc[0]
    assert all(
        pd.isna(row[c]) for c in ("count", "value", "lower", "upper", "comparison", "my_rate")
    )
    assert row["denominator"] == 1000  # population denominators stay published
    assert out.loc[1, "comparison"] == "similar"


def test_rounding_after_suppression_rescales_rates():
    table = indicator_table([0, 7, 12, 13, 3, 98])
    table["denominator"] = 2000.0
    table["value"] = table["count"] / 2000 * 1000
    out = suppress_indicators(table, DisclosurePolicy(round_to=5, secondary=False))
    assert_allclose(out["count"], [0, 5, 10, 15, np.nan, 100])
    assert_allclose(out["value"], [0, 2.5, 5, 7.5, np.nan, 50])
    assert "nearest 5" in out.attrs[POLICY_ATTR]


def test_linked_indicators_are_constraints():
    rows = [indicator_table(v, codes=["A", "B", "C"], indicator=i)
            for i, v in (("persons", [40, 52, 61]), ("male", [37, 30, 33]),
                         ("female", [3, 22, 28]))]  # fmt: skip
    table = pd.concat(rows, ignore_index=True)
    plain = suppress_indicators(table)
    linked = suppress_indicators(table, linked_indicators={"persons": ["male", "female"]})
    # per indicator alone the 3 is protected by another female count ...
    assert plain.loc[plain["indicator"] == "female", "suppressed"].sum() == 2
    # ... but Persons - Male = Female needs a Persons or Male count hidden in area A as well
    area_a = linked.loc[linked["area_code"] == "A", "suppression"].tolist()
    assert area_a.count("secondary") >= 1 and "small count" in area_a
    assert linked.attrs["disclosure_audit"]["unprotected"] == 0


def test_bad_input_raises_input_error():
    with pytest.raises(InputError, match="no column"):
        suppress_indicators(pd.DataFrame({"area_code": ["a"]}))
    bad = indicator_table([1, 2]).astype({"count": object})
    bad.loc[1, "count"] = "lots"
    with pytest.raises(InputError, match="not numbers") as err:
        suppress_indicators(bad)
    assert err.value.row == [3]
    dup = indicator_table([10, 20], codes=["A", "A"])
    with pytest.raises(InputError, match="more than once"):
        suppress_indicators(dup)
    with pytest.raises(DisclosureError, match="both in group_by"):
        suppress_counts(pd.DataFrame({"sex": ["m"], "count": [3]}), ["count"], group_by=["sex"],
                        total_row={"sex": "All"})  # fmt: skip


# -------------------------------------------------------------- generic tables
def test_cross_table_row_and_column_totals():
    # 2 x 2 table with a Total row and a total column: one small cell forces
    # the three others of its rectangle (the classic 2 x 2 pattern).
    x = pd.DataFrame(
        {
            "area": ["a", "b", "Total"],
            "male": [2, 10, 12],
            "female": [8, 9, 17],
            "total": [10, 19, 29],
        }
    )
    out = suppress_counts(x, ["male", "female"], total_row={"area": "Total"}, total_column="total")
    assert out["male_suppression"].tolist() == ["small count", "secondary", ""]
    assert out["female_suppression"].tolist() == ["secondary", "secondary", ""]
    assert out.loc[2, ["male", "female", "total"]].tolist() == [12, 17, 29]


def test_pattern_table_grouped_by_area_with_derived_percent():
    pat = pd.DataFrame(
        {
            "area_code": ["a"] * 3 + ["b"] * 3,
            "A": [1, 0, 1] * 2,
            "B": [0, 1, 1] * 2,
            "count": [20, 15, 3, 12, 11, 9],
        }
    )
    pat["percent"] = 100 * pat["count"] / pat.groupby("area_code")["count"].transform("sum")
    out = suppress_counts(pat, ["count"], group_by=["area_code"])
    # the 20 (first with room) goes, not the 15 next to the 3
    assert out["suppression"].tolist() == ["secondary", "", "small count", "", "", ""]
    assert out["percent"].isna().tolist() == [True, False, True, False, False, False]
    assert out.attrs["disclosure_audit"]["unprotected"] == 0
    # per pattern across areas too: the cycle needs cells in both areas
    both = suppress_counts(pat, ["count"], group_by=[["area_code"], ["A", "B"]])
    hidden = both["suppressed"].to_numpy()
    cons = [(None, [0, 1, 2]), (None, [3, 4, 5]), (None, [0, 3]), (None, [1, 4]), (None, [2, 5])]
    assert_small_unrecoverable(cons, hidden, DEFAULT_POLICY.is_small(pat["count"]))
    assert both.attrs["disclosure_audit"]["unprotected"] == 0


def test_generic_rejects_conflicting_options():
    x = pd.DataFrame({"sex": ["m", "All"], "count": [3, 3]})
    with pytest.raises(ValueError, match="both"):
        suppress_counts(x, ["count"], group_by=["sex"], total_row={"sex": "All"})
    with pytest.raises(InputError, match="more than one total row"):
        suppress_counts(
            pd.DataFrame({"sex": ["All", "All"], "count": [3, 3]}),
            ["count"],
            total_row={"sex": "All"},
        )


# ---------------------------------------------------- unrecoverability property
@st.composite
def two_level(draw):
    """Wards in districts, district rows sometimes in the table."""
    sizes = draw(st.lists(st.integers(2, 6), min_size=1, max_size=3))
    codes, counts, parent, constraints = [], [], {}, []
    parent_rows = []
    for p, size in enumerate(sizes):
        kids = draw(st.lists(st.integers(0, 14), min_size=size, max_size=size))
        first = len(codes)
        for c, v in enumerate(kids):
            codes.append(f"W{p}{c}")
            counts.append(v)
            parent[f"W{p}{c}"] = f"D{p}"
        members = list(range(first, len(codes)))
        if draw(st.booleans()):
            codes.append(f"D{p}")
            counts.append(sum(kids))
            parent_rows.append(len(codes) - 1)
            constraints.append((len(codes) - 1, members))
        else:
            constraints.append((None, members))
    constraints.append((None, parent_rows))  # study-area total over the districts
    return codes, counts, parent, constraints


@FAST
@given(two_level())
def test_property_no_suppressed_cell_recoverable_two_levels(case):
    codes, counts, parent, constraints = case
    out, audit = suppress_and_audit(indicator_table(counts, codes=codes), parent_of=parent)
    hidden = out["suppressed"].to_numpy()
    small = np.asarray(DEFAULT_POLICY.is_small(counts))
    assert_array_equal(hidden | ~small, np.ones(len(codes), bool))
    assert_small_unrecoverable(constraints, hidden, protected_small(small, audit))


@st.composite
def three_level(draw):
    """LSOA -> MSOA -> district with every level's rows in the table (chained totals)."""
    codes, counts, parent, constraints = [], [], {}, []
    district_rows = []
    for d in range(draw(st.integers(1, 2))):
        msoa_rows = []
        for m in range(draw(st.integers(2, 3))):
            kids = draw(st.lists(st.integers(0, 9), min_size=2, max_size=4))
            first = len(codes)
            for i, v in enumerate(kids):
                codes.append(f"L{d}{m}{i}")
                counts.append(v)
                parent[f"L{d}{m}{i}"] = f"M{d}{m}"
            codes.append(f"M{d}{m}")
            counts.append(sum(kids))
            parent[f"M{d}{m}"] = f"D{d}"
            constraints.append((len(codes) - 1, list(range(first, len(codes) - 1))))
            msoa_rows.append(len(codes) - 1)
        codes.append(f"D{d}")
        counts.append(sum(counts[i] for i in msoa_rows))
        constraints.append((len(codes) - 1, msoa_rows))
        district_rows.append(len(codes) - 1)
    constraints.append((None, district_rows))
    return codes, counts, parent, constraints


@FAST
@given(three_level())
def test_property_no_suppressed_cell_recoverable_three_levels(case):
    codes, counts, parent, constraints = case
    out, audit = suppress_and_audit(indicator_table(counts, codes=codes), parent_of=parent)
    small = np.asarray(DEFAULT_POLICY.is_small(counts))
    assert_small_unrecoverable(constraints, out["suppressed"], protected_small(small, audit))


@FEW
@given(
    st.integers(2, 4).flatmap(
        lambda r: st.integers(2, 4).flatmap(
            lambda c: st.lists(
                st.lists(st.integers(0, 12), min_size=c, max_size=c), min_size=r, max_size=r
            )
        )
    )
)
def test_property_cross_table_with_margins(cells):
    body = np.asarray(cells, dtype=float)
    r, c = body.shape
    full = np.vstack([body, body.sum(axis=0)])
    full = np.column_stack([full, full.sum(axis=1)])
    names = [f"c{j}" for j in range(c)] + ["total"]
    x = pd.DataFrame(full, columns=names)
    x.insert(0, "area", [f"a{i}" for i in range(r)] + ["Total"])
    out = suppress_counts(x, names[:-1], total_row={"area": "Total"}, total_column="total")
    hidden = np.column_stack([out[f"{n}_suppression"].ne("").to_numpy() for n in names])
    k = c + 1
    idx = np.arange((r + 1) * k).reshape(r + 1, k)
    cons = [(idx[i, c], idx[i, :c]) for i in range(r + 1)]
    cons += [(idx[r, j], idx[:r, j]) for j in range(k)]
    small = DEFAULT_POLICY.is_small(full).ravel()
    audit = out.attrs["disclosure_audit"]
    assert_small_unrecoverable(cons, hidden.ravel(), small if audit["unprotected"] == 0 else
                               np.zeros_like(small))  # fmt: skip
    assert not policy_small_published(out, names)


def policy_small_published(out, names):
    values = out[names].to_numpy(dtype=float)
    return bool(DEFAULT_POLICY.is_small(values).any())


def protected_small(small, audit):
    """Small cells the audit reports protected (an unprotected one is reported, not hidden)."""
    ok = small.copy()
    bad = audit.cells.loc[~audit.cells["protected"], "row"].to_numpy()
    ok[bad] = False
    return ok


def test_chained_constraints_are_protected():
    # Found by random search for the old rule: in this 4 x 4 table with margins, "never one
    # suppressed cell per total" alone left cell (a3, c2) = 4 recoverable through a chain of
    # row and column totals (a "bridge" between two cycles). The audit sees the whole system.
    body = [[12, 3, 12, 9], [5, 12, 9, 12], [8, 12, 7, 12], [8, 10, 4, 10]]
    full = np.vstack([body, np.sum(body, axis=0)])
    full = np.column_stack([full, full.sum(axis=1)]).astype(float)
    names = ["c0", "c1", "c2", "c3", "total"]
    x = pd.DataFrame(full, columns=names)
    x.insert(0, "area", ["a0", "a1", "a2", "a3", "Total"])
    idx = np.arange(25).reshape(5, 5)
    cons = [(idx[i, 4], idx[i, :4]) for i in range(5)] + [(idx[4, j], idx[:4, j]) for j in range(5)]
    out = suppress_counts(x, names[:-1], total_row={"area": "Total"}, total_column="total")
    hidden = np.column_stack([out[f"{n}_suppression"].ne("").to_numpy() for n in names]).ravel()
    assert_small_unrecoverable(cons, hidden, DEFAULT_POLICY.is_small(full).ravel())
    assert out.attrs["disclosure_audit"]["unprotected"] == 0
    assert out.attrs["disclosure_audit"]["primary"] == 2


# ------------------------------------------------ blocks solved once per table
def _no_reuse(monkeypatch):
    """Make every block's key new, so nothing is taken from the blocks already solved."""
    from meam_mapping.disclosure import audit as audit_module

    monkeypatch.setattr(audit_module, "_block_key", lambda *args: object())


def _solve_calls(monkeypatch):
    from meam_mapping.disclosure import audit as audit_module

    calls = []
    real = audit_module.solve_block

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(audit_module, "solve_block", counted)
    return calls


@FAST
@given(three_level())
def test_reused_blocks_give_the_same_table_and_audit(case):
    codes, counts, parent, _ = case
    table = indicator_table(counts, codes=codes)
    kept, kept_audit = suppress_and_audit(table, parent_of=parent)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_reuse(monkeypatch)
        fresh, fresh_audit = suppress_and_audit(table, parent_of=parent)
    pd.testing.assert_frame_equal(kept, fresh)
    if fresh_audit is None:
        assert kept_audit is None
    else:
        pd.testing.assert_frame_equal(kept_audit.cells, fresh_audit.cells)


def test_the_second_try_solves_only_the_blocks_it_changed(monkeypatch):
    # District D0: an MSOA of 4 made of four LSOAs of 1, which its labels narrow, so the
    # second try (every hidden cell of that block under one label) runs. Districts D1-D3
    # are unchanged by it: their blocks are taken from the first try, not solved again.
    codes, counts, parent = [], [], {}
    for d, kids in enumerate(([1, 1, 1, 1], [2, 7, 9], [3, 8, 8, 6], [1, 9, 9])):
        for i, v in enumerate(kids):
            codes.append(f"L{d}{i}")
            counts.append(v)
            parent[f"L{d}{i}"] = f"M{d}"
        codes.append(f"M{d}")
        counts.append(sum(kids))
        parent[f"M{d}"] = f"D{d}"
        codes.append(f"D{d}")
        counts.append(sum(kids) + 20)
        codes.append(f"M{d}x")
        counts.append(20)
        parent[f"M{d}x"] = f"D{d}"
    table = indicator_table(counts, codes=codes)
    calls = _solve_calls(monkeypatch)
    kept, _ = suppress_and_audit(table, parent_of=parent)
    reused = len(calls)
    _no_reuse(monkeypatch)
    calls.clear()
    fresh, _ = suppress_and_audit(table, parent_of=parent)
    assert kept["suppressed"].any()
    pd.testing.assert_frame_equal(kept, fresh)
    assert reused < len(calls), (reused, len(calls))


def test_a_block_key_holds_the_whole_problem():
    from meam_mapping.disclosure.audit import _block_key

    entries = [(np.array([0, 1]), np.array([1.0, 1.0]))]
    base = _block_key(entries, np.array([5.0]), np.array([1, 2]), None)
    assert base == _block_key(
        [(np.array([0, 1]), np.array([1.0, 1.0]))], np.array([5.0]), np.array([1, 2]), None
    )
    assert base != _block_key(entries, np.array([6.0]), np.array([1, 2]), None)  # total
    assert base != _block_key(entries, np.array([5.0]), np.array([2, 1]), None)  # kinds
    assert base != _block_key(entries, np.array([5.0]), np.array([1, 2]), 200)  # MILP limit
    assert base != _block_key(
        [(np.array([0, 1]), np.array([1.0, -1.0]))], np.array([5.0]), np.array([1, 2]), None
    )  # coefficients
    assert base != _block_key(
        [(np.array([0]), np.array([1.0])), (np.array([1]), np.array([1.0]))],
        np.array([5.0]), np.array([1, 2]), None,
    )  # how the terms split between totals  # fmt: skip
