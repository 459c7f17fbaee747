"""row_groups numbers combinations of values as a tuple-by-tuple pass would."""

from __future__ import annotations

import numpy as np
import pandas as pd

from meam_mapping.indicators.table import row_groups


def _by_tuples(frame: pd.DataFrame) -> tuple[list[int], list[int]]:
    seen: dict[tuple, int] = {}
    group, first = [], []
    for i, row in enumerate(frame.itertuples(index=False)):
        key = tuple("<missing>" if pd.isna(v) else v for v in row)
        if key not in seen:
            seen[key] = len(seen)
            first.append(i)
        group.append(seen[key])
    return group, first


def test_row_groups_match_a_tuple_by_tuple_pass():
    rng = np.random.default_rng(7)
    n = 3_000
    frame = pd.DataFrame(
        {
            "indicator": rng.choice(["a", "b", "c"], n),
            "unit": pd.Series(rng.choice(["count", "per_1000", None], n), dtype="str"),
            # Wide columns: the key is renumbered before it could overflow.
            **{f"wide{k}": rng.integers(0, 2**40, n) for k in range(4)},
        }
    )
    frame.loc[::5, "wide0"] = frame.loc[0, "wide0"]
    frame.iloc[100] = frame.iloc[3]
    for columns in (["indicator"], ["indicator", "unit"], list(frame.columns)):
        group, first = row_groups(frame[columns])
        want_group, want_first = _by_tuples(frame[columns])
        assert group.tolist() == want_group and first.tolist() == want_first
    group, first = row_groups(frame.iloc[:0])
    assert len(group) == 0 and len(first) == 0


def test_row_groups_with_text_columns_of_one_value():
    """A text column holding one value throughout is one group; one missing cell splits it."""
    rng = np.random.default_rng(3)
    n = 500
    one = ["per 1,000 adults"] * n
    with_gap = pd.Series(one, dtype="str")
    with_gap[7] = None
    frame = pd.DataFrame(
        {
            "indicator": pd.Series(rng.choice(["a", "b"], n), dtype="str"),
            "unit": pd.Series(one, dtype="str"),
            "label": with_gap,
            "python": pd.Series(one, dtype=pd.StringDtype("python")),
            "blank": pd.Series([""] * n, dtype="str"),
            "object": pd.Series(one, dtype=object),
            "flag": np.zeros(n, dtype=bool),
        }
    )
    frame.loc[frame.index[-1], "unit"] = "per 1,000 adults "  # one value differs at the end
    for columns in (["unit"], ["label"], ["blank", "python"], list(frame.columns)):
        group, first = row_groups(frame[columns])
        want_group, want_first = _by_tuples(frame[columns])
        assert group.tolist() == want_group and first.tolist() == want_first
    group, first = row_groups(frame[["blank", "python", "object"]])
    assert set(group.tolist()) == {0} and first.tolist() == [0]
