"""Shared fixtures: the demo is built once per test session."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config):
    """Keep the tests' caches (boundaries, downloads) out of the user's own cache folder."""
    if not os.environ.get("MEAM_MAPPING_CACHE"):
        os.environ["MEAM_MAPPING_CACHE"] = tempfile.mkdtemp(prefix="meam-test-cache-")


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


@pytest.fixture(scope="session")
def user_files(tmp_path_factory):
    """The README-format user corpus (see tests/userfiles.py), written once."""
    from userfiles import write_user_files

    return write_user_files(tmp_path_factory.mktemp("user-files"))


@pytest.fixture(scope="session")
def user_dataset(user_files):
    """The user corpus loaded as the Data page and ``workspace`` load it."""
    from meam_mapping.loading import build_dataset

    dataset, _ = build_dataset(
        user_files.boundaries, [user_files.tidy, user_files.wide], [user_files.patterns],
        name="User files",
    )
    return dataset
