"""Colours, legend entries and the prepared map frame shared by both map kinds.

Palettes are returned as lists of hex colours, looked up in the tables kept
of matplotlib's colour maps (:mod:`meam_mapping.maps.colour_tables`), so an
interactive map needs no matplotlib; it is imported only for a colour map
not kept (never at import, and never ``pyplot``). Sequential palettes suit counts and rates; diverging palettes
(centred at 0) suit signed data such as z-scores and differences. Which kind is
used follows the data unless the user names a palette.

Missing areas are light grey; suppressed areas are near-white under a light
grey hatch with a dashed edge (on the interactive map's canvas renderer a
light fill with a dashed edge), so they read as "not shown" rather than as a
class, with a legend entry "Not shown: fewer than N people, or hidden to protect a small number nearby" set apart from
the classes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.maps.classify import Classification, classify, ordinal_classes_for
from meam_mapping.maps.colour_tables import colours_at

if TYPE_CHECKING:
    from collections.abc import Iterable

    import geopandas as gpd

    from meam_mapping.maps.spec import MapLayer, MapSpec

__all__ = [
    "MISSING_COLOUR",
    "PALETTES",
    "SUPPRESSED_COLOUR",
    "SUPPRESSED_HATCH",
    "MapData",
    "MapStyle",
    "choose_style",
    "class_colours",
    "legend_entries",
    "palette_kind",
    "prepare_map_data",
    "suppressed_label",
]

PaletteKind = Literal["sequential", "diverging"]

MISSING_COLOUR = "#e8e8e8"
SUPPRESSED_COLOUR = "#f7f7f7"  # under a light grey hatch: "not shown", not a class
SUPPRESSED_HATCH = "////"
MISSING_LABEL = "No data"

#: name -> (kind, matplotlib colour map, start, stop, description). Every
#: palette listed is colour-blind safe (ColorBrewer's own rating, or designed
#: for it: viridis, cividis).
PALETTES: dict[str, tuple[PaletteKind, str, float, float, str]] = {
    "YlOrRd": ("sequential", "YlOrRd", 0.12, 1.0, "yellow to red (ColorBrewer)"),
    "Blues": ("sequential", "Blues", 0.2, 1.0, "light to dark blue (ColorBrewer)"),
    "Purples": ("sequential", "Purples", 0.2, 1.0, "light to dark purple (ColorBrewer)"),
    "Greens": ("sequential", "Greens", 0.2, 1.0, "light to dark green (ColorBrewer)"),
    "viridis": ("sequential", "viridis_r", 0.0, 0.95, "yellow to purple, colour-blind safe"),
    "cividis": ("sequential", "cividis_r", 0.0, 1.0, "yellow to blue, colour-blind safe"),
    "high_contrast": ("sequential", "magma_r", 0.02, 0.92, "pale yellow to black, high contrast"),
    "RdBu": ("diverging", "RdBu_r", 0.0, 1.0, "blue (below 0) to red (above 0)"),
    "PuOr": ("diverging", "PuOr_r", 0.0, 1.0, "purple (below 0) to orange (above 0)"),
}
_DEFAULT = {"sequential": "YlOrRd", "diverging": "RdBu"}


@dataclass(frozen=True)
class MapStyle:
    """Colours and line styles for one map.

    Attributes
    ----------
    palette : str
        Palette name (a key of :data:`PALETTES`).
    kind : {"sequential", "diverging"}
        Sequential for one-sided data, diverging (centred at 0) for signed.
    colours : tuple of str
        Hex fill colour of each class, lowest class first.
    missing_colour, suppressed_colour : str
        Fills for areas with no data and for suppressed areas.
    suppressed_hatch : str
        Matplotlib hatch pattern for suppressed areas in static maps.
    edge_colour : str
        Area boundary colour.
    edge_width : float
        Area boundary width in points (static) or pixels (interactive).
    outline_colour : str
        District outline colour.
    outline_width : float
        District outline width.
    """

    palette: str
    kind: PaletteKind
    colours: tuple[str, ...]
    missing_colour: str = MISSING_COLOUR
    suppressed_colour: str = SUPPRESSED_COLOUR
    suppressed_hatch: str = SUPPRESSED_HATCH
    edge_colour: str = "#ffffff"
    edge_width: float = 0.3
    outline_colour: str = "#222222"
    outline_width: float = 1.6


def palette_kind(classification: Classification) -> PaletteKind:
    """Diverging when the classified values straddle 0, else sequential.

    Parameters
    ----------
    classification : Classification
        Classification of the values to be mapped.

    Returns
    -------
    {"sequential", "diverging"}
    """
    return "diverging" if classification.lower < 0 < classification.bins[-1] else "sequential"


def class_colours(palette: str, classification: Classification) -> tuple[str, ...]:
    """Hex colour of each class under a named palette.

    Sequential palettes are sampled evenly from light to dark. Diverging
    palettes are centred at 0: each class's colour follows its mid-point
    relative to the largest absolute value, so classes near 0 are pale.

    Parameters
    ----------
    palette : str
        A key of :data:`PALETTES`.
    classification : Classification
        The class breaks.

    Returns
    -------
    tuple of str
        One ``"#rrggbb"`` colour per class.
    """
    if palette not in PALETTES:
        raise InputError(
            f"Unknown palette {palette!r}",
            column="palette",
            expected="one of " + ", ".join(PALETTES),
            fix="Pick one of the listed palettes",
        )
    kind, cmap_name, start, stop, _ = PALETTES[palette]
    k = classification.k
    if kind == "sequential":
        points = np.linspace(start, stop, k) if k > 1 else np.asarray([(start + stop) / 2])
    else:
        edges = np.concatenate([[classification.lower], classification.bins])
        mids = (edges[:-1] + edges[1:]) / 2
        span = float(np.max(np.abs(edges))) or 1.0
        points = 0.5 + 0.45 * mids / span
    # matplotlib's own colours, from the tables kept of them (no import of matplotlib).
    kept = colours_at(cmap_name, points)
    if kept is not None:
        return kept
    import matplotlib
    from matplotlib.colors import to_hex

    cmap = matplotlib.colormaps[cmap_name]
    return tuple(to_hex(cmap(float(p))) for p in points)


def choose_style(
    classification: Classification,
    palette: str | None = None,
    *,
    high_contrast: bool = False,
) -> MapStyle:
    """Pick colours for a classification.

    Parameters
    ----------
    classification : Classification
        The class breaks.
    palette : str, optional
        A key of :data:`PALETTES`. Default: ``"RdBu"`` when the values straddle
        0 (diverging), otherwise ``"YlOrRd"`` (``"high_contrast"`` when asked).
    high_contrast : bool, default False
        Black, thicker boundaries and (without a named palette) the
        high-contrast palette, for projectors and low vision.

    Returns
    -------
    MapStyle
    """
    if palette is None:
        kind = palette_kind(classification)
        palette = "high_contrast" if high_contrast and kind == "sequential" else _DEFAULT[kind]
    colours = class_colours(palette, classification)
    extra = {"edge_colour": "#000000", "edge_width": 0.6, "outline_width": 2.4}
    return MapStyle(
        palette=palette,
        kind=PALETTES[palette][0],
        colours=colours,
        **(extra if high_contrast else {}),
    )


def suppressed_label(threshold: int | None, reasons: Iterable[str] = ()) -> str:
    """Legend text for the areas not shown (small counts and the cells hidden to protect them).

    Parameters
    ----------
    threshold : int or None
        The disclosure threshold N; None when unknown.
    reasons : iterable of str, optional
        The ``suppression`` reasons of the hidden areas. Areas withheld by the
        source, or whose count is not known because counts inside them were,
        are named as such: they need not be small.

    Returns
    -------
    str

    Examples
    --------
    >>> suppressed_label(5)
    'Not shown: fewer than 5 people, or hidden to protect a small number nearby'
    >>> suppressed_label(5, ["includes withheld counts"])
    'Not known: includes counts withheld by the source'
    """
    from meam_mapping.disclosure.marks import WITHHELD, WITHHELD_WITHIN

    kinds = set(reasons)
    withheld = kinds & {WITHHELD, WITHHELD_WITHIN}
    if threshold is None:
        small = "small numbers, or hidden to protect them"
    else:
        small = f"fewer than {int(threshold)} people, or hidden to protect a small number nearby"
    if not withheld:
        return "Not shown: " + small
    if withheld == {WITHHELD_WITHIN}:
        source = "not known: includes counts withheld by the source"
    elif withheld == {WITHHELD}:
        source = "not shown: withheld by the source"
    else:
        source = "not shown: withheld by the source, or includes counts it withheld"
    if kinds - withheld:  # small counts too
        return f"Not shown: {small}; or {source.removeprefix('not shown: ')}"
    return source[:1].upper() + source[1:]


def legend_entries(
    classification: Classification,
    style: MapStyle,
    *,
    n_suppressed: int = 0,
    n_missing: int = 0,
    threshold: int | None = None,
    reasons: Iterable[str] = (),
) -> pd.DataFrame:
    """Build the legend as a table, used by both map kinds and shown as text in the app.

    Parameters
    ----------
    classification : Classification
        The class breaks.
    style : MapStyle
        Colours.
    n_suppressed, n_missing : int
        Numbers of suppressed and missing areas; entries appear only if > 0.
    threshold : int, optional
        Disclosure threshold N for the suppressed entry.
    reasons : iterable of str, optional
        The hidden areas' ``suppression`` reasons (see :func:`suppressed_label`).

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (``class``, ``suppressed``, ``missing``), ``label``,
        ``colour``, ``count`` and ``hatch`` (True for the suppressed entry).
    """
    rows = [
        {"kind": "class", "label": lab, "colour": col, "count": n, "hatch": False}
        for lab, col, n in zip(
            classification.labels, style.colours, classification.counts, strict=True
        )
    ]
    if n_suppressed:
        rows.append(
            {
                "kind": "suppressed",
                "label": suppressed_label(threshold, reasons),
                "colour": style.suppressed_colour,
                "count": int(n_suppressed),
                "hatch": True,
            }
        )
    if n_missing:
        rows.append(
            {
                "kind": "missing",
                "label": MISSING_LABEL,
                "colour": style.missing_colour,
                "count": int(n_missing),
                "hatch": False,
            }
        )
    return pd.DataFrame(rows, columns=["kind", "label", "colour", "count", "hatch"])


@dataclass(frozen=True, eq=False)
class MapData:
    """Areas joined to one indicator slice, classified and coloured.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        One row per area (the areas' CRS) with ``area_code``, ``area_name``,
        ``count``, ``denominator``, ``value``, ``status`` (``value``,
        ``suppressed`` or ``missing``), ``class_index`` (-1 unless a value)
        and ``colour``. Suppressed rows never carry a count or value.
    classification : Classification
        Breaks computed from (or applied to) the areas with a value.
    style : MapStyle
        Colours.
    legend : pandas.DataFrame
        See :func:`legend_entries`.
    threshold : int or None
        Disclosure threshold N used for "fewer than N".
    """

    frame: gpd.GeoDataFrame
    classification: Classification
    style: MapStyle
    legend: pd.DataFrame
    threshold: int | None


_DATA_COLUMNS = ("area_code", "count", "denominator", "value", "suppressed")


def _refuse_all_unknown(data: pd.DataFrame, value: np.ndarray, reason: Any) -> None:
    """Say why nothing can be drawn when every area's count is unknown for a withheld one inside it."""
    from meam_mapping.disclosure.marks import WITHHELD_WITHIN

    if np.isfinite(value).any() or not np.ndim(reason):
        return
    n, unknown = len(value), int((np.asarray(reason) == WITHHELD_WITHIN).sum())
    if not unknown:
        return
    level = str(data["level"].iloc[0]) if "level" in data and len(data) else ""
    named = {"msoa": "MSOA", "lad": "district"}.get(level, "area")
    which = (
        f"each of the {n} {named}s includes"
        if unknown == n
        else f"{unknown} of the {n} {named}s include"
    )
    rest = "" if unknown == n else f", and the other {n - unknown} have no data"
    raise InputError(
        f"No {named}'s count is known: {which} areas whose counts the source withheld "
        f"(marked suppressed, or '*'), so the total cannot be worked out{rest}",
        column="level",
        expected="a level where some counts are known",
        fix="Map a finer level (for example LSOAs), where only the withheld areas are blank, "
        "or ask the source for the counts with nothing withheld",
    )


def prepare_map_data(
    areas: gpd.GeoDataFrame,
    layer: MapLayer | pd.DataFrame,
    spec: MapSpec | None = None,
) -> MapData:
    """Join a published layer to areas, check disclosure, classify and colour.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code``, ``geometry`` and optionally ``area_name``.
    layer : MapLayer or pandas.DataFrame
        The published slice (one row per area, one indicator, one period) with
        ``area_code``, ``count``, ``denominator``, ``value``, ``suppressed`` and
        optionally ``area_name``; it must have been through the disclosure
        policy (:func:`meam_mapping.disclosure.suppress_indicators`). Its
        ``tooltip_fields`` are carried into ``frame`` (from the areas, else the
        data) and its ``threshold`` is used for "fewer than N".
    spec : MapSpec, optional
        Classification and colours (``classification``, else ``scheme``,
        ``k`` and ``breaks``; ``palette``; ``high_contrast``). Never more
        classes than half the areas with a value (rounded up): five areas
        make at most three classes, not five classes of one.

    Returns
    -------
    MapData

    Raises
    ------
    ValueError
        If the data have not been through the disclosure policy.
    InputError
        If columns are missing or an area appears more than once.
    """
    from meam_mapping.maps.spec import MapSpec, as_layer

    layer = as_layer(layer)
    spec = spec or MapSpec()
    data, threshold, extra_columns = layer.data, layer.threshold, layer.tooltip_fields
    # MapLayer checked the disclosure mark when it was made.
    missing_cols = [c for c in _DATA_COLUMNS if c not in data.columns]
    if missing_cols:
        raise InputError(
            "The indicator data for the map lacks required columns",
            file="indicator data",
            column=missing_cols,
            expected="columns " + ", ".join(_DATA_COLUMNS),
            fix="Select one indicator and one period from the indicator table",
        )
    if "area_code" not in areas.columns:
        raise InputError(
            "The areas have no 'area_code' column",
            file="areas",
            column="area_code",
            fix="Load boundaries through meam_mapping.geography",
        )
    dup = data["area_code"].duplicated(keep=False)
    if dup.any():
        rows = [int(i) + 2 for i in np.flatnonzero(dup.to_numpy())]
        raise InputError(
            f"{int(dup.sum())} rows share an area code, so the map cannot show one value per area",
            file="indicator data",
            row=rows,
            column="area_code",
            expected="one row per area (a single indicator and period)",
            fix="Filter the table to one indicator and one period before mapping",
        )
    if threshold is None:
        threshold = _threshold_from(data)

    absent = [c for c in extra_columns if c not in areas.columns and c not in data.columns]
    if absent:
        raise InputError(
            "Columns asked for in the tooltip are not in the areas or the data",
            column=absent,
            expected="columns of the areas or of the indicator data",
        )
    from_areas = [c for c in extra_columns if c in areas.columns]
    from_data = [c for c in extra_columns if c not in areas.columns]
    keep = [c for c in ("area_code", "area_name", *from_areas) if c in areas.columns]
    frame = areas[[*dict.fromkeys(keep), areas.geometry.name]].copy()
    if areas.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    frame["area_code"] = frame["area_code"].astype(str)
    optional = [
        c for c in ("area_name", "suppression", "category", *from_data) if c in data.columns
    ]
    cols = list(dict.fromkeys([*_DATA_COLUMNS, *optional]))
    slim = data[cols].copy()
    slim["area_code"] = slim["area_code"].astype(str)
    if "area_name" in frame.columns and "area_name" in slim.columns:
        slim = slim.drop(columns="area_name")
    frame = frame.merge(slim, on="area_code", how="left")
    if "area_name" not in frame.columns:
        frame["area_name"] = frame["area_code"]
    frame["area_name"] = frame["area_name"].fillna(frame["area_code"]).astype(str)

    suppressed = frame["suppressed"].fillna(False).astype(bool).to_numpy(copy=True)
    value = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float, copy=True)
    count = pd.to_numeric(frame["count"], errors="coerce").to_numpy(dtype=float, copy=True)
    value[suppressed] = np.nan  # never show a suppressed number
    count[suppressed] = np.nan
    frame["value"] = value
    frame["count"] = count
    frame["denominator"] = pd.to_numeric(frame["denominator"], errors="coerce")
    frame["suppressed"] = suppressed
    status = np.where(suppressed, "suppressed", np.where(np.isnan(value), "missing", "value"))
    frame["status"] = status
    # Why a cell is hidden: only a small count is "fewer than N"; a secondary
    # cell is hidden to protect a small number nearby (it may be large).
    reason = frame["suppression"].fillna("").astype(str) if "suppression" in frame else ""
    frame["secondary"] = suppressed & np.isin(
        np.asarray(reason), ["secondary", "hidden in a group"]
    )

    _refuse_all_unknown(data, value, reason)
    classification = spec.classification
    ordinal = None
    if spec.categories is None and classification is None and spec.scheme != "user_defined":
        ordinal = ordinal_classes_for(data, value, k=spec.k)  # deciles, quintiles, ranks
    if spec.categories is not None:  # colours by category, values kept for tooltips
        from meam_mapping.maps.categories import category_classes

        category = frame["category"] if "category" in frame else np.full(len(frame), "")
        classification, fills = category_classes(
            category, status, spec.categories, note=spec.categories_note
        )
        classes = classification.classes
        style = replace(
            choose_style(classification, "YlOrRd", high_contrast=spec.high_contrast),
            palette="categories", colours=fills,
        )  # fmt: skip
    elif ordinal is not None:
        classification, classes = ordinal, ordinal.classes
    elif classification is None:
        classification = _classify_no_finer(value, spec)
        classes = classification.classes
    else:
        classes = classification.assign(value)
    if spec.categories is None:
        style = choose_style(classification, spec.palette, high_contrast=spec.high_contrast)
    colours = np.asarray(style.colours + (style.missing_colour, style.suppressed_colour))
    pick = np.where(status == "suppressed", len(style.colours) + 1, classes)
    pick = np.where(status == "missing", len(style.colours), pick)
    frame["class_index"] = classes
    frame["colour"] = colours[pick]
    counts = tuple(int(c) for c in np.bincount(classes[classes >= 0], minlength=classification.k))
    if classification.classes is not classes:  # breaks given: record this data's classes
        classification = _with_counts(classification, classes, counts)
    legend = legend_entries(
        classification,
        style,
        n_suppressed=int((status == "suppressed").sum()),
        n_missing=int((status == "missing").sum()),
        threshold=threshold,
        reasons=np.asarray(reason)[status == "suppressed"] if np.ndim(reason) else (),
    )
    return MapData(frame, classification, style, legend, threshold)


def _classify_no_finer(value: np.ndarray, spec: MapSpec) -> Classification:
    """Classify with at most one class per two areas with a value (rounded up)."""
    breaks = None if spec.breaks is None else list(spec.breaks)
    n = int(np.isfinite(value).sum())
    k = int(spec.k)
    cap = max(1, -(-n // 2))
    if spec.scheme == "user_defined" or k <= cap:
        return classify(value, scheme=spec.scheme, k=k, breaks=breaks)
    result = classify(value, scheme=spec.scheme, k=cap, breaks=breaks)
    classes = "1 class" if result.k == 1 else f"{result.k} classes"
    areas = "1 area has" if n == 1 else f"{n} areas have"
    note = f"Only {areas} a value, so {classes} instead of {k}."
    return Classification(
        result.scheme, result.bins, result.lower, result.classes, result.labels, result.counts,
        result.note or note,
    )  # fmt: skip


def _with_counts(c: Classification, classes: np.ndarray, counts: tuple[int, ...]) -> Classification:
    return Classification(c.scheme, c.bins, c.lower, classes, c.labels, counts, c.note)


def _threshold_from(data: pd.DataFrame) -> int | None:
    """Return the disclosure threshold recorded on a suppressed frame, if any."""
    from meam_mapping import disclosure

    mark = data.attrs.get(getattr(disclosure, "_MARK", "_meam_disclosure"))
    policy = mark.get("policy") if isinstance(mark, dict) else None
    if isinstance(policy, dict) and policy.get("threshold") is not None:
        return int(policy["threshold"])
    return None
