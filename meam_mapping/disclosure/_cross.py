"""Totals of generic tables of counts (groups, margins) as constraints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.disclosure.policy import DisclosureError


def groupings_of(group_by: Sequence[str] | Sequence[Sequence[str]] | None) -> list[list[str]]:
    """Normalise ``group_by`` to a list of lists of column names."""
    if group_by is None or len(group_by) == 0:
        return [[]]
    if all(isinstance(g, str) for g in group_by):
        return [list(group_by)]  # type: ignore[arg-type]
    return [[g] if isinstance(g, str) else list(g) for g in group_by]


def cross_constraints(
    df: pd.DataFrame,
    k: int,
    groupings: list[list[str]],
    margins: dict[str, Any],
    what: str,
) -> list[tuple[int, np.ndarray]]:
    """Column-total constraints (one per count column) for each group and margin.

    Cell ``i * k + j`` is row ``i``, count column ``j``; a total of -1 is
    published outside the table.
    """
    n = len(df)
    constraints: list[tuple[int, np.ndarray]] = []
    plans: list[tuple[list[str], np.ndarray | None]] = []
    for g in groupings:
        if not margins:
            plans.append((g, None))
        for m, label in margins.items():
            keys = g + [o for o in margins if o != m]
            plans.append((keys, (df[m] == label).fillna(False).to_numpy(dtype=bool)))
    for keys, is_total in plans:
        if keys:
            groups = df.groupby(keys, sort=False, dropna=False).indices.values()
        else:
            groups = [np.arange(n)]
        for idx in groups:
            idx = np.sort(np.asarray(idx))
            tot = idx[is_total[idx]] if is_total is not None else idx[:0]
            mem = idx[~is_total[idx]] if is_total is not None else idx
            if len(tot) > 1:
                raise DisclosureError(
                    "a group has more than one total row",
                    file=what,
                    row=[int(i) + 2 for i in tot],
                    expected="one total row per group",
                )
            for j in range(k):
                total = int(tot[0]) * k + j if len(tot) else -1
                constraints.append((total, mem * k + j))
    return constraints
