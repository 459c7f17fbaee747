"""Indicators at a level: the one place counts are sliced and added up.

Every published number starts from one of these slices: one indicator and
period at its native level and every coarser level the areas allow (counts
and denominators summed, rates recomputed, never averaged). Slices are
*unsuppressed*: they feed estimators and :mod:`meam_mapping.pipeline.publish`,
never a screen or a file directly.
"""

from __future__ import annotations

import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import aggregate_indicators
from meam_mapping.geography.codes import codes_in
from meam_mapping.schema import INDICATOR_COLUMNS, LEVEL_WORDS, LEVELS

__all__ = [
    "area_names",
    "domain_rates_at",
    "every_indicator_all_levels",
    "group_of",
    "indicator_all_levels",
    "indicators_at",
    "latest_period",
    "levels_of",
    "linked_groups",
    "parent_lookup",
]

#: Coarser levels each level can be added up to.
COARSER: dict[str, tuple[str, ...]] = {
    "lsoa": ("msoa", "lad"),
    "msoa": ("lad",),
    "lad": (),
    "custom": (),
}


def latest_period(periods: pd.Series) -> str:
    """The latest of ``periods``, ordered as time (2024/25 after 2023/24, Q1 2025 after Q4 2024)."""
    from meam_mapping.indicators.periods import latest_period as latest

    return str(latest(list(periods.astype(str).unique())))  # each once, in order of appearance


def parent_lookup(dataset: Dataset) -> pd.Series:
    """Child code -> parent code across levels (LSOA -> MSOA -> district)."""
    parts = []
    for level, parent_column in (("lsoa", "msoa_code"), ("msoa", "lad_code")):
        areas = dataset.areas.get(level)
        if areas is None or parent_column not in areas:
            continue
        parent_level = "msoa" if parent_column == "msoa_code" else "lad"
        if parent_level not in dataset.areas:
            continue
        known = areas[parent_column].notna()
        parts.append(
            pd.Series(
                areas.loc[known, parent_column].to_numpy(),
                index=areas.loc[known, "area_code"].to_numpy(),
            )
        )
    if not parts:
        return pd.Series(dtype=object)
    lookup = pd.concat(parts)
    return lookup[~lookup.index.duplicated()]


def area_names(dataset: Dataset) -> pd.Series:
    """Area code -> area name over every level."""
    parts = [a.set_index("area_code")["area_name"] for a in dataset.areas.values()]
    names = pd.concat(parts) if parts else pd.Series(dtype=str)
    return names[~names.index.duplicated()]


def _counted(rows: pd.DataFrame) -> bool:
    """Whether rows carry counts that can be added up (not ranks, deciles or scores)."""
    from meam_mapping.indicators.kinds import is_summable

    if not rows["count"].notna().any() and not rows["suppressed"].fillna(False).astype(bool).any():
        return False
    return bool(is_summable(rows))


def indicator_all_levels(
    dataset: Dataset, indicator: str, period: str | None = None
) -> tuple[pd.DataFrame, str]:
    """One indicator and period at its native level and every coarser level.

    Counts and denominators are summed up the area hierarchy and the rate is
    recomputed from the sums; an indicator without counts (a score, a rank,
    a decile) stays at its own level.

    Returns
    -------
    table : pandas.DataFrame
        Tidy rows for all levels, with a ``level`` column (unsuppressed).
    native : str
        The level the data came at.

    Raises
    ------
    InputError
        If the indicator or the period does not exist.
    """
    table = dataset.indicators
    rows = table.loc[table["indicator"] == indicator]
    if rows.empty:
        known = ", ".join(sorted(table["indicator"].astype(str).unique())[:20])
        raise InputError(f"there is no indicator {indicator!r}", expected=f"one of: {known}")
    if period is None:
        period = latest_period(rows["period"])
    rows = rows.loc[rows["period"].astype(str) == str(period)]
    if rows.empty:
        from meam_mapping.indicators.periods import sort_periods

        periods = ", ".join(
            sort_periods(table.loc[table["indicator"] == indicator, "period"].astype(str).unique())
        )
        raise InputError(
            f"indicator {indicator!r} has no period {period!r}", expected=f"one of: {periods}"
        )
    native = dataset.level_of(rows["area_code"])
    rows = rows.loc[codes_in(rows["area_code"], dataset.areas[native]["area_code"])]
    frames = [rows.assign(level=native)]
    if _counted(rows):
        for coarser in COARSER.get(native, ()):
            if coarser not in dataset.areas:
                continue
            try:
                lookup = dataset.lookup(native, coarser)
            except InputError:
                continue
            columns = [c for c in INDICATOR_COLUMNS if c in rows.columns]
            result = aggregate_indicators(rows[columns], lookup, to_level=coarser)
            frames.append(result.table.assign(level=coarser))
    combined = pd.concat(frames, ignore_index=True)
    for column in ("indicator_name", "unit", "unit_label", "domain", "source", "kind", "polarity"):
        if column in rows and rows[column].notna().any():
            combined[column] = rows[column].dropna().iloc[0]
    return combined, native


def every_indicator_all_levels(dataset: Dataset, period: str | None = None) -> pd.DataFrame:
    """Every indicator at its own and each coarser level (unsuppressed: for estimators only)."""
    frames = []
    for indicator in dict.fromkeys(dataset.indicators["indicator"].astype(str)):
        try:
            table, _ = indicator_all_levels(dataset, indicator, period)
        except InputError:
            if period is None:
                raise
            continue  # this indicator has no data for the chosen period
        frames.append(table)
    if not frames:
        raise InputError("there are no indicators to analyse", expected="an indicator table")
    table = pd.concat(frames, ignore_index=True)
    if "indicator_name" not in table:
        table["indicator_name"] = table["indicator"]
    # "note" says which added-up areas include counts withheld by the source (see
    # publish_indicators).
    keep = [c for c in (*INDICATOR_COLUMNS, "indicator_name", "note") if c in table]
    table = table[list(dict.fromkeys([*keep, "level"]))].copy()
    table["suppressed"] = table["suppressed"].fillna(False).astype(bool)
    return table


def indicators_at(dataset: Dataset, level: str, period: str | None = None) -> pd.DataFrame:
    """Every indicator at ``level``, added up from finer levels (unsuppressed).

    Raises
    ------
    InputError
        If no indicator can be shown at ``level``.
    """
    table = every_indicator_all_levels(dataset, period)
    part = table.loc[table["level"] == level]
    if part.empty:
        available = [lvl for lvl in LEVELS if lvl in set(table["level"])]
        raise InputError(
            f"no indicator can be shown at level {level!r}",
            expected="one of " + ", ".join(available),
        )
    return part.reset_index(drop=True)


def domain_rates_at(dataset: Dataset, level: str, period: str | None = None) -> pd.DataFrame:
    """Per-area rate of one indicator per domain (with 95% limits), at ``level``.

    Raises
    ------
    InputError
        If no indicator outside the context domain has counts at this level.
    """
    from meam_mapping.concentrate.index import domain_rates

    table = indicators_at(dataset, level, period)
    counted = table.loc[table["count"].notna() & (table["domain"] != "context")]
    if counted.empty:
        raise InputError(
            f"no indicator has counts at {level} level outside the context domain",
            expected="counts for homelessness, substance misuse, mental health or justice",
        )
    return domain_rates(counted, dataset.areas[level], ci=True)


def why_not_at(dataset: Dataset, table: pd.DataFrame, native: str, level: str) -> str:
    """Why ``table`` (an indicator at its ``native`` level, see :func:`indicator_all_levels`) is not at ``level``.

    One sentence, with what to do, for the command line and the Map page
    alike. The reasons, in order: ``level`` is finer than the data (they
    cannot be split); the figures are not counts (ranks, deciles, scores
    are not added up); the boundaries do not say which ``level`` area each
    of theirs is in (ONS LSOA files carry only the LSOA's own code).

    Parameters
    ----------
    dataset : Dataset
    table : pandas.DataFrame
        The indicator's rows at its native level (``kind``, ``count``, ``suppressed``).
    native, level : str

    Returns
    -------
    str
    """
    order = {lvl: i for i, lvl in enumerate(("lsoa", "msoa", "lad"))}
    if level not in order or native not in order:
        return (
            "Custom areas are outside the LSOA, MSOA and district hierarchy: their figures are not "
            "added up into those levels, nor theirs into custom areas"
        )
    if order[level] < order[native]:
        return (
            f"The figures are for {LEVEL_WORDS.get(native, native)}s: figures for larger areas "
            "cannot be split into smaller ones"
        )
    rows = table.loc[table["level"] == native] if "level" in table else table
    if not _counted(rows):
        kind = str(rows["kind"].iloc[0]) if "kind" in rows and len(rows) else ""
        if kind in ("rank", "decile", "quintile"):
            from meam_mapping.geography.ordinal_summaries import why_not_summed

            return why_not_summed(kind) + (
                " The Data page adds these for larger areas ('Ranks, deciles and quintiles for "
                "larger areas')"
            )
        return "Figures without counts (scores, rates published alone) cannot be added up to larger areas"
    if level not in dataset.areas and dataset.left_out_parents(level):
        return (
            f"Every {LEVEL_WORDS[level]} the boundaries name is missing some of its areas from them "
            "(no shape, no code, or not in the file), so none is totalled: its total would fall short "
            "(the loading notes name them). Use a boundary file holding every area of them"
        )
    if level not in dataset.areas:
        return (
            f"The boundaries do not say which {LEVEL_WORDS[level]} each "
            f"{LEVEL_WORDS.get(native, native)} is in (a field such as MSOA21CD or LAD22CD; ONS's "
            "LSOA boundary files have only the LSOA's own code). Add the ONS lookup 'Output Area to "
            "LSOA to MSOA to Local Authority District' of the boundaries' year: --areas-lookup on the "
            "command line, 'Which MSOA and district each area is in' on the Data page"
        )
    try:
        dataset.lookup(native, level)
    except InputError as err:
        return str(err)
    return f"No {LEVEL_WORDS[level]} has figures for this indicator"


def levels_of(dataset: Dataset, indicator: str, period: str | None = None) -> list[str]:
    """The levels an indicator can be shown at (its own, and coarser ones if it has counts)."""
    return level_offer(dataset, indicator, period)[0]


def level_offer(
    dataset: Dataset, indicator: str, period: str | None = None, *,
    all_levels: tuple[pd.DataFrame, str] | None = None,
) -> tuple[list[str], dict[str, str]]:  # fmt: skip
    """The levels an indicator can be shown at, and each coarser level it cannot, with why.

    ``all_levels`` is :func:`indicator_all_levels` of the same, made already.

    Returns
    -------
    levels : list of str
        As :func:`levels_of` (empty when the indicator or period does not exist).
    missing : dict
        Coarser level -> the reason it is not offered (:func:`why_not_at`).
    """
    try:
        table, native = all_levels or indicator_all_levels(dataset, indicator, period)
    except InputError:
        return [], {}
    found = set(table["level"])
    missing = {
        level: why_not_at(dataset, table, native, level)
        for level in COARSER.get(native, ())
        if level not in found
    }
    return [level for level in LEVELS if level in found], missing


#: Suffixes of one indicator's sex breakdown (Fingertips exports): total first.
_SEX_SETS = (("persons", ("male", "female")),)


def linked_groups(indicators: list[str] | pd.Series) -> dict[str, list[str]]:
    """Indicators that add up to another one: ``{total: [parts]}``.

    A Fingertips export with Persons, Male and Female rows becomes three
    indicators (``..._persons``, ``..._male``, ``..._female``); Persons =
    Male + Female, so their suppression must be decided together or the
    difference gives a hidden count back.
    """
    ids = set(map(str, indicators))
    groups: dict[str, list[str]] = {}
    for total, parts in _SEX_SETS:
        for name in ids:
            if not name.endswith("_" + total):
                continue
            base = name[: -len(total)]
            members = [base + p for p in parts]
            if all(m in ids for m in members):
                groups[name] = members
    return groups


def group_of(dataset: Dataset, indicator: str) -> list[str]:
    """The indicator and any indicators linked to it by a total (itself alone if none)."""
    for total, parts in linked_groups(dataset.indicators["indicator"].unique()).items():
        if indicator == total or indicator in parts:
            return [total, *parts]
    return [indicator]
