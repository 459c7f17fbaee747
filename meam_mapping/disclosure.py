"""The one small-number (disclosure) policy applied before every map, table and export.

Counts of people facing multiple disadvantage are small and sensitive: a count of 2
in one neighbourhood can identify someone. Everything that leaves the tool goes
through this module first:

* **primary suppression** hides counts with ``0 < count < threshold`` (1 to 4 by
  default; 1 to 9 with ``threshold=10`` as some NHS data requires). Zero is
  published, as in ONS and NHS Digital practice: a zero says nothing about any
  person. ``suppress_zero=True`` hides zeros as well;
* **secondary suppression** hides further counts so that no hidden count can be
  worked out by subtraction, from a group total (areas of one parent, or the
  whole study area), from a parent area minus its other children, or from the
  row and column totals of a cross table;
* rates, percentages, intervals and benchmark comparisons worked out from a
  hidden count are hidden with it; population denominators stay published;
* optional **rounding** of the published counts to the nearest ``round_to`` is
  done *after* suppression.

The secondary rule is deterministic. Every total is a linear constraint
``total = sum(cells)``. Group totals are assumed published somewhere (in the
same pack or by the source) even when the total's row is not in the table, which
errs on the side of hiding more. The rule then iterates two steps until nothing
changes: (1) a constraint with exactly one hidden cell gets a second one, the
smallest published positive count in it (zeros only if no positive count is
left; ties by area code, then row order); (2) the whole system is checked
exactly: a hidden cell is recoverable when the unit vector for that cell lies in
the row space of the constraint matrix restricted to the hidden cells (its
component in the null space is zero), and one more count next to it is hidden.

Frames returned here are marked (``df.attrs``): :func:`require_suppressed`
refuses unmarked frames, and re-checks that no small count is showing. The mark
follows copies, slices and renames, and pandas also copies it onto group-by
results, so never aggregate a suppressed table: aggregate the raw counts, then
suppress the result. A merge drops the mark; :func:`carry_mark` puts it back.

References
----------
.. [1] Office for National Statistics, "Statistical Disclosure Control" guidance
   for tables: small counts, secondary suppression and rounding.
.. [2] Cox, L. H. (1980), "Suppression methodology and statistical disclosure
   control", Journal of the American Statistical Association 75, 377-385.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError

__all__ = [
    "DEFAULT_POLICY",
    "DERIVED_COLUMNS",
    "POLICY_ATTR",
    "REASONS",
    "DisclosurePolicy",
    "carry_mark",
    "is_suppressed",
    "mark_no_counts",
    "require_suppressed",
    "suppress_counts",
    "suppress_indicators",
]

SMALL, SECONDARY, WITHHELD = "small count", "secondary", "withheld by source"
#: Values of the ``suppression`` column ("" means published).
REASONS: tuple[str, ...] = ("", SMALL, SECONDARY, WITHHELD)
#: Columns treated as derived from the count (hidden with it) when present.
DERIVED_COLUMNS: tuple[str, ...] = (
    "value", "rate", "percent", "percentage", "proportion", "share", "lower", "upper",
    "lower_998", "upper_998", "ci_low", "ci_high", "lower_ci", "upper_ci", "lower_95",
    "upper_95", "se", "standard_error", "z_score", "comparison", "significance",
)  # fmt: skip
#: ``df.attrs`` key holding the plain-English policy text.
POLICY_ATTR = "disclosure_policy"
_MARK = "_meam_disclosure"


def _whole(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(
            f"the disclosure setting {name} is {value!r}",
            expected=f"a whole number of {minimum} or more",
            fix="Change the disclosure setting on the Export page",
        )
    return int(value)


@dataclass(frozen=True)
class DisclosurePolicy:
    """How small counts are hidden before anything is shown or exported.

    Parameters
    ----------
    threshold : int, default 5
        Counts with ``0 < count < threshold`` are suppressed (1 to 4 by default).
        ``threshold=1`` suppresses nothing for being small.
    round_to : int or None, default None
        Round published counts to the nearest multiple (5 is usual), after
        suppression. Rates are rescaled to the rounded count.
    secondary : bool, default True
        Apply secondary suppression so hidden counts cannot be recovered.
    suppress_zero : bool, default False
        Also suppress zero counts (off by default: a zero identifies no one).

    Examples
    --------
    >>> DisclosurePolicy(threshold=10).is_small([0, 3, 9, 10]).tolist()
    [False, True, True, False]
    """

    threshold: int = 5
    round_to: int | None = None
    secondary: bool = True
    suppress_zero: bool = False

    def __post_init__(self) -> None:
        _whole("threshold", self.threshold, 1)
        if self.round_to is not None:
            _whole("round_to", self.round_to, 1)
        for name in ("secondary", "suppress_zero"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InputError(
                    f"the disclosure setting {name} is {getattr(self, name)!r}",
                    expected="True or False",
                )

    def is_small(self, counts: Any) -> np.ndarray:
        """Return True where a count falls under primary suppression (NaN is False)."""
        c = np.asarray(counts, dtype=float)
        small = (c > 0) & (c < self.threshold)
        return small | (c == 0) if self.suppress_zero else small

    def round(self, counts: Any) -> np.ndarray:
        """Round counts to the nearest ``round_to`` (halves up); unchanged if no rounding."""
        c = np.asarray(counts, dtype=float)
        if not self.round_to or self.round_to == 1:
            return c
        return np.floor(c / self.round_to + 0.5) * self.round_to

    def describe(self) -> str:
        """One plain-English paragraph describing the policy, written into every export."""
        hi = self.threshold - 1
        if hi >= 1:
            rng = "1" if hi == 1 else f"1 to {hi}"
            text = f"Counts of {rng} are not shown (suppressed) because they could identify people."
        else:
            text = "No count is suppressed for being small."
        if self.suppress_zero:
            text += " Zero counts are suppressed too."
        else:
            text += (
                " Zero counts are shown, as in ONS and NHS practice, because a zero"
                " identifies no one."
            )
        text += (
            " Rates, percentages, confidence intervals and comparisons worked out from a"
            " suppressed count are suppressed with it; population denominators are shown."
            " Counts withheld by the original source stay withheld."
        )
        if self.secondary:
            text += (
                " Where a suppressed count could be worked out by subtraction (from a total,"
                " from a larger area minus its other parts, or from the row and column totals"
                " of a table), the next-smallest count is suppressed as well ('secondary'"
                " suppression), so no suppressed count can be recovered from what is shown."
            )
        else:
            text += (
                " Secondary suppression is switched off, so some suppressed counts may be"
                " recoverable from totals."
            )
        if self.round_to and self.round_to > 1:
            text += (
                f" After suppression every count shown is rounded to the nearest"
                f" {self.round_to} (halves up) and rates are rescaled to match (intervals"
                " approximately); totals are rounded separately, so parts may not add up"
                " exactly."
            )
        return text + " Suppressed values are left blank and the reason is given."

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain dict (for the workspace ``meta`` table)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DisclosurePolicy:
        """Rebuild a policy from :meth:`to_dict` output (strings as stored are accepted)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InputError(
                f"unknown disclosure setting(s) {', '.join(map(repr, unknown))}",
                expected="only " + ", ".join(sorted(known)),
            )
        kwargs: dict[str, Any] = {}
        for key, raw in d.items():
            value = raw
            if isinstance(raw, str):
                s = raw.strip().lower()
                if key == "round_to" and s in ("", "none", "null"):
                    value = None
                elif key in ("secondary", "suppress_zero") and s in ("true", "false", "1", "0"):
                    value = s in ("true", "1")
                elif s.lstrip("-").isdigit():
                    value = int(s)
            elif isinstance(raw, float) and key in ("threshold", "round_to"):
                value = None if np.isnan(raw) and key == "round_to" else raw
                value = int(value) if isinstance(value, float) and value.is_integer() else value
            elif isinstance(raw, (int, np.integer)) and key in ("secondary", "suppress_zero"):
                value = bool(raw) if raw in (0, 1) else raw
            kwargs[key] = value
        return cls(**kwargs)


#: The policy used unless the partnership chooses another.
DEFAULT_POLICY = DisclosurePolicy()


# --------------------------------------------------------------------- marking
def _mark(df: pd.DataFrame, policy: DisclosurePolicy | None, count_columns: list[str]) -> None:
    df.attrs[POLICY_ATTR] = policy.describe() if policy else "This table holds no counts."
    df.attrs[_MARK] = {
        "policy": policy.to_dict() if policy else None,
        "count_columns": list(count_columns),
    }


def is_suppressed(df: pd.DataFrame) -> bool:
    """Return True if ``df`` came out of the disclosure policy (or was marked count-free)."""
    return isinstance(getattr(df, "attrs", None), dict) and _MARK in df.attrs


def require_suppressed(df: pd.DataFrame, what: str) -> None:
    """Raise ``ValueError`` unless ``df`` has been through the disclosure policy.

    Exporters and map builders call this on every frame. Besides the mark, the
    published counts are checked again against the primary rule, which catches
    tables changed (e.g. aggregated) after suppression.
    """
    if not is_suppressed(df):
        raise ValueError(
            f"{what} has not been through the disclosure policy: pass it through "
            "meam_mapping.disclosure.suppress_indicators (indicator tables) or "
            "suppress_counts (other tables of counts), or mark_no_counts if it holds "
            "no counts of people."
        )
    mark = df.attrs[_MARK]
    if mark.get("policy") is None:
        return
    policy = DisclosurePolicy.from_dict(mark["policy"])
    for column in mark.get("count_columns", []):
        if column in df.columns:
            values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
            n = int(policy.is_small(values).sum())
            if n:
                raise ValueError(
                    f"{what} is marked as suppressed but shows {n} small count(s) in column "
                    f"{column!r}; it was changed (for example aggregated) after suppression. "
                    "Suppress the final table instead."
                )


def mark_no_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` marked as safe because it holds no counts of people.

    For tables of scores, classes, weights or settings. A table whose ``count``
    column holds any number is refused: use :func:`suppress_counts` (an all-blank
    ``count`` column, as for a value-only indicator, is accepted).
    """
    if "count" in df.columns and pd.to_numeric(df["count"], errors="coerce").notna().any():
        raise ValueError("this table has counts in its 'count' column: use suppress_counts")
    out = df.copy()
    _mark(out, None, [])
    return out


def carry_mark(source: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``target`` carrying ``source``'s mark (e.g. after a merge).

    ``target`` must be built from the suppressed ``source`` without new counts;
    its published counts are checked against the policy again.
    """
    require_suppressed(source, "the source table")
    out = target.copy()
    out.attrs[POLICY_ATTR] = source.attrs[POLICY_ATTR]
    out.attrs[_MARK] = dict(source.attrs[_MARK])
    require_suppressed(out, "the table built from a suppressed one")
    return out


# ------------------------------------------------------------------ helpers
def _numeric(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna()
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} value(s) in {column!r} are not numbers",
            file=what,
            row=[int(i) + 2 for i in np.flatnonzero(bad.to_numpy())],
            column=column,
            expected="a whole number of 0 or more, or blank if unknown",
            fix="Correct those cells",
        )
    arr = np.array(values.to_numpy(dtype=float), dtype=float, copy=True)
    if (arr < 0).any():
        raise InputError(
            f"{column!r} has negative counts",
            file=what,
            row=[int(i) + 2 for i in np.flatnonzero(arr < 0)],
            column=column,
            expected="a whole number of 0 or more",
            fix="Correct those cells",
        )
    return arr


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"the {what} has no column(s) {', '.join(map(repr, missing))}",
            file=what,
            column=missing,
            expected="columns " + ", ".join(columns),
        )


def _flag(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return df[column].fillna(False).astype(bool).to_numpy()


def _apply(
    out: pd.DataFrame,
    column: str,
    counts: np.ndarray,
    hidden: np.ndarray,
    derived: Sequence[str],
    policy: DisclosurePolicy,
) -> None:
    """Blank hidden cells (count and derived), then round and rescale published ones."""
    mask = pd.Series(hidden, index=out.index)
    published = ~hidden & ~np.isnan(counts)
    rounded = np.where(published, policy.round(counts), np.nan)
    for col in derived:
        out[col] = out[col].mask(mask)
        if policy.round_to and policy.round_to > 1 and _is_number(out[col]):
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(published & (counts > 0), rounded / counts, 1.0)
            out[col] = out[col].astype(float) * factor
    out[column] = rounded


def _is_number(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _order(keys: np.ndarray) -> np.ndarray:
    """Rank of each row by key, ties by row position (deterministic tie-break)."""
    return np.argsort(np.argsort(keys, kind="stable"), kind="stable")


# ------------------------------------------------------------------ engine
# A constraint is (total, members): cell indices with value[total] = sum(value[members]);
# total == -1 means the total is not in the table but assumed published elsewhere.
_Constraint = tuple[int, np.ndarray]


def _pick(
    cells: Any, values: np.ndarray, hidden: np.ndarray, order: np.ndarray, total: int
) -> int | None:
    """Smallest published positive count among ``cells`` (zeros last, totals after members)."""
    best, best_key = None, None
    for c in cells:
        c = int(c)
        v = values[c]
        if hidden[c] or np.isnan(v):
            continue
        key = (v <= 0, v, c == total, order[c])
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best


def _cells(con: _Constraint) -> np.ndarray:
    total, members = con
    return members if total < 0 else np.append(members, total)


def _determined(constraints: list[_Constraint], hidden: np.ndarray) -> np.ndarray:
    """Hidden cells whose value the published totals and cells pin down exactly."""
    idx = np.flatnonzero(hidden)
    if idx.size == 0:
        return idx
    pos = np.full(hidden.size, -1)
    pos[idx] = np.arange(idx.size)
    rows = []
    for total, members in constraints:
        row = np.zeros(idx.size)
        m = members[hidden[members]]
        np.add.at(row, pos[m], 1.0)
        if total >= 0 and hidden[total]:
            row[pos[total]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return idx[:0]
    a = np.asarray(rows)
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    rank = int((s > 1e-9 * max(1.0, s[0])).sum())
    null = vt[rank:]
    reach = np.linalg.norm(null, axis=0) if null.shape[0] else np.zeros(idx.size)
    return idx[reach < 1e-8]


def _fix(
    u: int,
    constraints: list[_Constraint],
    by_cell: dict[int, list[int]],
    values: np.ndarray,
    hidden: np.ndarray,
    order: np.ndarray,
) -> int | None:
    """Find a published cell to hide so that ``u`` stops being recoverable (nearest first)."""
    seen_con: set[int] = set()
    seen = {u}
    frontier = [u]
    while frontier:
        cells: list[int] = []
        for v in frontier:
            for ci in by_cell.get(v, []):
                if ci not in seen_con:
                    seen_con.add(ci)
                    cells.extend(int(c) for c in _cells(constraints[ci]))
        pick = _pick(sorted(set(cells)), values, hidden, order, -1)
        if pick is not None:
            return pick
        frontier = [c for c in set(cells) if hidden[c] and c not in seen]
        seen.update(frontier)
    return None


def _protect(
    values: np.ndarray, hidden: np.ndarray, constraints: list[_Constraint], order: np.ndarray
) -> np.ndarray:
    """Secondary suppression: extend ``hidden`` until no hidden cell is recoverable.

    ``values`` are the true counts (NaN for unknown cells, which are never hidden
    as complements and are treated as known, the cautious choice). Constraints
    with a single cell and an outside total are skipped: that total *is* the
    cell, and its own publication is outside this table.
    """
    hidden = np.asarray(hidden, dtype=bool).copy()
    cons = [(int(t), np.asarray(m, dtype=int)) for t, m in constraints]
    cons = [c for c in cons if len(c[1]) + (c[0] >= 0) >= 2]
    by_cell: dict[int, list[int]] = {}
    for ci, con in enumerate(cons):
        for c in _cells(con):
            by_cell.setdefault(int(c), []).append(ci)
    while True:
        changed = True
        while changed:  # step 1: never exactly one hidden cell in a constraint
            changed = False
            for total, members in cons:
                cells = _cells((total, members))
                if hidden[cells].sum() == 1:
                    pick = _pick(cells, values, hidden, order, total)
                    if pick is not None:
                        hidden[pick] = True
                        changed = True
        for u in sorted(_determined(cons, hidden), key=lambda c: order[c]):  # step 2: exact
            pick = _fix(int(u), cons, by_cell, values, hidden, order)
            if pick is not None:
                hidden[pick] = True
                break
        else:
            return hidden


# --------------------------------------------------------------- indicators
def suppress_indicators(
    table: pd.DataFrame,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    parent_of: Mapping[str, str] | pd.Series | None = None,
    derived: Sequence[str] = (),
) -> pd.DataFrame:
    """Apply the disclosure policy to a tidy indicator table.

    Parameters
    ----------
    table : DataFrame
        Tidy indicator table (``schema.INDICATOR_COLUMNS``; ``area_code``,
        ``indicator``, ``period`` and ``count`` are required). Rows where
        ``suppressed`` is already True were withheld by the source.
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

    Returns
    -------
    DataFrame
        A marked copy: ``count`` and derived columns blank where suppressed,
        ``suppressed`` True there and ``suppression`` giving the reason
        (:data:`REASONS`). ``df.attrs["disclosure_policy"]`` holds
        :meth:`DisclosurePolicy.describe`. Denominators are unchanged.

    Raises
    ------
    InputError
        Missing columns, non-numeric or negative counts, or (with secondary
        suppression on) an area appearing twice for one indicator and period.
    """
    what = "indicator table"
    _require(table, ("area_code", "indicator", "period", "count"), what)
    out = table.copy()
    counts = _numeric(out, "count", what)
    withheld = _flag(out, "suppressed")
    counts[withheld] = np.nan
    small = policy.is_small(counts) & ~withheld
    hidden = small | withheld
    reason = np.where(withheld, WITHHELD, np.where(small, SMALL, "")).astype(object)

    if policy.secondary:
        codes = out["area_code"].astype(str).to_numpy()
        parents = _parents(parent_of)
        constraints: list[tuple[int, np.ndarray]] = []
        groups = out.groupby(["indicator", "period"], sort=False, dropna=False).indices
        for key, idx in groups.items():
            idx = np.sort(idx)
            row_of = dict(zip(codes[idx], idx, strict=True))
            if len(row_of) < len(idx):
                dup = pd.Series(codes[idx]).duplicated(keep=False).to_numpy()
                raise InputError(
                    f"area codes appear more than once for indicator {key[0]!r}, period {key[1]!r}",
                    file=what,
                    row=[int(i) + 2 for i in idx[dup]],
                    column="area_code",
                    expected="one row per area, indicator and period",
                )
            members: dict[str | None, list[int]] = {}
            for code, i in zip(codes[idx], idx, strict=True):
                members.setdefault(parents.get(code), []).append(int(i))
            for parent, cells in members.items():
                total = -1 if parent is None else int(row_of.get(parent, -1))
                constraints.append((total, np.asarray(cells)))
        final = _protect(counts, hidden, constraints, _order(codes))
        reason[final & ~hidden] = SECONDARY
        hidden = final

    present = [c for c in (*DERIVED_COLUMNS, *derived) if c in out.columns and c != "count"]
    _apply(out, "count", counts, hidden, list(dict.fromkeys(present)), policy)
    out["suppressed"] = hidden
    out["suppression"] = pd.Series(reason, index=out.index, dtype="str")
    _mark(out, policy, ["count"])
    return out


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
    what = "table of counts"
    cols = list(dict.fromkeys(count_columns))
    if not cols:
        raise ValueError("count_columns must name at least one column")
    if total_column is not None and total_column not in cols:
        cols.append(total_column)
    margins = dict(total_row or {})
    groupings = _groupings(group_by)
    _require(df, cols + list(margins) + [c for g in groupings for c in g], what)
    clash = sorted({c for g in groupings for c in g} & set(margins))
    if clash:
        raise ValueError(f"columns {clash} cannot be both in group_by and total_row")

    n, k = len(df), len(cols)
    values = np.column_stack([_numeric(df, c, what) for c in cols]) if n else np.zeros((0, k))
    withheld = np.zeros((n, k), dtype=bool)
    if k == 1:
        withheld[:, 0] = _flag(df, "suppressed")
        values[withheld] = np.nan
    small = policy.is_small(values) & ~withheld
    hidden = small | withheld
    reason = np.where(withheld, WITHHELD, np.where(small, SMALL, "")).astype(object)

    if policy.secondary and n:
        constraints = _cross_constraints(df, k, groupings, margins, what)
        if total_column is not None and k > 1:
            jt = cols.index(total_column)
            others = np.array([j for j in range(k) if j != jt])
            constraints += [(i * k + jt, i * k + others) for i in range(n)]
        flat = _protect(values.ravel(), hidden.ravel(), constraints, np.arange(n * k))
        final = flat.reshape(n, k)
        reason[final & ~hidden] = SECONDARY
        hidden = final

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
        _apply(out, c, values[:, j], hidden[:, j], extra, policy)
        if k > 1:
            out[f"{c}_suppression"] = pd.Series(reason[:, j], index=out.index, dtype="str")
    out["suppressed"] = hidden.any(axis=1)
    if k == 1:
        out["suppression"] = pd.Series(reason[:, 0], index=out.index, dtype="str")
    _mark(out, policy, cols)
    return out


def _groupings(group_by: Sequence[str] | Sequence[Sequence[str]] | None) -> list[list[str]]:
    if group_by is None or len(group_by) == 0:
        return [[]]
    if all(isinstance(g, str) for g in group_by):
        return [list(group_by)]  # type: ignore[arg-type]
    return [[g] if isinstance(g, str) else list(g) for g in group_by]


def _cross_constraints(
    df: pd.DataFrame,
    k: int,
    groupings: list[list[str]],
    margins: dict[str, Any],
    what: str,
) -> list[tuple[int, np.ndarray]]:
    """Column-total constraints (one per count column) for each group and margin."""
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
                raise InputError(
                    "a group has more than one total row",
                    file=what,
                    row=[int(i) + 2 for i in tot],
                    expected="one total row per group",
                )
            for j in range(k):
                total = int(tot[0]) * k + j if len(tot) else -1
                constraints.append((total, mem * k + j))
    return constraints
