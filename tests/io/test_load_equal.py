"""The linear-time loading paths give exactly the frame the careful paths give (issue 18).

A generated European file (semicolons, decimal commas, thousands dots,
suppression marks, several periods, lower-case codes, blank lines) is loaded
three ways: pyarrow's reader (the fast path for files over 1 MB), pandas' C
parser (pyarrow refused) and the careful row-by-row reader. All three give the
same table and notes, and the table holds the numbers the file was written
from. Timings are in ``bench/load_scale.py``, never here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import meam_mapping.io.read as read_module
from meam_mapping.io.indicators import load_indicator_file

N_AREAS, INDICATORS, PERIODS = 2_400, ("Homeless households", "Drug treatment"), 3


def _written() -> tuple[bytes, pd.DataFrame]:
    """The file's bytes, and the numbers it was written from (one row per file row)."""
    rng = np.random.default_rng(18)
    n = N_AREAS * len(INDICATORS) * PERIODS
    area = np.repeat(np.arange(1, N_AREAS + 1), len(INDICATORS) * PERIODS)
    indicator = np.tile(np.repeat(np.arange(len(INDICATORS)), PERIODS), N_AREAS)
    period = np.tile(np.arange(PERIODS), N_AREAS * len(INDICATORS))
    population = rng.integers(400, 250_000, size=N_AREAS)[area - 1].astype(float)
    count = rng.integers(0, 60, size=n).astype(float)
    suppressed = rng.random(n) < 0.08
    rate = np.round(rng.random(n) * 90, 1)
    truth = pd.DataFrame(
        {
            "area_code": [f"E01{a:06d}" for a in area],
            "indicator": np.array(["homeless_households", "drug_treatment"])[indicator],
            "period": np.array([f"{2021 + p}/{22 + p}" for p in range(PERIODS)])[period],
            "count": np.where(suppressed, np.nan, count),
            "denominator": population,
            "value": rate,
            "suppressed": suppressed,
        }
    )
    code = truth["area_code"].where(area % 13 != 0, truth["area_code"].str.lower())
    mark = np.where(rng.random(n) < 0.5, "*", "c")
    lines = ["Area code;Area name;Indicator;Period;Count;Denominator;Rate per 1,000;Unit"]
    for i in range(n):
        cells = [
            code.iloc[i],
            f"Area {area[i]:05d}, north" if area[i] % 5 == 0 else f"Area {area[i]:05d}",
            INDICATORS[indicator[i]],
            truth["period"].iloc[i],
            mark[i] if suppressed[i] else f"{int(count[i])}",
            f"{int(population[i]):,}".replace(",", "."),  # 12.345 is twelve thousand
            f"{rate[i]:.1f}".replace(".", ","),  # 18,5 is eighteen and a half
            "per 1,000",
        ]
        lines.append(";".join(f'"{c}"' if "," in c else c for c in cells))
        if i % 5_000 == 4_999:
            lines.append("")  # a blank line (its row number still counts)
    return ("\n".join(lines) + "\n").encode("utf-8"), truth


@pytest.fixture(scope="module")
def written() -> tuple[bytes, pd.DataFrame]:
    return _written()


def _load(data: bytes, monkeypatch: pytest.MonkeyPatch, path: str):  # noqa: ANN202
    with monkeypatch.context() as m:
        if path == "c":
            m.setattr(read_module, "_arrow_csv", lambda *a: None)
        elif path == "careful":
            m.setattr(read_module, "_fast_csv", lambda *a: None)
        return load_indicator_file(data, name="european.csv")


def test_the_file_is_large_enough_for_the_fast_path(written):
    data, _ = written
    assert len(data) > 1_000_000
    # pyarrow reads it (quotes balanced, rows all the same width), not the fallback.
    cells = read_module._arrow_csv(data, ";")
    assert cells is not None and cells.shape == (len(data.decode().split("\n")) - 1, 8)


def test_fast_c_and_careful_paths_give_the_same_table(written, monkeypatch):
    data, _ = written
    fast = _load(data, monkeypatch, "arrow")
    for path in ("c", "careful"):
        other = _load(data, monkeypatch, path)
        pd.testing.assert_frame_equal(fast.table, other.table, check_exact=True)
        assert fast.notes == other.notes
        assert fast.layout == other.layout == "tidy"


def test_the_table_holds_the_numbers_the_file_was_written_from(written, monkeypatch):
    data, truth = written
    table = _load(data, monkeypatch, "arrow").table
    assert len(table) == len(truth)
    for column in ("area_code", "indicator", "period"):
        assert table[column].tolist() == truth[column].tolist()
    for column in ("count", "denominator", "value"):
        np.testing.assert_array_equal(table[column].to_numpy(), truth[column].to_numpy())
    assert table["suppressed"].tolist() == truth["suppressed"].tolist()
    assert set(table["unit"]) == {"per_1000"} and set(table["kind"]) == {"rate"}


def test_a_bad_cell_is_named_by_its_row_on_every_path(written, monkeypatch):
    data, _ = written
    lines = data.decode().split("\n")
    lines[9_001] = lines[9_001].replace("per 1,000", "per fortnight")
    bad = "\n".join(lines).encode()
    messages = set()
    for path in ("arrow", "c", "careful"):
        with pytest.raises(Exception) as caught:
            _load(bad, monkeypatch, path)
        messages.add(str(caught.value))
    assert len(messages) == 1
    assert "9002" in messages.pop()


def test_headings_below_many_title_lines_are_still_found():
    """The headings are looked for in the first rows, then (if not there) in all of them."""
    from meam_mapping.io.read import read_table

    titles = [f"Title line {i}" for i in range(1_200)]
    rows = [f"E01{i:06d},{i % 9}" for i in range(1, 50)]
    data = "\n".join([*titles, "area_code,count", *rows, ""]).encode()
    raw = read_table(data, name="titles.csv")
    assert list(raw.frame.columns) == ["area_code", "count"]
    assert raw.frame.index[0] == 1_202 and len(raw.frame) == 49
    assert any("Skipped 1200 title line(s)" in n for n in raw.notes)
