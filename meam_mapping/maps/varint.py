"""Variable-length integers (LEB128 with zigzag signs), written and read with numpy.

The packed areas of a large interactive map (:func:`meam_mapping.maps.simplify.pack_features`)
are mostly small integers: coordinate steps of a few units and counts of
rings and vertices. Written seven bits a byte (the high bit set on every byte
but a number's last), most take one or two bytes instead of the four to eight
of decimal text; the browser reads them in one pass over a ``Uint8Array``
with no text parsing.

Signed values are zigzag-coded first (0, -1, 1, -2, ... become 0, 1, 2, 3, ...).
"""

from __future__ import annotations

import numpy as np

__all__ = ["decode_varints", "encode_varints", "unzigzag", "zigzag"]

_MAX_BYTES = 10  # enough for any 64-bit value


def zigzag(values: np.ndarray) -> np.ndarray:
    """Signed integers as non-negative ones: ``0, -1, 1, -2`` -> ``0, 1, 2, 3``."""
    v = np.asarray(values, dtype=np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def unzigzag(values: np.ndarray) -> np.ndarray:
    """Inverse of :func:`zigzag`."""
    u = np.asarray(values, dtype=np.uint64)
    return (u >> np.uint64(1)).astype(np.int64) ^ -(u & np.uint64(1)).astype(np.int64)


def encode_varints(values: np.ndarray) -> bytes:
    """Non-negative integers as LEB128 bytes, seven bits a byte, lowest first.

    Parameters
    ----------
    values : array-like of non-negative int

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        If a value is negative (zigzag it first).
    """
    v = np.asarray(values)
    if v.size and v.dtype.kind == "i" and v.min() < 0:
        raise ValueError("Varints hold non-negative integers: zigzag signed values first")
    v = v.astype(np.uint64).ravel()
    if not v.size:
        return b""
    widths = np.ones(v.size, dtype=np.int64)
    for shift in range(7, 7 * _MAX_BYTES, 7):
        widths += v >= np.uint64(1) << np.uint64(shift) if shift < 64 else 0
    starts = np.r_[0, np.cumsum(widths)[:-1]]
    out = np.zeros(int(widths.sum()), dtype=np.uint8)
    for b in range(int(widths.max())):
        pick = widths > b
        chunk = (v[pick] >> np.uint64(7 * b)) & np.uint64(127)
        more = (widths[pick] > b + 1).astype(np.uint64) << np.uint64(7)
        out[starts[pick] + b] = (chunk | more).astype(np.uint8)
    return out.tobytes()


def decode_varints(data: bytes | np.ndarray, count: int | None = None) -> tuple[np.ndarray, int]:
    """Read LEB128 integers from the start of ``data``.

    Parameters
    ----------
    data : bytes or numpy.ndarray of uint8
    count : int, optional
        How many to read (default: all).

    Returns
    -------
    values : numpy.ndarray of uint64
    used : int
        Bytes read.

    Raises
    ------
    ValueError
        If ``data`` ends inside a number or holds fewer than ``count``.
    """
    raw = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes) else np.asarray(data)
    ends = np.flatnonzero(raw < 128)
    if count is not None:
        if len(ends) < count:
            raise ValueError(f"Expected {count} varints, found {len(ends)}")
        ends = ends[:count]
    elif len(raw) and raw[-1] >= 128:
        raise ValueError("The data end inside a varint")
    starts = np.r_[0, ends[:-1] + 1]
    widths = ends - starts + 1
    values = np.zeros(len(ends), dtype=np.uint64)
    for b in range(int(widths.max()) if len(widths) else 0):
        pick = widths > b
        values[pick] |= (raw[starts[pick] + b] & np.uint8(127)).astype(np.uint64) << np.uint64(
            7 * b
        )
    used = int(ends[-1]) + 1 if len(ends) else 0
    return values, used
