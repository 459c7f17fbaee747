"""Shared fixtures: the demo is built once per test session."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config):
    """Keep the tests' caches and autosaves out of the user's own folders."""
    if not os.environ.get("MEAM_MAPPING_CACHE"):
        os.environ["MEAM_MAPPING_CACHE"] = tempfile.mkdtemp(prefix="meam-test-cache-")
    if not os.environ.get("MEAM_MAPPING_HOME"):
        os.environ["MEAM_MAPPING_HOME"] = tempfile.mkdtemp(prefix="meam-test-home-")


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
        user_files.boundaries,
        [user_files.tidy, user_files.wide],
        [user_files.patterns],
        name="User files",
    )
    return dataset


def make_pack(dataset, folder, policy=None, **changes):
    """Run the standard analysis and write its evidence pack; returns ``(analysis, folder)``."""
    from meam_mapping import pipeline
    from meam_mapping.disclosure import DisclosurePolicy
    from meam_mapping.export.pack import build_pack

    settings = pipeline.AnalysisSettings(permutations=99).replace(**changes)
    analysis = pipeline.run(dataset, settings, policy or DisclosurePolicy())
    out = folder / "pack"
    build_pack(dataset, out, results=analysis)
    return analysis, out


@pytest.fixture(scope="session", params=["demo", "user"])
def built_pack(request, demo_dataset, user_dataset, tmp_path_factory):
    """``(dataset, analysis, pack folder)`` for the demo and a user's files, built once.

    Shared by the pack attack modules (tests/export/test_pack_*attack*.py).
    """
    dataset = demo_dataset if request.param == "demo" else user_dataset
    changes = {}
    if request.param == "user":  # the corpus has no count of people known to 2+ services
        changes["known_indicator"] = "probation_caseload"
    analysis, folder = make_pack(dataset, tmp_path_factory.mktemp(f"pack-{request.param}"),
                                 **changes)  # fmt: skip
    return dataset, analysis, folder


@pytest.fixture(scope="session")
def pack_maker():
    """:func:`make_pack`, for tests that need a pack under other settings."""
    return make_pack


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, via Playwright) shared by every test that needs one.

    Playwright's sync API runs an event loop in the calling thread while it is
    open, so a second ``sync_playwright()`` in the same session fails: the
    browser tests and the canvas tests of ``tests/maps`` use this one.
    """
    kit = str(Path(__file__).parent / "browser")
    if kit not in sys.path:
        sys.path.insert(0, kit)
    from browserkit import CHROMIUM, CHROMIUM_ARGS, need_browser

    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
