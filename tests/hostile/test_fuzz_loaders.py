"""Property tests: every loader either returns or raises an InputError naming the file.

Random bytes, real small files cut short at random offsets or with random
bytes changed, huge fields, deeply nested JSON and text in the wrong encoding
are fed to ``read_table``, ``load_indicator_file``, ``read_patterns`` and
``read_boundaries``. No other exception may escape (issue 9, items 1 and 5).
Hypothesis runs derandomized, so every run tries the same examples.
"""

from __future__ import annotations

import functools
import io
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from meam_mapping.errors import InputError
from meam_mapping.geography.boundaries import read_boundaries
from meam_mapping.io.indicators import load_indicator_file
from meam_mapping.io.patterns import read_patterns
from meam_mapping.io.read import read_table

FUZZ = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

INDICATOR_CSV = (
    "area_code,area_name,period,homeless_households,adults_18_64\n"
    "E01000001,Cambridge 001A,2024,4,1200\n"
    "E01000002,Cambridge 001B,2024,*,1100\n"
    "E01000003,Fenland 003C,2024,7,980\n"
)
PATTERN_CSV = "housing,drugs,probation,count\n1,0,0,30\n0,1,0,20\n1,1,0,10\n0,0,1,5\n1,0,1,3\n"


def _xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def _layer() -> gpd.GeoDataFrame:
    x0, y0 = 545_000, 258_000
    return gpd.GeoDataFrame(
        {"LSOA11CD": ["E01000001", "E01000002"], "LSOA11NM": ["Cambridge 001A", "Cambridge 001B"]},
        geometry=[box(x0, y0, x0 + 1000, y0 + 1000), box(x0 + 1000, y0, x0 + 2000, y0 + 1000)],
        crs="EPSG:27700",
    )


@functools.cache
def _samples() -> dict[str, bytes]:
    """Small valid files of every format, built once."""
    import tempfile

    out = {
        "indicators.csv": INDICATOR_CSV.encode(),
        "indicators.xlsx": _xlsx(pd.read_csv(io.StringIO(INDICATOR_CSV), dtype=str)),
        "patterns.csv": PATTERN_CSV.encode(),
        "patterns.xlsx": _xlsx(pd.read_csv(io.StringIO(PATTERN_CSV))),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        layer = _layer()
        layer.to_file(folder / "b.geojson", driver="GeoJSON")
        layer.to_file(folder / "b.gpkg", driver="GPKG")
        layer.to_file(folder / "b.shp")
        out["boundaries.geojson"] = (folder / "b.geojson").read_bytes()
        out["boundaries.gpkg"] = (folder / "b.gpkg").read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                if (folder / f"b{ext}").exists():
                    zf.write(folder / f"b{ext}", f"b{ext}")
        out["boundaries.zip"] = buffer.getvalue()
    return out


def _table(data: bytes, name: str):
    return read_table(data, name=name)


def _indicators(data: bytes, name: str):
    return load_indicator_file(data, name=name)


def _patterns(data: bytes, name: str):
    return read_patterns(io.BytesIO(data), file_name=name)


def _boundaries(data: bytes, name: str):
    return read_boundaries(io.BytesIO(data), name=name)


#: (loader, file name) pairs: each loader with each file type it accepts.
TARGETS = [
    (_table, "indicators.csv"),
    (_table, "indicators.xlsx"),
    (_indicators, "indicators.csv"),
    (_indicators, "indicators.xlsx"),
    (_patterns, "patterns.csv"),
    (_patterns, "patterns.xlsx"),
    (_boundaries, "boundaries.geojson"),
    (_boundaries, "boundaries.gpkg"),
    (_boundaries, "boundaries.zip"),
]
IDS = [f"{loader.__name__.strip('_')}-{name}" for loader, name in TARGETS]


def check_clean(loader, data: bytes, name: str) -> None:
    """The property: a result, or an InputError with a message naming the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loader(data, name)
        except InputError as err:
            assert err.message.strip(), "empty message"
            assert name in err.message, err.message


def test_valid_samples_load():
    samples = _samples()
    for loader, name in TARGETS:
        loader(samples[name], name)  # must not raise


@pytest.mark.parametrize(("loader", "name"), TARGETS, ids=IDS)
@FUZZ
@given(data=st.binary(min_size=0, max_size=2048))
def test_random_bytes(loader, name, data):
    check_clean(loader, data, name)


@pytest.mark.parametrize(("loader", "name"), TARGETS, ids=IDS)
@FUZZ
@given(fraction=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_files(loader, name, fraction):
    sample = _samples()[name]
    check_clean(loader, sample[: int(len(sample) * fraction)], name)


@pytest.mark.parametrize(("loader", "name"), TARGETS, ids=IDS)
@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_bytes(loader, name, edits):
    sample = bytearray(_samples()[name])
    for where, value in edits:
        sample[min(int(where * len(sample)), len(sample) - 1)] = value
    check_clean(loader, bytes(sample), name)


TEXT_LOADERS = [
    (_table, "indicators.csv"),
    (_indicators, "indicators.csv"),
    (_patterns, "patterns.csv"),
]
TEXT_IDS = [f"{loader.__name__.strip('_')}" for loader, _ in TEXT_LOADERS]


@pytest.mark.parametrize(("loader", "name"), TEXT_LOADERS, ids=TEXT_IDS)
@settings(FUZZ, max_examples=6)
@given(length=st.integers(100_000, 400_000), quoted=st.booleans())
def test_huge_fields(loader, name, length, quoted):
    cell = ('"' if quoted else "") + "9" * length
    data = f"area_code,count,x\nE01000001,{cell},1\nE01000002,3,1\n".encode()
    check_clean(loader, data, name)


@pytest.mark.parametrize(("loader", "name"), TEXT_LOADERS, ids=TEXT_IDS)
@FUZZ
@given(
    names=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4),
    encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "mixed"]),
)
def test_wrong_encodings(loader, name, names, encoding):
    sample = _samples()[name].decode()
    lines = sample.splitlines()
    extra = [lines[1].replace("Cambridge 001A", n) for n in names]
    text = "\n".join(lines + extra) + "\n"
    if encoding == "mixed":
        half = len(text) // 2
        data = text[:half].encode("utf-8") + text[half:].encode("cp1252", errors="replace")
    else:
        data = text.encode(encoding, errors="replace")
    check_clean(loader, data, name)


@FUZZ
@given(depth=st.integers(65, 30_000), in_properties=st.booleans())
def test_deeply_nested_json(depth, in_properties):
    nested = "[" * depth + "]" * depth
    if in_properties:
        text = (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            f'"properties": {{"LSOA11CD": "E01000001", "x": {nested}}}, "geometry": null}}]}}'
        )
    else:
        text = '{"type": "FeatureCollection", "features": ' + nested + "}"
    check_clean(_boundaries, text.encode(), "deep.geojson")
    with pytest.raises(InputError, match="nested more than 64 levels"):
        _boundaries(text.encode(), "deep.geojson")


XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def test_script_in_area_names_comes_through_unchanged_as_data():
    csv = (
        f'area_code,area_name,homeless_households\nE01000001,"{XSS[0]}",4\nE01000002,"{XSS[1]}",5\n'
    ).encode()
    table = load_indicator_file(csv, name="xss.csv").table
    assert table["area_name"].tolist() == XSS
    assert read_table(csv, name="xss.csv").frame["area_name"].tolist() == XSS

    layer = _layer().assign(LSOA11NM=XSS)
    areas = read_boundaries(layer.to_json().encode(), name="xss.geojson").areas
    assert areas["area_name"].tolist() == XSS

    patterns = read_patterns(
        io.BytesIO(f"a,b,area_name,count\n1,0,{XSS[1]},3\n0,1,{XSS[1]},2\n".encode()),
        file_name="xss.csv",
    )
    assert set(patterns["area_name"]) == {XSS[1]}
