"""Filled areas of a static map, drawn at the cost of the output, not of the boundaries.

A national map has 34,753 LSOAs; one matplotlib patch each (as
``GeoDataFrame.plot`` draws them) costs seconds and hundreds of megabytes
before a pixel is drawn. Here the areas are

1. simplified to the output's pixel size by snapping every vertex to a grid
   of one pixel and dropping repeats: each vertex moves at most half a
   pixel, and neighbours snap their shared vertices to the same points, so
   shared edges stay shared and no slivers open. It removes only detail the
   page cannot show, in a few vectorised passes (``coverage_simplify`` costs
   seconds at national scale);
2. grouped by class, each class one compound path (holes kept: exteriors
   counter-clockwise, holes clockwise) in one collection, so a map is a
   handful of artists whatever the number of areas;
3. rasterised at the figure's resolution in SVG and PDF output (text, legend,
   scale bar and outlines stay vector), so a national SVG is an image plus
   text rather than millions of path nodes.

Area boundaries are drawn only where areas are large enough on the page to
show them (a typical area at least 6 pixels across); below that they would
only grey the map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.path import Path

    from meam_mapping.maps.style import MapData

__all__ = ["MIN_EDGE_PIXELS", "compound_path", "draw_filled_areas", "pixel_size"]

#: Typical area width (pixels) below which area boundaries are not drawn.
MIN_EDGE_PIXELS = 6.0


def pixel_size(ax: Axes, bounds: tuple[float, float, float, float]) -> float:
    """Ground size of one output pixel (map units) for ``bounds`` drawn in ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map axes (equal aspect), placed on its figure.
    bounds : tuple of float
        ``(xmin, ymin, xmax, ymax)`` shown in the axes.

    Returns
    -------
    float
        Map units per pixel at the figure's dpi.
    """
    fig = ax.get_figure()
    box = ax.get_position()
    width_px = box.width * fig.get_figwidth() * fig.dpi
    height_px = box.height * fig.get_figheight() * fig.dpi
    x0, y0, x1, y1 = bounds
    return float(max((x1 - x0) / max(width_px, 1.0), (y1 - y0) / max(height_px, 1.0)))


class _Rings:
    """Every ring of a set of (multi)polygons as one coordinate array, oriented for filling.

    Exteriors run counter-clockwise and holes clockwise, so matplotlib's
    non-zero fill leaves holes empty; :meth:`path` cuts out the rings of any
    subset of the geometries without another pass over the geometry.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons or multipolygons (empty or missing ones draw nothing).
    grid : float, default 0
        Snap vertices to a grid of this size (see :func:`_snap`); 0 keeps them.
    """

    def __init__(self, geoms: np.ndarray, grid: float = 0.0) -> None:
        import shapely
        from matplotlib.path import Path

        geoms = np.asarray(geoms, dtype=object).copy()
        blank = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        geoms[blank] = shapely.from_wkt("MULTIPOLYGON EMPTY")
        single = shapely.get_type_id(geoms) == 3
        geoms[single] = shapely.multipolygons(geoms[single], indices=np.arange(int(single.sum())))
        _, coords, (ring_off, poly_off, multi_off) = shapely.to_ragged_array(geoms)
        area_rings = poly_off[multi_off]  # each geometry's first ring (and the end)
        if grid > 0:
            coords, ring_off = _snap(coords, ring_off, grid)
        exterior = np.zeros(len(ring_off) - 1, dtype=bool)
        exterior[poly_off[:-1][np.diff(poly_off) > 0]] = True
        flip = (_signed_areas(coords, ring_off) > 0) != exterior
        self.coords = coords[_reversed_index(ring_off, flip)]
        self.codes = np.full(len(coords), Path.LINETO, dtype=np.uint8)
        self.codes[ring_off[:-1]] = Path.MOVETO
        self.codes[ring_off[1:] - 1] = Path.CLOSEPOLY
        bounds = ring_off[area_rings]
        self.area_start, self.area_end = bounds[:-1], bounds[1:]

    def path(self, pick: np.ndarray) -> Path:
        """One compound path of the geometries where ``pick`` is true."""
        from matplotlib.path import Path

        start, end = self.area_start[pick], self.area_end[pick]
        lengths = end - start
        if not lengths.sum():
            return Path(np.zeros((0, 2)))
        shift = np.repeat(start - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
        index = shift + np.arange(lengths.sum())
        return Path(self.coords[index], self.codes[index])


def _signed_areas(coords: np.ndarray, ring_off: np.ndarray) -> np.ndarray:
    """Twice the signed area of each (closed) ring, by the shoelace formula."""
    if not len(coords):
        return np.zeros(len(ring_off) - 1)
    x, y = coords[:, 0], coords[:, 1]
    cross = np.r_[x[:-1] * y[1:] - x[1:] * y[:-1], 0.0]
    total = np.r_[0.0, np.cumsum(cross)]
    return total[ring_off[1:] - 1] - total[ring_off[:-1]]  # pairs inside each ring only


def _reversed_index(ring_off: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """Coordinate order with the rings marked in ``flip`` reversed."""
    index = np.arange(ring_off[-1])
    owner = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off))
    turned = flip[owner]
    index[turned] = (ring_off[:-1] + ring_off[1:] - 1)[owner[turned]] - index[turned]
    return index


def _snap(coords: np.ndarray, ring_off: np.ndarray, grid: float) -> tuple[np.ndarray, np.ndarray]:
    """Round vertices to a ``grid`` and drop repeats, shared edges staying shared.

    Neighbours hold the same vertices along a shared edge, and rounding maps
    equal vertices to equal points, so the snapped edges still match (no
    slivers open between areas). A ring left with fewer than four points (an
    area under a pixel) keeps its snapped points and draws as nothing; its
    neighbours, snapped to the same points, close over it.
    """
    snapped = np.round(coords / grid) * grid
    if not len(snapped):
        return snapped, ring_off
    repeat = np.r_[False, np.all(snapped[1:] == snapped[:-1], axis=1)]
    repeat[ring_off[:-1]] = False  # keep each ring's first point
    repeat[ring_off[1:] - 1] = False  # and its closing point
    rings = len(ring_off) - 1
    owner = np.repeat(np.arange(rings), np.diff(ring_off))
    left = np.bincount(owner[~repeat], minlength=rings)
    keep = ~repeat | (left < 4)[owner]
    return snapped[keep], np.r_[0, np.cumsum(np.bincount(owner[keep], minlength=rings))]


def compound_path(geoms: np.ndarray) -> Path:
    """One matplotlib path holding every (multi)polygon in ``geoms``, holes included.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons or multipolygons (empty ones are skipped).

    Returns
    -------
    matplotlib.path.Path
        Exteriors counter-clockwise, holes clockwise (matplotlib fills by the
        non-zero rule).
    """
    geoms = np.asarray(geoms, dtype=object)
    return _Rings(geoms).path(np.ones(len(geoms), dtype=bool))


def draw_filled_areas(ax: Axes, frame: gpd.GeoDataFrame, prepared: MapData, pixel: float) -> None:
    """Fill the areas of a prepared map, one rasterised collection per class.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map axes.
    frame : geopandas.GeoDataFrame
        ``prepared.frame`` in a projected CRS (metres).
    prepared : MapData
        Classes, colours and status of each area.
    pixel : float
        Ground size of one output pixel (see :func:`pixel_size`).

    Notes
    -----
    Each collection has the gid ``meam-class-<i>``, ``meam-missing`` or
    ``meam-suppressed`` and an attribute ``meam_area_codes`` listing the areas
    it draws, in frame order.
    """
    from matplotlib.collections import PathCollection

    style = prepared.style
    rings = _Rings(frame.geometry.to_numpy(), grid=pixel)
    status = frame["status"].to_numpy()
    group = np.where(status == "suppressed", -2, frame["class_index"].to_numpy()).astype(int)
    codes = frame["area_code"].astype(str).to_numpy()
    areas_px = np.asarray(frame.geometry.area, dtype=float) / max(pixel, 1e-9) ** 2
    typical = float(np.sqrt(np.median(areas_px))) if len(areas_px) else 0.0
    edge = style.edge_width if typical >= MIN_EDGE_PIXELS else 0.0
    for g in np.unique(group):
        pick = group == g
        kwargs: dict[str, object] = {
            "facecolors": style.colours[g] if g >= 0 else style.missing_colour,
            "edgecolors": style.edge_colour,
            "linewidths": edge,
            "zorder": 1,
        }
        gid = f"meam-class-{g}" if g >= 0 else "meam-missing"
        if g == -2:
            kwargs.update(facecolors=style.suppressed_colour, edgecolors="#9a9a9a",
                          hatch=style.suppressed_hatch, zorder=2)  # fmt: skip
            kwargs["linewidths"] = max(edge, 0.2)
            gid = "meam-suppressed"
        collection = PathCollection([rings.path(pick)], **kwargs)
        collection.set_gid(gid)
        collection.set_rasterized(True)
        collection.meam_area_codes = codes[pick]
        ax.add_collection(collection, autolim=False)
