"""Attack the published tables with an independent integer-programming attacker.

Small counts are planted in hierarchies (LSOA in MSOA in district) and linked
tables; after ``suppress_indicators`` the attacker (``disclosure_attacker``,
which shares no code with the package) reads only the published table, its
labels and the totals assumed published elsewhere, and must not narrow any
small count below the whole range its label gives (1 to 4), the protection
rule stated in ``meam_mapping.disclosure.audit``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from disclosure_attacker import attack, brute_force, pinned
from disclosure_tables import build_table
from hypothesis import given, settings
from hypothesis import strategies as st

from meam_mapping.disclosure import audit_cells, audit_table, suppress_and_audit

FAST = settings(max_examples=15, deadline=None, derandomize=True, database=None)


def hierarchy(lsoa: dict[str, list[int]], msoa_in: dict[str, str]):
    """Table with LSOA, MSOA and district rows (all levels published) and its parent map."""
    codes, counts, parent = [], [], {}
    msoa_total = {}
    for msoa, kids in lsoa.items():
        for i, v in enumerate(kids):
            code = f"{msoa}L{i}"
            codes.append(code)
            counts.append(v)
            parent[code] = msoa
        msoa_total[msoa] = sum(kids)
    district_total: dict[str, int] = {}
    for msoa, total in msoa_total.items():
        codes.append(msoa)
        counts.append(total)
        parent[msoa] = msoa_in[msoa]
        district_total[msoa_in[msoa]] = district_total.get(msoa_in[msoa], 0) + total
    for district, total in district_total.items():
        codes.append(district)
        counts.append(total)
    return build_table(counts, codes=codes), parent


def assert_protected(table, parent, linked=None):
    out, audit = suppress_and_audit(table, parent_of=parent, linked_indicators=linked)
    result = attack(out, table, parent, linked=linked)
    assert pinned(result).empty, pinned(result)
    assert (out["suppression"] == "small count").sum() == ((table["count"] > 0)
                                                          & (table["count"] < 5)).sum()  # fmt: skip
    # the audit and the independent attacker agree on every small count
    small = result.loc[result["label"] == "small count"].set_index("area_code")
    cells = audit.cells.loc[audit.cells["kind"] == "primary"]
    codes = table["area_code"].to_numpy()[cells["row"].to_numpy()]
    assert small.loc[codes, "lower"].tolist() == cells["lower"].tolist()
    assert small.loc[codes, "upper"].tolist() == cells["upper"].tolist()
    return out, audit


def test_single_small_lsoa_in_an_msoa():
    table, parent = hierarchy({"M1": [3, 10, 12, 20, 7], "M2": [9, 11, 14, 8, 10]},
                              {"M1": "D1", "M2": "D1"})  # fmt: skip
    out, audit = assert_protected(table, parent)
    hidden = out.loc[out["suppressed"], "count"]
    assert hidden.isna().all() and audit.all_protected
    # the secondary cell gives room: not the 7 next to the 3 (3 + 7 = 10 would leave 3 or 4... )
    assert out.loc[out["area_code"] == "M1L1", "suppression"].item() == "secondary"


def test_msoa_of_9_with_lsoas_6_0_and_three_small_blanks():
    # The bounds attack of issue 13: 9 - 6 - 0 = 3 over three cells of 1..4 gives 1 + 1 + 1.
    table, parent = hierarchy({"M1": [6, 0, 1, 1, 1], "M2": [20, 15, 12, 9, 30]},
                              {"M1": "D1", "M2": "D1"})  # fmt: skip
    # the old rule published exactly this: three small blanks, no secondary cell
    old = audit_cells(
        table["count"].to_numpy(),
        ["", "", "small count", "small count", "small count"] + [""] * 8,
        [(10, [0, 1, 2, 3, 4]), (11, [5, 6, 7, 8, 9]), (12, [10, 11])],
    )
    assert old.cells["lower"].tolist() == [1, 1, 1] and old.cells["upper"].tolist() == [1, 1, 1]
    out, audit = assert_protected(table, parent)
    assert audit.n_secondary >= 1


def test_single_small_msoa_in_a_district():
    table, parent = hierarchy(
        {"M1": [1, 0, 2, 0, 0], "M2": [9, 11, 14, 8, 10], "M3": [6, 7, 9, 5, 12]},
        {"M1": "D1", "M2": "D1", "M3": "D1"},
    )
    out, _ = assert_protected(table, parent)
    assert out.loc[out["area_code"] == "M1", "suppression"].item() == "small count"


def test_sums_of_small_cells():
    table, parent = hierarchy(
        {"M1": [2, 2, 1, 0, 30], "M2": [1, 1, 9, 40, 6], "M3": [4, 3, 2, 1, 0]},
        {"M1": "D1", "M2": "D1", "M3": "D2"},
    )
    assert_protected(table, parent)


def test_linked_persons_male_female():
    # Persons - Male = Female: 40 - 37 = 3 unless the link is part of the audit.
    rows = []
    for ind, vals in (("persons", [40, 52, 61]), ("male", [37, 30, 33]),
                      ("female", [3, 22, 28])):  # fmt: skip
        rows.append(build_table(vals, codes=["A", "B", "C"], indicator=ind))
    table = pd.concat(rows, ignore_index=True)
    linked = {"persons": ["male", "female"]}
    without = suppress_and_audit(table)[0]
    leak = attack(without, table, None, linked=linked)
    assert not pinned(leak).empty  # the link, ignored, gives the 3 away
    out, audit = assert_protected(table, None, linked=linked)
    assert audit.n_primary == 1 and audit.all_protected


def test_linked_periods_total():
    rows = [build_table(v, codes=["A", "B"], period=p)
            for p, v in (("2023", [2, 30]), ("2024", [12, 14]), ("2023-24", [14, 44]))]  # fmt: skip
    table = pd.concat(rows, ignore_index=True)
    out, audit = suppress_and_audit(table, linked_periods={"2023-24": ["2023", "2024"]})
    assert audit.all_protected and audit.n_secondary >= 2


def test_brute_force_agrees_with_the_audit_on_a_small_table():
    # MSOA 14 = LSOAs 6 + 0 + three blanks (small, small, secondary) adding up to 8:
    # secondary 0 -> 4 + 4; 5 -> 1 + 2 or 2 + 1; 6 -> 1 + 1. So each small one is 1, 2 or 4.
    values = [6, 0, 2, 1, 5, 14]
    labels = ["", "", "small count", "small count", "secondary", ""]
    r = audit_cells(values, labels, [(5, [0, 1, 2, 3, 4])])
    seen = brute_force(8, labels[2:5])
    primary = r.cells.loc[r.cells["kind"] == "primary"]
    assert primary["lower"].tolist() == [min(seen[0]), min(seen[1])]
    assert primary["upper"].tolist() == [max(seen[0]), max(seen[1])]
    assert seen[0] == seen[1] == {1, 2, 4}
    assert primary["protected"].all()  # range 1..4 (width 3 >= 2; the gap at 3 is not counted)
    # blanks 1 + 1 + 5 = 7: secondary 0 -> 3 + 4 or 4 + 3; 5 -> 1 + 1; so {1, 3, 4}
    seen = brute_force(7, labels[2:5])
    r = audit_cells([6, 0, 1, 1, 5, 13], labels, [(5, [0, 1, 2, 3, 4])])
    assert seen[0] == {1, 3, 4} and r.cells["protected"].iloc[0]
    # one small blank and a secondary of 5 adding up to 6: only 1 + 5 (6 + 0 is not small)
    seen = brute_force(6, ["small count", "secondary"])
    r = audit_cells([6, 0, 1, 5, 12], ["", "", "small count", "secondary", ""],
                    [(4, [0, 1, 2, 3])])  # fmt: skip
    assert seen[0] == {1} and r.cells[["lower", "upper"]].iloc[0].tolist() == [1, 1]
    assert not r.cells["protected"].iloc[0]


@st.composite
def districts(draw):
    n_msoa = draw(st.integers(2, 4))
    lsoa = {f"M{m}": draw(st.lists(st.integers(0, 14), min_size=2, max_size=5))
            for m in range(n_msoa)}  # fmt: skip
    split = draw(st.integers(1, n_msoa))
    return lsoa, {f"M{m}": "D1" if m < split else "D2" for m in range(n_msoa)}


@FAST
@given(districts())
def test_property_attacker_never_narrows_a_small_count(case):
    lsoa, msoa_in = case
    table, parent = hierarchy(lsoa, msoa_in)
    out, audit = suppress_and_audit(table, parent_of=parent)
    result = attack(out, table, parent)
    flagged = set(table["area_code"].to_numpy()[audit.cells.loc[~audit.cells["protected"], "row"]])
    # any small count the attacker narrows is one the audit reports as unprotected
    assert set(pinned(result)["area_code"]) <= flagged
    # and every cell the audit flags really is narrowed (the audit is not over-cautious)
    assert flagged <= set(pinned(result)["area_code"]) | set(
        result.loc[result["label"] != "small count", "area_code"]
    )


def test_audit_table_reports_the_published_table(indicator_table):
    table = indicator_table([3, 10, 12, 20, 7])
    parent = dict.fromkeys(table["area_code"], "D")
    out, audit = suppress_and_audit(table, parent_of=parent)
    again = audit_table(table, out, parent_of=parent)
    assert again.summary() == audit.summary() == out.attrs["disclosure_audit"]
    with pytest.raises(ValueError, match="same rows"):
        audit_table(table, out.iloc[:2], parent_of=parent)
    assert np.isfinite(again.cells["lower"].iloc[0])
