"""Fetch boundaries and area lookups from the ONS Open Geography Portal (optional).

The portal serves each dataset as an ArcGIS REST *feature service*::

    <base>/<Service>/FeatureServer/0/query?where=...&outFields=...
        &outSR=4326&f=geojson&resultOffset=0&resultRecordCount=2000

(``premodelling/infections: data/gis/README.md``; ``traffordDataLab/
spatial_data``). Large answers come in pages: the reply says
``exceededTransferLimit: true`` (at the top level or under ``properties``)
while more remain, and the next page is asked for with ``resultOffset``.
Lookups are asked for with ``returnGeometry=false``.

Service names carry version suffixes (``_V5``, ``_v3``) that change between
releases, so every name lives in the one table :data:`ONS_SERVICES`, each
marked verified (seen in public code, DATA_SOURCES.md section b) or assumed.
Pass ``services=`` to replace or add entries without changing code.

Boundaries for chosen local authorities are found through a lookup: the
lookup gives the LSOA/MSOA codes of those authorities, then the boundaries
are asked for by code (``LSOA21CD IN (...)``, in chunks). Results go through
:func:`meam_mapping.geography.boundaries.read_boundaries`, so they arrive in
the areas contract (EPSG:27700) with parent codes from the lookup.

ONS geography is released under the Open Government Licence v3.0 and
contains OS data (c) Crown copyright and database right.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.boundaries import BoundaryResult, read_boundaries
from meam_mapping.geography.codes import GSS_PATTERN
from meam_mapping.sources.cache import SourceError
from meam_mapping.sources.http import SourceClient, build_url

__all__ = [
    "ONS_BASE_URL",
    "ONS_LICENCE",
    "ONS_SERVICES",
    "FeatureQuery",
    "OnsService",
    "fetch_boundaries",
    "fetch_lookup",
    "query_features",
]

#: ArcGIS organisation of the ONS Open Geography Portal.
ONS_BASE_URL = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
ONS_LICENCE = (
    "Open Government Licence v3.0; source: Office for National Statistics licensed under "
    "the OGL v3.0; contains OS data (c) Crown copyright and database right"
)
_SOURCE = "ONS Open Geography Portal"
_CHUNK = 100


@dataclass(frozen=True)
class OnsService:
    """One ONS feature service and the fields we read from it.

    Attributes
    ----------
    service : str
        Service name in the address, e.g.
        ``"Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5"``.
    kind : {"boundaries", "lookup"}
        Polygons, or a table without geometry.
    fields : dict
        Our name -> the service's field: ``lsoa_code``, ``lsoa_name``,
        ``msoa_code``, ``msoa_name``, ``lad_code``, ``lad_name`` as present.
    level : str
        For boundaries: ``lsoa``, ``msoa`` or ``lad``.
    year : int
        Vintage of the areas (2011, 2021, 2023, ...).
    resolution : str
        ``BFC`` (full), ``BGC`` (generalised), ``BSC`` (super-generalised),
        ``BUC`` (ultra-generalised) or ``""`` for lookups.
    verified : bool
        Whether the service name and fields were seen in public code.
    note : str
        Where it was seen, or what is assumed.
    """

    service: str
    kind: Literal["boundaries", "lookup"]
    fields: dict[str, str] = field(default_factory=dict)
    level: str = ""
    year: int = 0
    resolution: str = ""
    verified: bool = False
    note: str = ""


_LSOA21 = {"lsoa_code": "LSOA21CD", "lsoa_name": "LSOA21NM"}
#: The one table of ONS service names (see module notes). Keys are ours.
ONS_SERVICES: dict[str, OnsService] = {
    "lsoa2021_bgc": OnsService(
        "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5",
        "boundaries",
        _LSOA21,
        "lsoa",
        2021,
        "BGC",
        True,
        "DATA_SOURCES.md (b); fields LSOA21CD/LSOA21NM",
    ),
    "lsoa2021_bfc": OnsService(
        "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BFC_V10",
        "boundaries",
        _LSOA21,
        "lsoa",
        2021,
        "BFC",
        True,
        "DATA_SOURCES.md (b)",
    ),
    "lsoa2011_bfc": OnsService(
        "Lower_layer_Super_Output_Areas_Dec_2011_Boundaries_Full_Clipped_BFC_EW_V3_2022",
        "boundaries",
        {"lsoa_code": "LSOA11CD", "lsoa_name": "LSOA11NM"},
        "lsoa",
        2011,
        "BFC",
        True,
        "seen in several public scripts querying the service with LSOA11CD/LSOA11NM",
    ),
    "msoa2021_bgc": OnsService(
        "Middle_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V3",
        "boundaries",
        {"msoa_code": "MSOA21CD", "msoa_name": "MSOA21NM"},
        "msoa",
        2021,
        "BGC",
        True,
        "DATA_SOURCES.md (b)",
    ),
    **{
        f"lad2023_{res.lower()}": OnsService(
            f"Local_Authority_Districts_December_2023_Boundaries_UK_{res}",
            "boundaries",
            {"lad_code": "LAD23CD", "lad_name": "LAD23NM"},
            "lad",
            2023,
            res,
            True,
            "DATA_SOURCES.md (b); fields LAD23CD/LAD23NM (traffordDataLab)",
        )
        for res in ("BFC", "BGC", "BSC")
    },
    "lookup_lsoa2021": OnsService(
        "OA_LSOA_MSOA_EW_DEC_2021_LU_v3",
        "lookup",
        {
            "lsoa_code": "lsoa21cd",
            "lsoa_name": "lsoa21nm",
            "msoa_code": "msoa21cd",
            "msoa_name": "msoa21nm",
            "lad_code": "lad22cd",
            "lad_name": "lad22nm",
        },
        "lsoa",
        2021,
        "",
        True,
        "traffordDataLab/spatial_data lookups/2025 (one row per output area; deduplicated here)",
    ),
    "lookup_lsoa2011_lsoa2021": OnsService(
        "LSOA11_LSOA21_LAD22_EW_LU_v5",
        "lookup",
        {
            "lsoa11_code": "LSOA11CD",
            "lsoa_code": "LSOA21CD",
            "change": "CHGIND",
            "lad_code": "LAD22CD",
            "lad_name": "LAD22NM",
        },
        "lsoa",
        2011,
        "",
        False,
        "service and LSOA11CD/LSOA21CD/CHGIND seen in public code; LAD22CD/LAD22NM assumed",
    ),
}


@dataclass(frozen=True)
class FeatureQuery:
    """All pages of one ArcGIS query, joined.

    Attributes
    ----------
    collection : dict
        A GeoJSON FeatureCollection holding every feature.
    pages : int
        Number of pages fetched (or read from the cache).
    from_cache : bool
        True when every page came from the cache.
    notes : tuple of str
        Provenance and anything worth knowing.
    """

    collection: dict
    pages: int
    from_cache: bool
    notes: tuple[str, ...] = ()


def _service(key: str, services: Mapping[str, OnsService] | None) -> OnsService:
    table = {**ONS_SERVICES, **(services or {})}
    if key not in table:
        raise InputError(
            f"Unknown ONS service {key!r}",
            expected="one of " + ", ".join(sorted(table)),
            fix="Choose a listed service, or add one with services={...}",
        )
    return table[key]


def _more(page: dict) -> bool:
    props = page.get("properties") if isinstance(page.get("properties"), dict) else {}
    return bool(page.get("exceededTransferLimit") or props.get("exceededTransferLimit"))


def query_features(
    service: str,
    *,
    where: str = "1=1",
    out_fields: str = "*",
    return_geometry: bool = True,
    page_size: int = 2000,
    max_pages: int = 500,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> FeatureQuery:
    """Run one query against an ONS feature service, following every page.

    Parameters
    ----------
    service : str
        The service name in the address (not a key of :data:`ONS_SERVICES`).
    where : str, default "1=1"
        SQL-like filter, e.g. ``"LAD23CD IN ('E07000008')"``.
    out_fields : str, default "*"
        Comma-separated fields to return.
    return_geometry : bool, default True
        False for lookup tables.
    page_size : int, default 2000
        Features per page (``resultRecordCount``).
    max_pages : int, default 500
        Safety limit on the number of pages.
    base_url : str, optional
        Default :data:`ONS_BASE_URL`.
    client : SourceClient, optional
        Cache, offline mode and HTTP settings.

    Returns
    -------
    FeatureQuery

    Raises
    ------
    SourceError
        If a page cannot be fetched, is an ArcGIS error message, or the
        pages never end.
    """
    client = client or SourceClient()
    base = build_url(base_url or ONS_BASE_URL, f"{service}/FeatureServer/0/query")
    features: list[dict] = []
    cached: list[bool] = []
    notes: list[str] = []
    for page_no in range(max_pages):
        params = {
            "where": where,
            "outFields": out_fields,
            "returnGeometry": "true" if return_geometry else "false",
            "outSR": 4326,
            "f": "geojson",
            "resultOffset": page_no * page_size,
            "resultRecordCount": page_size,
        }
        url = build_url(base, "", params)
        download = client.fetch(url, expect="geojson", licence=ONS_LICENCE, source=_SOURCE)
        page = json.loads(download.data.decode("utf-8-sig"))
        if not isinstance(page, dict) or "error" in page or "features" not in page:
            detail = page.get("error", {}) if isinstance(page, dict) else {}
            message = detail.get("message", "no features in the reply") if detail else ""
            raise SourceError(
                f"The ONS service answered with an error: {message or 'unexpected reply'}",
                file=url,
                fix="Check the service name and field names in ONS_SERVICES; ONS renames "
                "services (e.g. _V4 -> _V5) when it republishes them",
            )
        features.extend(page["features"])
        cached.append(download.from_cache)
        notes.extend(download.notes)
        if not _more(page) or not page["features"]:
            break
    else:
        raise SourceError(
            f"The ONS service kept sending pages (more than {max_pages})",
            file=base,
            fix="Narrow the query (choose local authorities) or raise max_pages",
        )
    how = "read from the local cache" if all(cached) else "downloaded"
    notes.insert(
        0,
        f"{_SOURCE}: {len(features)} feature(s) from {service} in {len(cached)} page(s), {how}; "
        f"licence: {ONS_LICENCE}.",
    )
    collection = {"type": "FeatureCollection", "features": features}
    return FeatureQuery(collection, len(cached), all(cached), tuple(notes))


def _codes_clause(field_name: str, codes: list[str]) -> str:
    bad = [c for c in codes if not GSS_PATTERN.match(c)]
    if bad:
        raise InputError(
            f"{len(bad)} code(s) are not GSS codes: {', '.join(bad[:5])}",
            expected="codes like E07000008",
            fix="Check the local authority codes",
        )
    return f"{field_name} IN (" + ",".join(f"'{c}'" for c in codes) + ")"


def _clean(codes: Iterable[str]) -> list[str]:
    return sorted({str(c).strip().upper() for c in codes if str(c).strip()})


def fetch_lookup(
    lad_codes: Iterable[str],
    *,
    lookup: str = "lookup_lsoa2021",
    services: Mapping[str, OnsService] | None = None,
    page_size: int = 2000,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> pd.DataFrame:
    """LSOA -> MSOA -> local authority lookup for chosen local authorities.

    Parameters
    ----------
    lad_codes : iterable of str
        Local authority district codes, e.g. ``["E07000008"]``.
    lookup : str, default "lookup_lsoa2021"
        Key of the lookup service in :data:`ONS_SERVICES` (or ``services``).
    services : mapping, optional
        Extra or replacement entries for :data:`ONS_SERVICES`.
    page_size, base_url, client
        See :func:`query_features`.

    Returns
    -------
    pandas.DataFrame
        One row per LSOA: our column names (``lsoa_code``, ``lsoa_name``,
        ``msoa_code``, ... as the service has them). ``attrs["notes"]``
        holds provenance notes.
    """
    spec = _service(lookup, services)
    if "lad_code" not in spec.fields:
        raise InputError(f"The lookup {lookup!r} has no local authority field")
    codes = _clean(lad_codes)
    if not codes:
        raise InputError("No local authority codes were given", expected="codes like E07000008")
    result = query_features(
        spec.service,
        where=_codes_clause(spec.fields["lad_code"], codes),
        out_fields=",".join(spec.fields.values()),
        return_geometry=False,
        page_size=page_size,
        base_url=base_url,
        client=client,
    )
    rows = [f.get("properties") or {} for f in result.collection["features"]]
    lower = {v.lower(): k for k, v in spec.fields.items()}
    frame = pd.DataFrame(rows)
    frame = frame.rename(columns={c: lower[c.lower()] for c in frame.columns if c.lower() in lower})
    missing = [k for k in spec.fields if k not in frame.columns]
    if rows and missing:
        raise SourceError(
            "The lookup reply lacks the field(s) " + ", ".join(spec.fields[k] for k in missing),
            file=spec.service,
            fix="Update the field names for this service in ONS_SERVICES",
        )
    frame = frame.reindex(columns=list(spec.fields)).drop_duplicates().reset_index(drop=True)
    for col in frame.columns:
        frame[col] = frame[col].astype("string").str.strip().astype(object)
    absent = sorted(set(codes) - set(frame.get("lad_code", pd.Series(dtype=str))))
    notes = list(result.notes)
    if absent:
        notes.append(
            f"No rows for {len(absent)} local authority code(s): {', '.join(absent)} "
            "(check the codes match the lookup's vintage)."
        )
    frame.attrs["notes"] = notes
    return frame


def fetch_boundaries(
    level: Literal["lsoa", "msoa", "lad"],
    lad_codes: Iterable[str],
    *,
    service: str | None = None,
    lookup: str | None = None,
    services: Mapping[str, OnsService] | None = None,
    page_size: int = 2000,
    base_url: str | None = None,
    client: SourceClient | None = None,
) -> BoundaryResult:
    """Boundaries of LSOAs, MSOAs or districts in chosen local authorities.

    Parameters
    ----------
    level : {"lsoa", "msoa", "lad"}
        Which areas.
    lad_codes : iterable of str
        Local authority district codes.
    service : str, optional
        Key in :data:`ONS_SERVICES`; default the generalised 2021 LSOA or
        MSOA boundaries, or the 2023 BGC districts.
    lookup : str, optional
        Key of the lookup used to find LSOAs/MSOAs (default
        ``"lookup_lsoa2021"``, or ``"lookup_lsoa2011_lsoa2021"`` for 2011
        LSOAs).
    services : mapping, optional
        Extra or replacement entries for :data:`ONS_SERVICES`.
    page_size, base_url, client
        See :func:`query_features`.

    Returns
    -------
    meam_mapping.geography.boundaries.BoundaryResult
        Areas in EPSG:27700 with ``msoa_code``/``lad_code`` from the lookup;
        notes start with the provenance.
    """
    defaults = {"lsoa": "lsoa2021_bgc", "msoa": "msoa2021_bgc", "lad": "lad2023_bgc"}
    if level not in defaults:
        raise InputError(f"Unknown level {level!r}", expected="lsoa, msoa or lad")
    spec = _service(service or defaults[level], services)
    code_field = spec.fields.get(f"{level}_code")
    if spec.kind != "boundaries" or code_field is None:
        raise InputError(f"The service {spec.service!r} does not hold {level} boundaries")
    codes = _clean(lad_codes)
    notes: list[str] = []
    parents = pd.DataFrame()
    if level != "lad":
        key = lookup or ("lookup_lsoa2011_lsoa2021" if spec.year == 2011 else "lookup_lsoa2021")
        table = fetch_lookup(
            codes,
            lookup=key,
            services=services,
            page_size=page_size,
            base_url=base_url,
            client=client,
        )
        notes += table.attrs.get("notes", [])
        source_col = "lsoa11_code" if spec.year == 2011 and "lsoa11_code" in table else None
        code_col = source_col or f"{level}_code"
        keep = [c for c in ("msoa_code", "lad_code") if c in table and c != f"{level}_code"]
        if level == "lsoa" and source_col is not None:
            keep = ["lad_code"]
        parents = table[[code_col] + keep].drop_duplicates(code_col)
        parents = parents.rename(columns={code_col: "area_code"})
        wanted = sorted(parents["area_code"].dropna())
    else:
        wanted = codes
    if not wanted:
        raise InputError(
            "No areas were found for these local authorities: " + ", ".join(codes),
            fix="Check the codes are current district codes (e.g. E07000008)",
        )
    features: list[dict] = []
    for start in range(0, len(wanted), _CHUNK):
        part = query_features(
            spec.service,
            where=_codes_clause(code_field, wanted[start : start + _CHUNK]),
            out_fields=",".join(spec.fields.values()),
            page_size=page_size,
            base_url=base_url,
            client=client,
        )
        features += part.collection["features"]
        notes += [n for n in part.notes if n not in notes]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")
    result = read_boundaries(
        data,
        name=f"{spec.service}.geojson",
        code_field=code_field,
        name_field=spec.fields.get(f"{level}_name"),
        level=level,
    )
    areas = result.areas
    if level == "lad":
        areas["lad_code"] = areas["area_code"]
    elif not parents.empty:
        areas = areas.drop(columns=[c for c in parents if c != "area_code" and c in areas])
        areas = areas.merge(parents, on="area_code", how="left")
    ordered = [
        c for c in ("area_code", "area_name", "level", "msoa_code", "lad_code") if c in areas
    ]
    areas = areas[ordered + ["geometry"]]
    missing = sorted(set(wanted) - set(areas["area_code"]))
    if missing:
        notes.append(
            f"{len(missing)} area(s) in the lookup have no boundary in {spec.service}: "
            + ", ".join(missing[:5])
            + (" ..." if len(missing) > 5 else "")
        )
    if not spec.verified:
        notes.append(f"The service entry {spec.service} is partly assumed: {spec.note}.")
    areas.attrs["vintage"] = f"{level.upper()} {spec.year}"
    return BoundaryResult(
        areas=areas,
        notes=notes + list(result.notes),
        code_field=result.code_field,
        name_field=result.name_field,
        vintage=f"{level.upper()} {spec.year}",
    )
