"""The examples in the package's docstrings run, and show what they give.

A reader copies an example from a docstring; a wrong one (a map's decimal
places shown as 5 where the code gives 6, say) misleads as surely as a wrong
message. Each module's examples run here, with the caches in a temporary
folder so that an entry from an earlier run cannot stand in for the work.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import meam_mapping

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(meam_mapping.__path__, "meam_mapping.")
    if not info.name.endswith("__main__")  # importing it runs the command line
)


def test_the_package_has_examples() -> None:
    examples = sum(
        len(test.examples)
        for name in MODULES
        for test in doctest.DocTestFinder().find(importlib.import_module(name))
    )
    assert examples >= 100


@pytest.mark.parametrize("name", MODULES)
def test_examples_give_what_they_show(name: str, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # an example writing a file writes it here
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in doctest.DocTestFinder().find(module):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
