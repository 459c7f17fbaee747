"""Choosing secondary suppressions (meam_mapping.disclosure.secondary)."""

from __future__ import annotations

import numpy as np
from disclosure_tables import build_table

from meam_mapping.disclosure import DisclosurePolicy, suppress_and_audit


def reasons(out):
    return dict(zip(out["area_code"], out["suppression"], strict=True))


def test_a_count_with_room_not_the_smallest_neighbour():
    # 2 next to 5, 6 and 30: hiding the 5 leaves 2 + s = 7 with s 0 or >= 5, so only
    # 2 + 5; the 6 leaves 1 or 2. The 30 gives room (the old rule hid the 5).
    out, audit = suppress_and_audit(build_table([2, 5, 6, 30], codes=["A", "B", "C", "D"]))
    assert reasons(out) == {"A": "small count", "B": "", "C": "", "D": "secondary"}
    assert audit.all_protected


def test_among_counts_with_room_the_first_by_area_code_not_by_size():
    out, _ = suppress_and_audit(build_table([3, 50, 9, 30], codes=["D", "A", "B", "C"]))
    assert reasons(out)["A"] == "secondary"  # the 50 (code A), not the 9
    out, _ = suppress_and_audit(build_table([3, 50, 9, 30], codes=["D", "C", "B", "A"]))
    assert reasons(out)["A"] == "secondary"  # now the 30 has code A


def test_a_part_before_a_total():
    # LSOAs 3, 20, 0 in an MSOA (23) beside another MSOA in a district: the LSOA 20 goes,
    # not the MSOA total.
    codes = ["L1", "L2", "L3", "M1", "L4", "L5", "M2", "D"]
    table = build_table([3, 20, 0, 23, 15, 12, 27, 50], codes=codes)
    parent = {"L1": "M1", "L2": "M1", "L3": "M1", "L4": "M2", "L5": "M2", "M1": "D", "M2": "D"}
    out, audit = suppress_and_audit(table, parent_of=parent)
    assert reasons(out)["L2"] == "secondary" and reasons(out)["M1"] == ""
    assert audit.all_protected


def test_a_total_when_no_part_has_room():
    # LSOAs 3, 0, 0 in an MSOA of 3 (small itself): the LSOA equals the MSOA, and the
    # district (30) gives the MSOA away unless the other MSOA is hidden too.
    codes = ["L1", "L2", "L3", "M1", "L4", "L5", "M2", "D"]
    table = build_table([3, 0, 0, 3, 15, 12, 27, 30], codes=codes)
    parent = {"L1": "M1", "L2": "M1", "L3": "M1", "L4": "M2", "L5": "M2", "M1": "D", "M2": "D"}
    out, audit = suppress_and_audit(table, parent_of=parent)
    got = reasons(out)
    assert got["L1"] == got["M1"] == "small count"
    assert got["M2"] == "secondary" and audit.all_protected
    # M2 hidden links to its LSOAs: one of them is hidden too, or M2 would be known
    assert "secondary" in (got["L4"], got["L5"])


def test_threshold_ten_needs_more_room():
    # with T = 10 a secondary cell needs 18 or more to give room on its own
    policy = DisclosurePolicy(threshold=10)
    out, audit = suppress_and_audit(build_table([7, 12, 25, 40], codes=list("ABCD")), policy)
    assert reasons(out)["B"] == "" and audit.all_protected
    assert reasons(out)["C"] == "secondary"


def test_hopeless_cell_is_reported_and_does_not_cascade():
    # a single area with a small count whose total is published elsewhere
    codes = [f"A{i}" for i in range(6)]
    out, audit = suppress_and_audit(build_table([4, 0, 0, 0, 0, 0], codes=codes))
    assert out["suppressed"].tolist() == [True] + [False] * 5
    assert audit.n_unprotected == 1
    assert "could not be fully protected" in audit.describe()


def test_small_counts_the_labels_would_pin_are_hidden_as_a_group():
    # four LSOAs of 1 (and a 0) under an MSOA of 4, itself small, in a district of 60:
    # the labels alone say the MSOA is at least 4, so every cell would be pinned
    codes = ["L1", "L2", "L3", "L4", "L5", "M1", "M2", "M3", "D"]
    parents = {**{c: "M1" for c in codes[:5]}, "M1": "D", "M2": "D", "M3": "D"}
    out, audit = suppress_and_audit(build_table([1, 1, 1, 1, 0, 4, 26, 30, 60], codes=codes),
                                    parent_of=parents)  # fmt: skip
    assert audit.n_unprotected == 0
    assert "hidden in a group" in set(out["suppression"])
    assert out.iloc[:4]["suppressed"].all()


def test_no_secondary_without_small_counts_and_when_switched_off():
    out, audit = suppress_and_audit(build_table([10, 20, 30]))
    assert not out["suppressed"].any() and audit.n_secondary == 0
    out, audit = suppress_and_audit(build_table([3, 20, 30]), DisclosurePolicy(secondary=False))
    assert audit is None and out["suppressed"].sum() == 1
    assert "disclosure_audit" not in out.attrs


def test_deterministic():
    rng = np.random.default_rng(4)
    counts = rng.poisson(5, 40).astype(float)
    a, _ = suppress_and_audit(build_table(counts.tolist(), codes=[f"A{i:02d}" for i in range(40)]))
    b, _ = suppress_and_audit(build_table(counts.tolist(), codes=[f"A{i:02d}" for i in range(40)]))
    assert a["suppression"].tolist() == b["suppression"].tolist()
