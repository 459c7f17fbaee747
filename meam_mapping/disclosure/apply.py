"""Applying the policy to tables: primary suppression, audited secondary suppression, marks.

* **primary suppression** hides counts with ``0 < count < threshold`` (1 to 4 by
  default; 1 to 9 with ``threshold=10`` as some NHS data requires). Zero is
  published, as in ONS and NHS Digital practice: a zero says nothing about any
  person. ``suppress_zero=True`` hides zeros as well;
* **secondary suppression** hides further counts, chosen by
  :mod:`meam_mapping.disclosure.secondary` and checked by the interval audit of
  :mod:`meam_mapping.disclosure.audit`, so that no hidden small count can be
  narrowed below "1 to T-1" from the totals: group totals (areas of one parent,
  or the whole study area), parent areas, linked tables (Persons = Male +
  Female, a total over periods) and the row and column totals of a cross table;
* rates, percentages, intervals and benchmark comparisons worked out from a
  hidden count are hidden with it; population denominators stay published;
* optional **rounding** of the published counts to the nearest ``round_to`` is
  done *after* suppression.

Group totals are assumed published somewhere (in the same pack or by the
source) even when the total's row is not in the table, which errs on the side
of hiding more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.disclosure._frames import (
    DERIVED_COLUMNS,
    blank_and_round,
    flag,
    numeric,
    order_of,
    require,
)
from meam_mapping.disclosure.audit import (
    PRIMARY,
    SECONDARY_CELL,
    WITHHELD_CELL,
    Auditor,
    AuditResult,
    System,
    required_width_of,
    result_from,
)
from meam_mapping.disclosure.marks import (
    GROUPED,
    SECONDARY,
    SMALL,
    WITHHELD,
    WITHHELD_WITHIN,
    _mark,
)
from meam_mapping.disclosure.policy import DEFAULT_POLICY, DisclosureError, DisclosurePolicy
from meam_mapping.disclosure.secondary import protect
from meam_mapping.schema import INCLUDES_SUPPRESSED

__all__ = [
    "DERIVED_COLUMNS",
    "audit_table",
    "indicator_constraints",
    "suppress_and_audit",
    "suppress_counts",
    "suppress_indicators",
]

_REASON_OF = {0: "", PRIMARY: SMALL, SECONDARY_CELL: SECONDARY, WITHHELD_CELL: WITHHELD}
_KIND_OF = {**{v: k for k, v in _REASON_OF.items()}, GROUPED: WITHHELD_CELL,
            WITHHELD_WITHIN: WITHHELD_CELL}  # fmt: skip
Links = Mapping[str, Sequence[str]] | None


def _kinds(small: np.ndarray, withheld: np.ndarray) -> np.ndarray:
    kinds = np.zeros(small.size, dtype=np.int64)
    kinds[small] = PRIMARY
    kinds[withheld] = WITHHELD_CELL
    return kinds


def _reasons(kinds: np.ndarray) -> np.ndarray:
    return np.array([_REASON_OF[int(k)] for k in kinds], dtype=object)


# --------------------------------------------------------------- indicators
def indicator_constraints(
    table: pd.DataFrame,
    *,
    parent_of: Mapping[str, str] | pd.Series | None = None,
    linked_indicators: Links = None,
    linked_periods: Links = None,
    what: str = "indicator table",
) -> list[tuple[int, np.ndarray]]:
    """Totals of a tidy indicator table as ``(total row or -1, member rows)``.

    Row numbers are positions in ``table``. See :func:`suppress_indicators` for
    the meaning of the arguments; -1 marks a total published outside the table.
    """
    codes = table["area_code"].astype(str).to_numpy()
    parents = _parents(parent_of)
    constraints: list[tuple[int, np.ndarray]] = []
    row_at: dict[tuple[str, str, str], int] = {}
    indicators = table["indicator"].astype(str).to_numpy()
    periods = table["period"].astype(str).to_numpy()
    groups = table.groupby(["indicator", "period"], sort=False, dropna=False).indices
    for key, idx in groups.items():
        idx = np.sort(idx)
        row_of = dict(zip(codes[idx], idx, strict=True))
        if len(row_of) < len(idx):
            dup = pd.Series(codes[idx]).duplicated(keep=False).to_numpy()
            raise DisclosureError(
                f"area codes appear more than once for indicator {key[0]!r}, period {key[1]!r}",
                file=what,
                row=[int(i) + 2 for i in idx[dup]],
                column="area_code",
                expected="one row per area, indicator and period",
            )
        if linked_indicators or linked_periods:
            for code, i in zip(codes[idx], idx, strict=True):
                row_at[(indicators[i], periods[i], code)] = int(i)
        # The rows of each parent (none: -1), parents in order of their first row.
        of = pd.Series(codes[idx], dtype=object).map(parents).to_numpy(dtype=object)
        labels, found = pd.factorize(of, use_na_sentinel=False)
        order = np.argsort(labels, kind="stable")
        ends = np.cumsum(np.bincount(labels, minlength=len(found)))
        for parent, cells in zip(found, np.split(idx[order], ends[:-1]), strict=True):
            total = -1 if not isinstance(parent, str) else int(row_of.get(parent, -1))
            constraints.append((total, cells.astype(int)))
    for links, axis in ((linked_indicators, 0), (linked_periods, 1)):
        for total_key, part_keys in (links or {}).items():
            for (ind, per, code), row in list(row_at.items()):
                if (ind, per)[axis] != str(total_key):
                    continue
                parts = [
                    row_at.get((str(p), per, code) if axis == 0 else (ind, str(p), code))
                    for p in part_keys
                ]
                if parts and all(p is not None for p in parts):
                    constraints.append((row, np.asarray(parts)))
    return constraints


def suppress_and_audit(
    table: pd.DataFrame,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    parent_of: Mapping[str, str] | pd.Series | None = None,
    linked_indicators: Links = None,
    linked_periods: Links = None,
    derived: Sequence[str] = (),
) -> tuple[pd.DataFrame, AuditResult | None]:
    """:func:`suppress_indicators`, also returning the interval audit (None without secondary)."""
    what = "indicator table"
    require(table, ("area_code", "indicator", "period", "count"), what)
    out = table.copy()
    counts = numeric(out, "count", what)
    withheld = flag(out, "suppressed")
    counts[withheld] = np.nan
    small = policy.is_small(counts) & ~withheld
    kinds = _kinds(small, withheld)
    grouped = np.zeros(kinds.size, dtype=bool)
    audit = None
    if policy.secondary:
        constraints = indicator_constraints(
            out, parent_of=parent_of, linked_indicators=linked_indicators,
            linked_periods=linked_periods, what=what,
        )  # fmt: skip
        order = order_of(out["area_code"].astype(str).to_numpy())
        solved: dict = {}  # blocks the second try below meets again are not solved again
        kinds, audit = protect(counts, kinds, System.build(counts, constraints), order, policy,
                               solved=solved)  # fmt: skip
        if audit is not None and (audit.n_unprotected or audit.n_label_limited):
            # The labels alone pin or narrow these small counts (e.g. four LSOAs of 1
            # under an MSOA of 4, or three under an MSOA of 3: each is then 1 or 2):
            # try hiding every hidden cell of their blocks under one label that says
            # nothing about size, and keep that if the audit then finds fewer small
            # counts pinned or narrowed by their labels.
            cells = audit.cells
            weak = ~cells["protected"].astype(bool) | (
                cells["needed"] < required_width_of(policy.threshold, policy.suppress_zero)
            )
            blocks = set(cells.loc[weak, "block"])
            rows = cells.loc[cells["block"].isin(blocks), "row"].to_numpy(dtype=int)
            tried = kinds.copy()
            tried[rows] = WITHHELD_CELL
            tried_counts = counts.copy()
            tried_counts[rows] = np.nan  # as the audit of the published table sees them
            system = System.build(tried_counts, constraints)
            new_kinds, new_audit = protect(tried_counts, tried, system, order, policy,
                                           solved=solved)  # fmt: skip
            before = (audit.n_unprotected, audit.n_label_limited)
            if (
                new_audit is not None
                and (new_audit.n_unprotected, new_audit.n_label_limited) < before
                and new_audit.n_unprotected <= audit.n_unprotected
            ):
                kinds, audit, counts = new_kinds, new_audit, tried_counts
                grouped[rows] = True
    hidden = kinds > 0
    present = [c for c in (*DERIVED_COLUMNS, *derived) if c in out.columns and c != "count"]
    blank_and_round(out, "count", counts, hidden, list(dict.fromkeys(present)), policy)
    out["suppressed"] = hidden
    reasons = _reasons(kinds)
    reasons[grouped & hidden] = GROUPED
    # An area added up from smaller ones, some withheld by the source, was not withheld
    # itself: its count is not known (see marks.WITHHELD_WITHIN).
    if "note" in out.columns:
        within = (reasons == WITHHELD) & (out["note"].astype(str) == INCLUDES_SUPPRESSED).to_numpy()
        reasons[within] = WITHHELD_WITHIN
    out["suppression"] = pd.Series(reasons, index=out.index, dtype="str")
    _mark(out, policy, ["count"], audit.summary() if audit is not None else None)
    return out, audit


def suppress_indicators(
    table: pd.DataFrame,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    parent_of: Mapping[str, str] | pd.Series | None = None,
    derived: Sequence[str] = (),
    linked_indicators: Links = None,
    linked_periods: Links = None,
) -> pd.DataFrame:
    """Apply the disclosure policy to a tidy indicator table.

    Parameters
    ----------
    table : DataFrame
        Tidy indicator table (``schema.INDICATOR_COLUMNS``; ``area_code``,
        ``indicator``, ``period`` and ``count`` are required). Rows where
        ``suppressed`` is already True were withheld by the source, or (with
        ``note`` "includes suppressed", from
        :func:`~meam_mapping.geography.aggregate.aggregate_indicators`) add up
        areas some of which were.
    policy : DisclosurePolicy, default DEFAULT_POLICY
    parent_of : mapping or Series, optional
        Child area code -> parent area code, covering every level in the table
        (e.g. LSOA -> MSOA and MSOA -> district). Within each indicator and
        period, the children of a parent add up to the parent's count: the
        parent's row if it is in the table, otherwise a total assumed published
        elsewhere. Areas without a parent add up to the study-area total.
        Without it, all areas of an indicator and period form one group.
    derived : sequence of str, optional
        Extra columns derived from ``count`` (``value``, ``lower``, ``upper`` and
        the other :data:`DERIVED_COLUMNS` are recognised by name).
    linked_indicators : mapping, optional
        Total indicator -> its part indicators, per area and period, e.g.
        ``{"persons": ["male", "female"]}`` (Persons = Male + Female).
    linked_periods : mapping, optional
        Total period -> its part periods, per area and indicator, e.g.
        ``{"2022-24": ["2022", "2023", "2024"]}``.

    Returns
    -------
    DataFrame
        A marked copy: ``count`` and derived columns blank where suppressed,
        ``suppressed`` True there and ``suppression`` giving the reason
        (:data:`~meam_mapping.disclosure.REASONS`). ``df.attrs`` holds the
        policy text (``"disclosure_policy"``), the "not for sharing" label if
        any (``"disclosure_label"``) and the audit's counts
        (``"disclosure_audit"``). Denominators are unchanged.

    Raises
    ------
    DisclosureError
        Missing columns, non-numeric or negative counts, or (with secondary
        suppression on) an area appearing twice for one indicator and period.
    """
    out, _ = suppress_and_audit(
        table, policy, parent_of=parent_of, derived=derived,
        linked_indicators=linked_indicators, linked_periods=linked_periods,
    )  # fmt: skip
    return out


def audit_table(
    table: pd.DataFrame,
    published: pd.DataFrame,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    parent_of: Mapping[str, str] | pd.Series | None = None,
    linked_indicators: Links = None,
    linked_periods: Links = None,
) -> AuditResult:
    """Interval audit of a published indicator table against its true counts.

    Parameters
    ----------
    table : DataFrame
        The unsuppressed tidy table (true counts).
    published : DataFrame
        The same rows in the same order after suppression, with a
        ``suppression`` column (:data:`~meam_mapping.disclosure.REASONS`).
    policy, parent_of, linked_indicators, linked_periods
        As for :func:`suppress_indicators`.

    Returns
    -------
    AuditResult
    """
    what = "indicator table"
    require(table, ("area_code", "indicator", "period", "count"), what)
    require(published, ("suppression",), "published table")
    if len(published) != len(table):
        raise DisclosureError(
            f"the published table has {len(published)} rows and the true one {len(table)}",
            expected="the same rows in the same order",
        )
    counts = numeric(table, "count", what)
    reasons = published["suppression"].fillna("").astype(str).to_numpy()
    unknown = sorted(set(reasons) - set(_KIND_OF))
    if unknown:
        raise DisclosureError(
            f"unknown suppression reason(s) {unknown}",
            column="suppression",
            expected="one of " + ", ".join(repr(r) for r in _KIND_OF),
        )
    kinds = np.array([_KIND_OF[r] for r in reasons], dtype=np.int64)
    counts[kinds == WITHHELD_CELL] = np.nan
    constraints = indicator_constraints(
        table.reset_index(drop=True), parent_of=parent_of, linked_indicators=linked_indicators,
        linked_periods=linked_periods, what=what,
    )  # fmt: skip
    system = System.build(counts, constraints)
    auditor = Auditor(system, counts, policy)
    lower, upper, ok, block = auditor.run(kinds)
    return result_from(kinds, lower, upper, ok, block, policy, auditor.need)


def _parents(parent_of: Mapping[str, str] | pd.Series | None) -> dict[str, str]:
    if parent_of is None:
        return {}
    items = parent_of.items() if hasattr(parent_of, "items") else dict(parent_of).items()
    return {str(k): str(v) for k, v in items if isinstance(v, str) or pd.notna(v)}


# ------------------------------------------------------------------ generic
def suppress_counts(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    group_by: Sequence[str] | Sequence[Sequence[str]] | None = None,
    total_row: Mapping[str, Any] | None = None,
    total_column: str | None = None,
    derived: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Apply the disclosure policy to any table of counts.

    For pattern (overlap) tables, cross tables with margins, caseload or
    estimate tables with an ``observed`` count, and the like.

    Parameters
    ----------
    df : DataFrame
    count_columns : sequence of str
        Columns holding counts of people.
    policy : DisclosurePolicy, default DEFAULT_POLICY
    group_by : list of str, or list of lists of str, optional
        Rows sharing these values add up (column by column) to a total assumed
        published, e.g. ``["area_code"]`` for a pattern table per area. Give
        several lists for several sets of totals, e.g.
        ``[["area_code"], ["A", "B", "C"]]`` (per area and per pattern across
        areas). Default: the whole table adds up to a published total.
    total_row : mapping, optional
        Margin labels, e.g. ``{"sex": "All"}``: a row whose ``sex`` is ``"All"`` is
        the total of the other rows with the same values in the remaining
        grouping and margin columns. Several entries describe a table with
        several margins (``{"area_code": "Total", "sex": "All"}``).
    total_column : str, optional
        A column holding each row's total of the other count columns.
    derived : mapping, optional
        Count column -> columns derived from it. Default: with one count column,
        the :data:`DERIVED_COLUMNS` present; with several, ``<count>_<derived>``.

    Returns
    -------
    DataFrame
        A marked copy with hidden counts blank. One count column: ``suppressed``
        and ``suppression`` columns (a ``suppressed`` column already in ``df`` means
        withheld by the source). Several: ``<count>_suppression`` per column and
        ``suppressed`` (any hidden in the row).
    """
    from meam_mapping.disclosure._cross import cross_constraints, groupings_of

    what = "table of counts"
    cols = list(dict.fromkeys(count_columns))
    if not cols:
        raise DisclosureError("count_columns names no column", expected="at least one column")
    if total_column is not None and total_column not in cols:
        cols.append(total_column)
    margins = dict(total_row or {})
    groupings = groupings_of(group_by)
    require(df, cols + list(margins) + [c for g in groupings for c in g], what)
    clash = sorted({c for g in groupings for c in g} & set(margins))
    if clash:
        raise DisclosureError(
            f"columns {clash} are both in group_by and total_row",
            expected="each column in one of them only",
        )

    n, k = len(df), len(cols)
    values = np.column_stack([numeric(df, c, what) for c in cols]) if n else np.zeros((0, k))
    withheld = np.zeros((n, k), dtype=bool)
    if k == 1:
        withheld[:, 0] = flag(df, "suppressed")
        values[withheld] = np.nan
    small = policy.is_small(values) & ~withheld
    kinds = _kinds(small.ravel(), withheld.ravel())
    audit = None
    if policy.secondary and n:
        constraints = cross_constraints(df, k, groupings, margins, what)
        if total_column is not None and k > 1:
            jt = cols.index(total_column)
            others = np.array([j for j in range(k) if j != jt])
            constraints += [(i * k + jt, i * k + others) for i in range(n)]
        flat = values.ravel()
        kinds, audit = protect(flat, kinds, System.build(flat, constraints), np.arange(n * k),
                               policy)  # fmt: skip
    kinds = kinds.reshape(n, k)
    hidden = kinds > 0
    reason = _reasons(kinds.ravel()).reshape(n, k)

    out = df.copy()
    if derived is None:
        if k == 1:
            derived = {cols[0]: [d for d in DERIVED_COLUMNS if d in df.columns and d not in cols]}
        else:
            derived = {
                c: [f"{c}_{d}" for d in DERIVED_COLUMNS if f"{c}_{d}" in df.columns] for c in cols
            }
    for j, c in enumerate(cols):
        extra = [d for d in derived.get(c, ()) if d in out.columns]
        blank_and_round(out, c, values[:, j], hidden[:, j], extra, policy)
        if k > 1:
            out[f"{c}_suppression"] = pd.Series(reason[:, j], index=out.index, dtype="str")
    out["suppressed"] = hidden.any(axis=1)
    if k == 1:
        out["suppression"] = pd.Series(reason[:, 0], index=out.index, dtype="str")
    _mark(out, policy, cols, audit.summary() if audit is not None else None)
    return out
