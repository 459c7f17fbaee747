"""Point layers (the demo's service hubs) survive a save and reopen of a workspace (issue 19)."""

from __future__ import annotations

import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal

from meam_mapping.errors import InputError
from meam_mapping.workspace import Workspace, load_workspace, save_workspace


@pytest.fixture(scope="module")
def saved(demo_dataset, tmp_path_factory):
    path = tmp_path_factory.mktemp("hubs") / "demo.gpkg"
    save_workspace(Workspace(demo_dataset), path)
    return path


def test_demo_dataset_carries_the_service_hubs(demo, demo_dataset):
    assert_geodataframe_equal(demo_dataset.points["service_hubs"], demo.hubs)
    assert len(demo.hubs) == 11


def test_hubs_round_trip_through_a_saved_workspace(demo, demo_dataset, saved):
    assert "points_service_hubs" in {row[0] for row in pyogrio.list_layers(saved)}
    reopened = load_workspace(saved).dataset
    assert_geodataframe_equal(reopened.points["service_hubs"], demo.hubs, check_crs=True)
    assert reopened.token == demo_dataset.token  # nothing else lost or changed


def test_moving_a_hub_after_saving_is_recognised(saved, tmp_path):
    copy = tmp_path / "moved.gpkg"
    copy.write_bytes(saved.read_bytes())
    hubs = pyogrio.read_dataframe(copy, layer="points_service_hubs")
    hubs.loc[0, "hub_name"] = "moved"
    pyogrio.write_dataframe(hubs, copy, layer="points_service_hubs", driver="GPKG")
    with pytest.raises(InputError, match="changed or damaged after it was saved"):
        load_workspace(copy)
    assert (
        load_workspace(copy, recover=True).dataset.points["service_hubs"]["hub_name"].iloc[0]
        == "moved"
    )


def test_a_dataset_without_points_saves_no_point_layer(demo_dataset, tmp_path):
    from dataclasses import replace

    path = save_workspace(Workspace(replace(demo_dataset, points={})), tmp_path / "none.gpkg")
    assert not any(row[0].startswith("points_") for row in pyogrio.list_layers(path))
    assert load_workspace(path).dataset.points == {}
