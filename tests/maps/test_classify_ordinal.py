"""Deciles, quintiles and ranks are ordered classes with the worse end darkest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.maps.classify import classify_ordinal, ordinal_classes_for
from meam_mapping.maps.style import choose_style


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_deciles_make_ten_classes_with_decile_1_darkest_when_lower_is_worse() -> None:
    c = classify_ordinal([9, 10, 5, 3, 5, 3, 1, np.nan], "decile", "lower_is_worse",
                         ends=("most deprived", "least deprived"))  # fmt: skip
    assert c.k == 10
    assert c.labels[-1] == "1 (most deprived)" and c.labels[0] == "10 (least deprived)"
    colours = choose_style(c).colours
    decile_1 = c.classes[6]
    assert decile_1 == 9
    assert _luminance(colours[decile_1]) == min(_luminance(x) for x in colours)
    assert c.classes[-1] == -1
    assert c.counts == (1, 1, 0, 0, 0, 2, 0, 2, 0, 1)  # 10, 9, ..., 1
    np.testing.assert_array_equal(c.assign([1, 10, 11, 2.5]), [9, 0, -1, -1])


def test_higher_is_worse_quintile_puts_5_darkest() -> None:
    c = classify_ordinal([1, 2, 5], "quintile", "higher_is_worse")
    assert c.k == 5 and c.classes.tolist() == [0, 1, 4]
    assert c.labels[-1] == "5 (worst)"


def test_ranks_are_cut_into_k_classes_with_rank_1_darkest() -> None:
    ranks = np.arange(1, 101, dtype=float)
    c = classify_ordinal(ranks, "rank", "lower_is_worse", k=4)
    assert c.k == 4
    assert c.classes[0] == 3 and c.classes[-1] == 0
    assert "(worst)" in c.labels[-1] and c.labels[-1].startswith("1 ")


def test_other_kinds_are_refused_and_slices_choose() -> None:
    with pytest.raises(InputError, match="decile, quintile or rank"):
        classify_ordinal([1.0], "score")
    data = pd.DataFrame({"kind": ["decile"], "polarity": ["lower_is_worse"],
                         "indicator_name": ["Income Decile (where 1 is most deprived 10% of LSOAs)"]})  # fmt: skip
    found = ordinal_classes_for(data, [1.0, 4.0])
    assert found is not None and found.labels[-1] == "1 (most deprived)"
    assert ordinal_classes_for(data.assign(kind="rate"), [1.0]) is None
