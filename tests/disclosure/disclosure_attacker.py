"""An independent attacker for the disclosure tests.

It reads only what is published (the blanked table with its ``suppression``
labels), the area hierarchy and linked-table relations everyone knows, and the
totals assumed published elsewhere (study-area totals, parents not in the
table), and works out the tightest whole-number range of every blank by
integer programming: written from scratch here (dense matrices, variables by
area code, ``scipy.optimize.milp`` with one binary per "secondary" blank), so
it shares no code with ``meam_mapping.disclosure``. ``brute_force`` enumerates
every whole-number filling of the blanks for tiny tables.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

BIG = 10_000


def relations(table: pd.DataFrame, parent_of: dict | None, linked: dict | None = None):
    """Published relations as (total key or None, [member keys]) over (indicator, period, code)."""
    keys = list(zip(table["indicator"], table["period"], table["area_code"], strict=True))
    present = set(keys)
    groups: dict[tuple, list] = {}
    for ind, per, code in keys:
        parent = (parent_of or {}).get(code)
        groups.setdefault((ind, per, parent), []).append((ind, per, code))
    rels = []
    for (ind, per, parent), members in groups.items():
        total = (ind, per, parent) if parent is not None and (ind, per, parent) in present else None
        rels.append((total, members, (ind, per, parent)))
    for total_ind, parts in (linked or {}).items():
        for ind, per, code in keys:
            if ind == total_ind and all((p, per, code) in present for p in parts):
                rels.append(((ind, per, code), [(p, per, code) for p in parts], None))
    return rels


def outside_totals(raw: pd.DataFrame, parent_of: dict | None) -> dict:
    """Totals the attacker is assumed to know from elsewhere, from the raw table."""
    out: dict[tuple, float] = {}
    for row in raw.itertuples():
        key = (row.indicator, row.period, (parent_of or {}).get(row.area_code))
        out[key] = out.get(key, 0.0) + float(row.count)
    return out


def attack(published: pd.DataFrame, raw: pd.DataFrame, parent_of: dict | None = None,
           threshold: int = 5, linked: dict | None = None) -> pd.DataFrame:  # fmt: skip
    """Tightest range of every blank; one row per blank with lower and upper."""
    keys = list(zip(published["indicator"], published["period"], published["area_code"],
                    strict=True))  # fmt: skip
    label = dict(zip(keys, published["suppression"].fillna(""), strict=True))
    shown = dict(zip(keys, published["count"], strict=True))
    blanks = [k for k in keys if label[k] != ""]
    var = {k: i for i, k in enumerate(blanks)}
    secondary = [k for k in blanks if label[k] == "secondary"]
    nz = len(secondary)
    n = len(blanks) + nz
    known = outside_totals(raw, parent_of)
    rows, rhs = [], []
    for total, members, group in relations(published, parent_of, linked):
        row = np.zeros(n)
        value = 0.0
        for m in members:
            if m in var:
                row[var[m]] += 1
            else:
                value -= shown[m]
        if total is None:
            if group is None or len(members) < 2:
                continue
            value += known[group]
        elif total in var:
            row[var[total]] -= 1
        else:
            value += shown[total]
        if row.any():
            rows.append(row)
            rhs.append(value)
    lo = np.zeros(n)
    hi = np.full(n, float(BIG))
    hi[len(blanks) :] = 1
    for k in blanks:
        if label[k] == "small count":
            lo[var[k]], hi[var[k]] = 1, threshold - 1
    cons = []
    if rows:
        cons.append(LinearConstraint(np.array(rows), rhs, rhs))
    for j, k in enumerate(secondary):  # 0, or threshold and more
        r1 = np.zeros(n)
        r1[var[k]], r1[len(blanks) + j] = 1, -threshold
        r2 = np.zeros(n)
        r2[var[k]], r2[len(blanks) + j] = 1, -BIG
        cons += [LinearConstraint(r1, 0, np.inf), LinearConstraint(r2, -np.inf, 0)]
    out = []
    for k in blanks:
        found = []
        for sign in (1, -1):
            c = np.zeros(n)
            c[var[k]] = sign
            res = milp(c, constraints=cons, integrality=np.ones(n), bounds=Bounds(lo, hi),
                       options={"mip_rel_gap": 0})  # fmt: skip
            assert res.success, res.message
            found.append(round(res.x[var[k]]))
        out.append({"indicator": k[0], "period": k[1], "area_code": k[2], "label": label[k],
                    "lower": found[0], "upper": found[1]})  # fmt: skip
    return pd.DataFrame(out, columns=["indicator", "period", "area_code", "label", "lower",
                                      "upper"])  # fmt: skip


def determined(a: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Suppressed cells whose value the constraints pin down (least squares).

    ``a`` is the constraint matrix over all cells (one row per relation) and
    ``hidden`` flags the blanks; a blank is determined when its unit vector
    lies in the row space of ``a`` restricted to the blanks.
    """
    cols = np.flatnonzero(hidden)
    a_u = a[:, cols]
    out = []
    for j, u in enumerate(cols):
        e = np.zeros(cols.size)
        e[j] = 1.0
        y, *_ = np.linalg.lstsq(a_u.T, e, rcond=None)
        if np.linalg.norm(a_u.T @ y - e) < 1e-8:
            out.append(u)
    return np.asarray(out, dtype=int)


def brute_force(parts_total: int, labels: list[str], threshold: int = 5) -> list[set[int]]:
    """Every value each blank can take when the blanks add up to ``parts_total``."""
    choices = []
    for lab in labels:
        if lab == "small count":
            choices.append(range(1, threshold))
        elif lab == "secondary":
            choices.append([0, *range(threshold, parts_total + 1)])
        else:
            choices.append(range(parts_total + 1))
    seen: list[set[int]] = [set() for _ in labels]
    for combo in itertools.product(*choices):
        if sum(combo) == parts_total:
            for s, v in zip(seen, combo, strict=True):
                s.add(v)
    return seen


def pinned(result: pd.DataFrame, threshold: int = 5) -> pd.DataFrame:
    """Small-count blanks narrowed below half of "1 to threshold - 1" (the stated rule).

    With threshold 5 a blank must keep a range of width 2 (three values) or more.
    """
    small = result.loc[result["label"] == "small count"]
    need = max(1, -(-(threshold - 2) // 2))
    return small.loc[(small["upper"] - small["lower"]) < need]
