"""Helpers shared by the workspace tests (not fixtures, so they are imported)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from geopandas.testing import assert_geodataframe_equal

from meam_mapping.workspace import Workspace


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_same_workspace(got: Workspace, want: Workspace) -> None:
    assert set(got.dataset.areas) == set(want.dataset.areas)
    for level, areas in want.dataset.areas.items():
        assert_geodataframe_equal(got.dataset.areas[level], areas, check_less_precise=False)
    pd.testing.assert_frame_equal(got.dataset.indicators, want.dataset.indicators)
    pd.testing.assert_frame_equal(got.dataset.patterns, want.dataset.patterns)
    for attribute in ("name", "label", "sources", "notes"):
        assert getattr(got.dataset, attribute) == getattr(want.dataset, attribute)
    assert got.dataset.token == want.dataset.token
    assert got.settings == want.settings
    assert got.scenarios == want.scenarios
    pd.testing.assert_frame_equal(got.notes, want.notes)
