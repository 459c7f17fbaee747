"""The one path from a :class:`~meam_mapping.dataset.Dataset` to a published result.

Pages, the presenter, the command line and the evidence pack call these
functions and nothing else to compute a number, so the same data and the
same :class:`AnalysisSettings` give the same numbers on every surface.

- :mod:`~meam_mapping.pipeline.slices`: indicators at a level (counts summed, rates recomputed);
- :mod:`~meam_mapping.pipeline.hidden`: hidden populations per area and the headline;
- :mod:`~meam_mapping.pipeline.rates`: rates, benchmarks, funnels, the visibility gap;
- :mod:`~meam_mapping.pipeline.concentration`: index, typologies, hot spots;
- :mod:`~meam_mapping.pipeline.zones`: people per area, focus zones, caseload;
- :mod:`~meam_mapping.pipeline.publish`: the publication gate (disclosure control);
- :mod:`~meam_mapping.pipeline.run`: the standard analysis;
- :mod:`~meam_mapping.pipeline.scenarios`: named index scenarios compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.pipeline.hidden import Headline, HiddenResult, hidden_by_area, pattern_lists
    from meam_mapping.pipeline.run import PARTS, Analysis, run
    from meam_mapping.pipeline.settings import AnalysisSettings
    from meam_mapping.pipeline.slices import (
        area_names,
        every_indicator_all_levels,
        indicator_all_levels,
        indicators_at,
        parent_lookup,
    )

__all__ = [
    "PARTS",
    "Analysis",
    "AnalysisSettings",
    "Headline",
    "HiddenResult",
    "area_names",
    "every_indicator_all_levels",
    "hidden_by_area",
    "indicator_all_levels",
    "indicators_at",
    "parent_lookup",
    "pattern_lists",
    "run",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "hidden": ["Headline", "HiddenResult", "hidden_by_area", "pattern_lists"],
        "run": ["PARTS", "Analysis", "run"],
        "settings": ["AnalysisSettings"],
        "slices": [
            "area_names",
            "every_indicator_all_levels",
            "indicator_all_levels",
            "indicators_at",
            "parent_lookup",
        ],
    },
)
