"""The standard analysis in plain text (``analyse --format text``).

Built only from the published parts of an :class:`~meam_mapping.pipeline.run.Analysis`,
so the text shows exactly the numbers of the pages, the presenter and the pack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meam_mapping.dataset import Dataset
    from meam_mapping.pipeline.run import Analysis

__all__ = ["analysis_text"]


def analysis_text(analysis: Analysis, dataset: Dataset) -> str:
    """A short plain-English account of the analysis."""
    from meam_mapping.pipeline.run import part_name

    data = analysis.to_dict()
    lines = [f"MEAM Mapping analysis: {dataset.name}"]
    if dataset.label:
        lines.append(dataset.label)
    head = data["headline"]
    if head is None:
        lines.append(
            "People facing multiple disadvantage: "
            + analysis.unavailable.get("hidden", "not estimated")
        )
    elif head.get("suppressed"):
        lines.append("People facing multiple disadvantage: hidden (the number seen is small)")
    else:
        lines.append(
            f"People facing multiple disadvantage: {head['n_hat']:,} (95% interval "
            f"{head['ci_low']:,} to {head['ci_high']:,}); seen by at least one service "
            f"{head['observed']:,}; hidden from every service {head['hidden']:,}. "
            f"{head['label']}; interval: {head['ci_method']}."
        )
    spots = data["hotspots"]
    if "hotspots" in analysis.unavailable:
        lines.append("Hot spots: " + analysis.unavailable["hotspots"])
    else:
        from meam_mapping.concentrate.hotspots import STATISTIC_NAMES
        from meam_mapping.schema import LEVEL_WORDS

        statistic = STATISTIC_NAMES.get(spots["statistic"], spots["statistic"])
        level = LEVEL_WORDS.get(spots["level"], spots["level"])
        lines.append(
            f"Hot spots of the composite index ({level}s): {spots['hot']} hot, "
            f"{spots['cold']} cold ({statistic}, {spots['weights']}, "
            f"{spots['permutations']} permutations, false discovery rate {spots['fdr']:.0%})."
        )
    if data["zones"]:
        lines.append(f"Focus zones: {len(data['zones'])}.")
    for plan in data["caseload"]:
        lines.append(
            f"Caseload at {plan['coordinator_ratio']}: {_whole(plan['people_to_reach'])} people "
            f"({plan['reach_share']:.0%} of the estimate), {plan['coordinators']} coordinators "
            f"(from the 95% interval: {plan['coordinators_lower']} to {plan['coordinators_upper']})."
        )
    for part, reason in analysis.unavailable.items():
        if part not in ("hidden", "hotspots"):
            lines.append(f"{part_name(part)}: {reason}")
    lines.append(f"Disclosure control: {data['disclosure']}")
    return "\n".join(lines)


def _whole(value: object) -> str:
    return "hidden" if value is None else f"{round(float(value)):,}"
