"""Which MSOA and district each small area is in, from an ONS lookup file.

The ONS publishes LSOA boundaries with only the LSOA's own code and name
(``LSOA21CD, LSOA21NM``): nothing says which MSOA or district each one is
in, so a map of them cannot be added up to MSOAs or districts. The ONS
lookups say it: the *Output Area to LSOA to MSOA to Local Authority
District* lookup (``OA21CD, LSOA21CD, LSOA21NM, MSOA21CD, MSOA21NM,
LAD22CD, LAD22NM``, one row per output area), or an LSOA to ward to district
lookup. :func:`read_area_lookup` reads one as downloaded (CSV or Excel) and
:func:`with_area_lookup` gives the boundaries the parent codes and names the
file lacks, as if the boundary file had carried them.

Geography is exact: every area of the boundaries must be in the lookup, and
each must have one parent only. A lookup of the other LSOA vintage (2011
boundaries, 2021 lookup) misses the areas that changed and is refused with
the codes it misses, rather than leaving them out of their districts' totals.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import IO

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.boundaries import BoundaryResult, _detect_fields, _name_beside
from meam_mapping.geography.codes import GSS_PATTERN, normalise_codes
from meam_mapping.schema import LEVEL_WORDS

__all__ = ["AreaLookup", "area_lookup", "read_area_lookup", "with_area_lookup"]

#: The parent levels a lookup can give each finer level, and their columns in the areas contract.
_PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "lsoa": (("msoa", "msoa_code"), ("lad", "lad_code")),
    "msoa": (("lad", "lad_code"),),
}
#: GSS entity prefixes of each level (DATA_SOURCES.md: ONS coding system).
_PREFIXES: dict[str, tuple[str, ...]] = {
    "lsoa": ("E01", "W01"),
    "msoa": ("E02", "W02"),
    "lad": ("E06", "E07", "E08", "E09", "W06"),
}
_EXPECTED = (
    "an ONS lookup with a column of the areas' codes (such as LSOA21CD) and of their MSOA "
    "(MSOA21CD) and/or district (LAD22CD) codes"
)
_WHERE = (
    "Download 'Output Area to LSOA to MSOA to Local Authority District' (for the same year as the "
    "boundaries) from the ONS Open Geography Portal as CSV"
)


@dataclass(frozen=True)
class AreaLookup:
    """Each area's parent codes and the parents' names, read from a lookup file.

    Attributes
    ----------
    level : str
        The level of the areas looked up (``"lsoa"`` or ``"msoa"``).
    parents : pandas.DataFrame
        Indexed by the area's code: ``msoa_code`` and/or ``lad_code``.
    names : dict
        Parent level -> {parent code: name}, where the file names them.
    file : str
        The file name, for messages.
    vintage : str or None
        The areas' vintage from the field name, e.g. ``"LSOA 2021"``.
    alternatives : tuple of AreaLookup
        The same file read by another column of codes: of the same level
        (the ONS *LSOA (2011) to LSOA (2021) to LAD* lookup has both
        ``LSOA11CD`` and ``LSOA21CD``), or of the MSOAs an LSOA lookup also
        holds (for MSOA boundaries). :func:`with_area_lookup` uses the one of
        the boundaries' level that holds their codes.
    """

    level: str
    parents: pd.DataFrame
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    file: str = "the lookup"
    vintage: str | None = None
    alternatives: tuple[AreaLookup, ...] = ()


def _rows(rows: pd.Index | list[int], n: int = 5) -> str:
    shown = [str(r) for r in list(rows)[:n]]
    return ", ".join(shown) + (" ..." if len(rows) > n else "")


def _codes(frame: pd.DataFrame, column: str, level: str, file: str) -> pd.Series:
    """The column's codes, normalised; a blank or foreign code is an error naming its row."""
    codes = normalise_codes(frame[column])
    codes.index = frame.index
    blank = codes.isna()
    if blank.any():
        raise InputError(
            f"{int(blank.sum())} row(s) have no code in {column} (rows {_rows(frame.index[blank])})",
            file=file,
            column=column,
            expected=f"a {LEVEL_WORDS[level]} code on every row",
            fix="Fill in or delete those rows, or download the lookup again",
        )
    # Each distinct code checked once: an output-area lookup repeats an LSOA's codes on each
    # of its five rows, and a district's on each of its 500.
    distinct = pd.Series(codes.unique(), dtype=str)
    bad = distinct[
        ~(distinct.str.match(GSS_PATTERN.pattern) & distinct.str[:3].isin(_PREFIXES[level]))
    ]
    wrong = codes.isin(bad) if len(bad) else pd.Series(False, index=codes.index)
    text = codes.astype(str)
    if wrong.any():
        raise InputError(
            f"{int(wrong.sum())} code(s) in {column} are not {LEVEL_WORDS[level]} codes "
            f"(e.g. {_rows(text[wrong].unique().tolist(), 3)}; rows {_rows(frame.index[wrong])})",
            file=file,
            column=column,
            expected=f"{LEVEL_WORDS[level]} codes starting {', '.join(_PREFIXES[level])}",
            fix="Check the column holds the codes its heading says, or download the lookup again",
        )
    return codes


def area_lookup(frame: pd.DataFrame, *, file: str = "the lookup") -> AreaLookup:
    """An :class:`AreaLookup` from a table of text cells (headings as ONS writes them).

    Parameters
    ----------
    frame : pandas.DataFrame
        The lookup's cells; its index is the row number a spreadsheet shows
        (as :func:`meam_mapping.io.read.read_table` gives).
    file : str
        The file name, for messages.

    Returns
    -------
    AreaLookup

    Raises
    ------
    InputError
        When no area or parent code column is recognised, a code is blank or
        of the wrong kind, or an area has two different parents.
    """
    columns = [str(c) for c in frame.columns]
    found = {level: (col, year) for col, level, _, year in _detect_fields(columns)}
    child = next((lvl for lvl in ("lsoa", "msoa") if lvl in found), None)
    if child is None or not any(parent in found for parent, _ in _PARENTS[child]):
        raise InputError(
            "no columns of area codes and their MSOA or district codes were recognised "
            f"(columns: {', '.join(columns[:12])})",
            file=file,
            expected=_EXPECTED,
            fix=_WHERE,
        )
    read, problems = [], []
    parent_codes: dict[str, pd.Series] = {}  # each parent column checked once, for every candidate
    # Every column of the level's codes (LSOA11CD and LSOA21CD, say), in the file's order; then
    # the MSOAs' own, for MSOA boundaries (the same ONS lookup says which district each is in).
    levels = [child] + (["msoa"] if child == "lsoa" and "msoa" in found and "lad" in found else [])
    for level in levels:
        candidates = [(c, m.group(1)) for c in columns
                      if (m := re.fullmatch(rf"{level}(\d\d)cd", c.lower()))]  # fmt: skip
        for code_col, year in candidates:
            try:
                read.append(
                    _read_by(frame, columns, found, level, code_col, year, file, parent_codes)
                )
            except InputError as err:
                if level == child:
                    problems.append(err)
    if not read or read[0].level != child:
        raise problems[0]
    return replace(read[0], alternatives=tuple(read[1:]))


def _read_by(frame: pd.DataFrame, columns: list[str], found: dict[str, tuple[str, str]],
             child: str, code_col: str, year: str, file: str,
             parent_codes: dict[str, pd.Series]) -> AreaLookup:  # fmt: skip
    """The lookup read by the area codes of ``code_col`` (see :func:`area_lookup`).

    ``parent_codes`` keeps each parent column's checked codes for the next
    candidate column.
    """
    children = _codes(frame, code_col, child, file)
    parents = pd.DataFrame(index=pd.Index(children.unique()))
    names: dict[str, dict[str, str]] = {}
    for parent, column in _PARENTS[child]:
        if parent not in found:
            continue
        source = found[parent][0]
        if parent not in parent_codes:
            parent_codes[parent] = _codes(frame, source, parent, file)
        codes = parent_codes[parent]
        pairs = pd.DataFrame({"child": children, "parent": codes}).drop_duplicates()
        twice = pairs["child"].duplicated(keep=False)
        if twice.any():
            first = str(pairs.loc[twice, "child"].iloc[0])
            rows = frame.index[(children == first).to_numpy()]
            met = ", ".join(sorted(pairs.loc[pairs["child"] == first, "parent"].astype(str)))
            raise InputError(
                f"{pairs.loc[twice, 'child'].nunique()} area(s) have more than one {LEVEL_WORDS[parent]} "
                f"in {source}: e.g. {first} is in {met} (rows {_rows(rows)})",
                file=file,
                column=source,
                expected=f"one {LEVEL_WORDS[parent]} for each {LEVEL_WORDS[child]}",
                fix="Use the ONS lookup as downloaded: each area is in one MSOA and one district",
            )
        parents[column] = pairs.set_index("child")["parent"].reindex(parents.index).array
        named = _name_beside(columns, source)
        if named is not None:
            text = pd.DataFrame({"code": codes.array, "name": frame[named].array})
            text = text[text["name"].astype(str).str.strip() != ""].drop_duplicates("code")
            names[parent] = dict(zip(text["code"], text["name"].astype(str), strict=True))
    label = {"lsoa": "LSOA", "msoa": "MSOA"}[child]
    return AreaLookup(level=child, parents=parents, names=names, file=file,
                      vintage=f"{label} 20{year}")  # fmt: skip


def read_area_lookup(
    source: str | os.PathLike[str] | IO[bytes] | bytes, *, name: str | None = None
) -> AreaLookup:
    """Read an ONS lookup file (CSV or Excel, as downloaded) saying which MSOA and district each area is in.

    Parameters
    ----------
    source : str, os.PathLike, bytes or file-like
        The file (a Streamlit upload too).
    name : str, optional
        File name for messages.

    Returns
    -------
    AreaLookup

    Raises
    ------
    InputError
        When the file cannot be read as a table, or is not such a lookup
        (the message names the file, row and column).
    """
    from meam_mapping.io.read import read_lookup_table

    key = _kept_key(source, name)
    kept = None if key is None else _load_kept(key)
    if kept is not None:
        return kept
    lookup = read_lookup_table(source, area_lookup, name=name, expected=_EXPECTED, fix=_WHERE)
    if key is not None:
        _store_kept(key, lookup)
    return lookup


#: A lookup file at least this large (bytes) is kept, read, in the boundary cache for the
#: next command: England and Wales's output-area lookup (14 MB) takes about 0.9 s to read
#: and check, and 0.05 s to read back.
KEEP_LOOKUP_FROM = 1 << 20


def _kept_key(source: object, name: str | None) -> str | None:
    """The cache key of a lookup file (its content and name), or None when it is not kept."""
    from meam_mapping.geography import boundary_cache
    from meam_mapping.io.read import source_name

    if not boundary_cache.cache_enabled():
        return None
    shown = source_name(source, name)  # an upload's own name too
    if hasattr(source, "getvalue"):  # an upload: by its content, as bytes are
        source = boundary_cache.uploaded_bytes(source)
    if isinstance(source, bytes | bytearray):
        size = len(source)
    elif isinstance(source, str | os.PathLike) and os.path.isfile(source):
        size = os.path.getsize(source)
    else:  # a folder, a stream: read each time
        return None
    if size < KEEP_LOOKUP_FROM:
        return None
    try:
        digest = boundary_cache.content_digest(
            bytes(source) if isinstance(source, bytearray) else source
        )
    except OSError:
        return None
    return boundary_cache.cache_key("lookup", boundary_cache.program_stamp(), digest, shown)


def _store_kept(key: str, lookup: AreaLookup) -> None:
    """Keep ``lookup`` (with its alternatives) under ``key``: one Arrow table and its metadata."""
    import pyarrow as pa

    from meam_mapping.geography.boundary_cache import store_bytes

    frames, described = [], []
    for which, one in enumerate((lookup, *lookup.alternatives)):
        frame = one.parents.copy()
        frame.insert(0, "code", frame.index.astype(str))
        frame.insert(0, "which", which)
        frames.append(frame.reset_index(drop=True))
        described.append({"level": one.level, "file": one.file, "vintage": one.vintage,
                          "columns": list(one.parents.columns), "names": one.names})  # fmt: skip
    table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    store_bytes(key, sink.getvalue().to_pybytes(), {"lookups": described}, kind="lookup")


def _load_kept(key: str) -> AreaLookup | None:
    """The lookup kept under ``key``, or None (an entry that does not read back whole is not used)."""
    import pyarrow as pa

    from meam_mapping.geography.boundary_cache import load_bytes

    kept = load_bytes(key, kind="lookup")
    if kept is None:
        return None
    payload, meta = kept
    try:
        frame = pa.ipc.open_stream(payload).read_all().to_pandas()
        read = []
        for which, one in enumerate(meta["lookups"]):
            rows = frame[frame["which"] == which]
            parents = rows[list(one["columns"])].copy()
            parents.index = pd.Index(rows["code"].to_numpy())
            read.append(AreaLookup(level=str(one["level"]), parents=parents,
                                   names={k: dict(v) for k, v in one["names"].items()},
                                   file=str(one["file"]), vintage=one["vintage"]))  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError, pa.ArrowException):
        return None
    if not read:
        return None
    return replace(read[0], alternatives=tuple(read[1:]))


def with_area_lookup(result: BoundaryResult, lookup: AreaLookup) -> BoundaryResult:
    """The boundaries with the parent codes and names ``lookup`` gives them.

    A parent column the boundary file has itself is kept (the file's own
    word), and the lookup's is not used for it.

    Parameters
    ----------
    result : BoundaryResult
        Boundaries as read.
    lookup : AreaLookup

    Returns
    -------
    BoundaryResult
        The same areas, row for row, with ``msoa_code``/``lad_code`` added
        and a note saying so.

    Raises
    ------
    InputError
        When the lookup is for another level, or any area of the boundaries
        is not in it (another vintage, or another part of the country).
    """
    areas = result.areas
    level = str(areas["level"].iloc[0]) if len(areas) else None
    same_level = [one for one in (lookup, *lookup.alternatives) if one.level == level]
    if not same_level:
        raise InputError(
            f"the lookup is of {LEVEL_WORDS.get(lookup.level, lookup.level)}s but the boundaries are "
            f"{LEVEL_WORDS.get(str(level), level)}s",
            file=lookup.file,
            expected=f"a lookup whose first code column is of the boundaries' {LEVEL_WORDS.get(str(level), level)}s",
            fix=_WHERE,
        )
    codes = areas["area_code"].astype(str)
    distinct = set(codes)

    def missed(one: AreaLookup) -> list[str]:
        return sorted(distinct - set(one.parents.index.astype(str)))

    # The column of the boundaries' codes: the one missing fewest, the boundaries' year first.
    lookup = min(same_level, key=lambda one: (len(missed(one)), one.vintage != result.vintage))
    missing = missed(lookup)
    if missing:
        vintage = ""
        if result.vintage and lookup.vintage and result.vintage != lookup.vintage:
            vintage = f" The boundaries are {result.vintage} and the lookup {lookup.vintage}."
        raise InputError(
            f"{len(missing)} of the {len(codes)} areas of the boundaries are not in the lookup "
            f"(e.g. {_rows(missing, 3)}).{vintage}",
            file=lookup.file,
            expected="every area of the boundaries in the lookup, so that no district total misses any",
            fix="Use the lookup of the boundaries' own year (LSOA 2011 boundaries need a lookup "
            "with LSOA11CD, 2021 ones LSOA21CD)",
        )
    added: list[tuple[str, int]] = []
    out = areas.copy()
    names = dict(result.parent_names)
    left_out = dict(result.left_out)
    for column in lookup.parents.columns:
        if column in out.columns and out[column].notna().any():
            continue
        out[column] = lookup.parents[column].reindex(codes.to_numpy()).to_numpy()
        parent = column.removesuffix("_code")
        if parent in lookup.names:
            names[parent] = lookup.names[parent]
        added.append((LEVEL_WORDS[parent], int(out[column].nunique())))
        short = _absent_members(lookup.parents[column], distinct)
        if short:
            left_out[parent] = {**left_out.get(parent, {}), **short}
    if not added:
        return result
    ordered = [c for c in ("area_code", "area_name", "level", "msoa_code", "lad_code") if c in out]
    out = out[ordered + [out.geometry.name]]
    out.attrs = dict(areas.attrs)
    kinds = " and ".join(word for word, _ in added)
    counts = ", ".join(f"{n:,} {word}s" for word, n in added)
    note = f"Each area's {kinds} taken from {lookup.file} ({counts})."
    if result.vintage and lookup.vintage and result.vintage != lookup.vintage:
        note += (
            f" The boundaries are {result.vintage} and the lookup {lookup.vintage}; every area was "
            "found in it."
        )
    source = {
        "table": f"Which MSOA and district each area is in ({lookup.file})",
        "source": "Loaded by the user (an ONS lookup)",
        "licence": "as stated by the provider (ONS lookups: Open Government Licence v3.0)",
        "date": date.today().isoformat(),
    }
    return replace(result, areas=out, notes=[*result.notes, note], parent_names=names,
                   sources=[*result.sources, source], left_out=left_out)  # fmt: skip


def _absent_members(parent_of: pd.Series, present: set[str]) -> dict[str, int]:
    """Parent code -> how many of its areas (in the lookup) are not ``present``, for parents of present areas."""
    from collections import Counter

    # Set lookups over plain strings: pandas' Arrow-backed text compares a set element by
    # element (0.5 s for England and Wales's lookup against 0.02 s here).
    children = [str(c) for c in parent_of.index]
    parents = [str(p) for p in parent_of.to_numpy()]
    touched = {p for c, p in zip(children, parents, strict=True) if c in present}
    absent = Counter(
        p for c, p in zip(children, parents, strict=True) if p in touched and c not in present
    )
    return dict(sorted(absent.items()))
