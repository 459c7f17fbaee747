"""Dataset.token: a content hash used as the pages' cache key (meam_mapping.dataset)."""

from __future__ import annotations

from dataclasses import replace

import shapely
from shapely.geometry import Polygon

from meam_mapping.dataset import Dataset


def _with_shape(dataset: Dataset, row: int, shape) -> Dataset:  # noqa: ANN001
    areas = {level: frame.copy() for level, frame in dataset.areas.items()}
    geometry = areas["lsoa"].geometry.to_numpy().copy()
    geometry[row] = shape
    areas["lsoa"] = areas["lsoa"].set_geometry(geometry, crs=areas["lsoa"].crs)
    return replace(dataset, areas=areas)


def test_equal_data_give_equal_tokens_and_any_shape_change_another(demo_dataset):
    copy = replace(demo_dataset, areas={k: v.copy() for k, v in demo_dataset.areas.items()})
    assert copy.token == demo_dataset.token
    first = demo_dataset.areas["lsoa"].geometry.iloc[0]
    ring = list(first.exterior.coords) if isinstance(first, Polygon) else None
    moved = shapely.affinity.translate(first, xoff=0.001)  # a thousandth of a metre
    tokens = {
        demo_dataset.token,
        _with_shape(demo_dataset, 0, moved).token,
        _with_shape(demo_dataset, 0, None).token,  # a missing shape
        _with_shape(demo_dataset, 0, Polygon(ring[::-1]) if ring else first.reverse()).token,
        replace(demo_dataset, name="Another name").token,
    }
    assert len(tokens) == 5
