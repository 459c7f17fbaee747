"""Multiple systems estimation (capture-recapture) of hidden populations.

Modules
-------
patterns
    Validate overlap (pattern) tables and refuse ones without overlap.
twolist
    Chapman and Lincoln-Petersen estimates for two lists.
loglinear
    Poisson log-linear models for three or more lists, with profile and
    bootstrap intervals.
select
    Choosing the interactions of a log-linear model.
estimate
    :class:`MultipleSystemsEstimator` and its one-shot twin.
strata
    The one per-area (per-stratum) loop: :func:`estimate_by_stratum` and
    :func:`hidden_records`.
parallel
    Independent per-stratum tasks in worker processes (forked on Linux).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.estimate.mse.estimate import (
        CI_METHODS,
        METHODS,
        HiddenPopulationEstimate,
        MultipleSystemsEstimator,
        estimate_hidden,
    )
    from meam_mapping.estimate.mse.patterns import (
        COUNT_COLUMN,
        NON_LIST_COLUMNS,
        PatternTable,
        check_estimable,
        detect_lists,
        observable_patterns,
        pattern_counts,
        validate_patterns,
    )
    from meam_mapping.estimate.mse.strata import TOTAL_LABEL, estimate_by_stratum, hidden_records
    from meam_mapping.estimate.mse.twolist import TwoListEstimate, chapman, lincoln_petersen

__all__ = [
    "CI_METHODS",
    "COUNT_COLUMN",
    "HiddenPopulationEstimate",
    "METHODS",
    "MultipleSystemsEstimator",
    "NON_LIST_COLUMNS",
    "PatternTable",
    "TOTAL_LABEL",
    "TwoListEstimate",
    "chapman",
    "check_estimable",
    "detect_lists",
    "estimate_by_stratum",
    "estimate_hidden",
    "hidden_records",
    "lincoln_petersen",
    "observable_patterns",
    "pattern_counts",
    "validate_patterns",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "estimate": [
            "CI_METHODS",
            "METHODS",
            "HiddenPopulationEstimate",
            "MultipleSystemsEstimator",
            "estimate_hidden",
        ],
        "patterns": [
            "COUNT_COLUMN",
            "NON_LIST_COLUMNS",
            "PatternTable",
            "check_estimable",
            "detect_lists",
            "observable_patterns",
            "pattern_counts",
            "validate_patterns",
        ],
        "strata": ["TOTAL_LABEL", "estimate_by_stratum", "hidden_records"],
        "twolist": ["TwoListEstimate", "chapman", "lincoln_petersen"],
    },
)
