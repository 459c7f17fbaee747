"""Bad-input catalogue: workspace cases (see cases.py); each message must name the problem and the fix."""

from __future__ import annotations

import warnings

import pytest

from catalogue.cases import CASES, run_case

WORKSPACE_CASES = [c for c in CASES if c.format == "workspace"]


@pytest.mark.parametrize("case", WORKSPACE_CASES, ids=[c.id for c in WORKSPACE_CASES])
def test_message(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        message = run_case(case)
    assert case.file_name in message
    for fragment in case.expected:
        assert fragment in message, f"{fragment!r} missing from: {message}"
