import io
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon, box

from meam_mapping.errors import InputError
from meam_mapping.geography.boundaries import read_boundaries

# Four 1 km squares in British National Grid metres near Cambridge.
X0, Y0 = 545_000, 258_000


def _squares(n=4):
    return [box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(n)]


def _lsoa_layer(crs="EPSG:27700"):
    gdf = gpd.GeoDataFrame(
        {
            "LSOA11CD": ["E01000001", "E01000002", "E01000003", "E01000004"],
            "LSOA11NM": ["Cambridge 001A", "Cambridge 001B", "Cambridge 002A", "Cambridge 002B"],
            "MSOA11CD": ["E02000001", "E02000001", "E02000002", "E02000002"],
            "LAD11CD": ["E07000008"] * 4,
            "Shape__Area": [1e6] * 4,
        },
        geometry=_squares(),
        crs="EPSG:27700",
    )
    return gdf.to_crs(crs)


def test_geojson_in_lonlat_is_reprojected_and_fields_recognised(tmp_path):
    path = tmp_path / "lsoa.geojson"
    _lsoa_layer("EPSG:4326").to_file(path, driver="GeoJSON")
    res = read_boundaries(path)
    areas = res.areas
    assert areas.crs.to_epsg() == 27700
    assert list(areas.columns) == [
        "area_code",
        "area_name",
        "level",
        "msoa_code",
        "lad_code",
        "geometry",
    ]
    assert res.code_field == "LSOA11CD" and res.name_field == "LSOA11NM"
    assert res.vintage == "LSOA 2011" and areas.attrs["vintage"] == "LSOA 2011"
    assert set(areas["level"]) == {"lsoa"}
    assert list(areas["msoa_code"]) == ["E02000001", "E02000001", "E02000002", "E02000002"]
    assert areas.geometry.area.sum() == pytest.approx(4e6, rel=1e-4)
    assert any("Reprojected" in n for n in res.notes)
    assert any("Shape__Area" in n for n in res.notes)


def test_upload_buffer_without_name_is_sniffed(tmp_path):
    path = tmp_path / "x.geojson"
    _lsoa_layer().rename(columns={"LSOA11CD": "lsoa21cd", "LSOA11NM": "lsoa21nm"}).to_file(path)
    res = read_boundaries(io.BytesIO(path.read_bytes()))
    assert res.vintage == "LSOA 2021" and res.areas["area_name"].iloc[0] == "Cambridge 001A"


def test_geopackage_with_several_layers_needs_layer(tmp_path):
    path = tmp_path / "b.gpkg"
    _lsoa_layer().to_file(path, layer="lsoa")
    lad = gpd.GeoDataFrame(
        {"LAD23CD": ["E07000008"], "LAD23NM": ["Cambridge"]},
        geometry=[box(X0, Y0, X0 + 4000, Y0 + 1000)],
        crs=27700,
    )
    lad.to_file(path, layer="districts")
    with pytest.raises(InputError) as info:
        read_boundaries(path)
    assert "lsoa" in info.value.message and "districts" in info.value.message
    res = read_boundaries(path, layer="districts")
    assert res.vintage == "LAD 2023" and res.areas["level"].iloc[0] == "lad"
    assert res.areas["area_name"].iloc[0] == "Cambridge"
    with pytest.raises(InputError, match="no layer called 'nope'"):
        read_boundaries(path, layer="nope")


def _zip_shapefile(tmp_path, gdf, stem="lsoa", drop=()):
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    gdf.drop(columns="Shape__Area", errors="ignore").to_file(folder / f"{stem}.shp")
    zpath = tmp_path / f"{stem}.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in folder.glob(f"{stem}.*"):
            if f.suffix not in drop:
                zf.write(f, arcname=f"data/{f.name}")
    return zpath


def test_zipped_shapefile_from_path_and_upload(tmp_path):
    zpath = _zip_shapefile(tmp_path, _lsoa_layer())
    res = read_boundaries(zpath)
    assert len(res.areas) == 4 and res.areas.crs.to_epsg() == 27700
    up = read_boundaries(io.BytesIO(zpath.read_bytes()), name="upload.zip")
    assert list(up.areas["area_code"]) == list(res.areas["area_code"])


def test_shapefile_without_prj_in_metres_with_english_codes_assumes_bng(tmp_path):
    zpath = _zip_shapefile(tmp_path, _lsoa_layer(), drop=(".prj",))
    res = read_boundaries(zpath)
    assert res.areas.crs.to_epsg() == 27700
    assert res.areas.geometry.area.sum() == pytest.approx(4e6)
    notes = " ".join(res.notes)
    assert (
        "no coordinate system" in notes
        and "British National Grid (EPSG:27700) was assumed" in notes
    )
    res = read_boundaries(zpath, assume_crs="EPSG:27700")
    assert res.areas.crs.to_epsg() == 27700 and any("assumed" in n for n in res.notes)


def test_metres_without_crs_and_codes_that_are_not_english_or_welsh_are_refused(tmp_path):
    layer = _lsoa_layer().assign(LSOA11CD=["S01000001", "S01000002", "S01000003", "S01000004"])
    zpath = _zip_shapefile(tmp_path, layer, drop=(".prj",))
    with pytest.raises(InputError) as info:
        read_boundaries(zpath)
    msg = info.value.message
    assert "no coordinate reference system" in msg and "British National Grid metres" in msg
    assert "Layer > Set CRS" in msg and "assume_crs" not in msg


def test_shapefile_without_prj_in_degrees_assumes_lonlat(tmp_path):
    zpath = _zip_shapefile(tmp_path, _lsoa_layer("EPSG:4326"), drop=(".prj",))
    res = read_boundaries(zpath)
    assert res.areas.geometry.area.sum() == pytest.approx(4e6, rel=1e-3)
    assert any("EPSG:4326 was assumed" in n for n in res.notes)


def test_zip_with_missing_dbf_is_explained(tmp_path):
    zpath = _zip_shapefile(tmp_path, _lsoa_layer(), drop=(".dbf",))
    with pytest.raises(InputError, match=r"missing its \.dbf"):
        read_boundaries(zpath)


def test_unsafe_zip_member_is_refused(tmp_path):
    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("../escape.geojson", "{}")
    with pytest.raises(InputError, match="unsafe path"):
        read_boundaries(zpath)
    assert not (tmp_path.parent / "escape.geojson").exists()


def test_geometry_problems_are_repaired_dropped_and_reported(tmp_path):
    bowtie = Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000)])
    gdf = gpd.GeoDataFrame(
        {
            "code": ["E07000008", "E07000009", "E07000010", "E07000010", None, "E07000012"],
            "name": ["Cambridge", "East Cambs", "Fenland", "Fenland", "Nameless", "South Cambs"],
        },
        geometry=[
            bowtie,
            None,
            box(X0, Y0, X0 + 10, Y0 + 10),
            box(X0 + 20, Y0, X0 + 30, Y0 + 10),
            box(X0, Y0, 1, 1),
            Point(X0, Y0),
        ],
        crs=27700,
    )
    path = tmp_path / "lads.gpkg"
    gdf.to_file(path, layer="lads")
    res = read_boundaries(path)
    areas, notes = res.areas, " ".join(res.notes)
    # Fenland's two pieces are joined into one area (a split multipart area).
    assert list(areas["area_code"]) == ["E07000008", "E07000010"]
    assert areas.geometry.iloc[1].area == pytest.approx(200)
    assert set(areas["level"]) == {"lad"}
    assert areas.is_valid.all()
    assert areas.geometry.iloc[0].area == pytest.approx(500_000)  # bow-tie: two triangles
    assert "1 area shape(s) were invalid" in notes and "E07000008" in notes
    assert "1 area(s) had no shape" in notes and "E07000009" in notes
    assert "1 feature(s) had no area code" in notes
    assert "points or lines" in notes and "E07000012" in notes
    assert "1 area code(s) appear on more than one shape: E07000010" in notes
    assert "joined into one area" in notes


def test_explicit_fields_and_unknown_field(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"zone": ["Z1", "Z2"], "label": ["North", "South"]}, geometry=_squares(2), crs=27700
    )
    path = tmp_path / "custom.geojson"
    gdf.to_file(path)
    with pytest.raises(InputError, match="no area code field"):
        read_boundaries(path)
    res = read_boundaries(path, code_field="ZONE", name_field="label")
    assert (
        list(res.areas["area_name"]) == ["North", "South"]
        and res.areas["level"].iloc[0] == "custom"
    )
    with pytest.raises(InputError, match="no name field called 'nope'"):
        read_boundaries(path, code_field="zone", name_field="nope")


def test_points_only_layer_is_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"code": ["E07000008"]}, geometry=[Point(X0, Y0)], crs=27700)
    path = tmp_path / "pts.geojson"
    gdf.to_file(path)
    with pytest.raises(InputError, match="points or lines"):
        read_boundaries(path)


def test_missing_file():
    with pytest.raises(InputError, match="not found"):
        read_boundaries("/nonexistent/boundaries.geojson")


def test_a_folder_with_two_shapefiles_asks_which_and_layer_picks(tmp_path):
    folder = tmp_path / "boundaries"
    folder.mkdir()
    _lsoa_layer().drop(columns="Shape__Area").to_file(folder / "lsoa.shp")
    lad = gpd.GeoDataFrame(
        {"LAD23CD": ["E07000008"], "LAD23NM": ["Cambridge"]},
        geometry=[box(X0, Y0, X0 + 4000, Y0 + 1000)],
        crs=27700,
    )
    lad.to_file(folder / "districts.shp")
    with pytest.raises(InputError) as info:
        read_boundaries(folder)
    message = info.value.message
    assert "folder holds 2 shapefiles: districts, lsoa" in message and "--layer NAME" in message
    res = read_boundaries(folder, layer="districts")
    assert list(res.areas["area_name"]) == ["Cambridge"]
    single = tmp_path / "one"
    single.mkdir()
    lad.to_file(single / "districts.shp")
    assert read_boundaries(single).areas["level"].iloc[0] == "lad"


def test_the_command_line_names_and_takes_layer(tmp_path, capsys):
    from meam_mapping.cli import main

    path = tmp_path / "b.gpkg"
    _lsoa_layer().to_file(path, layer="lsoa")
    _lsoa_layer().to_file(path, layer="copy")
    data = tmp_path / "d.csv"
    data.write_text("area_code,homeless_households\nE01000001,5\nE01000002,7\n")
    args = ["map", "--boundaries", str(path), "--data", str(data)]
    args += ["--indicator", "homeless_households"]
    assert main([*args, "--out", str(tmp_path / "m.html")]) == 2
    assert "--layer NAME" in capsys.readouterr().err
    assert main([*args, "--layer", "lsoa", "--out", str(tmp_path / "m.html")]) == 0


@pytest.mark.parametrize("points_per_thread", [10**9, 50])  # one piece; two threads
@pytest.mark.parametrize("decimals", [None, 4])
def test_reproject_moves_each_shared_point_as_to_crs_does(monkeypatch, points_per_thread, decimals):
    """Distinct points are moved once and copied to every use: the same coordinates as ``to_crs``."""
    import numpy as np
    import shapely

    from meam_mapping.geography import boundaries

    monkeypatch.setattr(boundaries, "_SPLIT_COORDINATES", 10)
    monkeypatch.setattr(boundaries, "_SPLIT_POINTS", points_per_thread)
    # A 12 x 10 grid of squares with a point every 50 m (neighbours share theirs),
    # one with a hole and one in two parts.
    cells = [box(X0 + i * 500, Y0 + j * 500, X0 + (i + 1) * 500, Y0 + (j + 1) * 500)
             for i in range(12) for j in range(10)]  # fmt: skip
    cells[5] = cells[5].difference(box(X0 + 100, Y0 + 2600, X0 + 200, Y0 + 2700))
    cells[7] = cells[7].union(box(X0 + 9000, Y0 + 9000, X0 + 9100, Y0 + 9100))
    grid = gpd.GeoDataFrame({"area_code": range(len(cells))},
                            geometry=shapely.segmentize(np.asarray(cells), 50.0), crs=27700)  # fmt: skip
    coords = shapely.get_coordinates(grid.geometry.to_numpy())
    assert len(np.unique(coords, axis=0)) < 0.6 * len(coords)  # the points are shared
    moved = boundaries.reproject(grid, 4326, decimals=decimals)
    expected = grid.to_crs(4326)
    want = shapely.get_coordinates(expected.geometry.to_numpy())
    if decimals is not None:
        want = np.round(want, decimals)
    np.testing.assert_array_equal(shapely.get_coordinates(moved.geometry.to_numpy()), want)
    assert moved.crs.to_epsg() == 4326
    assert shapely.get_type_id(moved.geometry.to_numpy()).tolist() == \
        shapely.get_type_id(expected.geometry.to_numpy()).tolist()  # fmt: skip
    assert moved["area_code"].tolist() == grid["area_code"].tolist()


def test_lonlat_as_read_is_kept_row_for_row_for_the_display(tmp_path):
    layer = _lsoa_layer("EPSG:4326")
    layer.loc[1, "geometry"] = None  # left out: the shapes kept must still line up
    layer = layer.iloc[[3, 0, 1, 2]]
    path = tmp_path / "lsoa.geojson"
    layer.to_file(path, driver="GeoJSON")
    read = read_boundaries(path, cache=True, cache_folder=tmp_path / "cache")
    assert len(read.lonlat) == len(read.areas) == 3
    projected = gpd.GeoSeries(read.lonlat, crs="EPSG:4326").to_crs(27700)
    assert projected.geom_equals_exact(read.areas.geometry, tolerance=1e-6).all()
    # From the cache, and from a file in metres, there is nothing as read in degrees.
    assert read_boundaries(path, cache=True, cache_folder=tmp_path / "cache").lonlat is None
    metres = tmp_path / "bng.geojson"
    _lsoa_layer().to_file(metres, driver="GeoJSON")
    assert read_boundaries(metres, cache=False).lonlat is None


def test_parent_names_beside_parent_codes_name_the_dissolved_areas(tmp_path, monkeypatch):
    """LAD19NM beside LAD19CD names the districts (not their codes), the parent fields are not
    reported unused, and a second read from the cache gives the same names."""
    from meam_mapping.loading import dataset_from_boundaries

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    layer = _lsoa_layer("EPSG:4326").drop(columns="LAD11CD")
    layer["MSOA11NM"] = ["Cambridge 001", "Cambridge 001", "Cambridge 002", "Cambridge 002"]
    layer["LAD19CD"] = ["E07000008"] * 4
    layer["lad19nm"] = ["Cambridge"] * 4  # any case, as ONS files vary
    path = tmp_path / "lsoa.geojson"
    layer.to_file(path, driver="GeoJSON")
    first = read_boundaries(path)
    assert first.parent_names == {
        "msoa": {"E02000001": "Cambridge 001", "E02000002": "Cambridge 002"},
        "lad": {"E07000008": "Cambridge"},
    }
    unused = " ".join(n for n in first.notes if n.startswith("Fields not used"))
    assert "Shape__Area" in unused and not any(f in unused for f in ("MSOA11", "LAD19", "lad19"))
    again = read_boundaries(path)  # from the cache
    assert again.lonlat is None and again.parent_names == first.parent_names
    for read in (first, again):
        dataset = dataset_from_boundaries(read)
        assert list(dataset.areas["lad"]["area_name"]) == ["Cambridge"]
        assert sorted(dataset.areas["msoa"]["area_name"]) == ["Cambridge 001", "Cambridge 002"]


def test_parent_codes_without_names_are_named_by_code(tmp_path):
    from meam_mapping.loading import dataset_from_boundaries

    path = tmp_path / "lsoa.geojson"
    _lsoa_layer("EPSG:4326").to_file(path, driver="GeoJSON")
    read = read_boundaries(path, cache=False)
    assert read.parent_names == {}
    assert list(dataset_from_boundaries(read).areas["lad"]["area_name"]) == ["E07000008"]
