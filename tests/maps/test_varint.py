"""Variable-length integers: round trips, byte counts from the LEB128 definition, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from meam_mapping.maps.varint import decode_varints, encode_varints, unzigzag, zigzag


def test_known_encodings():
    # LEB128 examples: 0 -> 00, 127 -> 7f, 128 -> 80 01, 300 -> ac 02, 624485 -> e5 8e 26
    assert encode_varints(np.array([0, 127, 128, 300, 624485])) == bytes.fromhex(
        "007f8001ac02e58e26"
    )
    assert zigzag(np.array([0, -1, 1, -2, 2])).tolist() == [0, 1, 2, 3, 4]


def test_round_trip_of_signed_values():
    rng = np.random.default_rng(5)
    values = np.r_[rng.integers(-(10**12), 10**12, 2000), rng.integers(-70, 70, 2000), 0, -1]
    data = encode_varints(zigzag(values))
    decoded, used = decode_varints(data)
    assert used == len(data)
    np.testing.assert_array_equal(unzigzag(decoded), values)
    first, used = decode_varints(data, 3)
    np.testing.assert_array_equal(unzigzag(first), values[:3])
    assert used < len(data)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="zigzag"):
        encode_varints(np.array([1, -2]))
    with pytest.raises(ValueError, match="end inside"):
        decode_varints(bytes([0x80]))
    with pytest.raises(ValueError, match="Expected 2"):
        decode_varints(bytes([0x01]), 2)
