"""Static map fills: one compound path per class, holes kept, simplified to the pixel size."""

import io

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.figure import Figure
from shapely.geometry import Polygon, box

from meam_mapping.maps.fill import compound_path, draw_filled_areas, pixel_size
from meam_mapping.maps.spec import MapSpec
from meam_mapping.maps.static import save_figure, static_map
from meam_mapping.maps.style import prepare_map_data


def _signed_area(ring):
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def test_compound_path_orients_exteriors_and_holes_whatever_the_input():
    outer = [(0, 0), (10, 0), (10, 10), (0, 10)]
    hole = [(4, 4), (6, 4), (6, 6), (4, 6)]
    # exterior clockwise and hole counter-clockwise: the wrong way round on purpose
    ring = Polygon(outer[::-1], [hole])
    path = compound_path(np.asarray([ring, box(20, 0, 30, 10)], dtype=object))
    starts = np.flatnonzero(path.codes == path.MOVETO)
    rings = np.split(path.vertices, starts[1:])
    areas = [_signed_area(r[:-1]) for r in rings]
    assert areas == [100.0, -4.0, 100.0]  # exteriors counter-clockwise, the hole clockwise
    assert list(path.codes[starts[1:] - 1]) == [path.CLOSEPOLY, path.CLOSEPOLY]


def test_a_hole_stays_empty_in_the_png(areas, table):
    donut = areas.copy()
    square = donut.geometry.iloc[14]
    donut.loc[14, "geometry"] = square.difference(square.buffer(-300))
    fig = static_map(donut, table, MapSpec(preset="screen", dpi=60))
    buffer = io.BytesIO()
    save_figure(fig, buffer, format="png")
    from matplotlib.image import imread

    image = imread(io.BytesIO(buffer.getvalue()))
    ax = fig.axes[0]
    centre = square.centroid
    x, y = ax.transData.transform((centre.x, centre.y))
    pixel = image[image.shape[0] - int(round(y)), int(round(x))]
    np.testing.assert_allclose(pixel[:3], 1.0, atol=0.02)  # white: the hole is not filled


def test_detail_finer_than_a_pixel_is_removed(areas, table):
    wiggly = areas.copy()
    wiggly["geometry"] = wiggly.geometry.segmentize(1.0)  # a vertex every metre
    prepared = prepare_map_data(wiggly, table, MapSpec())
    frame = prepared.frame
    fig = Figure(figsize=(4, 4), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    pixel = pixel_size(ax, tuple(frame.total_bounds))
    assert 10 < pixel < 100  # 6 km over 400 px
    draw_filled_areas(ax, frame, prepared, pixel)
    drawn = sum(len(c.get_paths()[0].vertices) for c in ax.collections)
    assert drawn < shapely.get_num_coordinates(frame.geometry.to_numpy()).sum() / 10
    assert len(ax.collections) == prepared.classification.k + 2  # classes, missing, suppressed


def test_boundaries_are_left_out_where_areas_are_specks(areas, table):
    prepared = prepare_map_data(areas, table, MapSpec())
    fig = Figure(figsize=(4, 4), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    draw_filled_areas(ax, prepared.frame, prepared, pixel=15.0)  # 1 km squares: 67 px
    assert ax.collections[0].get_linewidths()[0] > 0
    ax.clear()
    draw_filled_areas(ax, prepared.frame, prepared, pixel=400.0)  # 2.5 px
    assert all(
        c.get_linewidths()[0] == 0 for c in ax.collections if c.get_gid() != "meam-suppressed"
    )


def test_a_frame_that_is_not_a_coverage_is_drawn_as_given():
    overlapping = gpd.GeoDataFrame(
        {"area_code": ["A", "B"]}, geometry=[box(0, 0, 10, 10), box(5, 5, 15, 15)], crs=27700
    )
    from meam_mapping.disclosure import mark_no_counts

    data = mark_no_counts(
        gpd.pd.DataFrame({"area_code": ["A", "B"], "count": np.nan, "denominator": np.nan,
                          "value": [1.0, 2.0], "suppressed": False})
    )  # fmt: skip
    fig = static_map(overlapping, data, MapSpec(preset="screen", dpi=50))
    assert len([c for c in fig.axes[0].collections if (c.get_gid() or "").startswith("meam-")]) >= 1


def test_snapping_keeps_shared_edges_shared():
    from meam_mapping.maps.fill import _Rings

    rng = np.random.default_rng(3)
    xs = np.linspace(0, 100, 400)
    wiggle = [(x, 50 + rng.normal(0, 0.4)) for x in xs]  # a shared edge with sub-pixel detail
    lower = Polygon([(0, 0), (100, 0), *wiggle[::-1]])
    upper = Polygon([*wiggle, (100, 100), (0, 100)])
    rings = _Rings(np.asarray([lower, upper], dtype=object), grid=2.0)
    parts = [rings.path(np.asarray([i == j for j in range(2)])) for i in range(2)]
    snapped = [shapely.make_valid(Polygon(p.to_polygons()[0])) for p in parts]
    assert all(len(p.vertices) < 120 for p in parts)  # 400 wiggles gone
    overlap = snapped[0].intersection(snapped[1]).area
    gap = 100 * 100 - shapely.union(snapped[0], snapped[1]).area
    assert overlap < 1e-6 and abs(gap) < 1e-6
