"""What to show for a larger area when the data are ranks, deciles or quintiles of small areas.

A rank, decile or quintile says where a small area stands among all the
small areas of England; adding or averaging them does not say where a larger
area stands, so :func:`~meam_mapping.geography.aggregate.aggregate_indicators`
refuses them. The Ministry of Housing, Communities and Local Government
summarises the English Indices of Deprivation for local authorities instead
with measures such as

* the **population-weighted average score** of the authority's LSOAs, and
* the **share of its LSOAs in the most deprived 10%** nationally;

:func:`summarise_ordinal` makes these two for any larger level (MSOA,
district, custom areas) as new, value-only indicators with names, units and
sources that say what they are, and :func:`offer_for_ordinal` says which of
them the loaded data allow and, in one sentence (:func:`why_not_summed`), why
the rank itself is not offered.

References
----------
Ministry of Housing, Communities and Local Government (2019) *The English
Indices of Deprivation 2019: Research report*, section on local authority
district summaries ("average score": population-weighted average of the
LSOA scores; "proportion of LSOAs in the most deprived 10% nationally").
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import Lookup, as_lookup
from meam_mapping.indicators.kinds import ORDINAL_KINDS

__all__ = [
    "OrdinalOffer",
    "offer_for_ordinal",
    "summarise_ordinal",
    "why_not_summed",
    "with_ordinal_summaries",
]

_GROUP_SIZES = {"decile": 10, "quintile": 5}
_LEVEL_WORDS = {"lsoa": "LSOA", "msoa": "MSOA", "lad": "local authority district", "custom": "area"}
_ORDINAL_WORDS = re.compile(r"\b(ranks?|ranking|deciles?|quintiles?|scores?)\b")


def why_not_summed(kind: str) -> str:
    """One sentence: why a rank, decile or quintile is not offered for larger areas."""
    return (
        f"A {kind} places each small area among all small areas in England, so adding or "
        f"averaging {kind}s does not give the {kind} of a larger area; as in MHCLG's local "
        "authority summaries, a larger area is described by the population-weighted average "
        "score of its small areas or by the share of them in the most deprived decile."
    )


def _stem(text: object) -> str:
    """A heading without brackets and kind words: 'Income Decile (where 1 ...)' -> 'income'."""
    plain = re.sub(r"\([^)]*\)", " ", str(text).replace("_", " ").lower())
    plain = _ORDINAL_WORDS.sub(" ", plain)
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def _catalogue(indicators: pd.DataFrame) -> pd.DataFrame:
    first = indicators.groupby(indicators["indicator"].astype(str), sort=False).first()
    for column in ("indicator_name", "kind", "polarity", "source", "domain"):
        if column not in first:
            first[column] = ""
    return first


@dataclass(frozen=True)
class OrdinalOffer:
    """What a larger area can be given instead of a small areas' rank, decile or quintile.

    Attributes
    ----------
    indicator : str
        The rank, decile or quintile indicator.
    kind : str
        Its kind.
    reason : str
        One sentence: why the indicator itself is not offered at larger levels.
    score : str or None
        The matching score indicator (same heading with "Score"), if loaded.
    population : str or None
        The population indicator used as weights, if loaded.
    share : bool
        Whether the share of small areas in the worst group can be given
        (deciles and quintiles whose polarity says which end is worse).
    missing : tuple of str
        What would have to be loaded or set for the rest of the offer.
    """

    indicator: str
    kind: str
    reason: str
    score: str | None
    population: str | None
    share: bool
    missing: tuple[str, ...] = ()

    @property
    def average_score(self) -> bool:
        """Whether the population-weighted average score can be given."""
        return self.score is not None and self.population is not None

    @property
    def anything(self) -> bool:
        """Whether at least one summary can be made."""
        return self.average_score or self.share


def _population(catalogue: pd.DataFrame) -> str | None:
    counts = catalogue[(catalogue["kind"] == "count") & (catalogue["polarity"] == "neutral")]
    if counts.empty:
        return None
    names = counts["indicator_name"].astype(str).str.lower()
    total = counts.index[names.str.contains("total population")]
    people = counts.index[names.str.contains("population|residents|mid-year|mid year")]
    return str(total[0] if len(total) else people[0] if len(people) else counts.index[0])


def offer_for_ordinal(indicators: pd.DataFrame, indicator: str) -> OrdinalOffer:
    """Say which summaries a rank, decile or quintile indicator allows at larger levels.

    Parameters
    ----------
    indicators : pandas.DataFrame
        The tidy indicator table (with ``kind`` and ``polarity``).
    indicator : str
        A rank, decile or quintile indicator in it.

    Returns
    -------
    OrdinalOffer

    Raises
    ------
    InputError
        If the indicator is not there or is not a rank, decile or quintile.
    """
    catalogue = _catalogue(indicators)
    if indicator not in catalogue.index:
        raise InputError(
            f"there is no indicator {indicator!r}",
            column="indicator",
            expected="one of " + ", ".join(sorted(catalogue.index)[:20]),
        )
    kind = str(catalogue.at[indicator, "kind"])
    if kind not in ORDINAL_KINDS:
        raise InputError(
            f"indicator {indicator!r} is a {kind}, not a rank, decile or quintile",
            column="kind",
            expected="one of " + ", ".join(sorted(ORDINAL_KINDS)),
            fix="Counts, rates and proportions are added up to larger areas as they are",
        )
    stems = {_stem(catalogue.at[indicator, "indicator_name"]), _stem(indicator)} - {""}
    scores = catalogue[catalogue["kind"] == "score"]
    score = next(
        (
            str(i)
            for i, row in scores.iterrows()
            if {_stem(row["indicator_name"]), _stem(i)} & stems
        ),
        None,
    )
    population = _population(catalogue)
    polarity = str(catalogue.at[indicator, "polarity"])
    share = kind in _GROUP_SIZES and polarity in ("lower_is_worse", "higher_is_worse")
    missing = []
    if score is None:
        missing.append(
            "the matching score (e.g. File 5 or File 7 of the English Indices of Deprivation)"
        )
    if population is None:
        missing.append("a population table (e.g. File 6 of the Indices, or ONS mid-year estimates)")
    if kind in _GROUP_SIZES and not share:
        missing.append(f"which end of the {kind}s is most deprived (set its polarity)")
    return OrdinalOffer(
        indicator=indicator,
        kind=kind,
        reason=why_not_summed(kind),
        score=score,
        population=population,
        share=share,
        missing=tuple(missing),
    )


def _latest(rows: pd.DataFrame, period: str | None) -> pd.DataFrame:
    from meam_mapping.indicators.periods import latest_period

    periods = rows["period"].astype(str) if "period" in rows else pd.Series("", index=rows.index)
    if period is not None and (periods == str(period)).any():
        return rows[periods == str(period)]
    return rows[periods == str(latest_period(list(dict.fromkeys(periods))))]


def _by_area(rows: pd.DataFrame) -> pd.Series:
    values = pd.to_numeric(rows["value"], errors="coerce")
    return (
        pd.Series(values.to_numpy(), index=rows["area_code"].astype(str).to_numpy())
        .groupby(level=0)
        .first()
    )


def summarise_ordinal(
    indicators: pd.DataFrame,
    lookup: Lookup,
    *,
    indicator: str,
    to_level: str,
    period: str | None = None,
    child_level: str = "lsoa",
) -> pd.DataFrame:
    """Population-weighted average score and share in the most deprived group, for larger areas.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Tidy indicator table holding the rank/decile/quintile indicator and,
        for the average score, its score and a population (see
        :func:`offer_for_ordinal`).
    lookup : dict, Series or DataFrame
        Small area -> larger area (see
        :func:`~meam_mapping.geography.aggregate.as_lookup`).
    indicator : str
        The rank, decile or quintile indicator.
    to_level : str
        Level of the larger areas (``msoa``, ``lad``, ``custom``).
    period : str, optional
        Period of the indicator (latest by default); the score uses the same
        period where it has it, the population its latest.
    child_level : str, default 'lsoa'
        Level of the small areas, for names.

    Returns
    -------
    pandas.DataFrame
        Tidy rows at ``to_level`` for up to two new indicators:
        ``<score>_population_weighted_<level>`` (kind score, the score's
        polarity) and ``<indicator>_share_most_deprived_<level>`` (kind
        proportion, unit percent, higher is worse). Counts and denominators
        are blank (they are summaries of areas, not counts of people). A
        larger area some of whose small areas have no value gets no value,
        rather than a summary of part of it; ``n_areas`` says how many small
        areas were used.

    Raises
    ------
    InputError
        If neither summary can be made; the message says what to load.
    """
    offer = offer_for_ordinal(indicators, indicator)
    if not offer.anything:
        raise InputError(
            f"no summary of {indicator!r} can be made for larger areas",
            column="indicator",
            expected="; ".join(offer.missing),
            fix=offer.reason,
        )
    catalogue = _catalogue(indicators)
    mapping = as_lookup(lookup, to_level=to_level)
    ids = indicators["indicator"].astype(str)
    own = _latest(indicators[ids == indicator], period)
    used_period = str(own["period"].iloc[0]) if "period" in own and len(own) else ""
    child, parent = _LEVEL_WORDS.get(child_level, child_level), _LEVEL_WORDS.get(to_level, to_level)
    frames = []
    if offer.average_score:
        score = _latest(indicators[ids == offer.score], used_period)
        population = _latest(indicators[ids == offer.population], None)
        values = pd.DataFrame({"score": _by_area(score)})
        values["population"] = _by_area(population).reindex(values.index)
        expected = mapping.value_counts()
        known = values.assign(w=values["score"] * values["population"])
        known = known[known.index.isin(mapping.index)]
        known["parent"] = mapping.reindex(known.index).to_numpy()
        sums = known.groupby("parent").agg(
            w=("w", "sum"), population=("population", "sum"), n=("score", "size"),
            complete=("w", lambda s: bool(s.notna().all())),
        )  # fmt: skip
        complete = (
            sums["complete"]
            & (sums["n"] == expected.reindex(sums.index))
            & (sums["population"] > 0)
        )
        name = str(catalogue.at[offer.score, "indicator_name"])
        pop_name = str(catalogue.at[offer.population, "indicator_name"])
        frames.append(
            pd.DataFrame(
                {
                    "area_code": sums.index.astype(str),
                    "indicator": f"{offer.score}_population_weighted_{to_level}",
                    "indicator_name": f"{name}: population-weighted average of {child} scores, "
                    f"by {parent}",
                    "value": (sums["w"] / sums["population"]).where(complete).to_numpy(),
                    "unit": "score",
                    "unit_label": "average score",
                    "kind": "score",
                    "polarity": str(catalogue.at[offer.score, "polarity"]) or "neutral",
                    "n_areas": sums["n"].to_numpy(),
                    "source": f"{catalogue.at[offer.score, 'source']}; {child} scores averaged "
                    f"with weights {pop_name} (as in MHCLG's local authority summaries)",
                }
            )
        )
    if offer.share:
        size = _GROUP_SIZES[offer.kind]
        polarity = str(catalogue.at[indicator, "polarity"])
        worst = 1 if polarity == "lower_is_worse" else size
        values = pd.DataFrame({"group": _by_area(own)})
        values = values[values.index.isin(mapping.index)]
        values["parent"] = mapping.reindex(values.index).to_numpy()
        sums = values.groupby("parent").agg(
            worst=("group", lambda s: int((s == worst).sum())),
            n=("group", "size"),
            complete=("group", lambda s: bool(s.notna().all())),
        )
        expected = mapping.value_counts().reindex(sums.index)
        complete = sums["complete"] & (sums["n"] == expected)
        group = "decile" if offer.kind == "decile" else "quintile"
        name = str(catalogue.at[indicator, "indicator_name"])
        frames.append(
            pd.DataFrame(
                {
                    "area_code": sums.index.astype(str),
                    "indicator": f"{indicator}_share_most_deprived_{to_level}",
                    "indicator_name": f"Share of {child}s in the most deprived {group} "
                    f"({name} = {worst}), by {parent}",
                    "value": (100 * sums["worst"] / sums["n"]).where(complete).to_numpy(),
                    "unit": "percent",
                    "unit_label": f"% of {child}s",
                    "kind": "proportion",
                    "polarity": "higher_is_worse",
                    "n_areas": sums["n"].to_numpy(),
                    "source": f"{catalogue.at[indicator, 'source']}; share of {child}s in "
                    f"{group} {worst} (as in MHCLG's local authority summaries)",
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["period"] = used_period
    out["domain"] = str(catalogue.at[indicator, "domain"]) or "context"
    out["count"] = np.nan
    out["denominator"] = np.nan
    return out


def with_ordinal_summaries(dataset, indicator: str, *, period: str | None = None):  # noqa: ANN001, ANN201
    """A copy of a :class:`~meam_mapping.dataset.Dataset` with the summaries added at larger levels.

    Every level coarser than the indicator's own that the boundaries can
    group into (MSOA, district) gets the indicators of
    :func:`summarise_ordinal`; the dataset's notes say what was added and why
    the indicator itself is not offered there.

    Raises
    ------
    InputError
        If nothing can be made (no larger level, or neither summary possible).
    """
    from meam_mapping.pipeline.slices import COARSER

    rows = dataset.indicators[dataset.indicators["indicator"].astype(str) == indicator]
    if rows.empty:
        offer_for_ordinal(dataset.indicators, indicator)  # raises the "no indicator" message
    native = dataset.level_of(rows["area_code"])
    frames, notes = [], list(dataset.notes)
    for level in COARSER.get(native, ()):
        if level not in dataset.areas:
            continue
        try:
            lookup = dataset.lookup(native, level)
        except InputError:
            continue
        part = summarise_ordinal(
            dataset.indicators, lookup, indicator=indicator, to_level=level, period=period,
            child_level=native,
        )  # fmt: skip
        frames.append(part)
        names = ", ".join(dict.fromkeys(part["indicator_name"]))
        notes.append(f"Added for {_LEVEL_WORDS.get(level, level)}s: {names}.")
    if not frames:
        raise InputError(
            f"the boundaries loaded have no larger areas to summarise {indicator!r} for",
            fix="Load LSOA boundaries that carry MSOA and district codes (msoa_code, lad_code)",
        )
    notes.append(why_not_summed(str(rows["kind"].iloc[0])))
    added = pd.concat(frames, ignore_index=True)
    table = dataset.indicators
    table = table[~table["indicator"].astype(str).isin(set(added["indicator"]))]
    return dataclasses.replace(
        dataset,
        indicators=pd.concat([table, added.drop(columns="n_areas")], ignore_index=True),
        notes=notes,
    )
