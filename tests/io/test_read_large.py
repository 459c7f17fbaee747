"""Large CSV files take the linear-time path and give exactly what the careful path gives."""

from __future__ import annotations

import pytest

import meam_mapping.io.read as read_module
from meam_mapping.errors import InputError
from meam_mapping.io.read import read_table


def _big_csv(extra_row: str | None = None) -> bytes:
    lines = ["area_code,indicator,period,count,note"]
    for i in range(30_000):
        note = '"a, b"' if i % 7 == 0 else ('"two\nlines"' if i % 11 == 0 else "  padded  ")
        count = "*" if i % 5 == 0 else str(i % 40)
        lines.append(f"E01{i:06d},homeless,2024/25,{count},{note}")
        if i % 1000 == 0:
            lines.append("")  # a blank row
        if i % 1500 == 0:
            lines.append(f"E02{i:06d},short")  # fewer values than headings
    if extra_row:
        lines.insert(20_000, extra_row)
    return ("\n".join(lines) + "\n").encode()


def _careful(data: bytes, name: str, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(read_module, "_fast_csv", lambda *a: None)
        return read_table(data, name=name)


def test_the_fast_path_reads_exactly_what_the_careful_path_reads(monkeypatch):
    data = _big_csv()
    assert len(data) > 1_000_000
    calls = []
    real = read_module._fast_csv
    monkeypatch.setattr(read_module, "_fast_csv", lambda *a: calls.append(1) or real(*a))
    fast = read_table(data, name="big.csv")
    assert calls and real(data.decode(), ",", "big.csv") is not None  # the fast path ran
    slow = _careful(data, "big.csv", monkeypatch)
    assert fast.frame.equals(slow.frame)
    assert list(fast.frame.index[:3]) == [2, 4, 5]  # row numbers as a spreadsheet shows them
    assert fast.notes == slow.notes and any("blank row" in n for n in fast.notes)
    assert fast.frame.loc[2, "note"] == "a, b" and fast.frame.loc[5, "note"] == "padded"
    assert fast.frame.loc[4, "indicator"] == "short" and fast.frame.loc[4, "note"] == ""


def test_a_ragged_row_in_a_large_file_gets_the_careful_message(monkeypatch):
    data = _big_csv(extra_row="E01999999,homeless,2024/25,1,x,surplus")
    with pytest.raises(InputError) as fast:
        read_table(data, name="big.csv")
    with pytest.raises(InputError) as slow:
        _careful(data, "big.csv", monkeypatch)
    assert fast.value.message == slow.value.message
    assert "more values than there are column headings" in fast.value.message
