"""Audit counts and information lost on the demo's indicators, old engine against new.

Not a test. Run from the worktree::

    python tests/disclosure/measure_demo.py [OLD_MODULE_PATH]

For every demo indicator (latest period) at every level, as ``suppressed_slice``
does: the cells audited, primary and secondary, and the share of published
cells hidden, with the new package and (given the pre-split ``disclosure.py``)
with the old rule; the old output is also audited with the new audit.
"""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd


def main(argv: list[str]) -> None:
    from meam_mapping.dataset import dataset_from_demo
    from meam_mapping.demo import build_demo
    from meam_mapping.disclosure import audit_table, suppress_and_audit
    from meam_mapping.pipeline.slices import indicator_all_levels, parent_lookup

    dataset = dataset_from_demo(build_demo())
    parents = parent_lookup(dataset)
    old = None
    if len(argv) > 1:
        spec = importlib.util.spec_from_file_location("old_disclosure", argv[1])
        old = importlib.util.module_from_spec(spec)
        sys.modules["old_disclosure"] = old
        spec.loader.exec_module(old)
    rows = []
    for indicator in dict.fromkeys(dataset.indicators["indicator"].astype(str)):
        table, _ = indicator_all_levels(dataset, indicator, None)
        if not table["count"].notna().any():
            continue
        table = table.reset_index(drop=True)
        out, audit = suppress_and_audit(table, parent_of=parents)
        row = {"indicator": indicator, "cells": len(table), **{
            f"new_{k}": v for k, v in audit.summary().items() if k in
            ("audited", "primary", "secondary", "unprotected")}}  # fmt: skip
        for level, part in out.groupby("level"):
            row[f"new_hidden_{level}"] = part["suppressed"].mean()
        row["new_hidden"] = out["suppressed"].mean()
        if old is not None:
            before = old.suppress_indicators(table, parent_of=parents)
            row["old_secondary"] = int((before["suppression"] == "secondary").sum())
            row["old_hidden"] = before["suppressed"].mean()
            for level, part in before.groupby("level"):
                row[f"old_hidden_{level}"] = part["suppressed"].mean()
            old_audit = audit_table(table, before, parent_of=parents)
            row["old_unprotected"] = old_audit.n_unprotected
        rows.append(row)
    frame = pd.DataFrame(rows)
    pd.set_option("display.width", 250)
    print(frame.round(3).to_string(index=False))
    sums = frame[[c for c in frame if c.startswith(("new_", "old_")) and "hidden" not in c]]
    print("totals:", sums.sum().to_dict(), "cells:", int(frame["cells"].sum()))
    for who in ("new", "old"):
        if f"{who}_hidden" in frame:
            share = (frame[f"{who}_hidden"] * frame["cells"]).sum() / frame["cells"].sum()
            print(f"{who}: share of cells hidden {share:.1%}")


if __name__ == "__main__":
    main(sys.argv)
