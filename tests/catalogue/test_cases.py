"""The bad-input catalogue (see cases.py), every format in one parametrised test.

Each case is a hostile or broken file as a user would bring it; the message
must name the file and carry the expected fragments (the problem and the fix),
and an accepted case must give the right result.
"""

from __future__ import annotations

import warnings

import pytest

from catalogue.cases import CASES, run_case


@pytest.mark.parametrize("case", CASES, ids=[f"{c.format}-{c.id}" for c in CASES])
def test_message(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        message = run_case(case)
    assert case.file_name in message
    for fragment in case.expected:
        assert fragment in message, f"{fragment!r} missing from: {message}"
