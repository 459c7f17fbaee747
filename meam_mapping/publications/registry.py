"""Known publications: one small JSON file each, recognised by their headings.

A partnership's first files are public ones: the English Indices of
Deprivation, ONS population estimates, Census 2021 tables, Fingertips
exports, the MHCLG homelessness live tables, NDTMS treatment tables, opiate
and crack prevalence estimates, MoJ proven reoffending. Each is described in
``meam_mapping/publications/registry/<name>.json`` (edit the file, not code,
when a new edition renames a column)::

    name, title, publisher, source_url, licence
    reader         "wide" (one column per indicator), "fingertips", or
                   "table" (a spreadsheet with title rows, read through the
                   mapping named in "mapping": see meam_mapping.sources.tables)
    headings       headings that must all be present, exactly as published
                   (compared ignoring case and runs of spaces)
    area_column, level, vintage, period, domain
    indicators     heading (wide) or indicator id (table) -> {kind,
                   polarity, unit}
    defaults       {kind, polarity, unit} for wide columns not listed
    headings_checked   true only when the headings were checked against the
                   real file; headings_seen_in says where they were read
    notes          sentences shown to the user

:func:`recognise` finds the publication a table's headings belong to (the one
with most required headings when several fit); :func:`annotate` gives the
long rows of a wide table the publication's kinds, polarity, domain, period
and source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from meam_mapping.errors import InputError

__all__ = [
    "Publication",
    "annotate",
    "get_publication",
    "publications",
    "recognise",
]


def _norm(heading: object) -> str:
    return re.sub(r"\s+", " ", str(heading).strip().lower())


@dataclass(frozen=True)
class Publication:
    """One registered publication (see the module notes for the fields)."""

    name: str
    title: str
    publisher: str
    source_url: str
    licence: str
    reader: str
    headings: tuple[str, ...] = ()
    mapping: str | None = None
    area_column: str | None = None
    level: str | None = None
    vintage: str | None = None
    period: str | None = None
    domain: str | None = None
    indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    headings_checked: bool = False
    headings_seen_in: str = ""
    notes: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Publication:
        """Build from the JSON mapping, refusing unknown readers."""
        if spec.get("reader") not in ("wide", "fingertips", "table"):
            raise InputError(
                f"Publication {spec.get('name')!r} has reader {spec.get('reader')!r}",
                expected="wide, fingertips or table",
            )
        known = {f for f in cls.__dataclass_fields__}
        args = {k: v for k, v in spec.items() if k in known}
        args["headings"] = tuple(spec.get("headings", ()))
        args["notes"] = tuple(spec.get("notes", ()))
        return cls(**args)

    def matches(self, columns: Iterable[object]) -> bool:
        """Whether every required heading is among ``columns``."""
        have = {_norm(c) for c in columns}
        return bool(self.headings) and all(_norm(h) in have for h in self.headings)

    def spec_for(self, heading: str) -> dict[str, str]:
        """Kind, polarity and unit for a wide column (its own entry, else the defaults)."""
        by_norm = {_norm(h): s for h, s in self.indicators.items()}
        return dict(by_norm.get(_norm(heading), self.defaults))

    def describe(self) -> str:
        """One line: title, and whether the headings were checked."""
        checked = (
            "checked against the published file"
            if self.headings_checked
            else ("headings not checked against the published file")
        )
        return f"{self.title} ({checked})"

    def to_dict(self) -> dict[str, Any]:
        """The registry entry as plain JSON types."""
        return {f: getattr(self, f) if not isinstance(getattr(self, f), tuple)
                else list(getattr(self, f)) for f in self.__dataclass_fields__}  # fmt: skip


@lru_cache(maxsize=1)
def _load() -> tuple[Publication, ...]:
    folder = resources.files("meam_mapping.publications").joinpath("registry")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            out.append(Publication.from_dict(json.loads(entry.read_text(encoding="utf-8"))))
    return tuple(out)


def publications() -> list[Publication]:
    """Every registered publication, by name.

    Returns
    -------
    list of Publication
    """
    return list(_load())


def get_publication(name: str) -> Publication:
    """The publication called ``name``.

    Raises
    ------
    InputError
        For an unknown name, listing the registered ones.
    """
    for pub in _load():
        if pub.name == name:
            return pub
    raise InputError(
        f"Unknown publication {name!r}",
        expected="one of " + ", ".join(p.name for p in _load()),
        fix="Choose a listed publication",
    )


def recognise(columns: Iterable[object]) -> Publication | None:
    """The publication whose required headings are all in ``columns``.

    Parameters
    ----------
    columns : iterable of str
        A table's headings as read.

    Returns
    -------
    Publication or None
        The match with the most required headings (File 2 rather than File 1
        when a file holds both), or None.

    Examples
    --------
    >>> heads = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
    ...          "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
    ...          "Index of Multiple Deprivation (IMD) Decile"]
    >>> recognise(heads).name
    'iod2019_file1'
    """
    columns = list(columns)
    fits = [p for p in _load() if p.reader != "table" and p.matches(columns)]
    return max(fits, key=lambda p: len(p.headings)) if fits else None


def annotate(long: pd.DataFrame, publication: Publication, notes: list[str]) -> pd.DataFrame:
    """Give a wide table's long rows the publication's kind, polarity, domain, period and source.

    Parameters
    ----------
    long : pandas.DataFrame
        Rows from :func:`meam_mapping.io.layouts.wide_rows` (with ``_column``).
    publication : Publication
    notes : list of str
        A note naming the publication is appended.

    Returns
    -------
    pandas.DataFrame
        A copy with ``kind`` and ``polarity`` set for every column the
        publication describes (others left to inference), ``domain`` where
        blank, ``period`` where unspecified and ``source`` the title.
    """
    out = long.copy()
    notes.append(
        f"Recognised as {publication.title}"
        + ("" if publication.headings_checked else " (headings not checked against the real file)")
        + f"; licence: {publication.licence}."
    )
    notes.extend(publication.notes)
    if "_column" in out:
        specs = {c: publication.spec_for(c) for c in out["_column"].unique()}
        for column in ("kind", "polarity"):
            given = out["_column"].map(lambda c, k=column: specs[c].get(k, ""))
            old = out[column] if column in out else pd.Series("", index=out.index)
            out[column] = given.where(given != "", old.fillna(""))
    if publication.domain:
        out["domain"] = out["domain"].where(out["domain"].astype(str).str.strip() != "",
                                            publication.domain)  # fmt: skip
    if publication.period:
        out["period"] = out["period"].where(out["period"] != "unspecified", publication.period)
    out["source"] = publication.title
    return out
