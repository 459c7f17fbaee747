"""Plain names for choices a non-statistician makes on the pages."""

from __future__ import annotations

#: Classification scheme -> (plain name, one-line hint).
SCHEME_LABELS: dict[str, tuple[str, str]] = {
    "quantiles": ("Equal numbers of areas", "each colour holds about the same number of areas"),
    "fisher_jenks": ("Best-fitting groups", "breaks placed where the values jump (Fisher-Jenks)"),
    "natural_breaks": ("Natural groups", "areas grouped with their closest values (k-means)"),
    "equal_interval": ("Equal steps", "each colour covers the same range of values"),
    "std_mean": (
        "Above and below average",
        "steps of one standard deviation either side of the mean",
    ),
    "user_defined": ("My own breaks", "type the upper bound of each class"),
}


def scheme_label(scheme: str) -> str:
    """The plain name of a classification scheme."""
    return SCHEME_LABELS.get(scheme, (scheme.replace("_", " ").capitalize(), ""))[0]


def scheme_help() -> str:
    """One line per scheme, for a widget's help text."""
    return "  \n".join(f"**{name}**: {hint}" for name, hint in SCHEME_LABELS.values())
