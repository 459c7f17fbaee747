"""The evidence pack's report content, built once for both the PDF and the DOCX.

:func:`build_content` turns an :class:`~meam_mapping.pipeline.Analysis`
into a :class:`ReportContent`: a title, headline figures and sections made of
paragraphs, bullet lists, tables and map images. Every number comes from the
*suppressed* tables in ``results.tables``; a hidden value reads "suppressed".
The writers (:mod:`~meam_mapping.export.report_pdf`,
:mod:`~meam_mapping.export.report_docx`) only lay the content out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from meam_mapping.dataset import Dataset
    from meam_mapping.pipeline import Analysis

__all__ = ["Bullets", "Figure", "ReportContent", "Section", "Table", "build_content"]

HIDDEN = "suppressed"


@dataclass(frozen=True)
class Table:
    """A small table for the report: header, rows of text, caption and note."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A map image and its caption."""

    path: Path
    caption: str


@dataclass(frozen=True)
class Bullets:
    """A bullet list."""

    items: tuple[str, ...]


Block = str | Table | Figure | Bullets


@dataclass(frozen=True)
class Section:
    """A numbered section: heading and blocks (paragraphs, bullets, tables, figures)."""

    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportContent:
    """Everything the report says, independent of the file format.

    Attributes
    ----------
    title, subtitle : str
    label : str or None
        Synthetic-data (or other) label shown on every page.
    date : str
        Date the pack was made.
    headline : tuple of (str, str)
        Headline figures: (what, value with interval).
    sections : tuple of Section
    """

    title: str
    subtitle: str
    label: str | None
    date: str
    headline: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]


# ------------------------------------------------------------------ formatting
def _num(value: object, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return HIDDEN
    return f"{float(value):,.{digits}f}"


def _interval(low: object, high: object, digits: int = 0) -> str:
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return HIDDEN
    return f"{_num(low, digits)} to {_num(high, digits)}"


def _total_row(results: Analysis) -> pd.Series | None:
    table = results.tables.get("hidden_by_district")
    return None if table is None or table.empty else table.iloc[-1]


# ------------------------------------------------------------------ sections
def _headline(results: Analysis) -> tuple[tuple[str, str], ...]:
    items: list[tuple[str, str]] = []
    head = results.published_headline()
    if head is not None:
        items.append(("People facing multiple disadvantage (estimate)",
                      f"{_num(head['n_hat'])} (95% CI {_interval(head['ci_low'], head['ci_high'])}; "
                      f"{head['label'].lower()})"))  # fmt: skip
        seen = head["observed"]
        low = None if seen is None else head["ci_low"] - seen
        high = None if seen is None else head["ci_high"] - seen
        items.append(("Not known to any service (hidden)",
                      f"{_num(head['hidden'])} (95% CI {_interval(low, high)})"))  # fmt: skip
        items.append(("Known to at least one service", _num(seen)))
    for ratio, plan in sorted(results.caseload.items()):
        items.append((f"Coordinators for a first caseload at 1:{ratio}",
                      f"{plan.coordinators} (from the 95% interval: {plan.coordinators_lower} to "
                      f"{plan.coordinators_upper})"))  # fmt: skip
    if results.hotspots is not None:
        n_hot = int((results.hotspots["category"] == "Hot spot").sum())
        items.append(("Hot-spot areas (composite index)", f"{n_hot} of {len(results.hotspots)}"))
    return tuple(items)


def _hidden_section(results: Analysis) -> Section:
    table = results.tables.get("hidden_by_district")
    if table is None:
        return Section("Hidden population", (results.unavailable.get("hidden", ""),))
    rows = []
    for _, r in table.iterrows():
        name = "Study area (sum of districts)" if r["area_code"] == "Total" else r["area_name"]
        low = r["ci_low"] - r["observed"] if pd.notna(r["observed"]) else float("nan")
        high = r["ci_high"] - r["observed"] if pd.notna(r["observed"]) else float("nan")
        rows.append((str(name), _num(r["observed"]), _num(r["n_hat"]),
                     _interval(r["ci_low"], r["ci_high"]), _num(r["hidden"]),
                     _interval(low, high)))  # fmt: skip
    text = (
        "How many people face multiple disadvantage, including those no service knows? "
        "The overlap between services' lists (how many people each service sees, and how "
        "many are seen by two, three or all four) lets us estimate the number seen by none: "
        "multiple systems estimation, also called capture-recapture. Each district has its "
        "own model; the interactions between lists (services that refer people to each "
        "other) were chosen by AIC."
    )
    return Section(
        "How many people, and how many are hidden",
        (
            text,
            Table(
                "Estimated people facing multiple disadvantage by district (95% confidence intervals)",
                (
                    "District",
                    "Known to services",
                    "Estimated total",
                    "95% CI",
                    "Estimated hidden",
                    "95% CI (hidden)",
                ),
                tuple(rows),
                note="Known to services: people on at least one list. The study-area interval "
                "treats districts as independent.",
            ),  # fmt: skip
        ),
    )


def _prevalence_section(results: Analysis) -> Section:
    table = results.tables.get("prevalence_by_district")
    if table is None:
        return Section("Rates by district", (results.unavailable.get("prevalence", ""),))
    blocks: list[Block] = [
        "Rates per 1,000 adults with 95% confidence intervals, compared with the whole "
        "study area. 'Significantly higher' means the whole interval lies above the "
        "study-area rate (the Fingertips convention)."
    ]
    for _, rows in table.groupby("indicator", sort=False):
        body = tuple(
            (str(r["area_name"]), _num(r["count"]), _num(r["denominator"]), _num(r["value"], 2),
             _interval(r["lower"], r["upper"], 2), str(r["comparison"]))
            for _, r in rows.iterrows()
        )  # fmt: skip
        bench = rows["benchmark"].iloc[0]
        blocks.append(
            Table(
                f"{rows['indicator_name'].iloc[0]} ({rows['period'].iloc[0]})",
                (
                    "District",
                    "Count",
                    "Adults",
                    "Rate per 1,000",
                    "95% CI",
                    "Compared with study area",
                ),
                body,
                note=f"Study-area rate: {_num(bench, 2)} per 1,000 adults.",
            )
        )
    return Section("Rates by district", tuple(blocks))


def _concentration_section(results: Analysis, maps: dict[str, Path]) -> Section:
    blocks: list[Block] = []
    if results.scores is not None:
        weights = ", ".join(
            f"{k.replace('_', ' ')} {v:.0%}" for k, v in results.index_weights.items()
        )
        blocks.append(
            "The composite index combines the domain rates of each area (weights: "
            f"{weights}). Each rate is worked out from counts added up from the small areas, "
            "then ranked and stretched with the exponential transformation used in the "
            "English Indices of Deprivation, so a high rate in one domain is only partly "
            "offset by a low rate in another. Higher scores mean more concentrated need."
        )
        table = results.tables["index_by_area"]
        top = table.loc[table["rank"].notna()].sort_values("rank").head(5)
        blocks.append(Bullets(tuple(
            f"Rank {int(r['rank'])}: {r['area_name']} (score {r['score']:.1f}; 90% range of "
            f"plausible ranks {_num(r['rank_low'])} to {_num(r['rank_high'])}; top fifth in "
            f"{int(r['co_occurrence'])} domain(s))" for _, r in top.iterrows()
        )))  # fmt: skip
    else:
        blocks.append(f"Composite index: {results.unavailable.get('index', '')}")
    if "index" in maps:
        blocks.append(Figure(maps["index"], "Composite index by area."))
    if results.hotspots is not None:
        hot = results.tables["hotspots"]
        names = sorted(hot.loc[hot["category"] == "Hot spot", "area_name"].astype(str))
        blocks.append(
            "Hot spots: "
            + (", ".join(names) + "." if names else "none at the 5% false discovery rate.")
        )
        blocks += [p for p in results.hotspot_text.split("\n\n") if p.strip()]
    else:
        blocks.append(f"Hot spots: {results.unavailable.get('hotspots', '')}")
    if "hotspots" in maps:
        blocks.append(Figure(maps["hotspots"], "Hot and cold spots of the composite index."))
    if "known" in maps:
        blocks.append(
            Figure(maps["known"], "People known to two or more services, per 1,000 adults.")
        )
    return Section("Where need concentrates", tuple(blocks))


def _zones_section(results: Analysis, maps: dict[str, Path]) -> Section:
    table = results.tables.get("focus_zones")
    if table is None:
        return Section("Focus zones", (results.unavailable.get("zones", ""),))
    s = results.settings
    top = table.head(10)
    first = top.iloc[0]
    blocks: list[Block] = [
        f"Neighbouring areas were grouped into {len(table)} focus zones, each holding at "
        f"least {s.zone_floor:g} estimated people facing multiple disadvantage (max-p "
        "regions, with areas in a zone alike on the index). Zones are ranked by estimated "
        f"people per 1,000 adults. The highest is {first['label']} ({first['area_names']}): "
        f"about {_num(first['estimated_people'])} people "
        f"(range {_interval(first['estimated_people_lower'], first['estimated_people_upper'])}), "
        f"{first['people_per_1000_adults']:.1f} per 1,000 adults.",
        Table(
            "The ten focus zones with the most estimated people per 1,000 adults",
            (
                "Priority",
                "Zone",
                "Areas",
                "Estimated people",
                "Range",
                "Per 1,000 adults",
                "Hot-spot areas",
            ),
            tuple(
                (
                    str(int(r["priority"])),
                    str(r["label"]),
                    str(r["area_names"]),
                    _num(r["estimated_people"]),
                    _interval(r["estimated_people_lower"], r["estimated_people_upper"]),
                    f"{r['people_per_1000_adults']:.1f}",
                    str(int(r["hot_spot_areas"])),
                )
                for _, r in top.iterrows()
            ),
            note="Zone estimates are rounded to the nearest 10 people.",
        ),  # fmt: skip
    ]
    if "zones" in maps:
        blocks.append(
            Figure(maps["zones"], "Focus zones shaded by estimated people per 1,000 adults.")
        )
    return Section("Focus zones", tuple(blocks))


def _caseload_section(results: Analysis) -> Section:
    if not results.caseload:
        return Section("Caseload sizing", (results.unavailable.get("caseload", ""),))
    table = results.tables["caseload"]
    rows = tuple(
        (str(r["coordinator_ratio"]), _num(r["people_to_reach"]),
         _interval(r["people_to_reach_lower"], r["people_to_reach_upper"]),
         str(int(r["coordinators"])), f"{int(r['coordinators_lower'])} to {int(r['coordinators_upper'])}",
         str(r["first_caseload_zones"]))
        for _, r in table.iterrows()
    )  # fmt: skip
    plan = results.caseload[min(results.caseload)]
    return Section(
        "Caseload sizing",
        (
            Table(
                f"First caseload: {plan.reach_share:.0%} of the estimated population",
                ("Ratio", "People to reach", "Range", "Coordinators", "Range", "Drawn from"),
                rows,
            ),
            plan.minutes_text(),
            Bullets(plan.assumptions),
        ),
    )


def _methods(results: Analysis) -> Section:
    s = results.settings
    items = (
        "Closed population: the estimates assume nobody joins or leaves the population during "
        "the period the lists cover. Moves, deaths and new arrivals make the estimate too high "
        "or too low.",
        "Homogeneity: within a district everyone is assumed equally likely to be seen by a "
        "service, apart from the differences the model allows. If some people are hard for "
        "every service to reach, more people are hidden than estimated.",
        "List dependence: services that refer people to each other see the same people more "
        "often than chance. The models include these two-way links where the data support "
        "them (chosen by AIC); a link acting on three services at once is not captured.",
        "Record matching: people must be matched correctly across lists. Missed matches "
        "inflate the estimate; false matches shrink it.",
        "Estimated people per area: each district's estimate is shared among its areas in "
        "proportion to the people known to two or more services there. This assumes hidden "
        "people live where known people do.",
        "Rates are always recomputed from counts and populations; when areas are added up "
        "the counts and populations are added, never the rates averaged.",
        f"Composite index: domain rates at {s.level.upper()} level, standardised with the "
        "exponential transformation and weighted; ranges of ranks come from 200 simulations "
        "of the rates within their confidence intervals.",
        f"Hot spots: Getis-Ord Gi* with {s.permutations} permutations, six nearest neighbours, "
        f"and a {s.alpha:.0%} false discovery rate across all areas.",
        f"Focus zones: max-p regions, each with at least {s.zone_floor:g} estimated people; "
        "zone figures are rounded to the nearest 10 people so they cannot be combined with "
        "area figures to recover a suppressed number.",
        "Suppression: small counts are hidden, with further counts hidden where a hidden one "
        "could be worked out by subtraction (see Disclosure control).",
    )
    return Section("Methods and assumptions", (Bullets(items),))


def _sources(dataset: Dataset, results: Analysis) -> tuple[Section, Section]:
    rows = tuple(
        (str(s.get("table", "")), str(s.get("source", "")), str(s.get("date", "")),
         str(s.get("licence", "")))
        for s in dataset.sources
    )  # fmt: skip
    blocks: list[Block] = [Table("Data sources", ("Table", "Source", "Date", "Licence"), rows)]
    blocks += [str(s["attribution"]) for s in dataset.sources if s.get("attribution")]
    if (
        dataset.notes
    ):  # what loading the files changed or left out (areas missing from a district, say)
        blocks += [
            "Notes on the data, from loading the files:",
            Bullets(tuple(map(str, dataset.notes))),
        ]
    if results.unavailable:
        from meam_mapping.pipeline.run import part_name

        blocks.append(
            Bullets(tuple(f"{part_name(k)}: {v}" for k, v in results.unavailable.items()))
        )
    return (
        Section("Data sources", tuple(blocks)),
        Section("Disclosure control", _disclosure_blocks(results)),
    )


def _disclosure_blocks(results: Analysis) -> tuple[Block, ...]:
    """The policy, the protection rule and what the interval audit found."""
    from meam_mapping.disclosure import PROTECTION_RULE

    blocks: list[Block] = [results.policy.describe(), "Protection rule: " + PROTECTION_RULE]
    audit = results.tables["indicators"].attrs.get("disclosure_audit")
    if audit:
        shown = audit["cells"] - audit["primary"] - audit["secondary"] - audit["withheld"]
        blocks.append(
            f"Audit of the indicator tables: {audit['cells']:,} cells at every level; "
            f"{audit['primary']:,} small counts hidden, {audit['secondary']:,} further cells "
            f"hidden to protect them, {audit['withheld']:,} withheld by the source (or not "
            "known because counts inside them were); "
            f"{shown:,} shown ({shown / max(audit['cells'], 1):.0%}). Every hidden small count "
            f"was checked against all published totals: {audit['unprotected']:,} could be "
            "narrowed below the rule."
        )
    blocks.append(
        "Estimates of people are rounded where they rest on small overlaps (seen counts to 5, "
        "estimates to 10), estimated people per area to the nearest 5 and focus zones to the "
        "nearest 10; the composite index is published as deciles, with exact scores and ranks "
        "only for areas where no count is hidden."
    )
    return tuple(blocks)


def build_content(
    dataset: Dataset,
    results: Analysis,
    maps: dict[str, Path],
    *,
    date: dt.date | None = None,
) -> ReportContent:
    """Build the report content from suppressed results and map images.

    Parameters
    ----------
    dataset : Dataset
        For the name, label and sources.
    results : Analysis
        From :func:`meam_mapping.pipeline.run`.
    maps : dict of str to Path
        Map images by name (``index``, ``hotspots``, ``zones``, ``known``).
    date : datetime.date, optional
        Date printed on the report (default today).

    Returns
    -------
    ReportContent
    """
    date = date or dt.date.today()
    sources = _sources(dataset, results)
    return ReportContent(
        title="Multiple disadvantage: evidence pack",
        subtitle=dataset.name,
        label=dataset.label,
        date=f"{date.day} {date:%B %Y}",
        headline=_headline(results),
        sections=(
            _hidden_section(results),
            _prevalence_section(results),
            _concentration_section(results, maps),
            _zones_section(results, maps),
            _caseload_section(results),
            _methods(results),
            *sources,
        ),
    )
