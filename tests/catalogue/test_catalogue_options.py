"""Every option a catalogue message names exists on the command line (issue 18 item 8).

Messages are shared by the page and the command line, so they may not name
Python keywords (``layer=``, ``sheet=...``, ``assume_crs=``) that neither
surface has; an option written ``--name`` must be one the parser accepts.
"""

from __future__ import annotations

import argparse
import re
import warnings

import pytest

from catalogue.cases import CASES, run_case
from meam_mapping.cli import build_parser


def _cli_options() -> set[str]:
    parser = build_parser()
    options = set(parser._option_string_actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                options |= set(sub._option_string_actions)
    return options


OPTIONS = _cli_options()
# Messages written outside the readers this catalogue's owner may change; strict, so
# the test says when they are fixed.
KNOWN: dict[str, str] = {}
PARAMS = [
    pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN[c.id], strict=True))
    if c.id in KNOWN
    else c
    for c in CASES
]


@pytest.mark.parametrize("case", PARAMS, ids=[c.id for c in CASES])
def test_messages_name_only_options_that_exist(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        message = run_case(case)
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", message))
    assert named <= OPTIONS, f"{sorted(named - OPTIONS)} do not exist: {message}"
    keywords = re.findall(r"\b[a-z_]+=(?:\.\.\.|'|\[|<)", message)
    assert not keywords, f"{keywords} is Python, not an option a person can use: {message}"
