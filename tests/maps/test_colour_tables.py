"""The kept colour tables are matplotlib's colour maps, looked up as matplotlib does."""

from __future__ import annotations

import json
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

from meam_mapping.maps import colour_tables
from meam_mapping.maps.classify import classify
from meam_mapping.maps.style import PALETTES, class_colours

CMAPS = sorted({entry[1] for entry in PALETTES.values()})


@pytest.mark.parametrize("name", CMAPS)
def test_every_kept_colour_is_matplotlibs(name):
    cmap = matplotlib.colormaps[name]
    points = np.concatenate([np.linspace(0, 1, 1001), np.random.default_rng(0).random(2000),
                             [0.0, 1.0, 1 - 1e-12, 1 / 256, 255 / 256, 0.5]])  # fmt: skip
    kept = colour_tables.colours_at(name, points)
    assert kept == tuple(to_hex(cmap(float(p))) for p in points)


def test_the_file_is_what_write_tables_writes(tmp_path):
    fresh = tmp_path / "tables.json"
    colour_tables.write_tables(CMAPS, fresh)
    assert json.loads(fresh.read_text()) == json.loads(colour_tables._FILE.read_text())


def test_a_map_not_kept_or_a_point_outside_falls_back_to_matplotlib():
    assert colour_tables.colours_at("plasma", [0.5]) is None
    assert colour_tables.colours_at("YlOrRd", [1.5]) is None
    assert colour_tables.colours_at("YlOrRd", [-0.1]) is None


@pytest.mark.parametrize("palette", sorted(PALETTES))
@pytest.mark.parametrize("k", [1, 2, 5, 9])
def test_class_colours_equal_sampling_matplotlib(palette, k):
    values = np.linspace(-3.0, 7.0, 40) if PALETTES[palette][0] == "diverging" else np.arange(40.0)
    classification = classify(values, scheme="equal_interval", k=k)
    kind, name, start, stop, _ = PALETTES[palette]
    cmap = matplotlib.colormaps[name]
    if kind == "sequential":
        points = np.linspace(start, stop, k) if k > 1 else [(start + stop) / 2]
    else:
        edges = np.concatenate([[classification.lower], classification.bins])
        mids = (edges[:-1] + edges[1:]) / 2
        points = 0.5 + 0.45 * mids / float(np.max(np.abs(edges)))
    assert class_colours(palette, classification) == tuple(to_hex(cmap(float(p))) for p in points)


def test_an_interactive_map_does_not_import_matplotlib():
    code = (
        "import sys\n"
        "from meam_mapping.maps.classify import classify\n"
        "from meam_mapping.maps.style import class_colours\n"
        "class_colours('YlOrRd', classify(list(range(20)), scheme='quantiles', k=5))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
