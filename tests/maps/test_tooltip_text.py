"""The vectorised tooltip text equals escaping and formatting each value on its own.

The map's tooltips are built column-wise (each distinct number formatted
once, only the names holding ``&<>"'`` escaped one by one). The reference here
is the per-value code they replaced: ``furniture.esc`` and ``format`` on every
value, blank where ``pd.isna``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meam_mapping.maps import interactive
from meam_mapping.maps.furniture import esc

AWKWARD_NAMES = [
    "Barking & Dagenham 016A",
    "<script>alert('x')</script>",
    'The "Quoted" Ward',
    "King's Lynn 001A",
    "Ynys Môn 003B — Caernarfon",
    "Ceredigion 001A",
    "&amp; already escaped",
    "",
    "   spaced   ",
    "emoji 🏠 & <b>",
]


def _per_value_texts(s: pd.Series, fmt: str) -> pd.Series:
    return pd.Series([format(v, fmt) if not pd.isna(v) else "" for v in s.tolist()],
                     index=s.index, dtype="str")  # fmt: skip


def _per_value_escaped(s: pd.Series) -> pd.Series:
    return pd.Series([esc(v) for v in s.tolist()], index=s.index, dtype="str")


def _frame(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = pd.Series(rng.choice(np.array(AWKWARD_NAMES, dtype=object), n), dtype="str")
    names[rng.random(n) < 0.05] = np.nan
    codes = pd.Series([f"E0100{i:04d}" for i in range(n)], dtype="str")
    codes[3] = "W01<&>'\"x"
    count = rng.choice([0.0, 1.0, 4.0, 17.0, 999.0, 1234.0, 1_234_567.0, 12_345_678_901.0,
                        -0.0, 2.5, np.nan], n)  # fmt: skip
    denominator = rng.choice([np.nan, 0.0, 1500.0, 98_765.0, 1e12, 1234.5], n)
    value = rng.normal(0, 3000, n)
    value[rng.random(n) < 0.1] = np.nan
    value[:6] = [-0.0, 0.0, 0.05, -0.04, 1e15 + 0.5, np.inf]
    status = rng.choice(["value", "suppressed", "missing"], n, p=[0.6, 0.3, 0.1])
    suppression = pd.Series(rng.choice(["", "small count", "secondary", "hidden in a group"], n))
    suppression[rng.random(n) < 0.1] = None
    return pd.DataFrame(
        {
            "area_code": codes,
            "area_name": names,
            "count": count,
            "denominator": denominator,
            "value": value,
            "status": status,
            "suppression": suppression,
            "secondary": suppression.eq("secondary"),
            # extra tooltip fields of every kind a table may bring
            "ward & <name>": names.iloc[::-1].to_numpy(),
            "people": rng.integers(-5, 10**9, n),
            "mixed": pd.Series(
                [1, 1.0, True, None, np.nan, "a&b", -0.0, 0.0] * (n // 8), dtype=object
            ),  # fmt: skip
            "category": pd.Categorical(rng.choice(["<low>", "high & dry", "mid"], n)),
            "nullable": pd.Series(rng.choice(["x'y", "z", None], n), dtype="string"),
        }
    )


def _reference_tooltips(monkeypatch, frame, *args):
    with monkeypatch.context() as patched:
        patched.setattr(interactive, "_texts", _per_value_texts)
        patched.setattr(interactive, "_escaped", _per_value_escaped)
        return interactive._tooltips(frame, *args)


@pytest.mark.parametrize("unit", ["per 1,000 adults", "<b>per 100</b> & 'rate'", ""])
@pytest.mark.parametrize("small_values", [False, True])
def test_tooltips_equal_per_value_escaping(monkeypatch, unit, small_values):
    frame = _frame()
    if small_values:  # all values below 10: two decimals
        frame["value"] = frame["value"] / 1e6
    extra = ["ward & <name>", "people", "mixed", "category", "nullable"]
    expected = _reference_tooltips(monkeypatch, frame, unit, 5, extra)
    got = interactive._tooltips(frame, unit, 5, extra)
    assert got.dtype == expected.dtype
    assert got.index.equals(expected.index)
    assert got.tolist() == expected.tolist()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in "".join(got)


@pytest.mark.parametrize(
    "column",
    ["area_code", "area_name", "ward & <name>", "people", "mixed", "category", "nullable"],
)
def test_escaped_column_equals_escape_of_each_value(column):
    s = _frame()[column]
    assert interactive._escaped(s).tolist() == _per_value_escaped(s).tolist()


@pytest.mark.parametrize("fmt", [",.0f", ",.1f", ",.2f"])
@pytest.mark.parametrize("column", ["count", "denominator", "value", "people", "mixed_numbers"])
def test_texts_equal_format_of_each_value(fmt, column):
    frame = _frame()
    frame["mixed_numbers"] = pd.Series([1, 2.5, None, np.nan, -0.0] * 80, dtype=object)
    s = frame[column]
    assert interactive._texts(s, fmt).tolist() == _per_value_texts(s, fmt).tolist()


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint16", "Float64", "Int64"])
def test_texts_equal_format_of_each_value_in_other_dtypes(dtype):
    s = pd.Series([0, 1, 7, 1234, 65000, 3, 1] * 20)
    if dtype[0].isupper():
        s = s.astype(dtype)
        s[::5] = pd.NA
    else:
        s = s.astype(dtype)
    for fmt in (",.0f", ",.1f", ",.2f"):
        assert interactive._texts(s, fmt).tolist() == _per_value_texts(s, fmt).tolist()


def test_negative_zero_keeps_its_sign():
    s = pd.Series([0.0, -0.0, np.nan, 1_234_567.0])
    assert interactive._fmt_int(s).tolist() == ["0", "-0", "", "1,234,567"]


def test_empty_columns():
    empty = pd.Series([], dtype="float64")
    assert interactive._texts(empty, ",.1f").tolist() == []
    assert interactive._escaped(pd.Series([], dtype="str")).tolist() == []
