"""Overlap tables are refused at read time when no estimate can be made (issue 18 item 5)."""

from __future__ import annotations

import io
import itertools
import time

import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.patterns import MAX_LISTS, read_patterns


def pattern_csv(k: int, count: str = "3", rows: int = 40) -> bytes:
    names = [f"service_{i}" for i in range(k)]
    lines = [",".join([*names, "count"])]
    patterns = itertools.islice((p for p in itertools.product((0, 1), repeat=k) if any(p)), rows)
    for pattern in patterns:
        lines.append(",".join([*map(str, pattern), count]))
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("k", [16, 24, 40])
def test_more_lists_than_a_model_can_handle_are_refused_at_once(k):
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        read_patterns(io.BytesIO(pattern_csv(k)), file_name="overlap.csv")
    message = caught.value.message
    assert "overlap.csv" in message and f"has {k} list columns" in message
    assert f"{2**k - 1:,} overlap patterns" in message
    assert f"at most {MAX_LISTS} lists" in message and "Combine related services" in message
    assert time.perf_counter() - started < 30  # never the minutes or MemoryError of old


@pytest.mark.parametrize("k", [2, 10, 12, 15])
def test_up_to_fifteen_lists_are_read(k):
    frame = read_patterns(io.BytesIO(pattern_csv(k)), file_name="overlap.csv")
    assert len(frame.columns) == k + 1


def test_explicit_lists_are_counted_too():
    data = pattern_csv(16)
    with pytest.raises(InputError, match="has 16 list columns"):
        read_patterns(
            io.BytesIO(data), file_name="o.csv", lists=[f"service_{i}" for i in range(16)]
        )


@pytest.mark.parametrize("count", ["100000000000000000000", "1e20", "70000001", "inf"])
def test_a_count_beyond_any_population_is_refused(count):
    with pytest.raises(InputError) as caught:
        read_patterns(io.BytesIO(pattern_csv(3, count=count, rows=7)), file_name="o.csv")
    message = caught.value.message
    assert "o.csv" in message and "more people than live in the United Kingdom" in message
    assert "column 'count'" in message and "rows 2, 3" in message


def test_counts_adding_up_beyond_the_population_are_refused():
    with pytest.raises(InputError, match="add up to 420,000,000 people"):
        read_patterns(io.BytesIO(pattern_csv(3, count="60000000", rows=7)), file_name="o.csv")
