"""Tests for marks on published frames and the labels of hidden cells (disclosure.marks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from disclosure_tables import build_table as indicator_table

from meam_mapping.disclosure import (
    LABELS,
    REASONS,
    SECONDARY_LABEL,
    DisclosureError,
    DisclosurePolicy,
    carry_mark,
    describe_hidden,
    hidden_note,
    is_suppressed,
    mark_no_counts,
    require_suppressed,
    suppress_indicators,
    suppression_label,
)


def test_mark_and_require():
    raw = indicator_table([3, 10, 12])
    with pytest.raises(ValueError, match="has not been through the disclosure policy"):
        require_suppressed(raw, "the table")
    with pytest.raises(DisclosureError):
        require_suppressed(raw, "the table")
    out = suppress_indicators(raw)
    assert is_suppressed(out) and not is_suppressed(raw)
    require_suppressed(out[["area_code", "count"]].rename(columns={"area_code": "code"}), "x")
    tampered = out.copy()
    tampered.loc[1, "count"] = 2
    with pytest.raises(ValueError, match="small count"):
        require_suppressed(tampered, "the table")


def test_mark_no_counts_and_carry_mark():
    scores = mark_no_counts(pd.DataFrame({"area_code": ["a"], "score": [1.5]}))
    require_suppressed(scores, "scores")
    with pytest.raises(ValueError, match="count"):
        mark_no_counts(pd.DataFrame({"count": [3]}))
    require_suppressed(mark_no_counts(pd.DataFrame({"count": [np.nan], "value": [2.5]})), "score")
    out = suppress_indicators(indicator_table([3, 10, 12]))
    areas = pd.DataFrame({"area_code": out["area_code"], "area_name": ["x", "y", "z"]})
    merged = areas.merge(out, on="area_code")
    assert not is_suppressed(merged)
    carried = carry_mark(out, merged)
    require_suppressed(carried, "merged")
    assert carried.attrs["disclosure_audit"] == out.attrs["disclosure_audit"]
    with pytest.raises(ValueError, match="small count"):
        carry_mark(out, merged.assign(count=[1.0, 2.0, 3.0]))


def test_not_for_sharing_label_travels_with_the_table():
    policy = DisclosurePolicy(threshold=0, not_for_sharing=True)
    out = suppress_indicators(indicator_table([1, 2, 30]), policy)
    assert out["count"].tolist() == [1, 2, 30]  # nothing hidden: the analyst's own work
    assert out.attrs["disclosure_label"] == "not for sharing"
    assert out.attrs["disclosure_policy"].startswith("NOT FOR SHARING")
    assert suppress_indicators(indicator_table([5])).attrs["disclosure_label"] == ""


def test_only_primary_cells_say_fewer_than():
    assert suppression_label("small count", 5) == "fewer than 5"
    assert suppression_label("secondary", 5) == SECONDARY_LABEL
    assert SECONDARY_LABEL == "hidden to protect a small number nearby"
    assert "fewer" not in suppression_label("secondary", 5)
    assert "fewer" not in suppression_label("withheld by source", 5)
    assert suppression_label("small count") == "a small number"
    assert set(LABELS) == set(REASONS)
    with pytest.raises(DisclosureError, match="not known"):
        suppression_label("tiny")
    assert "fewer" not in suppression_label("includes withheld counts", 5)


@pytest.mark.parametrize(
    ("reason", "note"),
    [
        ("", "fewer than 5"),  # a table without reasons: hidden means small
        ("small count", "fewer than 5"),
        ("secondary", "hidden to protect a small number nearby"),
        ("hidden in a group", "hidden with other small numbers in this group"),
        ("withheld by source", "withheld by the source"),
        ("includes withheld counts", "not known: includes counts withheld by the source"),
    ],
)
def test_hidden_note_per_reason(reason, note):
    assert hidden_note(reason, 5) == note


def test_describe_hidden_counts_each_kind_and_never_calls_unknown_small():
    reasons = ["small count"] * 3 + ["secondary"] * 2 + ["includes withheld counts"]
    text = describe_hidden(reasons, 5)
    assert text == ("3 with fewer than 5 people counted, 2 hidden to protect a small number "
                    "nearby, 1 not known: includes counts withheld by the source")  # fmt: skip
    assert describe_hidden(["includes withheld counts"] * 4, 5) == (
        "4 not known: includes counts withheld by the source"
    )
    assert describe_hidden([], 5) == ""
