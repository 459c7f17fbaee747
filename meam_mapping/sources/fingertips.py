"""Fetch indicators from the OHID Fingertips API (optional; needs internet once).

Endpoints used, all below ``https://fingertips.phe.org.uk/api/`` (base from
fingertipsR ``R/utils.R``; each checked against public client code):

* ``area_types`` -- JSON list of ``{"Id", "Name", "Short", ...}``
  (fingertips_py ``metadata.get_all_areas``; fingertipsR ``R/area_types.R``).
* ``available_data[?indicator_id=..|?area_type_id=..]`` -- JSON list of
  ``{"IndicatorId", "AreaTypeId"}`` (fingertipsR ``indicator_areatypes`` in
  ``R/area_types.R``; fingertips_py ``retrieve_data.py``).
* ``indicator_search?search_text=..`` -- JSON object
  ``{"<area type id>": [indicator ids]}`` (fingertips-open
  ``ServicesWebTest`` ``TestGetIndicatorsThatMatchText`` and the site's own
  search script, which reads it as ``areaTypeIdToIndicatorIds``).
* ``indicator_metadata/csv/by_indicator_id?indicator_ids=..`` -- CSV with
  ``Indicator ID, Indicator, Definition, ..., Unit, Value type, ...``
  (fingertipsR ``R/indicator_metadata.R`` column types; fingertips_py
  ``metadata.get_metadata_for_indicator_as_dataframe``).
* ``all_data/csv/by_indicator_id?indicator_ids=..&child_area_type_id=..
  &parent_area_type_id=..`` -- the data, in the same CSV layout as the
  website's export (fingertipsR ``R/retrieve_data.R``; fingertips_py
  ``retrieve_data.py``), read by :mod:`meam_mapping.io.fingertips`.

Indicator ids and area type ids change over time, so nothing here hard-codes
them: :data:`STARTER_INDICATORS` names the indicators a MEAM partnership
usually wants *by name*, and :func:`resolve_starter_indicators` finds their
current ids through the search and metadata endpoints.

Data from Fingertips is released under the Open Government Licence v3.0.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.io.indicators import LoadResult, load_indicator_file
from meam_mapping.schema import DOMAINS
from meam_mapping.sources.cache import SourceError
from meam_mapping.sources.http import Download, SourceClient, build_url

__all__ = [
    "FINGERTIPS_BASE_URL",
    "FINGERTIPS_LICENCE",
    "STARTER_INDICATORS",
    "StarterIndicator",
    "area_types",
    "available_data",
    "fetch_indicator",
    "indicator_metadata",
    "resolve_area_type",
    "resolve_starter_indicators",
    "search_indicators",
]

#: Default API address (fingertipsR ``R/utils.R``).
FINGERTIPS_BASE_URL = "https://fingertips.phe.org.uk/api/"
FINGERTIPS_LICENCE = (
    "Open Government Licence v3.0 (https://www.nationalarchives.gov.uk/doc/"
    "open-government-licence/version/3/); contains OHID Fingertips data"
)
_SOURCE = "OHID Fingertips API"


@dataclass(frozen=True)
class StarterIndicator:
    """A Fingertips indicator a MEAM partnership usually wants, named not numbered.

    Attributes
    ----------
    key : str
        Our short name, e.g. ``"homelessness_duty_owed"``.
    search_text : str
        Words sent to the Fingertips search.
    name_pattern : str
        Regular expression (case-insensitive) the indicator's published name
        must match.
    domain : str
        One of :data:`meam_mapping.schema.DOMAINS`.
    """

    key: str
    search_text: str
    name_pattern: str
    domain: str


#: Curated starter list, resolved online by :func:`resolve_starter_indicators`.
#: Names as seen in DATA_SOURCES.md section (a); their ids are not assumed.
STARTER_INDICATORS: tuple[StarterIndicator, ...] = (
    StarterIndicator(
        "homelessness_duty_owed",
        "homelessness owed a duty",
        r"^(?!.*dependent children).*homeless.*owed a duty",
        "homelessness",
    ),
    StarterIndicator(
        "adults_in_drug_treatment",
        "adults in treatment drug misuse",
        r"(adults|number) in treatment.*drug",
        "substance_misuse",
    ),
    StarterIndicator(
        "adults_in_alcohol_treatment",
        "adults in treatment alcohol misuse",
        r"adults in treatment.*alcohol",
        "substance_misuse",
    ),
    StarterIndicator(
        "opiate_crack_prevalence",
        "opiate crack cocaine prevalence",
        r"opiate.*crack",
        "substance_misuse",
    ),
    StarterIndicator(
        "severe_mental_illness_prevalence",
        "mental health QOF prevalence",
        r"severe mental illness|mental health:? qof prevalence",
        "mental_health",
    ),
    StarterIndicator("reoffending", "re-offending levels", r"re-?offend", "justice"),
)


def _get(
    path: str,
    params: dict[str, object] | None,
    *,
    expect: str,
    base_url: str | None,
    client: SourceClient | None,
) -> Download:
    url = build_url(base_url or FINGERTIPS_BASE_URL, path, params)
    return (client or SourceClient()).fetch(
        url,
        expect=expect,  # type: ignore[arg-type]
        licence=FINGERTIPS_LICENCE,
        source=_SOURCE,
    )


def _json(download: Download) -> object:
    return json.loads(download.data.decode("utf-8-sig"))


def _unexpected(download: Download, what: str) -> SourceError:
    return SourceError(
        f"The Fingertips reply is not {what}",
        file=download.url,
        fix="The API may have changed; check the address or report it",
    )


def area_types(*, base_url: str | None = None, client: SourceClient | None = None) -> pd.DataFrame:
    """List Fingertips area types.

    Parameters
    ----------
    base_url : str, optional
        API address (default :data:`FINGERTIPS_BASE_URL`).
    client : SourceClient, optional
        Cache, offline mode and HTTP settings.

    Returns
    -------
    pandas.DataFrame
        ``area_type_id`` (int), ``area_type_name``, ``short_name``.
    """
    download = _get("area_types", None, expect="json", base_url=base_url, client=client)
    rows = _json(download)
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "Id" in r for r in rows):
        raise _unexpected(download, "a list of area types")
    return pd.DataFrame(
        {
            "area_type_id": [int(r["Id"]) for r in rows],
            "area_type_name": [str(r.get("Name", "")) for r in rows],
            "short_name": [str(r.get("Short", r.get("ShortName", ""))) for r in rows],
        }
    )


def resolve_area_type(
    area_type: int | str, *, base_url: str | None = None, client: SourceClient | None = None
) -> int:
    """Turn an area type id or a few words of its name into its id.

    Parameters
    ----------
    area_type : int or str
        An id (returned as is), or words all found in one area type's name,
        e.g. ``"districts from apr 2023"``.
    base_url, client
        See :func:`area_types`.

    Returns
    -------
    int

    Raises
    ------
    InputError
        If no area type, or more than one, matches; the message lists them.
    """
    if isinstance(area_type, int) or str(area_type).strip().isdigit():
        return int(area_type)
    table = area_types(base_url=base_url, client=client)
    words = re.findall(r"[0-9a-z]+", str(area_type).lower())
    names = table["area_type_name"].str.lower() + " " + table["short_name"].str.lower()
    hit = names.map(lambda n: all(w in n for w in words))
    listed = "; ".join(f"{i} = {n}" for i, n in table[["area_type_id", "area_type_name"]].values)
    if hit.sum() != 1:
        raise InputError(
            f"{int(hit.sum())} Fingertips area types match {area_type!r}",
            expected="exactly one of: " + listed,
            fix="Give the area type id, or more words of its name",
        )
    return int(table.loc[hit, "area_type_id"].iloc[0])


def available_data(
    *,
    indicator_id: int | None = None,
    area_type_id: int | None = None,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> pd.DataFrame:
    """Which indicators have data for which area types.

    Parameters
    ----------
    indicator_id, area_type_id : int, optional
        Narrow the list (the API takes one of them at a time; the other is
        applied here).
    base_url, client
        See :func:`area_types`.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``area_type_id`` (ints).
    """
    params: dict[str, object] = {}
    if indicator_id is not None:
        params["indicator_id"] = int(indicator_id)
    elif area_type_id is not None:
        params["area_type_id"] = int(area_type_id)
    download = _get("available_data", params, expect="json", base_url=base_url, client=client)
    rows = _json(download)
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and "IndicatorId" in r and "AreaTypeId" in r for r in rows
    ):
        raise _unexpected(download, "a list of indicator and area type ids")
    out = pd.DataFrame(
        {
            "indicator_id": [int(r["IndicatorId"]) for r in rows],
            "area_type_id": [int(r["AreaTypeId"]) for r in rows],
        }
    )
    if indicator_id is not None:
        out = out[out["indicator_id"] == int(indicator_id)]
    if area_type_id is not None:
        out = out[out["area_type_id"] == int(area_type_id)]
    return out.drop_duplicates().reset_index(drop=True)


def indicator_metadata(
    indicator_ids: Iterable[int],
    *,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> pd.DataFrame:
    """Return the published metadata (name, definition, unit, ...) of some indicators.

    Parameters
    ----------
    indicator_ids : iterable of int
        Indicator ids.
    base_url, client
        See :func:`area_types`.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``indicator_name`` and the published columns
        (``Definition``, ``Unit``, ``Value type``, ... where present).
    """
    ids = sorted({int(i) for i in indicator_ids})
    if not ids:
        return pd.DataFrame(
            {"indicator_id": pd.Series(dtype="int64"), "indicator_name": pd.Series(dtype=str)}
        )
    download = _get(
        "indicator_metadata/csv/by_indicator_id",
        {"indicator_ids": ",".join(map(str, ids))},
        expect="csv",
        base_url=base_url,
        client=client,
    )
    try:
        meta = pd.read_csv(io.BytesIO(download.data), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError):
        raise _unexpected(download, "a metadata table") from None
    cols = {c.strip().lower(): c for c in meta.columns}
    if "indicator id" not in cols or "indicator" not in cols:
        raise _unexpected(download, "a metadata table with 'Indicator ID' and 'Indicator'")
    meta.insert(0, "indicator_name", meta[cols["indicator"]].str.strip())
    meta.insert(0, "indicator_id", pd.to_numeric(meta[cols["indicator id"]]).astype(int))
    meta = meta[meta["indicator_id"].isin(ids)].reset_index(drop=True)
    return meta.drop(columns=[cols["indicator id"], cols["indicator"]])


def search_indicators(
    text: str,
    *,
    area_type_id: int | None = None,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> pd.DataFrame:
    """Find indicators whose names or metadata match some words.

    Parameters
    ----------
    text : str
        Words to search for, e.g. ``"homelessness owed a duty"``.
    area_type_id : int, optional
        Keep only indicators with data for this area type.
    base_url, client
        See :func:`area_types`.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``indicator_name``, ``area_type_ids`` (comma-separated
        ids with data) and the published metadata columns.
    """
    download = _get(
        "indicator_search", {"search_text": text}, expect="json", base_url=base_url, client=client
    )
    found = _json(download)
    if not isinstance(found, dict):
        raise _unexpected(download, "a map of area types to indicator ids")
    by_indicator: dict[int, list[int]] = {}
    for area_type, ids in found.items():
        for ind in ids or []:
            by_indicator.setdefault(int(ind), []).append(int(area_type))
    if area_type_id is not None:
        by_indicator = {k: v for k, v in by_indicator.items() if int(area_type_id) in v}
    meta = indicator_metadata(by_indicator, base_url=base_url, client=client)
    meta.insert(
        2,
        "area_type_ids",
        meta["indicator_id"].map(lambda i: ",".join(map(str, sorted(by_indicator.get(i, []))))),
    )
    return meta.sort_values("indicator_id").reset_index(drop=True)


def resolve_starter_indicators(
    *,
    area_type_id: int | None = None,
    starters: Iterable[StarterIndicator] = STARTER_INDICATORS,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> pd.DataFrame:
    """Find today's ids of the curated MEAM indicators.

    Parameters
    ----------
    area_type_id : int, optional
        Keep only indicators with data for this area type (e.g. the id of
        "Districts & UAs", found with :func:`resolve_area_type`).
    starters : iterable of StarterIndicator, default :data:`STARTER_INDICATORS`
        The indicators to look for.
    base_url, client
        See :func:`area_types`.

    Returns
    -------
    pandas.DataFrame
        One row per match: ``key``, ``domain``, ``indicator_id``,
        ``indicator_name``, ``area_type_ids``. A starter with no match has
        one row with a missing ``indicator_id``, so the gap is visible.
    """
    rows: list[dict[str, object]] = []
    for starter in starters:
        found = search_indicators(
            starter.search_text, area_type_id=area_type_id, base_url=base_url, client=client
        )
        pattern = re.compile(starter.name_pattern, re.IGNORECASE)
        hit = found[found["indicator_name"].map(lambda n, p=pattern: bool(p.search(str(n))))]
        for r in hit.itertuples(index=False):
            rows.append(
                {
                    "key": starter.key,
                    "domain": starter.domain,
                    "indicator_id": int(r.indicator_id),
                    "indicator_name": r.indicator_name,
                    "area_type_ids": r.area_type_ids,
                }
            )
        if hit.empty:
            rows.append(
                {
                    "key": starter.key,
                    "domain": starter.domain,
                    "indicator_id": pd.NA,
                    "indicator_name": "",
                    "area_type_ids": "",
                }
            )
    out = pd.DataFrame(
        rows, columns=["key", "domain", "indicator_id", "indicator_name"] + ["area_type_ids"]
    )
    out["indicator_id"] = out["indicator_id"].astype("Int64")
    return out


def fetch_indicator(
    indicator_id: int,
    child_area_type_id: int | str,
    parent_area_type_id: int | str = 15,
    *,
    profile_id: int | None = None,
    domain: str | None = None,
    breakdowns: bool = False,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> LoadResult:
    """Download one indicator for every area of a type, as a tidy indicator table.

    Parameters
    ----------
    indicator_id : int
        Fingertips indicator id (find it with :func:`search_indicators` or
        :func:`resolve_starter_indicators`).
    child_area_type_id : int or str
        Area type of the rows wanted, e.g. 501 ("Districts & UAs (from Apr
        2023)"); words of the name are resolved by :func:`resolve_area_type`.
    parent_area_type_id : int or str, default 15 (England)
        Area type the comparisons are made against.
    profile_id : int, optional
        Profile, where an indicator differs between profiles.
    domain : str, optional
        Domain to give the indicator (default: guessed from its name).
    breakdowns : bool, default False
        Keep breakdown rows (by deprivation decile, ethnic group, ...).
    base_url, client
        See :func:`area_types`.

    Returns
    -------
    meam_mapping.io.indicators.LoadResult
        The table (England and parent-area rows included, as published) and
        notes, starting with where and when the data came from and its
        licence.

    Raises
    ------
    SourceError
        If the data cannot be fetched (or is not cached when offline).
    InputError
        If the reply holds no data for this indicator and area type.
    """
    child = resolve_area_type(child_area_type_id, base_url=base_url, client=client)
    parent = resolve_area_type(parent_area_type_id, base_url=base_url, client=client)
    params: dict[str, object] = {
        "indicator_ids": int(indicator_id),
        "child_area_type_id": child,
        "parent_area_type_id": parent,
        "profile_id": profile_id,
    }
    download = _get(
        "all_data/csv/by_indicator_id", params, expect="csv", base_url=base_url, client=client
    )
    name = f"fingertips_{int(indicator_id)}_area_type_{child}.csv"
    text = download.data.decode("utf-8-sig", "replace")
    if len([line for line in text.splitlines() if line.strip()]) < 2:
        raise InputError(
            f"Fingertips has no data for indicator {indicator_id} at area type {child}",
            file=download.url,
            fix="Check which area types have data with available_data(indicator_id=...)",
        )
    if domain is not None and domain not in DOMAINS:
        raise InputError(f"Unknown domain {domain!r}", expected="one of " + ", ".join(DOMAINS))
    result = load_indicator_file(
        download.data, name=name, layout="fingertips", breakdowns=breakdowns
    )
    table = result.table if domain is None else result.table.assign(domain=domain)
    notes = (download.describe(),) + download.notes + result.notes
    return LoadResult(table, result.layout, notes, name)
