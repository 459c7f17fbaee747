"""Fixtures for the disclosure tests."""

from __future__ import annotations

import pytest
from disclosure_tables import build_table


@pytest.fixture
def indicator_table():
    """The :func:`disclosure_tables.build_table` builder."""
    return build_table
