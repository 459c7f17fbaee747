"""The features of a large interactive map, packed: integer steps in varints, gzip, base64.

An interactive map of 34,753 areas would send megabytes of GeoJSON text for
the browser to parse. :func:`pack_features` writes the (already simplified
and rounded, see :mod:`meam_mapping.maps.simplify`) polygons as integer
coordinate differences in variable-length bytes, gzip-compressed and
base64-encoded; the page inflates them with the browser's own
``DecompressionStream`` (:mod:`meam_mapping.maps.area_canvas`) and
:func:`unpack_features` reads them back in Python.

The geometry part does not depend on the map's data, so a command can encode
and compress it ahead, in a second thread, while the data are classed
(:func:`prepack_geometry_in`). Compressed on its own, it is joined to the
compressed header as a second run of deflate blocks (see
:func:`_gzip_joined`): the page's ``DecompressionStream`` reads one gzip
stream as before, and the main thread compresses only the header.
"""

from __future__ import annotations

import base64
import gzip
import json
import struct
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from meam_mapping.errors import InputError
from meam_mapping.maps.varint import decode_varints, encode_varints, unzigzag, zigzag

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

__all__ = [
    "PackedGeometry",
    "keep_packed",
    "kept_packed",
    "pack_features",
    "packed_key",
    "prepack_geometry",
    "prepack_geometry_in",
    "unpack_features",
    "use_packed",
]


def _decimals_of(coords: np.ndarray) -> int:
    """Fewest decimal places (3 to 6) that hold every coordinate exactly."""
    for decimals in (3, 4, 5):
        if np.allclose(coords, np.round(coords, decimals), rtol=0, atol=1e-9):
            return decimals
    return 6


#: First bytes of a binary pack (inflated), before its header's length.
_MAGIC = b"MEAMPK1\x00"


def pack_features(geometries: Any, properties: dict[str, Any]) -> str:
    """Write polygons and their properties compactly, gzip-compressed and base64-encoded.

    Parameters
    ----------
    geometries : array-like of shapely Polygon or MultiPolygon
        In EPSG:4326, already rounded (see :func:`simplify_for_display`).
    properties : dict of str to array-like
        Property columns, each one JSON-serialisable value per geometry.

    Returns
    -------
    str
        Base64 text of gzip-compressed bytes: :data:`_MAGIC`, the length of a
        JSON header (4 bytes, little-endian), the header ``{"d", "n",
        "props"}`` and then varints (:mod:`meam_mapping.maps.varint`): the
        polygons of each feature, the rings of each polygon, the vertices of
        each ring (``n`` holds the four totals: features, polygons, rings,
        vertices), then every vertex's ``x, y`` as zigzag integers
        (``round(value * 10**d)``), each ring's first vertex absolute and the
        others as differences from the previous vertex, the closing vertex
        left out. ``props`` maps each property to its list of values. The
        page inflates it with ``DecompressionStream('gzip')`` and reads it
        with no text parsing but the header (see
        :mod:`meam_mapping.maps.area_canvas`); :func:`unpack_features` reads
        it in Python.

    Notes
    -----
    Coordinate steps are mostly one byte as varints against four to eight
    characters of decimal text: the national map's 418,800 vertices take
    about half the space of the JSON integer lists this replaced, and the
    browser no longer parses three million numbers from text.
    """
    geoms = np.asarray(geometries, dtype=object)
    names = list(properties)
    columns = {name: np.asarray(properties[name]).tolist() for name in names}
    for name, column in columns.items():
        if len(column) != len(geoms):
            raise InputError(
                f"The property {name!r} has {len(column)} values for {len(geoms)} areas",
                column=name,
                expected="one value per area",
            )
    shapes = _prepacked_for(geoms)
    if shapes is None:
        shapes = prepack_geometry(geoms)
    props = ",".join(
        json.dumps(name) + ":" + json.dumps(column, separators=(",", ":"), allow_nan=False)
        for name, column in columns.items()
    )
    head = (
        f'{{"d":{shapes.decimals},"n":[{",".join(map(str, shapes.counts))}],"props":{{{props}}}}}'
    ).encode()
    first = _MAGIC + len(head).to_bytes(4, "little") + head
    return base64.b64encode(_gzip_joined(first, shapes)).decode("ascii")


#: zlib level of the packs: level 9 took twice as long for 1% less on the national map.
_LEVEL = 6


def _deflate(data: bytes, end: int) -> bytes:
    """Raw deflate blocks of ``data`` (no header or checksum), by a fresh compressor.

    ``end`` is ``zlib.Z_FINISH`` (the last block marked final) or
    ``zlib.Z_SYNC_FLUSH`` (flushed to a byte boundary, none final, so that
    more blocks may follow).
    """
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(end)


def _crc32_combine(crc_a: int, crc_b: int, size_b: int) -> int:
    """CRC-32 of ``a + b`` from the CRC-32 of each and the length of ``b``.

    CRC-32 is linear but for a term fixed by the length, and leading zero
    bytes do not change its linear part, so ``crc(a + b)`` is
    ``crc(a + zeros) ^ crc(b) ^ crc(zeros)`` with ``len(b)`` zeros: two
    passes of zlib over zeros (milliseconds for megabytes), and ``b``
    itself is not needed.

    Examples
    --------
    >>> a, b = b"multiple ", b"disadvantage"
    >>> _crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    True
    """
    zeros = bytes(size_b)
    return zlib.crc32(zeros, crc_a) ^ crc_b ^ zlib.crc32(zeros)


def _gzip_joined(first: bytes, shapes: PackedGeometry) -> bytes:
    """One gzip member inflating to ``first + stream``, from the shapes' stream deflated ahead.

    ``first`` is deflated here and flushed to a byte boundary with blocks not
    marked final (``Z_SYNC_FLUSH``); the shapes' own deflate blocks, made by
    a fresh compressor (so they point back only into their own bytes), follow
    and end the stream. The header, checksum and length are gzip's (RFC 1952):
    the checksum runs over both parts in order.
    """
    head = _deflate(first, zlib.Z_SYNC_FLUSH)
    crc = _crc32_combine(zlib.crc32(first), shapes.crc, shapes.size)
    size = (len(first) + shapes.size) & 0xFFFFFFFF
    # ID1 ID2, deflate, no flags, mtime 0 (the same bytes every run), no extra flags, OS unknown.
    header = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x00\xff"
    return header + head + shapes.deflated + struct.pack("<II", crc, size)


@dataclass(frozen=True, eq=False)
class PackedGeometry:
    """The geometry part of a :func:`pack_features` pack, worked out ahead.

    Attributes
    ----------
    geoms : numpy.ndarray
        The geometries it was made from (the very objects).
    decimals : int
        Decimal places of the coordinates.
    counts : tuple of int
        Features, polygons, rings and vertices.
    deflated : bytes
        The varints of the offsets and coordinate steps (the *stream*), as
        raw deflate blocks, the last one final (see :func:`_gzip_joined`).
    crc : int
        CRC-32 of the stream.
    size : int
        Length of the stream in bytes.
    """

    geoms: np.ndarray
    decimals: int
    counts: tuple[int, int, int, int]
    deflated: bytes
    crc: int
    size: int

    @classmethod
    def from_stream(
        cls, geoms: np.ndarray, decimals: int, counts: tuple[int, int, int, int], stream: bytes
    ) -> PackedGeometry:
        """Compress ``stream`` (zlib lets other threads run meanwhile)."""
        return cls(geoms=geoms, decimals=decimals, counts=counts, deflated=_deflate(stream, zlib.Z_FINISH),
                   crc=zlib.crc32(stream), size=len(stream))  # fmt: skip


#: The geometry being packed ahead, and its future (see :func:`prepack_geometry_in`).
_PREPACKED: list[tuple[np.ndarray, Future[PackedGeometry]]] = []


def prepack_geometry(geometries: Any) -> PackedGeometry:
    """The geometry part of :func:`pack_features` for ``geometries``.

    Parameters
    ----------
    geometries : array-like of shapely Polygon or MultiPolygon
        As for :func:`pack_features`.

    Returns
    -------
    PackedGeometry

    Raises
    ------
    InputError
        For geometry that is not polygons.
    """
    import shapely

    geoms = np.asarray(geometries, dtype=object)
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        rings, polygons = offsets
        features = np.arange(len(geoms) + 1)
    elif kind == shapely.GeometryType.MULTIPOLYGON:
        rings, polygons, features = offsets
    else:
        raise InputError(
            "Only polygon areas can be packed for display",
            column="geometry",
            expected="Polygon or MultiPolygon geometries",
        )
    keep = np.ones(len(coords), dtype=bool)
    keep[rings[1:] - 1] = False  # the closing vertex repeats the first
    decimals = _decimals_of(coords)
    ints = np.round(coords[keep] * 10**decimals).astype(np.int64)
    starts = rings[:-1] - np.arange(len(rings) - 1)
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    deltas[starts[starts < len(ints)]] = ints[starts[starts < len(ints)]]
    ring_offsets = rings - np.arange(len(rings))
    stream = b"".join([
        encode_varints(np.diff(features)), encode_varints(np.diff(polygons)),
        encode_varints(np.diff(ring_offsets)), encode_varints(zigzag(deltas.ravel())),
    ])  # fmt: skip
    counts = (len(features) - 1, len(polygons) - 1, len(rings) - 1, len(ints))
    return PackedGeometry.from_stream(geoms, decimals, counts, stream)


def prepack_geometry_in(executor: Executor, geometries: Any) -> Future[PackedGeometry]:
    """Start encoding the geometry of the next :func:`pack_features` call in ``executor``.

    The geometry does not depend on the map's data, so a command can encode
    it in a second thread while the data are classed and the tooltips
    written. The next :func:`pack_features` call given the very same
    geometry objects, in the same order, waits for it and uses it; any other
    call (or a failed encoding) encodes its own: the pack is the same
    either way.

    Parameters
    ----------
    executor : concurrent.futures.Executor
    geometries : array-like of shapely Polygon or MultiPolygon

    Returns
    -------
    concurrent.futures.Future
    """
    geoms = np.asarray(geometries, dtype=object)
    future = executor.submit(prepack_geometry, geoms)
    _PREPACKED[:] = [(geoms, future)]
    return future


def use_packed(packed: PackedGeometry) -> None:
    """Let the next :func:`pack_features` call on ``packed.geoms`` (the very objects) use ``packed``.

    As :func:`prepack_geometry_in`, for geometry encoded already (kept by
    :func:`keep_packed`, say).
    """
    from concurrent.futures import Future

    done: Future[PackedGeometry] = Future()
    done.set_result(packed)
    _PREPACKED[:] = [(np.asarray(packed.geoms, dtype=object), done)]


def packed_key(display: Any) -> str | None:
    """The key under which the encoded shapes of a display frame are kept, or None.

    ``display`` is a frame made by
    :func:`meam_mapping.maps.simplify.simplify_for_display` with its cache
    on (its ``attrs["display_key"]``, which names its geometry exactly); the
    program's files are in the key too, so a change of encoding is never
    read back with an old entry.
    """
    display_key = getattr(display, "attrs", {}).get("display_key")
    if not display_key:
        return None
    from meam_mapping.geography.boundary_cache import cache_key, program_stamp

    return cache_key("packed", display_key, program_stamp())


def keep_packed(key: str, packed: PackedGeometry) -> None:
    """Keep the encoded shapes under ``key`` (:func:`packed_key`) for the next command."""
    from meam_mapping.geography.boundary_cache import store_bytes

    store_bytes(key, packed.deflated, {"decimals": packed.decimals, "counts": list(packed.counts),
                                       "crc": packed.crc, "inflated": packed.size})  # fmt: skip


def kept_packed(key: str, geometries: Any) -> PackedGeometry | None:
    """The shapes kept under ``key`` for these geometries, or None (not kept, or not theirs)."""
    from meam_mapping.geography.boundary_cache import load_bytes

    kept = load_bytes(key)
    geoms = np.asarray(geometries, dtype=object)
    if kept is None:
        return None
    deflated, meta = kept
    counts = tuple(int(c) for c in meta.get("counts", ()))
    numbers = [meta.get(name) for name in ("decimals", "crc", "inflated")]
    if len(counts) != 4 or counts[0] != len(geoms) or not all(isinstance(v, int) for v in numbers):
        return None
    decimals, crc, size = numbers
    return PackedGeometry(geoms=geoms, decimals=decimals, counts=counts, deflated=deflated,  # type: ignore[arg-type]
                          crc=crc, size=size)  # fmt: skip


def _prepacked_for(geoms: np.ndarray) -> PackedGeometry | None:
    """The geometry packed ahead for exactly these objects, in this order, or None."""
    if not _PREPACKED:
        return None
    kept, future = _PREPACKED[0]
    if len(kept) != len(geoms) or not all(
        a is b for a, b in zip(kept.tolist(), geoms.tolist(), strict=True)
    ):
        return None
    _PREPACKED.clear()
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - pack_features encodes them itself and says what is wrong
        return None


def _read_binary(blob: bytes) -> dict[str, Any]:
    """The parts of a binary pack: ``d``, ``props`` and the offsets and deltas as arrays."""
    at = len(_MAGIC)
    size = int.from_bytes(blob[at : at + 4], "little")
    head = json.loads(blob[at + 4 : at + 4 + size])
    n_features, n_polygons, n_rings, n_vertices = head["n"]
    rest = np.frombuffer(blob, dtype=np.uint8, offset=at + 4 + size)
    parts = []
    for count in (n_features, n_polygons, n_rings, 2 * n_vertices):
        values, used = decode_varints(rest, count)
        parts.append(values)
        rest = rest[used:]
    if len(rest):
        raise ValueError(f"{len(rest)} bytes left over after the packed areas")
    g, p, r = (np.r_[0, np.cumsum(v.astype(np.int64))] for v in parts[:3])
    return {"d": head["d"], "c": unzigzag(parts[3]), "r": r, "p": p, "g": g,
            "props": head["props"]}  # fmt: skip


def unpack_features(packed: str) -> dict[str, Any]:
    """Read :func:`pack_features` output back as a GeoJSON ``FeatureCollection``.

    The same steps as the page's JavaScript, for tests and for checking a map.

    Parameters
    ----------
    packed : str

    Returns
    -------
    dict
        GeoJSON with ``MultiPolygon`` geometries (rings closed again).
    """
    blob = gzip.decompress(base64.b64decode(packed))
    # Packs made before November 2026 are JSON.
    data = _read_binary(blob) if blob.startswith(_MAGIC) else json.loads(blob)
    scale = 10 ** data["d"]
    flat = np.asarray(data["c"], dtype=np.int64).reshape(-1, 2)
    r, p, g = data["r"], data["p"], data["g"]
    features = []
    for i in range(len(g) - 1):
        polygons = []
        for j in range(g[i], g[i + 1]):
            rings = []
            for k in range(p[j], p[j + 1]):
                xy = np.cumsum(flat[r[k] : r[k + 1]], axis=0) / scale
                rings.append([*xy.tolist(), xy[0].tolist()])
            polygons.append(rings)
        props = {name: values[i] for name, values in data["props"].items()}
        geometry = {"type": "MultiPolygon", "coordinates": polygons}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}
