"""No network from inputs (issue 18 item 2).

A local HTTP server on 127.0.0.1 serves a real GeoJSON. Boundary files and
workspaces that would make GDAL fetch it (VRT files under any name, /vsicurl/
paths, URLs) must be refused with a message, and the server must receive no
request. A control request proves the server was listening.
"""

from __future__ import annotations

import http.server
import io
import threading
import urllib.request

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import box

from meam_mapping.cli import main
from meam_mapping.errors import InputError
from meam_mapping.geography.boundaries import read_boundaries
from meam_mapping.io.offline import OFFLINE_GDAL_OPTIONS, offline_gdal
from meam_mapping.workspace import load_workspace

X0, Y0 = 545_000, 258_000


@pytest.fixture()
def server():
    layer = gpd.GeoDataFrame(
        {"LSOA11CD": ["E01000001"], "LSOA11NM": ["Remote"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)],
        crs=27700,
    ).to_crs(4326)
    body = layer.to_json().encode()
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self):  # noqa: N802
            requests.append("HEAD " + self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    with urllib.request.urlopen(url + "/control.geojson", timeout=5) as answer:
        assert answer.read() == body  # the server answers
    requests.clear()
    yield url, requests
    httpd.shutdown()
    httpd.server_close()


def _vrt(url: str) -> str:
    return (
        "<OGRVRTDataSource><OGRVRTLayer name='b'>"
        f"<SrcDataSource>/vsicurl/{url}/b.geojson</SrcDataSource>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    )


@pytest.mark.parametrize("file_name", ["x.vrt", "x.txt", "x.geojson", "x.json", "x.xml"])
def test_a_vrt_under_any_name_is_refused_without_a_request(server, tmp_path, file_name):
    url, requests = server
    path = tmp_path / file_name
    path.write_text(_vrt(url))
    with pytest.raises(InputError) as caught:
        read_boundaries(path)
    assert file_name in caught.value.message and "not read" in caught.value.message
    with pytest.raises(InputError):
        read_boundaries(path.read_bytes(), name=file_name)
    assert requests == []


@pytest.mark.parametrize(
    "target",
    [
        "/vsicurl/{url}/b.geojson",
        "/VSICURL/{url}/b.geojson",
        "/vsizip//vsicurl/{url}/b.zip",
        "{url}/b.geojson",
        "/vsis3/bucket/b.geojson",
    ],
)
def test_remote_paths_are_refused_for_boundaries_and_workspaces(server, target):
    url, requests = server
    path = target.format(url=url)
    with pytest.raises(InputError, match="not a file on this computer"):
        read_boundaries(path)
    with pytest.raises(InputError, match="not a file on this computer"):
        load_workspace(path)
    assert requests == []


def test_the_command_line_refuses_remote_inputs(server, tmp_path, capsys):
    url, requests = server
    vrt = tmp_path / "b.vrt"
    vrt.write_text(_vrt(url))
    data = tmp_path / "d.csv"
    data.write_text("area_code,homeless_households\nE01000001,5\n")
    for args in (
        ["--boundaries", str(vrt), "--data", str(data)],
        ["--boundaries", f"/vsicurl/{url}/b.geojson", "--data", str(data)],
        ["--workspace", f"/vsicurl/{url}/w.gpkg"],
    ):
        code = main(["map", *args, "--indicator", "x", "--out", str(tmp_path / "m.html")])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err, err
    assert requests == []
    assert not (tmp_path / "m.html").exists()


def test_a_geojson_named_txt_is_read_by_its_content(tmp_path):
    layer = gpd.GeoDataFrame(
        {"LSOA11CD": ["E01000001"], "LSOA11NM": ["Here"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)],
        crs=27700,
    ).to_crs(4326)
    path = tmp_path / "boundaries.txt"
    path.write_text(layer.to_json())
    res = read_boundaries(path)
    assert list(res.areas["area_name"]) == ["Here"]
    assert read_boundaries(io.BytesIO(path.read_bytes()), name="b.txt").areas.shape[0] == 1


def test_a_text_file_that_is_no_map_format_is_refused(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("WKT,code\nPOLYGON((0 0,1 0,1 1,0 0)),E01000001\n")
    with pytest.raises(InputError, match="not a boundary file"):
        read_boundaries(path)


def test_offline_options_are_set_while_reading_and_restored():
    before = pyogrio.get_gdal_config_option("GDAL_HTTP_MAX_RETRY")
    with offline_gdal():
        assert pyogrio.get_gdal_config_option("GDAL_DISABLE_READDIR_ON_OPEN") == "EMPTY_DIR"
        assert str(pyogrio.get_gdal_config_option("GDAL_HTTP_MAX_RETRY")) == "0"
        assert (
            pyogrio.get_gdal_config_option("CPL_VSIL_CURL_ALLOWED_EXTENSIONS")
            == (OFFLINE_GDAL_OPTIONS["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"])
        )
    assert pyogrio.get_gdal_config_option("GDAL_HTTP_MAX_RETRY") == before
