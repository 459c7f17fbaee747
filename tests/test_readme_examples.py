"""The README's own examples, executed: its tables load and its commands run.

The input-format examples are loaded as a user would load them, and every
``python -m meam_mapping ...`` line of the Command line section is run with
its placeholder files (``lsoa.geojson``, ``counts.csv``, ``overlap.csv``, and
``ons_lsoa.geojson`` with ``ons_lookup.csv`` for boundaries as ONS publishes
them) replaced by the README-format user corpus (tests/userfiles.py).
"""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from meam_mapping.cli import main
from meam_mapping.io.indicators import load_indicator_file

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(section: str, language: str) -> list[str]:
    text = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_the_tidy_and_wide_examples_load_with_names_units_and_marks():
    tidy, wide = _blocks("Your data: input formats", "csv")[:2]
    loaded = load_indicator_file(io.BytesIO(tidy.encode()), name="tidy.csv").table
    assert loaded["indicator_name"].iloc[0] == "Homelessness duty owed"
    assert "nan" not in set(loaded["indicator_name"].astype(str))
    assert loaded["suppressed"].astype(bool).sum() == 1  # the "*" row: unknown, not zero
    wide_table = load_indicator_file(io.BytesIO(wide.encode()), name="wide.csv").table
    assert set(wide_table["indicator"]) == {"probation_caseload", "treatment_clients"}


COMMANDS = [
    line.split("#")[0].strip()
    for block in _blocks("Command line", "bash")
    for line in block.splitlines()
    if line.strip().startswith("python -m meam_mapping")
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_readme_command_runs(command, user_files, tmp_path, monkeypatch, capsys):
    from userfiles import write_bare_boundaries

    monkeypatch.chdir(tmp_path)
    ons_lsoa, ons_lookup = write_bare_boundaries(user_files, tmp_path)  # as ONS publishes them
    swap = {"lsoa.geojson": user_files.boundaries, "counts.csv": user_files.tidy,
            "overlap.csv": user_files.patterns, "ons_lsoa.geojson": ons_lsoa,
            "ons_lookup.csv": ons_lookup}  # fmt: skip
    args = [str(swap.get(a, a)) for a in shlex.split(command)[3:]]
    if "--workspace" in args and not Path("work.gpkg").exists():
        assert main(["workspace", "--boundaries", str(user_files.boundaries), "--data",
                     str(user_files.tidy), "--patterns", str(user_files.patterns),
                     "--out", "work.gpkg"]) == 0  # fmt: skip
    status = main(args)
    err = capsys.readouterr().err
    assert status == 0, err
