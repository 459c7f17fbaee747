"""What a map shows (:class:`MapLayer`) and how it is drawn (:class:`MapSpec`).

Both map writers, :func:`meam_mapping.maps.interactive.choropleth` and
:func:`meam_mapping.maps.static.static_map`, take ``(areas, layer, spec)``
instead of twenty keyword arguments, so the page, the presenter, the command
line and the evidence pack describe a map once and draw it the same way.

``MapLayer`` holds the published data: its frame must already have been
through the disclosure policy (checked when the layer is made), and its text
(title, unit, source, attribution, labels) is plain text as a person typed
it or a file held it; the writers escape it where it becomes HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Literal

from meam_mapping.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from meam_mapping.maps.classify import Classification

__all__ = ["PRESETS", "MapLayer", "MapSpec", "Preset", "as_layer"]

Preset = Literal["a4_landscape", "a4_portrait", "a3_landscape", "slide_16_9", "screen"]

#: name -> (width in inches, height in inches, default dpi) of a static map page.
PRESETS: dict[str, tuple[float, float, int]] = {
    "a4_landscape": (11.69, 8.27, 150),
    "a4_portrait": (8.27, 11.69, 150),
    "a3_landscape": (16.54, 11.69, 150),
    "slide_16_9": (13.33, 7.5, 150),
    "screen": (12.0, 8.0, 100),
}


@dataclass(frozen=True)
class MapSpec:
    """How to classify, colour and lay out a map (no data, no text).

    Parameters
    ----------
    scheme : str, default "quantiles"
        Classification scheme (see :func:`meam_mapping.maps.classify.classify`).
    k : int, default 5
        Number of classes asked for; fewer are drawn when the data cannot
        support them (never more classes than distinct values, nor than half
        the areas with a value).
    breaks : tuple of float, optional
        Class breaks for ``scheme="user_defined"``.
    classification : Classification, optional
        Breaks to reuse as they are (e.g. the same classes across two years);
        overrides ``scheme``, ``k`` and ``breaks``.
    palette : str, optional
        Palette name (see :data:`meam_mapping.maps.style.PALETTES`); chosen from
        the data when None (diverging when the values straddle 0).
    high_contrast : bool, default False
        Darker, thicker boundaries and a high-contrast palette.
    outlines : bool, default True
        Draw district outlines when the writer is given them.
    tiles : bool, default False
        OpenStreetMap background on the interactive map (needs internet).
    preset : str, default "a4_landscape"
        Page size of a static map, a key of :data:`PRESETS`.
    dpi : int, optional
        Static map resolution; the preset's when None.
    top_labels : int, default 0
        Number the N highest areas on a static map and list them.
    prefer_canvas : bool or "auto", default "auto"
        Interactive map renderer; "auto" draws on a canvas above
        :data:`meam_mapping.maps.interactive.CANVAS_THRESHOLD` areas.
    show_overlays : bool, default False
        Whether extra layers (hot spots, zones) are switched on at first.
    categories : tuple of (str, str), optional
        Colour areas by the data's ``category`` column instead of classing
        their values: ``(label, colour)`` pairs in legend order (see
        :func:`meam_mapping.maps.categories.category_classes`).
    categories_note : str, optional
        What the categories mean, shown with the legend.

    Raises
    ------
    InputError
        For an unknown preset, fewer than one class, or breaks that are not numbers.
    """

    scheme: str = "quantiles"
    k: int = 5
    breaks: tuple[float, ...] | None = None
    classification: Classification | None = field(default=None, compare=False)
    palette: str | None = None
    high_contrast: bool = False
    outlines: bool = True
    tiles: bool = False
    preset: Preset = "a4_landscape"
    dpi: int | None = None
    top_labels: int = 0
    prefer_canvas: bool | Literal["auto"] = "auto"
    show_overlays: bool = False
    categories: tuple[tuple[str, str], ...] | None = None
    categories_note: str | None = None

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise InputError(
                f"Unknown page layout {self.preset!r}",
                column="preset",
                expected="one of " + ", ".join(PRESETS),
            )
        if int(self.k) < 1:
            raise InputError(
                f"A map needs at least one class, not {self.k!r}",
                column="classes",
                expected="a whole number from 1 to 9",
            )
        if self.breaks is not None:
            try:
                object.__setattr__(self, "breaks", tuple(float(b) for b in self.breaks))
            except (TypeError, ValueError):
                raise InputError(
                    f"Class breaks {self.breaks!r} are not all numbers",
                    column="class breaks",
                    expected="numbers, e.g. 5, 10, 20",
                ) from None

    def with_(self, **changes: Any) -> MapSpec:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class MapLayer:
    """The published data of one map and the words that go with it.

    Parameters
    ----------
    data : pandas.DataFrame
        One indicator and period at one level, after disclosure control:
        ``area_code``, ``count``, ``denominator``, ``value``, ``suppressed``
        [, ``area_name``, tooltip columns].
    title : str
        Title (e.g. the indicator name), plain text.
    unit : str
        Unit label, e.g. "per 1,000 adults".
    level : str, optional
        Level of the areas (``lsoa``, ``msoa``, ``lad``, ``custom``).
    period : str
        Period shown, e.g. "2024/25"; added to the interactive title.
    subtitle : str
        Second heading of a static map (the period when empty).
    source : str
        Data source line.
    attribution : str
        Licence / attribution line (e.g. the Open Government Licence statement).
    label : str, optional
        Prominent label, e.g. "Synthetic demonstration data" or "Not for sharing".
    threshold : int, optional
        Disclosure threshold N for "suppressed (fewer than N)"; read from the
        suppressed frame when None.
    tooltip_fields : tuple of str
        Further columns (of the areas or data) shown in tooltips.
    caveat : str
        A sentence on areas of the level that are not drawn at all (districts
        missing some of their LSOAs from the boundary file, say), shown under
        the legend of an interactive map and after the subtitle of a static one.

    Raises
    ------
    ValueError
        If ``data`` has not been through the disclosure policy.
    """

    data: pd.DataFrame
    title: str = ""
    unit: str = ""
    level: str | None = None
    period: str = ""
    subtitle: str = ""
    source: str = ""
    attribution: str = ""
    label: str | None = None
    threshold: int | None = None
    tooltip_fields: tuple[str, ...] = ()
    caveat: str = ""

    def __post_init__(self) -> None:
        from meam_mapping.disclosure import require_suppressed

        require_suppressed(self.data, "map")
        object.__setattr__(self, "tooltip_fields", tuple(str(c) for c in self.tooltip_fields))
        for name in ("title", "unit", "period", "subtitle", "source", "attribution", "caveat"):
            value = getattr(self, name)
            object.__setattr__(self, name, "" if value is None else str(value))

    @property
    def heading(self) -> str:
        """Title with the period, e.g. "Rough sleeping (2024/25)"."""
        if self.period and self.title:
            return f"{self.title} ({self.period})"
        return self.title or self.period

    @classmethod
    def from_frame(cls, data: pd.DataFrame, **words: Any) -> MapLayer:
        """A layer whose unset words come from the frame's own columns.

        ``title`` defaults to ``indicator_name`` (else ``indicator``), and
        ``unit``, ``period``, ``source`` and ``level`` to the first value of the
        column of that name, when the frame has it.

        Parameters
        ----------
        data : pandas.DataFrame
            Published (suppressed) slice.
        **words
            Any other :class:`MapLayer` field.

        Returns
        -------
        MapLayer
        """
        allowed = {f.name for f in fields(cls)} - {"data"}
        unknown = sorted(set(words) - allowed)
        if unknown:
            raise InputError(
                f"MapLayer has no field {unknown[0]!r}",
                expected="one of " + ", ".join(sorted(allowed)),
            )

        def first(column: str) -> str:
            if column in data.columns and len(data) and data[column].notna().any():
                return str(data[column].dropna().iloc[0])
            return ""

        defaults = {
            "title": first("indicator_name") or first("indicator"),
            "unit": first("unit"),
            "period": first("period"),
            "source": first("source"),
            "level": first("level") or None,
        }
        for key, value in defaults.items():
            if words.get(key) in (None, "") and value:
                words[key] = value
        return cls(data, **words)


def as_layer(layer: MapLayer | pd.DataFrame) -> MapLayer:
    """A :class:`MapLayer` from a layer or from a bare published frame.

    Parameters
    ----------
    layer : MapLayer or pandas.DataFrame
        A layer, or a suppressed frame (its words then come from its columns:
        see :meth:`MapLayer.from_frame`).

    Returns
    -------
    MapLayer
    """
    return layer if isinstance(layer, MapLayer) else MapLayer.from_frame(layer)
