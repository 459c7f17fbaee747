"""Every small count in the demo's published maps passes the audit and the attacker."""

from __future__ import annotations

import pytest
from disclosure_attacker import attack, pinned

from meam_mapping.disclosure import audit_table, suppress_and_audit
from meam_mapping.pipeline.publish import map_slice as suppressed_slice
from meam_mapping.pipeline.slices import indicator_all_levels, parent_lookup


@pytest.fixture(scope="module")
def demo_tables(demo_dataset):
    parents = parent_lookup(demo_dataset)
    tables = {}
    for indicator in dict.fromkeys(demo_dataset.indicators["indicator"].astype(str)):
        table, _ = indicator_all_levels(demo_dataset, indicator, None)
        if table["count"].notna().any():
            tables[indicator] = table.reset_index(drop=True)
    return tables, parents


def test_every_demo_indicator_is_protected_at_every_level(demo_tables):
    tables, parents = demo_tables
    assert len(tables) >= 4
    for indicator, table in tables.items():
        out, audit = suppress_and_audit(table, parent_of=parents)
        assert audit.all_protected, (indicator, audit.summary())
        small = (table["count"] > 0) & (table["count"] < 5)
        assert out.loc[small, "suppressed"].all()  # every small count is hidden
        # small counts the labels alone would give away are labelled as a group instead
        grouped = out["suppression"] == "hidden in a group"
        assert audit.n_primary + int((small & grouped).sum()) == int(small.sum())
        again = audit_table(table, out, parent_of=parents)
        assert again.summary() == audit.summary()
        # no district is hidden to protect a small count below it in the demo
        assert not out.loc[out["level"] == "lad", "suppressed"].all()


def test_suppressed_slice_uses_the_audited_suppression(demo_dataset, demo_tables):
    tables, parents = demo_tables
    indicator = next(iter(tables))
    out, _ = suppress_and_audit(tables[indicator], parent_of=parents)
    for level in ("msoa",):
        part = suppressed_slice(demo_dataset, indicator, None, level)
        expected = out.loc[out["level"] == level, "suppression"].tolist()
        assert part["suppression"].tolist() == expected
        assert part.attrs["disclosure_audit"]["unprotected"] == 0


@pytest.mark.slow
def test_independent_attacker_on_the_demo(demo_tables):
    tables, parents = demo_tables
    table = tables["homelessness_duty_owed"]
    out, _ = suppress_and_audit(table, parent_of=parents)
    result = attack(out, table, dict(parents.items()))
    assert len(result) == int(out["suppressed"].sum())
    assert pinned(result).empty, pinned(result)
