"""Marks on published frames, and the words shown for each kind of hidden count.

Frames that went through the disclosure policy carry a mark in ``df.attrs``:
:func:`require_suppressed` refuses unmarked frames and re-checks that no small
count is showing. The mark follows copies, slices and renames, and pandas also
copies it onto group-by results, so never aggregate a suppressed table:
aggregate the raw counts, then suppress the result. A merge drops the mark;
:func:`carry_mark` puts it back.

The ``suppression`` column says why a value is hidden (:data:`REASONS`, short
codes kept for files and tests); :func:`suppression_label` gives the words
people read (the maps' legend entry is
:func:`meam_mapping.maps.style.suppressed_label`). Only a primary ("small
count") cell is described as "fewer than N": a cell hidden to protect a small
count nearby may hold any number, so saying it is small would be false. Nor
is an area whose own count is unknown because counts inside it were withheld
by the source (:data:`WITHHELD_WITHIN`: a district of 200 people with one
withheld LSOA): it is "not known", not small.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from meam_mapping.disclosure.policy import DisclosureError, DisclosurePolicy

__all__ = [
    "LABELS",
    "POLICY_ATTR",
    "REASONS",
    "SECONDARY",
    "SECONDARY_LABEL",
    "SMALL",
    "WITHHELD",
    "WITHHELD_WITHIN",
    "GROUPED",
    "carry_mark",
    "describe_hidden",
    "hidden_note",
    "is_suppressed",
    "mark_no_counts",
    "require_suppressed",
    "suppression_label",
]

SMALL, SECONDARY, WITHHELD = "small count", "secondary", "withheld by source"
#: A cell in a group whose small counts the labels alone would give away
#: (e.g. four LSOAs of 1 under an MSOA of 4): every hidden cell of the group
#: carries this one label, which says nothing about its size.
GROUPED = "hidden in a group"
#: An area added up from smaller ones, some of whose counts the source withheld:
#: its own count is not known (it may be large), so it is not published either.
WITHHELD_WITHIN = "includes withheld counts"
#: Values of the ``suppression`` column ("" means published).
REASONS: tuple[str, ...] = ("", SMALL, SECONDARY, WITHHELD, GROUPED, WITHHELD_WITHIN)
#: What a reader is told about a cell hidden to protect another one.
SECONDARY_LABEL = "hidden to protect a small number nearby"
#: Reader-facing words per reason; ``{n}`` is the threshold.
LABELS: dict[str, str] = {
    "": "",
    SMALL: "fewer than {n}",
    SECONDARY: SECONDARY_LABEL,
    WITHHELD: "withheld by the source",
    GROUPED: "hidden with other small numbers in this group",
    WITHHELD_WITHIN: "not known: includes counts withheld by the source",
}
#: ``df.attrs`` key holding the plain-English policy text.
POLICY_ATTR = "disclosure_policy"
#: ``df.attrs`` key holding the "not for sharing" label ("" when shareable).
SHARING_ATTR = "disclosure_label"
#: ``df.attrs`` key holding the audit summary (plain ints) of the last suppression.
AUDIT_ATTR = "disclosure_audit"
_MARK = "_meam_disclosure"


def suppression_label(reason: str, threshold: int | None = None) -> str:
    """Words for one hidden cell, e.g. ``"fewer than 5"`` or the secondary label.

    Parameters
    ----------
    reason : str
        A value of the ``suppression`` column (:data:`REASONS`).
    threshold : int, optional
        The policy threshold N for "fewer than N"; "a small number" if not given.

    Raises
    ------
    DisclosureError
        If ``reason`` is not one of :data:`REASONS`.

    Examples
    --------
    >>> suppression_label("small count", 5)
    'fewer than 5'
    >>> suppression_label("secondary", 5)
    'hidden to protect a small number nearby'
    >>> suppression_label("includes withheld counts", 5)
    'not known: includes counts withheld by the source'
    """
    if reason not in LABELS:
        raise DisclosureError(
            f"the suppression reason {reason!r} is not known",
            expected="one of " + ", ".join(repr(r) for r in REASONS),
        )
    if reason == SMALL and threshold is None:
        return "a small number"
    return LABELS[reason].format(n=threshold)


def hidden_note(reason: str, threshold: int | None = None) -> str:
    """The note a table shows beside one hidden cell, by the ``suppression`` reason.

    As :func:`suppression_label`, except that a hidden cell without a known
    reason (a table with no ``suppression`` column) is taken as a small count.

    Examples
    --------
    >>> hidden_note("", 5), hidden_note("withheld by source", 5)
    ('fewer than 5', 'withheld by the source')
    >>> hidden_note("small count")
    'small number hidden'
    """
    if reason in LABELS and reason not in ("", SMALL):
        return LABELS[reason]
    return f"fewer than {threshold}" if threshold else "small number hidden"


def describe_hidden(reasons: Any, threshold: int | None = None) -> str:
    """How many hidden cells there are of each kind, in words, e.g. for a map's caption.

    Parameters
    ----------
    reasons : array-like of str
        The ``suppression`` reasons of the hidden cells ("" is taken as a small count).
    threshold : int, optional
        The policy threshold N.

    Returns
    -------
    str
        "" when there are none.

    Examples
    --------
    >>> describe_hidden(["small count", "small count", "secondary"], 5)
    '2 with fewer than 5 people counted, 1 hidden to protect a small number nearby'
    """
    kinds = pd.Series([str(r) if r in LABELS and r else SMALL for r in reasons], dtype=object)
    parts = []
    for reason in (SMALL, SECONDARY, GROUPED, WITHHELD, WITHHELD_WITHIN):
        n = int((kinds == reason).sum())
        if not n:
            continue
        if reason == SMALL:
            words = f"with fewer than {threshold} people counted" if threshold else "small numbers"
        else:
            words = LABELS[reason]
        parts.append(f"{n:,} {words}")
    return ", ".join(parts)


def _mark(
    df: pd.DataFrame,
    policy: DisclosurePolicy | None,
    count_columns: list[str],
    audit: dict[str, Any] | None = None,
) -> None:
    df.attrs[POLICY_ATTR] = policy.describe() if policy else "This table holds no counts."
    df.attrs[SHARING_ATTR] = policy.label if policy else ""
    if audit is not None:
        df.attrs[AUDIT_ATTR] = dict(audit)
    df.attrs[_MARK] = {
        "policy": policy.to_dict() if policy else None,
        "count_columns": list(count_columns),
    }


def is_suppressed(df: pd.DataFrame) -> bool:
    """Return True if ``df`` came out of the disclosure policy (or was marked count-free)."""
    return isinstance(getattr(df, "attrs", None), dict) and _MARK in df.attrs


def require_suppressed(df: pd.DataFrame, what: str) -> None:
    """Raise :class:`DisclosureError` unless ``df`` has been through the disclosure policy.

    Exporters and map builders call this on every frame. Besides the mark, the
    published counts are checked again against the primary rule, which catches
    tables changed (e.g. aggregated) after suppression.
    """
    if not is_suppressed(df):
        raise DisclosureError(
            f"{what} has not been through the disclosure policy",
            fix=(
                "Pass it through meam_mapping.disclosure.suppress_indicators (indicator tables)"
                " or suppress_counts (other tables of counts), or mark_no_counts if it holds"
                " no counts of people"
            ),
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
                raise DisclosureError(
                    f"{what} is marked as suppressed but shows {n} small count(s); it was"
                    " changed (for example aggregated) after suppression",
                    column=column,
                    fix="Suppress the final table instead",
                )


def mark_no_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` marked as safe because it holds no counts of people.

    For tables of scores, classes, weights or settings. A table whose ``count``
    column holds any number is refused: use ``suppress_counts`` (an all-blank
    ``count`` column, as for a value-only indicator, is accepted).
    """
    if "count" in df.columns and pd.to_numeric(df["count"], errors="coerce").notna().any():
        raise DisclosureError(
            "this table has counts in its 'count' column",
            column="count",
            fix="Use suppress_counts (or suppress_indicators) instead of mark_no_counts",
        )
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
    for key in (POLICY_ATTR, SHARING_ATTR, AUDIT_ATTR):
        if key in source.attrs:
            out.attrs[key] = source.attrs[key]
    out.attrs[_MARK] = dict(source.attrs[_MARK])
    require_suppressed(out, "the table built from a suppressed one")
    return out
