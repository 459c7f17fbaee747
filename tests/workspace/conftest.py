"""Shared fixtures for the workspace tests: one grid dataset and a full workspace."""

from __future__ import annotations

import pytest
from workshop_data import grid_dataset

from meam_mapping.pipeline.scenarios import Scenario
from meam_mapping.workspace import Workspace
from meam_mapping.workspace.notes import AreaNote, add_note


@pytest.fixture(scope="module")
def dataset():
    return grid_dataset(6, seed=1)


@pytest.fixture()
def workspace(dataset):
    notes = add_note(None, AreaNote("E01000000", "New hostel opened here in 2024", author="Sam"))
    notes = add_note(notes, AreaNote("E01000007", "Outreach team visits on Tuesdays\nsecond line"))
    return Workspace(
        dataset=dataset,
        settings={
            "disclosure": {"threshold": 10, "round_to": None},
            "choices": {"map_level": "msoa", "map_k": 5, "map_outlines": True},
            "unicode": "Café – ünïcode",
        },
        scenarios=(
            Scenario("Equal weights"),
            Scenario(
                "Justice double",
                weights={"justice": 2.0, "homelessness": 1.0},
                threshold=10,
                coordinator_ratio=10,
                lists=("housing", "probation"),
                model="chapman",
                indicator="probation_caseload",
                palette="viridis",
                high_contrast=True,
                description="What if contact with criminal justice counted twice?",
            ),
        ),
        notes=notes,
    )
