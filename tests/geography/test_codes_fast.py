"""Code lookups done through Arrow give pandas' answers (isin, level detection)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meam_mapping.geography import codes as gc


def _random_codes(rng, n):
    prefixes = ["E01", "E02", "E06", "E07", "E08", "W01", "E05", "X99", "E12"]
    picked = rng.choice(prefixes, n)
    return [f"{p}{rng.integers(0, 10**6):06d}" for p in picked]


@pytest.mark.parametrize("dtype", ["str", object])
def test_codes_in_matches_pandas_isin(dtype):
    rng = np.random.default_rng(3)
    codes = pd.Series(_random_codes(rng, 5000), dtype=dtype, index=rng.permutation(5000) + 7,
                      name="area_code")  # fmt: skip
    allowed = pd.Series(
        list(codes.sample(900, random_state=1)) + _random_codes(rng, 300), dtype=object
    )
    for given in (allowed, set(allowed), list(allowed), allowed.to_numpy(), []):
        expected = codes.isin(given)
        found = gc.codes_in(codes, given)
        pd.testing.assert_series_equal(found, expected)
        assert 0 < expected.sum() < len(codes) or len(given) == 0


def test_codes_in_with_missing_or_numbers_falls_back_to_pandas():
    codes = pd.Series(["E01000001", None, "E01000002", np.nan], dtype=object)
    for given in (["E01000001", None], [np.nan], [1, 2], ["E01000002"]):
        pd.testing.assert_series_equal(gc.codes_in(codes, given), codes.isin(given))
    numbers = pd.Series([1, 2, 3])
    pd.testing.assert_series_equal(gc.codes_in(numbers, [2]), numbers.isin([2]))


def _detect_one_by_one(codes):
    """detect_level as it was written first: every distinct code looked at in turn."""
    unique = list(pd.unique(gc.normalise_codes(codes).dropna()))
    counts, entities = {}, {}
    for code in unique:
        lvl = gc.level_of(code)
        counts[lvl] = counts.get(lvl, 0) + 1
        if lvl not in ("invalid", "unknown"):
            name = gc.ENTITY_PREFIXES[str(code)[:3]][1]
            entities[name] = entities.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), entities


def test_detect_level_counts_as_one_code_at_a_time():
    rng = np.random.default_rng(5)
    codes = _random_codes(rng, 3000) + ["not a code", " e01000001 ", "", None, "E0100000"]
    found = gc.detect_level(codes)
    counts, entities = _detect_one_by_one(codes)
    assert found.counts == counts and list(found.counts) == list(counts)
    assert found.entities == entities and list(found.entities) == list(entities)
    assert found.level == next(iter(counts)) and "invalid" in found.counts


def test_find_retired_finds_retired_districts_only():
    table = gc.retired_districts()
    old = list(table["old_code"].iloc[:2])
    found = gc.find_retired([*old, "E01000001", None])
    assert set(found["old_code"]) == set(old)
    pd.testing.assert_frame_equal(found, table[table["old_code"].isin(old)].reset_index(drop=True))


def _normalise_one_by_one(codes):
    """normalise_codes as it was written first: each distinct value in a Python loop."""
    out = []
    for value in codes:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(None)
            continue
        text = str(value).strip()
        if not text:
            out.append(None)
        elif gc.GSS_PATTERN.match(text.upper()):
            out.append(text.upper())
        else:
            out.append(text)
    return out


@pytest.mark.parametrize(
    "extra", [[], [17, 3.5], [b"E01000001"], ["\u00e9cole", " \u2003E01000009\u2003"]]
)
def test_normalise_codes_same_as_the_loop(extra):
    rng = np.random.default_rng(11)
    spaces = [" ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", ""]
    values = []
    for code in _random_codes(rng, 400):
        code = code.lower() if rng.random() < 0.3 else code
        values.append(rng.choice(spaces) + code + rng.choice(spaces))
    values += [
        "",
        "   ",
        "\t",
        "e01000001\n",
        "E0100000",
        "Cambridge 001A",
        "n12345678",
        None,
        np.nan,
    ]
    values += extra
    expected = _normalise_one_by_one(values)
    found = gc.normalise_codes(values)
    assert found.tolist() == expected
    assert found.dtype == object


def test_levels_of_is_level_of_for_every_code():
    rng = np.random.default_rng(2)
    codes = _random_codes(rng, 2000) + [
        "E01000001\n",
        "e01000001",
        "",
        "E0100000",
        "\u00c901000001",
        5,
    ]
    expected = [gc.level_of(c) for c in codes]
    assert list(gc.levels_of(codes)) == expected
    assert list(gc.levels_of(codes[:2000])) == expected[:2000]
    assert list(gc.levels_of(codes[:2000] + ["E01000001\n", "E01000001 "])) == (
        expected[:2000] + [gc.level_of("E01000001\n"), gc.level_of("E01000001 ")]
    )


def test_detect_level_of_nothing():
    found = gc.detect_level([None, "", "  "])
    assert found.level == "unknown" and found.n_codes == 0


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_normalise_codes_of_a_text_column_same_as_the_loop(dtype):
    """A text column is hashed as stored: same codes, index kept, blanks and missing None."""
    rng = np.random.default_rng(4)
    values = [
        rng.choice([" ", "\t", "", "\u2003"]) + (c.lower() if rng.random() < 0.3 else c)
        for c in _random_codes(rng, 300)
    ]
    values += ["", "  ", "e01000001\n", "\u00e9cole", "Cambridge 001A", None, "E01000001"] * 3
    column = pd.Series(values, dtype=dtype, index=rng.permutation(len(values)) + 5, name="code")
    found = gc.normalise_codes(column)
    assert found.tolist() == _normalise_one_by_one(values)
    assert found.index.equals(column.index) and found.dtype == object and found.name is None


def test_join_levels_from_distinct_codes_equal_detect_level():
    rng = np.random.default_rng(8)
    codes = _random_codes(rng, 2000) + ["not a code", "E0100000"]
    unique = pd.unique(gc.normalise_codes(codes).dropna().to_numpy(dtype=object))
    assert gc._detect_distinct(unique) == gc.detect_level(codes)
    assert gc._detect_distinct(np.array([], dtype=object)) == gc.detect_level([])


@pytest.mark.parametrize("dtype", ["str", object])
def test_normalised_codes_factorised_as_pandas_would(dtype):
    """Codes that normalise alike share a position; order and missing codes as pd.factorize."""
    rng = np.random.default_rng(12)
    base = _random_codes(rng, 50)
    values = [rng.choice(["", " ", "\t"]) + (c.lower() if rng.random() < 0.4 else c)
              for c in rng.choice(base, 600)]  # fmt: skip
    values += ["", "  ", None, "not a code", " not a code "]
    column = pd.Series(values, dtype=dtype)
    normalised, positions, distinct = gc._normalised_codes_factorised(column)
    pd.testing.assert_series_equal(normalised, gc.normalise_codes(column))
    want_positions, want_distinct = pd.factorize(normalised.to_numpy(dtype=object))
    assert positions.tolist() == want_positions.tolist()
    assert list(distinct) == list(want_distinct)
