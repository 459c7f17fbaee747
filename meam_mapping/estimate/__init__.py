"""Estimates: prevalence with intervals, hidden populations, the visibility gap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.estimate.funnel import funnel_figure, funnel_flags, funnel_limits
    from meam_mapping.estimate.mse import (
        HiddenPopulationEstimate,
        MultipleSystemsEstimator,
        PatternTable,
        estimate_by_stratum,
        estimate_hidden,
        hidden_records,
        validate_patterns,
    )
    from meam_mapping.estimate.overdispersion import (
        Overdispersion,
        estimate_overdispersion,
        overdispersed_flags,
        overdispersed_limits,
    )
    from meam_mapping.estimate.prevalence import compare_with_benchmark, prevalence, rate_interval
    from meam_mapping.estimate.visibility import VisibilityGap, visibility_gap

__all__ = [
    "HiddenPopulationEstimate",
    "MultipleSystemsEstimator",
    "Overdispersion",
    "PatternTable",
    "VisibilityGap",
    "compare_with_benchmark",
    "estimate_by_stratum",
    "estimate_hidden",
    "estimate_overdispersion",
    "funnel_figure",
    "funnel_flags",
    "funnel_limits",
    "hidden_records",
    "overdispersed_flags",
    "overdispersed_limits",
    "prevalence",
    "rate_interval",
    "validate_patterns",
    "visibility_gap",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "funnel": ["funnel_figure", "funnel_flags", "funnel_limits"],
        "mse": [
            "HiddenPopulationEstimate",
            "MultipleSystemsEstimator",
            "PatternTable",
            "estimate_by_stratum",
            "estimate_hidden",
            "hidden_records",
            "validate_patterns",
        ],
        "overdispersion": [
            "Overdispersion",
            "estimate_overdispersion",
            "overdispersed_flags",
            "overdispersed_limits",
        ],
        "prevalence": ["compare_with_benchmark", "prevalence", "rate_interval"],
        "visibility": ["VisibilityGap", "visibility_gap"],
    },
)
