"""Warnings that do not stop a table loading: mixed levels and vintages, ranks with repeats or gaps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from meam_mapping.geography.vintage_bridge import ons_lookup
from meam_mapping.io.inspect import inspect_table
from meam_mapping.io.table_checks import area_code_checks, rank_checks, table_checks
from meam_mapping.loading import load_table_file

LOOKUP = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "geography"
    / "lsoa11_lsoa21_lad22_lookup_extract.csv"
)


def _ranks(values, codes=None):
    codes = codes or [f"E01{i:06d}" for i in range(1, len(values) + 1)]
    return pd.DataFrame(
        {
            "area_code": codes,
            "indicator": "imd_rank",
            "period": "2019",
            "value": values,
            "kind": "rank",
        }
    )


def test_mixed_levels_name_the_rows_of_each_level():
    codes = pd.Series(
        ["E01000001", "E01000002", "E02000001", "E01000003", "E02000002"], index=[2, 3, 4, 5, 6]
    )
    (note,) = area_code_checks(codes, rows=True)
    assert "3 LSOA code(s) (rows 2-3, 5: E01000001, E01000002, E01000003)" in note
    assert "2 MSOA code(s) (rows 4, 6: E02000001, E02000002)" in note


def test_two_vintages_are_told_apart_by_the_lookup_or_the_heading():
    lookup = ons_lookup(pd.read_csv(LOOKUP, dtype=str))
    codes = pd.Series(["E01000001", "E01000010", "E01033780", "E01000020"], index=[2, 3, 4, 5])
    (note,) = area_code_checks(codes, rows=True, lookup=lookup)
    # E01000010 and E01000020 exist only before 2021; E01033780 only since.
    assert "1 code(s) exist only since 2021 (row 4: E01033780)" in note
    assert "2 exist only before 2021 (rows 3, 5: E01000010, E01000020)" in note
    # Without a lookup a 2021-only code under a 2011 heading is still caught.
    (note,) = area_code_checks(codes, rows=True, stated_vintage="2011")
    assert "although the heading says 2011" in note
    assert area_code_checks(codes, rows=True) == []  # 2021 codes alone are just 2021
    assert area_code_checks(pd.Series(["E01000001", "E01000002"])) == []


def test_repeated_ranks_and_gaps_are_warned_about():
    repeat, gap = rank_checks(_ranks([1.0, 2.0, 2.0, 4.0]))
    assert "rank(s) 2 are given to more than one area (e.g. E01000002, E01000003)" in repeat
    assert "leave out 1 rank(s) (3)" in gap
    (note,) = rank_checks(
        _ranks(
            [
                1.0,
                2.0,
                5.0,
                6.0,
                3.0,
                8.0,
                9.0,
                10.0,
                11.0,
                12.0,
                13.0,
                14.0,
                15.0,
                16.0,
                17.0,
                18.0,
            ]
        )
    )
    assert "leave out 2 rank(s) (4, 7)" in note
    (note,) = rank_checks(_ranks([1.5, 2.0]))
    assert "not whole numbers from 1" in note
    assert rank_checks(_ranks([3.0, 1.0, 2.0])) == []
    # A local extract of a national ranking has gaps by nature: said, not warned.
    (note,) = rank_checks(_ranks([29199.0, 1.0, 14915.0]))
    assert "among a larger set" in note and "leave out" not in note


def test_the_load_report_carries_the_warnings_and_the_table_still_loads():
    data = (
        b"LSOA code (2011),Index of Multiple Deprivation (IMD) Rank\n"
        b"E01000001,1\nE01000002,2\nE02000001,2\nE01000003,5\n"
    )
    loaded = load_table_file(data, name="ranks.csv")
    assert len(loaded.table) == 4
    notes = " ".join(loaded.notes)
    assert "several levels" in notes and "E02000001" in notes
    assert "given to more than one area" in notes
    assert "leave out 2 rank(s) (3-4)" in notes
    # inspect names spreadsheet rows.
    inspected = " ".join(inspect_table(data, name="ranks.csv").notes)
    assert "1 MSOA code(s) (row 4: E02000001)" in inspected


def test_a_clean_table_has_no_warnings():
    table = _ranks([2.0, 1.0, 3.0]).assign(kind="rank")
    assert table_checks(table) == []


def _slow_code_text(codes):
    """The checks' text of each code as first written: value by value, never through Arrow."""
    text = codes.astype("object").where(codes.notna(), "").astype(str).str.strip().str.upper()
    return text, False


def test_area_code_checks_through_arrow_say_what_the_value_by_value_checks_say(monkeypatch):
    import numpy as np

    import meam_mapping.io.table_checks as checks

    rng = np.random.default_rng(6)
    codes = [f"E01{n:06d}" for n in rng.integers(1, 36_000, 300)]  # 2011 and 2021-only numbers
    codes += [f"W01{n:06d}" for n in rng.integers(1, 2_100, 40)]
    codes += [f"E02{n:06d}" for n in rng.integers(1, 7_300, 30)] + ["E07000008", "E06000001"]
    codes += [" e01000001 ", "\te01033999\x1c", "E0100000", "not a code", "", "E12000007"]
    lookup = ons_lookup(pd.read_csv(LOOKUP, dtype=str))
    for series in (
        pd.Series(codes, dtype=object),
        pd.Series(codes, dtype="str", index=np.arange(len(codes)) + 2),
        pd.Series(codes + [None], dtype=object),  # a missing code: value by value
        pd.Series(codes + ["\u00e901000001"], dtype=object),  # not ASCII: value by value
    ):
        for options in ({}, {"rows": True}, {"stated_vintage": "2011"}, {"lookup": lookup}):
            fast = area_code_checks(series, **options)
            with monkeypatch.context() as patched:
                patched.setattr(checks, "_code_text", _slow_code_text)
                slow = area_code_checks(series, **options)
            assert fast == slow
            assert fast  # mixed levels and vintages: there is something to say
