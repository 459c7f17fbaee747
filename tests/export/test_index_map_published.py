"""The pack's index map publishes deciles, never exact scores (issue 13: rank decoding)."""

from __future__ import annotations

import numpy as np

from meam_mapping.export.figures import index_slice
from meam_mapping.pipeline.run import run


def test_index_map_slice_holds_deciles_only(demo_dataset):
    analysis = run(demo_dataset)
    data = index_slice(analysis, demo_dataset)
    values = data["value"].dropna().to_numpy()
    assert len(values) == analysis.scores["score"].notna().sum()
    assert set(np.unique(values)) <= set(range(1, 11))  # whole deciles, nothing finer
    assert (data["kind"] == "decile").all() and (data["polarity"] == "higher_is_worse").all()
    # the highest score is in the top decile, the lowest in the bottom one
    by_code = data.set_index("area_code")["value"]
    scores = analysis.scores.set_index("area_code")["score"]
    assert by_code[scores.idxmax()] == 10 and by_code[scores.idxmin()] == 1
