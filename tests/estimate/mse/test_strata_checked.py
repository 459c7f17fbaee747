"""Strata of a checked table are estimated without checking them again, with the same answers.

``estimate_by_stratum`` checks the whole table once and hands each stratum to
the estimator as a :class:`PatternTable`. Every row must equal what the
estimator gives from that stratum's raw rows (checked again), including
strata with an empty pattern, repeated rows, text 0/1 values and a stratum
that cannot be estimated.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from meam_mapping.errors import EstimationError
from meam_mapping.estimate.mse import estimate_by_stratum, estimate_hidden
from meam_mapping.estimate.mse.patterns import validate_patterns
from meam_mapping.estimate.mse.strata import STRATUM_DEFAULTS, TOTAL_LABEL

LISTS = ["housing", "treatment", "mental_health"]


def _raw_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pats = np.array(list(itertools.product((0, 1), repeat=3)))[1:]
    frames = []
    for d in range(8):
        counts = rng.poisson(rng.uniform(5, 80, len(pats)))
        if d == 2:
            counts[-1] = 0  # nobody on all three lists
        if d == 5:
            counts[:] = 0
            counts[0] = 12  # one list only: cannot be estimated
        frame = pd.DataFrame(pats, columns=LISTS).assign(district=f"D{d}", count=counts)
        frames.append(frame)
    raw = pd.concat(frames, ignore_index=True)
    # A repeated pattern (its counts are added) and 0/1 written as text.
    raw = pd.concat([raw, raw.iloc[[3]].assign(count=4)], ignore_index=True)
    raw["housing"] = raw["housing"].astype(str)
    return raw.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed", [0, 1])
def test_each_row_equals_the_estimate_from_the_strata_raw_rows(seed):
    raw = _raw_table(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = estimate_by_stratum(raw, "district", n_jobs=1)
    rows = rows.loc[rows["district"] != TOTAL_LABEL].set_index("district")
    assert len(rows) == 8
    estimated = 0
    for district, part in raw.groupby("district"):
        own = part.drop(columns="district")
        row = rows.loc[district]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = estimate_hidden(own, lists=LISTS, **STRATUM_DEFAULTS)
        except EstimationError as err:
            assert np.isnan(row["n_hat"])
            assert row["warnings"] == [f"not estimated: {err}"]
            assert row["observed"] == validate_patterns(own, lists=LISTS).observed
            continue
        estimated += 1
        assert row["observed"] == r.observed
        assert row["n_hat"] == r.n_hat
        assert (row["ci_low"], row["ci_high"]) == (r.ci_low, r.ci_high)
        assert list(row["model"]) == list(r.model)
        assert row["method"] == r.method
        # Repeated rows are reported once, for the whole table, not per stratum.
        assert [w for w in row["warnings"] if "repeat" not in w] == [
            w for w in r.warnings if "repeat" not in w
        ]
    assert estimated >= 6


def test_a_checked_table_is_taken_as_it_is():
    raw = _raw_table(3)
    part = raw.loc[raw["district"] == "D0"].drop(columns="district")
    checked = validate_patterns(part, lists=LISTS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = estimate_hidden(part, lists=LISTS)
        b = estimate_hidden(checked)
    assert (a.n_hat, a.ci_low, a.ci_high, a.model) == (b.n_hat, b.ci_low, b.ci_high, b.model)
