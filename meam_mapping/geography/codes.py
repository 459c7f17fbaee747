"""GSS area codes: checking them, telling their level and vintage apart.

Government Statistical Service (GSS) codes are nine characters: a country
letter and eight digits (``E01000001``). The first three characters name the
kind of area (the *entity*): ``E01`` is an LSOA, ``E07`` a non-metropolitan
district and so on.

LSOA 2011 and LSOA 2021 codes share the ``E01``/``W01`` prefix, so the
vintage of a set of codes cannot be read from the codes alone; it is found by
comparing them with known code sets (for example the codes of the boundaries
the user loaded) in :func:`detect_vintage`.

The districts and counties retired in the 2019-2023 reorganisations are
shipped in ``data/retired_districts.csv`` (one row per old code and successor,
with the source each row was checked against) and read by
:func:`retired_districts`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError

__all__ = [
    "GSS_PATTERN",
    "ENTITY_PREFIXES",
    "LevelDetection",
    "VintageReport",
    "normalise_codes",
    "codes_in",
    "is_gss_code",
    "validate_codes",
    "level_of",
    "levels_of",
    "detect_level",
    "detect_vintage",
    "retired_districts",
    "find_retired",
    "describe_codes",
]

#: A GSS code: country letter (England, Wales, Scotland, Northern Ireland) and 8 digits.
GSS_PATTERN = re.compile(r"^[EWSN]\d{8}$")

#: Entity prefix -> (level, plain-English entity name). Levels that match
#: :data:`meam_mapping.schema.LEVELS` are ``lsoa``, ``msoa`` and ``lad``.
#: Source: ONS GSS coding system (DATA_SOURCES.md section b).
ENTITY_PREFIXES: dict[str, tuple[str, str]] = {
    "E00": ("oa", "Output Area"),
    "E01": ("lsoa", "Lower layer Super Output Area (LSOA)"),
    "W01": ("lsoa", "Lower layer Super Output Area (LSOA, Wales)"),
    "E02": ("msoa", "Middle layer Super Output Area (MSOA)"),
    "W02": ("msoa", "Middle layer Super Output Area (MSOA, Wales)"),
    "E05": ("ward", "electoral ward"),
    "W05": ("ward", "electoral ward (Wales)"),
    "E06": ("lad", "unitary authority"),
    "E07": ("lad", "non-metropolitan district"),
    "E08": ("lad", "metropolitan borough"),
    "E09": ("lad", "London borough"),
    "W06": ("lad", "Welsh unitary authority"),
    "E10": ("county", "county"),
    "E12": ("region", "region"),
    "E92": ("country", "country (England)"),
}

_LEVEL_WORDS = {
    "oa": "Output Areas",
    "lsoa": "LSOAs",
    "msoa": "MSOAs",
    "ward": "electoral wards",
    "lad": "local authority districts",
    "county": "counties",
    "region": "regions",
    "country": "countries",
    "unknown": "codes of an unknown kind",
    "invalid": "values that are not GSS codes",
}


def normalise_codes(codes: Iterable[object]) -> pd.Series:
    """Return codes as strings with surrounding spaces removed, upper-cased if GSS-like.

    Parameters
    ----------
    codes : iterable
        Area codes as read from a file (any type; blanks become missing).

    Returns
    -------
    pandas.Series
        Object-dtype strings, ``None`` where the code was blank or missing.
        Positions are kept, so row numbers can still be reported.
    """
    index, positions, out = _normalised_distinct(codes)
    mapped = np.array([*out, None], dtype=object)[positions]  # -1 picks the trailing None
    return pd.Series(mapped, index=index, dtype=object)


def _normalised_codes_factorised(
    codes: Iterable[object],
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """:func:`normalise_codes`, with each row's position among the distinct normalised codes.

    Returns
    -------
    normalised : pandas.Series
        As :func:`normalise_codes` gives it.
    positions : numpy.ndarray
        Each row's code in ``distinct`` (-1 where missing), as ``pd.factorize``
        of ``normalised`` gives them.
    distinct : numpy.ndarray
        The distinct normalised codes in order of first appearance (objects).
    """
    index, positions, out = _normalised_distinct(codes)
    # Distinct texts can normalise alike (" E01000001" and "E01000001"): numbered again,
    # on the few distinct codes. Still in order of first appearance in the rows.
    again, distinct = pd.factorize(np.array([*out, None], dtype=object))
    mapped = np.array([*out, None], dtype=object)[positions]
    return pd.Series(mapped, index=index, dtype=object), again[positions], distinct


def _normalised_distinct(codes: Iterable[object]) -> tuple[pd.Index, np.ndarray, list[str | None]]:
    """The rows' index, each row's distinct code (-1 if missing) and each distinct code normalised."""
    # Each distinct code once, mapped back (a million-row table holds some
    # tens of thousands of areas); missing values get position -1 -> None.
    if isinstance(codes, pd.Series) and isinstance(codes.dtype, pd.StringDtype):
        # Text column: hashed as it is stored, only the distinct codes become Python text.
        index = codes.index
        positions, distinct = pd.factorize(codes, sort=False)
        uniques = distinct.to_numpy(dtype=object)
    else:
        arrays = (pd.Series, pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)
        series = pd.Series(codes if isinstance(codes, arrays) else list(codes), dtype=object)
        index = series.index
        positions, uniques = pd.factorize(series, sort=False)
    out = _normalise_ascii(uniques)
    if out is None:
        out = []
        for value in uniques:
            text = str(value).strip()
            if not text:
                out.append(None)
            elif GSS_PATTERN.match(text.upper()):
                out.append(text.upper())
            else:
                out.append(text)
    return index, positions, out


#: What ``str.strip()`` removes from ASCII text.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
#: :data:`GSS_PATTERN` for Arrow (RE2), whose "$" is the end of the text.
GSS_REGEX = r"^[EWSN][0-9]{8}$"


def ascii_text(values: object) -> Any:
    """``values`` as an Arrow string array when all are ASCII text, else None.

    For ASCII text, Arrow's white space, upper case and ``[0-9]`` are
    Python's, so the fast paths of code cleaning and checking take it and
    fall back to Python's value-by-value rules for anything else (missing
    values, numbers, non-ASCII letters), so the answer never differs.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=object)
    if not len(values) or pd.api.types.infer_dtype(values, skipna=False) != "string":
        return None
    try:
        text = pa.array(values, type=pa.string())
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if text.null_count or not pc.all(pc.string_is_ascii(text)).as_py():
        return None
    return text


def _normalise_ascii(uniques: np.ndarray) -> list[str | None] | None:
    """:func:`normalise_codes` of distinct ASCII texts through Arrow; None for anything else.

    The same rules (strip, upper-case a GSS-like code, blank is missing) applied
    to all the values at once; values that are not all ASCII text go through
    the loop, so the answer never differs.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = ascii_text(uniques)  # numbers, bytes, non-ASCII: in the loop
    if text is None:
        return None
    stripped = pc.utf8_trim(text, characters=_ASCII_SPACE)
    upper = pc.ascii_upper(stripped)
    chosen = pc.if_else(pc.match_substring_regex(upper, GSS_REGEX), upper, stripped)
    chosen = pc.if_else(pc.equal(chosen, ""), pa.scalar(None, pa.string()), chosen)
    return list(chosen.to_numpy(zero_copy_only=False))


def codes_in(codes: pd.Series, allowed: Iterable[object]) -> pd.Series:
    """``codes.isin(allowed)`` for text codes, through Arrow's hash lookup.

    pandas' own ``isin`` on its Arrow-backed text columns turns every allowed
    value into an Arrow scalar one at a time (0.5 s for the 34,753 LSOA codes);
    this builds the set once (0.02 s). Whenever either side is not all text
    (numbers, missing values), pandas' ``isin`` answers, so the result is the
    same in every case.

    Parameters
    ----------
    codes : pandas.Series
        The codes to look up.
    allowed : iterable
        The codes to look for (a Series, array, list or set).

    Returns
    -------
    pandas.Series
        Booleans with the index and name of ``codes``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(allowed, set | frozenset):
        allowed = list(allowed)
    try:
        left = pa.array(codes, from_pandas=True)
        right = pa.array(allowed, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return codes.isin(allowed)
    text = (pa.string(), pa.large_string())
    if (left.type not in text or right.type not in text + (pa.null(),) or left.null_count
            or right.null_count):  # fmt: skip
        return codes.isin(allowed)
    found = pc.is_in(left, value_set=right.cast(left.type))
    return pd.Series(np.asarray(found, dtype=bool), index=codes.index, name=codes.name)


def is_gss_code(code: object) -> bool:
    """Tell whether ``code`` is a well-formed GSS code (see :data:`GSS_PATTERN`)."""
    # fullmatch, not match: match() would allow a final newline.
    return isinstance(code, str) and bool(GSS_PATTERN.fullmatch(code))


def validate_codes(
    codes: Iterable[object], *, file: str | None = None, column: str = "area_code"
) -> pd.Series:
    """Check that every value is a GSS code; raise :class:`InputError` if not.

    Parameters
    ----------
    codes : iterable
        The codes in file order (first value is spreadsheet row 2).
    file : str, optional
        File name to show in the message.
    column : str, default ``"area_code"``
        Column name to show in the message.

    Returns
    -------
    pandas.Series
        The normalised codes (see :func:`normalise_codes`).

    Raises
    ------
    InputError
        Listing the first malformed codes with their spreadsheet row numbers.
    """
    clean = normalise_codes(codes)
    bad = [(i, v) for i, v in enumerate(clean.to_numpy()) if not is_gss_code(v)]
    if bad:
        shown = ", ".join(f"row {i + 2}: {'(blank)' if v is None else repr(v)}" for i, v in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise InputError(
            f"{len(bad)} area code(s) are not valid GSS codes ({shown}{more})",
            file=file,
            row=[i + 2 for i, _ in bad],
            column=column,
            expected="codes like E01000001: a letter E, W, S or N followed by 8 digits",
            fix="Check for typing errors, spaces inside codes, names in the code column, "
            "or rows such as totals that are not areas",
        )
    return clean


def level_of(code: object) -> str:
    """Return the level of one code: ``lsoa``, ``msoa``, ``lad``, ... or ``unknown``/``invalid``."""
    if not is_gss_code(code):
        return "invalid"
    return ENTITY_PREFIXES.get(str(code)[:3], ("unknown", ""))[0]


def levels_of(codes: Iterable[object]) -> np.ndarray:
    """:func:`level_of` of every code, as an object array (one regex pass through Arrow).

    Codes that are not all ASCII text are looked at one by one, so the answer
    is always :func:`level_of`'s.
    """
    values = np.asarray(codes if isinstance(codes, np.ndarray) else list(codes), dtype=object)
    text = ascii_text(values)
    if text is None:
        return np.array([level_of(c) for c in values], dtype=object)
    import pyarrow.compute as pc

    # The whole text, as is_gss_code (Python's match() with "$" would allow a final "\n").
    gss = pc.match_substring_regex(text, GSS_REGEX).to_numpy(zero_copy_only=False)
    # Each distinct prefix once (a hash, not a sort of the codes).
    where, prefixes = pd.factorize(
        pc.utf8_slice_codeunits(text, 0, 3).to_numpy(zero_copy_only=False)
    )
    named = np.array([ENTITY_PREFIXES.get(p, ("unknown", ""))[0] for p in prefixes], dtype=object)
    return np.where(gss, named[where], "invalid").astype(object)


@dataclass(frozen=True)
class LevelDetection:
    """The geography level a set of codes belongs to.

    Attributes
    ----------
    level : str
        Most common level (``lsoa``, ``msoa``, ``lad``, ``ward``, ``county``,
        ``region``, ``oa``, ``country``, ``unknown`` or ``invalid``).
    share : float
        Share of the (non-blank) codes at that level, 0 to 1.
    n_codes : int
        Number of distinct non-blank codes looked at.
    counts : dict
        Number of distinct codes at each level found.
    entities : dict
        Number of distinct codes per entity name (e.g. ``"London borough"``).
    """

    level: str
    share: float
    n_codes: int
    counts: dict[str, int] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)

    @property
    def is_mixed(self) -> bool:
        """True when the codes belong to more than one level."""
        return len(self.counts) > 1

    @property
    def mixed_levels(self) -> tuple[str, ...]:
        """Levels other than the main one, most common first."""
        return tuple(k for k in self.counts if k != self.level)

    def describe(self) -> str:
        """One plain-English sentence."""
        if self.n_codes == 0:
            return "No area codes were given."
        text = f"{self.share:.0%} of {self.n_codes} codes are {_LEVEL_WORDS[self.level]}"
        if self.is_mixed:
            others = ", ".join(
                f"{n} {_LEVEL_WORDS[k]}" for k, n in self.counts.items() if k != self.level
            )
            text += f"; the rest are mixed: {others}"
        return text + "."


def detect_level(codes: Iterable[object]) -> LevelDetection:
    """Tell which geography level a set of codes is at.

    Parameters
    ----------
    codes : iterable
        Area codes (duplicates and blanks are ignored).

    Returns
    -------
    LevelDetection
    """
    return _detect_distinct(pd.unique(normalise_codes(codes).dropna().to_numpy(dtype=object)))


def _in_order_seen(values: np.ndarray) -> dict[str, int]:
    """How many times each value occurs, in order of first appearance."""
    which, kinds = pd.factorize(values)
    return {str(k): int(n) for k, n in zip(kinds, np.bincount(which, minlength=len(kinds)),
                                           strict=True)}  # fmt: skip


def _detect_distinct(unique: np.ndarray) -> LevelDetection:
    """:func:`detect_level` of codes already normalised, distinct and not missing.

    The join has them at hand, so it is spared normalising them again.
    """
    # Count the levels and the distinct prefixes (a few dozen), in order of first appearance.
    levels = levels_of(unique)
    counts = _in_order_seen(levels)
    entities: dict[str, int] = {}
    named = np.flatnonzero((levels != "invalid") & (levels != "unknown"))
    if len(named):
        prefixes = np.array([code[:3] for code in unique[named]], dtype=object)
        for prefix, n in _in_order_seen(prefixes).items():
            name = ENTITY_PREFIXES[prefix][1]
            entities[name] = entities.get(name, 0) + n
    counts = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    if not len(unique):
        return LevelDetection(level="unknown", share=0.0, n_codes=0)
    main = next(iter(counts))
    return LevelDetection(
        level=main,
        share=counts[main] / len(unique),
        n_codes=len(unique),
        counts=counts,
        entities=entities,
    )


@dataclass(frozen=True)
class VintageReport:
    """Which reference code set (vintage) a set of codes matches best.

    Attributes
    ----------
    vintage : str or None
        Name of the best-matching reference set, or None if none matched or
        no references were given.
    shares : dict
        Share of the codes found in each reference set.
    not_in : dict
        For each reference set, the codes (sorted) that are not in it.
    only_in : dict
        For each reference set, the given codes found in that set but in no
        other reference set: the codes that tell the vintages apart.
    notes : tuple of str
        Plain-English hints (including retired district codes).
    """

    vintage: str | None
    shares: dict[str, float] = field(default_factory=dict)
    not_in: dict[str, tuple[str, ...]] = field(default_factory=dict)
    only_in: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def detect_vintage(
    codes: Iterable[object], references: Mapping[str, Iterable[object]] | None = None
) -> VintageReport:
    """Find which reference code set the codes come from.

    Parameters
    ----------
    codes : iterable
        The codes to place.
    references : mapping of str to iterable, optional
        Named code sets, e.g. ``{"LSOA 2011": boundaries_2011.area_code,
        "LSOA 2021": boundaries_2021.area_code}`` or just the boundaries in use.

    Returns
    -------
    VintageReport
    """
    given = set(normalise_codes(codes).dropna())
    notes: list[str] = []
    retired = find_retired(given)
    if len(retired):
        years = sorted({d[:4] for d in retired["date"]})
        notes.append(
            f"{retired['old_code'].nunique()} code(s) belong to councils abolished in "
            f"{', '.join(years)}: the data predate those reorganisations."
        )
    level = detect_level(given).level
    if not references:
        if level == "lsoa":
            notes.append(
                "LSOA 2011 and LSOA 2021 codes look alike (both start E01/W01); "
                "compare with your boundaries' codes to tell them apart."
            )
        return VintageReport(vintage=None, notes=tuple(notes))
    ref_sets = {name: set(normalise_codes(ref).dropna()) for name, ref in references.items()}
    shares = {
        name: (len(given & ref) / len(given) if given else 0.0) for name, ref in ref_sets.items()
    }
    not_in = {name: tuple(sorted(given - ref)) for name, ref in ref_sets.items()}
    only_in: dict[str, tuple[str, ...]] = {}
    for name, ref in ref_sets.items():
        others = (
            set().union(*(r for n, r in ref_sets.items() if n != name))
            if len(ref_sets) > 1
            else set()
        )
        only_in[name] = tuple(sorted((given & ref) - others))
    best = max(shares, key=lambda n: shares[n]) if shares else None
    if best is not None and shares[best] == 0:
        best = None
        notes.append("None of the codes are in any of the reference code sets.")
    elif best is not None and shares[best] < 1:
        notes.append(
            f"Best match is {best} ({shares[best]:.0%} of codes); "
            f"{len(not_in[best])} code(s) are not in it, e.g. {', '.join(not_in[best][:3])}."
        )
    return VintageReport(best, shares, not_in, only_in, tuple(notes))


@lru_cache(maxsize=1)
def _retired_table() -> pd.DataFrame:
    path = resources.files("meam_mapping.geography").joinpath("data/retired_districts.csv")
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def retired_districts() -> pd.DataFrame:
    """Return the shipped table of districts and counties retired in 2019-2023.

    Returns
    -------
    pandas.DataFrame
        Columns ``old_code, old_name, new_code, new_name, date, verified,
        source``; a county split between two successors has two rows.
    """
    return _retired_table().copy()


def find_retired(codes: Iterable[object]) -> pd.DataFrame:
    """Rows of :func:`retired_districts` for the given codes that are retired.

    Parameters
    ----------
    codes : iterable
        Area codes.

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`retired_districts`, possibly empty.
    """
    return _retired_among(set(normalise_codes(codes).dropna()))


def _retired_among(given: set[str] | frozenset[str]) -> pd.DataFrame:
    """:func:`find_retired` of a set of codes already normalised (the join has them)."""
    table = _retired_table()
    retired = np.array([code in given for code in table["old_code"]], dtype=bool)  # a short table
    return table[retired].reset_index(drop=True)


def describe_codes(
    codes: Iterable[object], *, references: Mapping[str, Iterable[object]] | None = None
) -> str:
    """Describe a set of codes in plain English: level, vintage hints, retired codes.

    Parameters
    ----------
    codes : iterable
        Area codes.
    references : mapping, optional
        Named reference code sets passed to :func:`detect_vintage`.

    Returns
    -------
    str
        A few lines a person can read.
    """
    codes = list(codes)
    detection = detect_level(codes)
    lines = [detection.describe()]
    if detection.counts.get("invalid"):
        bad = [c for c in pd.unique(normalise_codes(codes).dropna()) if not is_gss_code(c)]
        lines.append(
            f"{len(bad)} value(s) are not GSS codes (e.g. {', '.join(map(repr, bad[:3]))}); "
            "they may be custom area ids or typing errors."
        )
    vintage = detect_vintage(codes, references)
    if vintage.vintage:
        lines.append(
            f"The codes match {vintage.vintage} best ({vintage.shares[vintage.vintage]:.0%})."
        )
    lines.extend(vintage.notes)
    retired = find_retired(codes)
    for old_code, group in retired.groupby("old_code", sort=True):
        successors = " and ".join(f"{r.new_name} ({r.new_code})" for r in group.itertuples())
        first = group.iloc[0]
        lines.append(
            f"{old_code} {first['old_name']} was replaced on {first['date']} by {successors}."
        )
    return "\n".join(lines)
