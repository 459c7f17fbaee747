"""Area codes cleaned through Arrow (all ASCII) equal the codes cleaned one by one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meam_mapping.io import indicators

SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", ""]


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    out = []
    for i in range(n):
        code = (
            f"{rng.choice(['E01', 'W01', 'E02', 'E07', 'S01', 'N09'])}{rng.integers(0, 10**6):06d}"
        )
        if rng.random() < 0.3:
            code = code.lower()
        if rng.random() < 0.3:
            cut = int(rng.integers(1, len(code)))
            code = code[:cut] + rng.choice(SPACES) * int(rng.integers(1, 3)) + code[cut:]
        out.append(rng.choice(SPACES) + code + rng.choice(SPACES) + ("\n" if i % 50 == 0 else ""))
    return out


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["Cambridge 001A", "custom-7", "e0100000", "E010000011", "  ", "", "x e01000001"],
        ["\u00e901000001", "E01\u00a0000001", "e01000001\u2003"],  # not ASCII: one by one
    ],
)
def test_clean_codes_same_both_ways(monkeypatch, extra):
    rng = np.random.default_rng(9)
    codes = _codes(rng, 600) + extra
    long = pd.DataFrame(
        {"area_code": pd.Series(codes * 2, dtype="str"), "n": range(len(codes) * 2)}
    )
    fast_notes: list[str] = []
    fast = indicators._clean_codes(long, fast_notes)
    with monkeypatch.context() as patched:
        patched.setattr(indicators, "_fixed_ascii_codes", lambda uniques: None)
        slow_notes: list[str] = []
        slow = indicators._clean_codes(long, slow_notes)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_notes == slow_notes and fast_notes  # some codes were in lower case
    if not extra:
        assert indicators._fixed_ascii_codes(pd.unique(long["area_code"])) is not None
