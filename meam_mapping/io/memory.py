"""Will a boundary file fit in the memory that is free? Said before it is read.

Reading, checking, simplifying and drawing boundaries holds every corner point
several times over (GDAL's buffer, shapely's geometry, the reprojected and the
simplified copies, the packed map). On a council laptop with other programs
open, a national full-resolution file can use more memory than is free; the
system then swaps for minutes or stops the program, and the user learns
nothing. This module estimates the memory a file needs from its size and its
number of areas, without parsing it, and refuses it with a message that says
what to do when the estimate is more than the memory free.

The estimate
------------
``needed = PER_AREA * areas + PER_POINT * points``, where ``points`` is
estimated from the file without reading the geometry:

* GeoJSON: half the number of commas (a ``[x, y]`` pair has one comma and is
  followed by one; attributes add a few more, so this leans high);
* GeoPackage and Shapefile: the geometry's bytes over 16 (two 8-byte numbers a
  point, plus headers and attributes, so it leans high too).

The two costs were measured with the whole ``map`` command (the largest user of
memory: read, check, simplify, join and draw) on England and Wales' 34,753
LSOAs at two densities (``bench/boundary_memory.py``): about 5.2 kB an area and
80 bytes a point; the constants below add a quarter for safety.

Free memory is ``MemAvailable`` from ``/proc/meminfo``, or the container's
limit less its use where that is smaller (cgroup v2 ``memory.max``), or the
environment variable ``MEAM_MAPPING_MEMORY_LIMIT`` where that is smaller still
(for example ``2GB`` on a shared server, so that one person's upload cannot
take the memory everyone else's sessions need). Where none can be read
(Windows, macOS without the variable), the check is skipped rather than
guessed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from meam_mapping.errors import InputError
from meam_mapping.io.safety import format_size

__all__ = [
    "PER_AREA",
    "PER_POINT",
    "LIMIT_VARIABLE",
    "MemoryEstimate",
    "available_memory",
    "memory_limit",
    "check_boundary_memory",
    "estimate_boundary_memory",
]

#: Bytes needed per area (measured 5.2 kB, plus a quarter).
PER_AREA = 6_500
#: Bytes needed per corner point (measured 80 bytes, plus a quarter).
PER_POINT = 100
#: Environment variable capping the memory a boundary file may need ("500MB", "2GB", bytes).
LIMIT_VARIABLE = "MEAM_MAPPING_MEMORY_LIMIT"
_UNITS = {
    "": 1,
    "B": 1,
    "K": 1024,
    "KB": 1024,
    "M": 1024**2,
    "MB": 1024**2,
    "G": 1024**3,
    "GB": 1024**3,
}
#: Bytes a point takes in a binary geometry (two 8-byte coordinates).
_WKB_POINT = 16


@dataclass(frozen=True)
class MemoryEstimate:
    """Memory a boundary file is expected to need.

    Attributes
    ----------
    areas : int
        Number of areas (features) in the file.
    points : int
        Estimated number of corner points.
    needed : int
        Estimated bytes needed to read, check and draw it.
    """

    areas: int
    points: int
    needed: int


def _cgroup_free(root: Path) -> int | None:
    try:
        limit = (root / "memory.max").read_text().strip()
        used = int((root / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
    if limit == "max" or not limit.isdigit():
        return None
    return max(0, int(limit) - used)


def memory_limit(text: str | None = None) -> int | None:
    """The cap set in ``MEAM_MAPPING_MEMORY_LIMIT`` in bytes, or None when not set.

    Parameters
    ----------
    text : str, optional
        The setting; by default the environment variable's value.

    Returns
    -------
    int or None

    Raises
    ------
    InputError
        If the setting is not a size such as ``2GB``, ``500 MB`` or ``1000000``.
    """
    text = os.environ.get(LIMIT_VARIABLE) if text is None else text
    if text is None or not text.strip():
        return None
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMG]?B?)\s*", text.upper())
    if match is None or match.group(2) not in _UNITS:
        raise InputError(
            f"the setting {LIMIT_VARIABLE}={text!r} is not a size",
            expected="a size such as 2GB, 500MB or a number of bytes",
            fix=f"Correct or remove the environment variable {LIMIT_VARIABLE} and start again",
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def available_memory(
    meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """Bytes of memory free for this program, or None where it cannot be told.

    Parameters
    ----------
    meminfo : pathlib.Path
        Linux's memory summary (its ``MemAvailable`` line).
    cgroup : pathlib.Path
        The cgroup v2 folder of this process's container.

    Returns
    -------
    int or None
        The smallest of the machine's available memory, the container's
        remaining limit and ``MEAM_MAPPING_MEMORY_LIMIT``; None when none is
        known.
    """
    free: list[int] = []
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError, IndexError):
        pass
    in_container = _cgroup_free(cgroup)
    if in_container is not None:
        free.append(in_container)
    cap = memory_limit()
    if cap is not None:
        free.append(cap)
    return min(free) if free else None


def _count_features(path: Path, data: bytes | None) -> int:
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json"}:
        text = data if data is not None else path.read_bytes()
        # "FeatureCollection" is a different token, so only features are counted.
        return text.count(b'"Feature"')
    import pyogrio

    from meam_mapping.io.offline import offline_gdal

    try:
        with offline_gdal():
            # Every layer (a GeoPackage may hold several; the one to read is chosen
            # later): the count leans high rather than picking one.
            names = [str(row[0]) for row in pyogrio.list_layers(path)]
            return sum(int(pyogrio.read_info(path, layer=name)["features"]) for name in names)
    except Exception:  # noqa: BLE001 - a file GDAL cannot open is reported by the reader
        return 0


def _count_points(path: Path, data: bytes | None) -> int:
    if path.suffix.lower() in {".geojson", ".json"}:
        text = data if data is not None else path.read_bytes()
        return text.count(b",") // 2
    # A Shapefile's .shp holds only geometry; a GeoPackage also its index and
    # attributes, so its count leans high.
    return path.stat().st_size // _WKB_POINT


def estimate_boundary_memory(path: Path, data: bytes | None = None) -> MemoryEstimate:
    """Estimate the memory a boundary file needs, without reading its geometry.

    Parameters
    ----------
    path : pathlib.Path
        The boundary file (GeoJSON, GeoPackage or Shapefile ``.shp``).
    data : bytes, optional
        The file's bytes, where the caller has read them already (GeoJSON).

    Returns
    -------
    MemoryEstimate
    """
    areas = _count_features(path, data)
    points = _count_points(path, data)
    return MemoryEstimate(areas=areas, points=points, needed=PER_AREA * areas + PER_POINT * points)


def check_boundary_memory(
    path: Path, display: str, *, data: bytes | None = None, available: int | None = None
) -> MemoryEstimate | None:
    """Refuse a boundary file that needs more memory than is free, before reading it.

    Parameters
    ----------
    path : pathlib.Path
        The boundary file.
    display : str
        The file's name as the user knows it, for the message.
    data : bytes, optional
        The file's bytes, where already read (GeoJSON).
    available : int, optional
        Free bytes; by default :func:`available_memory`.

    Returns
    -------
    MemoryEstimate or None
        The estimate, or None when free memory cannot be told (nothing checked).

    Raises
    ------
    InputError
        If the estimate is more than the memory free.
    """
    free = available_memory() if available is None else available
    if free is None:
        return None
    estimate = estimate_boundary_memory(path, data)
    if estimate.needed > free:
        capped = available is None and memory_limit() == free
        where = (
            f"the setting {LIMIT_VARIABLE} allows only {format_size(free)}"
            if capped
            else f"only {format_size(free)} is free on this computer"
        )
        raise InputError(
            f"reading and drawing these boundaries needs about {format_size(estimate.needed)} "
            f"of memory ({estimate.areas:,} areas, about {estimate.points:,} corner points), "
            f"but {where}. The file was not read, and nothing already loaded was changed",
            file=display,
            expected=f"a boundary file needing less than {format_size(free)}",
            fix="Use the generalised boundaries (ONS 'BGC', clipped to the coastline at 20 m: "
            "far fewer points than 'BFC' full resolution), or cut the file to your study area "
            "in QGIS, or close other programs and try again",
        )
    return estimate
