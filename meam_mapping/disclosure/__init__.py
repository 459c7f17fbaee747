"""The one small-number (disclosure) policy applied before every map, table and export.

Counts of people facing multiple disadvantage are small and sensitive: a count
of 2 in one neighbourhood can identify someone. Everything that leaves the tool
goes through this package first.

Protection rule (see :data:`PROTECTION_RULE`): after suppression, an
interval audit works out, from every published count and total and what each
blank's label says (a small count is 1 to T-1, a count hidden to protect
another is 0 or T or more), the tightest whole-number range of each hidden
small count; it must still span at least half of 1 to T-1 (with T = 5, three
of the four values stay possible), or as much as the labels alone allow.
:func:`suppress_and_audit` returns the :class:`AuditResult` (its
:meth:`~AuditResult.describe` is a paragraph for a methods section), and every
suppressed frame carries the audit's counts in ``df.attrs["disclosure_audit"]``.

Modules
-------
policy
    :class:`DisclosurePolicy` (threshold, rounding, "not for sharing") and
    :class:`DisclosureError`.
marks
    The mark on published frames (:func:`require_suppressed`,
    :func:`carry_mark`, :func:`mark_no_counts`) and the words for each kind of
    hidden cell (only primary cells say "fewer than N").
audit
    The interval audit: the tightest range of each hidden small count under
    every published total and label (integer programming per block).
secondary
    Choosing secondary suppressions until the audit passes.
apply
    :func:`suppress_indicators`, :func:`suppress_counts`, :func:`audit_table`.
rounding
    :func:`round_to_base` and :func:`band_scores` for derived outputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.disclosure._frames import DERIVED_COLUMNS
    from meam_mapping.disclosure.apply import (
        audit_table,
        indicator_constraints,
        suppress_and_audit,
        suppress_counts,
        suppress_indicators,
    )
    from meam_mapping.disclosure.audit import (
        PROTECTION_RULE,
        AuditResult,
        audit_cells,
        required_width,
    )
    from meam_mapping.disclosure.marks import (
        _MARK,  # noqa: F401 - maps.style reads disclosure._MARK
        AUDIT_ATTR,
        GROUPED,
        LABELS,
        POLICY_ATTR,
        REASONS,
        SECONDARY,
        SECONDARY_LABEL,
        SHARING_ATTR,
        SMALL,
        WITHHELD,
        WITHHELD_WITHIN,
        carry_mark,
        describe_hidden,
        hidden_note,
        is_suppressed,
        mark_no_counts,
        require_suppressed,
        suppression_label,
    )
    from meam_mapping.disclosure.policy import (
        DEFAULT_POLICY,
        NOT_FOR_SHARING,
        DisclosureError,
        DisclosurePolicy,
    )
    from meam_mapping.disclosure.rounding import band_scores, round_to_base

__all__ = [
    "AUDIT_ATTR",
    "DEFAULT_POLICY",
    "DERIVED_COLUMNS",
    "LABELS",
    "NOT_FOR_SHARING",
    "POLICY_ATTR",
    "PROTECTION_RULE",
    "REASONS",
    "SECONDARY",
    "SECONDARY_LABEL",
    "SHARING_ATTR",
    "SMALL",
    "WITHHELD",
    "WITHHELD_WITHIN",
    "GROUPED",
    "AuditResult",
    "DisclosureError",
    "DisclosurePolicy",
    "audit_cells",
    "audit_table",
    "band_scores",
    "carry_mark",
    "describe_hidden",
    "hidden_note",
    "indicator_constraints",
    "is_suppressed",
    "mark_no_counts",
    "require_suppressed",
    "required_width",
    "round_to_base",
    "suppress_and_audit",
    "suppress_counts",
    "suppress_indicators",
    "suppression_label",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "_frames": ["DERIVED_COLUMNS"],
        "apply": [
            "audit_table",
            "indicator_constraints",
            "suppress_and_audit",
            "suppress_counts",
            "suppress_indicators",
        ],
        "audit": ["PROTECTION_RULE", "AuditResult", "audit_cells", "required_width"],
        "marks": [
            "_MARK",
            "AUDIT_ATTR",
            "GROUPED",
            "LABELS",
            "POLICY_ATTR",
            "REASONS",
            "SECONDARY",
            "SECONDARY_LABEL",
            "SHARING_ATTR",
            "SMALL",
            "WITHHELD",
            "WITHHELD_WITHIN",
            "carry_mark",
            "describe_hidden",
            "hidden_note",
            "is_suppressed",
            "mark_no_counts",
            "require_suppressed",
            "suppression_label",
        ],
        "policy": ["DEFAULT_POLICY", "NOT_FOR_SHARING", "DisclosureError", "DisclosurePolicy"],
        "rounding": ["band_scores", "round_to_base"],
    },
)
