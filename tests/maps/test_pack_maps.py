"""The pack's gzip stream: a header compressed now joined to shapes compressed ahead."""

from __future__ import annotations

import gzip
import zlib

import numpy as np
import pytest

from meam_mapping.maps import pack
from meam_mapping.maps.pack import PackedGeometry

RNG = np.random.default_rng(20261130)


def _stream(kind: str) -> bytes:
    """Shape streams of several kinds: none, short, and longer than deflate's 32 KB window."""
    if kind == "empty":
        return b""
    if kind == "short":
        return b"\x01\x02\x03\x7f" * 3
    if kind == "noise":  # does not compress: stored blocks
        return RNG.integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    # varint-like steps: small numbers, long repeats (most of a real map's stream)
    return RNG.integers(0, 6, 300_000, dtype=np.uint8).tobytes()


@pytest.mark.parametrize("kind", ["empty", "short", "noise", "steps"])
@pytest.mark.parametrize("first", [b"", b"MEAMPK1\x00" + b'{"d":3}' * 5000])
def test_joined_stream_inflates_to_header_then_shapes(kind, first):
    stream = _stream(kind)
    shapes = PackedGeometry.from_stream(np.asarray([]), 3, (0, 0, 0, 0), stream)
    joined = pack._gzip_joined(first, shapes)
    # gzip checks the CRC-32 and length in the trailer: a wrong one raises.
    assert gzip.decompress(joined) == first + stream
    # One gzip member, as a browser's DecompressionStream('gzip') expects.
    inflate = zlib.decompressobj(wbits=31)
    assert inflate.decompress(joined) == first + stream
    assert inflate.eof and inflate.unused_data == b""


def test_a_damaged_trailer_is_refused():
    stream = _stream("steps")
    shapes = PackedGeometry.from_stream(np.asarray([]), 3, (0, 0, 0, 0), stream)
    joined = bytearray(pack._gzip_joined(b"head", shapes))
    joined[-5] ^= 1  # one bit of the checksum
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(bytes(joined))


def test_crc_of_two_parts_matches_zlib_over_the_whole():
    for size_a, size_b in [(0, 0), (0, 7), (9, 0), (1, 1), (1000, 65_537), (70_000, 3)]:
        a = RNG.integers(0, 256, size_a, dtype=np.uint8).tobytes()
        b = RNG.integers(0, 256, size_b, dtype=np.uint8).tobytes()
        combined = pack._crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b))
        assert combined == zlib.crc32(a + b)


def test_the_same_pack_whether_shapes_were_kept_or_made_now(tmp_path, monkeypatch):
    """Shapes read back from the cache give the very bytes of shapes encoded now."""
    import shapely

    from meam_mapping.geography import boundary_cache

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path))
    monkeypatch.delenv(boundary_cache.CACHE_SWITCH_ENV, raising=False)
    geoms = np.asarray([shapely.box(i, 0, i + 1, 1) for i in range(50)])
    props = {"k": list(range(50))}
    made = pack.prepack_geometry(geoms)
    key = boundary_cache.cache_key("packed", "test")
    pack.keep_packed(key, made)
    kept = pack.kept_packed(key, geoms)
    assert kept is not None and (kept.crc, kept.size, kept.deflated) == (
        made.crc,
        made.size,
        made.deflated,
    )
    pack.use_packed(kept)
    from_cache = pack.pack_features(geoms, props)
    assert from_cache == pack.pack_features(geoms, props)  # the second encodes its own
    # An entry without the stream's checksum (written by an older program) is not used.
    boundary_cache.store_bytes(key, made.deflated, {"decimals": 0, "counts": [50, 50, 50, 200]})
    assert pack.kept_packed(key, geoms) is None
