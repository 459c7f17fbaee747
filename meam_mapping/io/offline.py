"""No network from inputs: user files are opened as local files only.

GDAL, which reads boundary files and workspaces, can reach the network by
itself: a path such as ``/vsicurl/http://...`` or a VRT/XML file whose source
points at a URL makes it send requests. MEAM Mapping reads only local files a
person chose, so:

* :func:`refuse_remote_path` refuses GDAL virtual file system prefixes
  (``/vsicurl/``, ``/vsizip/``, ...), URLs (``http://``, ``ftp://``, ...) and
  GDAL connection strings (``PG:``, ``WFS:``, ...) as file names;
* :func:`refuse_remote_content` refuses VRT and other XML-based map formats
  (and any file whose first bytes mention a GDAL virtual file system), whatever
  the file is called;
* :data:`ALLOWED_DRIVERS` is the allow-list of GDAL drivers used to open user
  files (chosen by the readers after sniffing the content, never by GDAL);
* :func:`offline_gdal` sets GDAL's options so that nothing is fetched
  implicitly (no directory listing on open, no HTTP retries, tiny timeouts,
  an empty list of allowed remote extensions) while a user file is read.

Remote data comes only through :mod:`meam_mapping.sources`, which the user
opts into explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from meam_mapping.errors import InputError

__all__ = [
    "ALLOWED_DRIVERS",
    "OFFLINE_GDAL_OPTIONS",
    "offline_gdal",
    "refuse_remote_content",
    "refuse_remote_path",
]

#: GDAL drivers MEAM Mapping opens user files with, by the sniffed format.
ALLOWED_DRIVERS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
}

#: GDAL configuration applied while user files are read (see :func:`offline_gdal`).
OFFLINE_GDAL_OPTIONS: dict[str, str] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".meam-mapping-never",
    "CPL_VSIL_CURL_USE_HEAD": "NO",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_MAX_RETRY_DELAY": "0",
    "GDAL_HTTP_USERPWD": "",
    "GDAL_HTTP_HEADER_FILE": "",
    "CPL_CURL_ENABLE_VSIMEM": "NO",
    "OGR_GEOJSON_MAX_OBJ_SIZE": "200MB",
}

_REMOTE_PATH = re.compile(
    r"^\s*(?:/vsi[a-z0-9_]*|\\vsi[a-z0-9_]*|[a-z][a-z0-9+.-]{1,15}:/|"
    r"(?:pg|mysql|odbc|mssql|oci|wfs|wms|wmts|wcs|ogcapi|csw|es|mongodbv3|ngw|carto|"
    r"amigocloud|plscenes|eedai|daas|gdalg|ogr_vrt|sqlite):)",
    re.IGNORECASE,
)
_VSI_ANYWHERE = re.compile(rb"/vsi[a-z0-9_]*/|\\vsi[a-z0-9_]*\\", re.IGNORECASE)
_XML_FORMATS = (
    (rb"<ogrvrtdatasource", "an OGR virtual format (VRT) file, which points GDAL at other files"),
    (rb"<vrtdataset", "a GDAL virtual raster (VRT) file, which points GDAL at other files"),
    (rb"<wfs_gdal", "a WFS service description"),
    (rb"<gdal_wms", "a web map service description"),
    (rb"<ogrwfsdatasource", "a WFS service description"),
    (rb"<gml:", "GML (an XML map format)"),
    (rb"<kml", "KML (an XML map format)"),
    (rb"<gpx", "GPX (an XML format)"),
    (rb"<osm", "OpenStreetMap XML"),
)
_LOCAL_FIX = (
    "Download the file to your computer first and choose the downloaded copy; "
    "MEAM Mapping reads only GeoJSON, GeoPackage and zipped Shapefile files on this computer"
)


def refuse_remote_path(path: str, file: str | None = None, *, what: str = "a file") -> None:
    """Refuse a file name that would make GDAL open something other than a local file.

    Parameters
    ----------
    path : str
        The path as given (command line argument, workspace path).
    file : str, optional
        Name for the message (defaults to ``path``).
    what : str
        What the path should be, for the message ("boundaries", "a workspace").

    Raises
    ------
    InputError
        For a GDAL virtual file system prefix (``/vsicurl/``, ``/vsizip/``, ...),
        a URL or a GDAL connection string.
    """
    text = str(path)
    if _REMOTE_PATH.match(text):
        raise InputError(
            f"{text[:80]!r} is an address or a GDAL virtual file, not a file on this computer; "
            f"{what} is read from local files only, so nothing is fetched",
            file=file or text[:80],
            expected="the path of a file on this computer",
            fix=_LOCAL_FIX,
        )


def refuse_remote_content(head: bytes, file: str) -> None:
    """Refuse VRT/XML map formats and content naming a GDAL virtual file system.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (4 KB or more).
    file : str
        File name for the message.

    Raises
    ------
    InputError
        If the content is an XML-based format (VRT, WFS, GML, KML, ...) or
        mentions ``/vsi...``: such files make GDAL open other files or addresses.
    """
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith(b"<"):
        label = next((lab for tag, lab in _XML_FORMATS if tag in text[:4096]), "an XML file")
        raise InputError(
            f"the file is {label}; XML-based map formats are not read, because they can make "
            "the reader open other files or addresses on the network",
            file=file,
            expected="GeoJSON, a GeoPackage or a zipped Shapefile",
            fix="Export the layer from QGIS as GeoJSON or GeoPackage and load that",
        )
    if _VSI_ANYWHERE.search(head):
        raise InputError(
            "the file mentions a GDAL virtual file system (/vsi...), which would make the reader "
            "open another file or an address on the network",
            file=file,
            expected="GeoJSON, a GeoPackage or a zipped Shapefile",
            fix="Export the layer from QGIS as GeoJSON or GeoPackage and load that",
        )


@contextmanager
def offline_gdal() -> Iterator[None]:
    """Apply :data:`OFFLINE_GDAL_OPTIONS` to GDAL for the duration, then restore.

    GDAL options are process-wide; the previous values are put back on exit.
    """
    import pyogrio

    previous = {key: pyogrio.get_gdal_config_option(key) for key in OFFLINE_GDAL_OPTIONS}
    pyogrio.set_gdal_config_options(dict(OFFLINE_GDAL_OPTIONS))
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)
