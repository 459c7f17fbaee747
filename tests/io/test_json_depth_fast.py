"""The JSON depth check without escapes (array operations) agrees with the regular-expression reading."""

from __future__ import annotations

import numpy as np

from meam_mapping.io import safety


def _regex_depth(data: bytes) -> int:
    """json_depth as first written: strings removed by the regular expression, then brackets counted."""
    brackets = safety._JSON_STRING.sub(b"", data).translate(None, safety._NOT_BRACKETS)
    steps = safety._OPEN[np.frombuffer(brackets, dtype=np.uint8)].astype(np.int64)
    return max(0, int(np.cumsum(steps).max())) if len(steps) else 0  # starts at depth 0


def test_random_texts_without_escapes_agree():
    rng = np.random.default_rng(4)
    alphabet = np.frombuffer(b'[[[]]]{{}}""" ,:1a', dtype=np.uint8)
    for n in (0, 1, 5, 40, 400, 3000):
        for _ in range(60):
            data = alphabet[rng.integers(0, len(alphabet), n)].tobytes()
            assert safety.json_depth(data) == _regex_depth(data), data


def test_strings_holding_brackets_are_passed_over():
    data = b'{"a": "[[[[", "b": [[1, "}}}"], {"c": "{"}]}'
    assert safety._depth_without_escapes(data, None) == 3 == _regex_depth(data)
    assert (
        safety._depth_without_escapes(b'{"a": "open', None) is None
    )  # left to the general reading
    assert safety.json_depth(b'{"a": "open [[[') == _regex_depth(b'{"a": "open [[[')


def test_long_texts_across_chunks(monkeypatch):
    monkeypatch.setattr(safety, "_MB", 1)  # chunks of 4 bytes
    data = b'{"x": "]]", "y": [[["[", 2]]], "z": "{{{{"}' * 3
    assert safety.json_depth(data) == _regex_depth(data) == 4
    assert safety.json_depth(b"[" * 50, stop_at=5) >= 5
