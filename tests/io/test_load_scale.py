"""A large tidy table loads to exactly what its parts load to (issue 18: a million rows).

The large file takes the linear-time paths (pandas' C parser, values parsed once
per distinct value); a slice of a few areas is small enough for the careful
paths. Every row of the slice must come out of the large load unchanged.
Timings are in ``bench/load_scale.py``, never here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from big_tidy import big_tidy_frame

from meam_mapping.io.indicators import load_indicator_file


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _same_rows_as_a_slice(n_areas: int, slice_areas: list[int]) -> None:
    frame = big_tidy_frame(n_areas)
    big = load_indicator_file(_csv(frame), name="big.csv")
    codes = [f"E01{i:06d}" for i in slice_areas]
    part = frame[frame["Area code"].isin(codes)]
    small = load_indicator_file(_csv(part), name="big.csv")
    assert len(big.table) == len(frame)
    got = big.table[big.table["area_code"].isin(codes)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, small.table)
    # What the notes say is the same kind of thing (numbers differ with size).
    assert [n.split(" ")[-1] for n in big.notes] == [n.split(" ")[-1] for n in small.notes]


def test_a_table_over_the_fast_path_threshold_matches_its_slice():
    data = _csv(big_tidy_frame(600))
    assert len(data) > 1_000_000  # read by the C parser, not the careful path
    _same_rows_as_a_slice(600, [1, 2, 300, 599, 600])


@pytest.mark.slow
def test_a_million_row_table_matches_its_slice():
    _same_rows_as_a_slice(31_250, [1, 17, 15_000, 31_249, 31_250])
