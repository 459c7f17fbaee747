"""Shared fixtures: the demo is built once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo():
    """The synthetic Cambridgeshire demo (deterministic)."""
    from meam_mapping.demo import build_demo

    return build_demo()


@pytest.fixture(scope="session")
def demo_dataset(demo):
    """The demo wrapped as a Dataset."""
    from meam_mapping.dataset import dataset_from_demo

    return dataset_from_demo(demo)
