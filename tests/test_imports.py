"""A command pays only for what it uses: the import budget, checked by module, never by time.

Each check runs a fresh interpreter (the test process has everything imported
already) and reads ``sys.modules`` after the command: ``--help`` imports no
data library at all, and ``map`` (html and png, from the demo and from a
user's files) imports no estimator: no statsmodels, esda, scikit-learn,
PHStatsMethods, mapclassify or :mod:`meam_mapping.estimate`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

ESTIMATORS = ("statsmodels", "esda", "sklearn", "PHStatsMethods", "mapclassify",
              "meam_mapping.estimate", "meam_mapping.concentrate")  # fmt: skip
DATA_LIBRARIES = ("pandas", "geopandas", "numpy", "scipy", "matplotlib", "folium")

_PROBE = """
import json, sys
from meam_mapping.cli import main
argv = json.loads(sys.argv[1])
status = 0
if argv:
    try:
        status = main(argv)
    except SystemExit as stop:  # --help
        status = stop.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _modules_after(*argv: object) -> set[str]:
    """The modules loaded by a fresh interpreter running the command ``argv``.

    With a cache folder of its own: a map an earlier test kept for the same
    files would be copied out, reading and importing nothing.
    """
    with tempfile.TemporaryDirectory(prefix="meam-imports-") as cache:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, json.dumps([str(a) for a in argv])],
            capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
            env={**os.environ, "MEAM_MAPPING_CACHE": cache},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 0, done.stderr
    return set(result["modules"])


# Reading an overlap table checks it with the (pandas-only) pattern validator;
# the packages above it are lazy, so these three load no estimator.
_VALIDATORS = {"meam_mapping.estimate", "meam_mapping.estimate.mse",
               "meam_mapping.estimate.mse.patterns"}  # fmt: skip


def _loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    found = (m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))
    return sorted(set(found) - _VALIDATORS)


def test_importing_the_command_line_loads_no_data_library():
    modules = _modules_after()
    assert "meam_mapping.cli" in modules
    assert _loaded(modules, DATA_LIBRARIES + ESTIMATORS) == []


def test_help_loads_no_data_library():
    modules = _modules_after("--help")
    assert _loaded(modules, DATA_LIBRARIES + ESTIMATORS) == []


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["html", "png"])
def test_map_from_the_demo_loads_no_estimator(tmp_path, suffix):
    out = tmp_path / f"map.{suffix}"
    modules = _modules_after("map", "--demo", "--indicator", "known_md_any", "--out", out)
    assert out.exists()
    assert "meam_mapping.mapping" in modules  # the probe really drew the map
    assert _loaded(modules, ESTIMATORS) == []


def test_map_from_user_files_loads_no_estimator(user_files, tmp_path):
    out = tmp_path / "map.html"
    modules = _modules_after("map", "--boundaries", user_files.boundaries, "--data",
                             user_files.tidy, "--indicator", "homelessness_duty_owed", "--out", out)  # fmt: skip
    assert out.exists()
    assert _loaded(modules, ESTIMATORS) == []
    # No overlap table was given, so not even its validator is imported; nor the
    # indicator readers, whose result came back from the child that read the table.
    assert not modules & _VALIDATORS
    from meam_mapping.processes import can_fork

    if can_fork():  # elsewhere the table is read in a thread of this process
        assert "meam_mapping.io.loaded" in modules and "meam_mapping.io.indicators" not in modules


@pytest.mark.slow
def test_hidden_does_load_the_estimators_it_needs(user_files):
    # The budget is not met by breaking commands: hidden still fits its models.
    modules = _modules_after("hidden", "--patterns", user_files.patterns, "--format", "json")
    assert "statsmodels" in modules
    assert "meam_mapping.estimate.mse.estimate" in modules


LAZY_PACKAGES = ("concentrate", "disclosure", "estimate", "estimate.mse", "geography",
                 "indicators", "io", "maps", "pipeline", "sources", "workspace")  # fmt: skip


def test_every_public_name_of_a_lazy_package_has_a_home():
    import importlib

    for name in LAZY_PACKAGES:
        package = importlib.import_module(f"meam_mapping.{name}")
        assert set(package.__all__) <= set(package._lazy_exports), name


@pytest.mark.slow
def test_lazy_packages_export_the_same_names():
    import importlib

    for name in ("concentrate", "disclosure", "estimate", "estimate.mse", "geography",
                 "indicators", "io", "maps", "pipeline", "sources", "workspace"):  # fmt: skip
        package = importlib.import_module(f"meam_mapping.{name}")
        for export in package.__all__:
            assert getattr(package, export) is not None, f"{name}.{export}"
            assert export in dir(package)
        with pytest.raises(AttributeError):
            package.no_such_name  # noqa: B018


def test_a_submodule_does_not_shadow_a_function_of_the_same_name():
    import meam_mapping.estimate.prevalence  # noqa: F401 - the submodule first
    import meam_mapping.pipeline.run  # noqa: F401
    from meam_mapping.estimate import prevalence
    from meam_mapping.pipeline import run

    assert callable(run) and not isinstance(run, type(sys))
    assert callable(prevalence) and not isinstance(prevalence, type(sys))


def test_numpy_quantiles_and_equal_intervals_match_mapclassify():
    import warnings

    import mapclassify

    from meam_mapping.maps.classify import _equal_interval, _quantiles

    rng = np.random.default_rng(17)
    for _ in range(200):
        n, k = int(rng.integers(1, 400)), int(rng.integers(2, 10))
        values = [rng.normal(size=n), rng.integers(0, 4, n).astype(float),
                  rng.exponential(size=n) * 1000][int(rng.integers(0, 3))]  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = mapclassify.Quantiles(values, k=k).bins
        np.testing.assert_allclose(_quantiles(values, k, None), expected)
        if values.max() > values.min():
            expected = mapclassify.EqualInterval(values, k=k).bins
            np.testing.assert_allclose(_equal_interval(values, k, None), expected)
