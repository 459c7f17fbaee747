"""MapSpec / MapLayer, and the rule that no function in maps/ takes more than six parameters."""

import dataclasses
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import meam_mapping.maps as maps
from meam_mapping.errors import InputError
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec, as_layer
from meam_mapping.maps.style import prepare_map_data

MAX_PARAMETERS = 6


def _functions():
    """Every function and method defined in meam_mapping.maps (not dataclass fields)."""
    for info in pkgutil.iter_modules(maps.__path__):
        module = importlib.import_module(f"{maps.__name__}.{info.name}")
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    func = getattr(member, "__func__", member)
                    generated = dataclasses.is_dataclass(obj) and attr == "__init__"
                    if inspect.isfunction(func) and not generated:
                        yield f"{module.__name__}.{name}.{attr}", func


def test_the_walk_finds_the_map_writers():
    names = {name for name, _ in _functions()}
    assert "meam_mapping.maps.interactive.choropleth" in names
    assert "meam_mapping.maps.static.static_map" in names
    assert "meam_mapping.maps.style.prepare_map_data" in names
    assert len(names) > 40


@pytest.mark.parametrize(
    ("name", "func"), list(_functions()), ids=lambda v: getattr(v, "__qualname__", v)
)
def test_no_function_in_maps_takes_more_than_six_parameters(name, func):
    params = [
        p
        for p in inspect.signature(func).parameters.values()
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    assert len(params) <= MAX_PARAMETERS, f"{name} takes {len(params)} parameters"


def test_layer_refuses_unsuppressed_data(raw_table):
    with pytest.raises(ValueError, match="disclosure policy"):
        MapLayer(raw_table, title="x")


def test_layer_words_default_from_the_frame(table):
    named = table.assign(indicator_name="Households owed a duty")
    layer = MapLayer.from_frame(named, label="Synthetic")
    assert (layer.title, layer.unit, layer.period, layer.source) == (
        "Households owed a duty", "per 1,000 adults", "2024", "test",
    )  # fmt: skip
    assert layer.heading == "Households owed a duty (2024)"
    assert MapLayer.from_frame(named, title="Mine").title == "Mine"
    assert as_layer(layer) is layer
    with pytest.raises(InputError, match="no field 'colour'"):
        MapLayer.from_frame(named, colour="red")


def test_spec_is_frozen_and_validated():
    spec = MapSpec(breaks=[5, 10])
    assert spec.breaks == (5.0, 10.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.k = 3  # type: ignore[misc]
    assert spec.with_(k=3).k == 3 and spec.k == 5
    with pytest.raises(InputError, match="a4_landscape"):
        MapSpec(preset="poster")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at least one class"):
        MapSpec(k=0)
    with pytest.raises(InputError, match="not all numbers"):
        MapSpec(breaks=("five",))  # type: ignore[arg-type]


def test_classes_are_never_finer_than_the_data(areas, table):
    five = table[~table["suppressed"]].iloc[:5]
    five.attrs.update(table.attrs)
    data = prepare_map_data(areas, five, MapSpec(k=5))
    assert data.classification.k == 3  # five areas: at most one class per two areas
    assert "Only 5 areas have a value" in data.classification.note
    assert sum(data.classification.counts) == 5
    many = prepare_map_data(areas, table, MapSpec(k=5))
    assert many.classification.k == 5 and many.classification.note is None


def test_user_breaks_are_kept_as_given(areas, table):
    data = prepare_map_data(areas, table, MapSpec(scheme="user_defined", breaks=(20.0, 30.0)))
    assert data.classification.bins[:2] == (20.0, 30.0)


def test_spec_reaches_the_map(areas, table):
    spec = MapSpec(scheme="equal_interval", k=4, palette="Blues", prefer_canvas=True)
    fmap = choropleth(areas, MapLayer(table, title="t"), spec)
    data = fmap.meam_map_data
    assert data.classification.scheme == "equal_interval" and data.classification.k == 4
    assert data.style.palette == "Blues"
    assert fmap.options["prefer_canvas"] is True
    values = data.frame.loc[data.frame["status"] == "value", "value"].to_numpy()
    widths = np.diff((data.classification.lower, *data.classification.bins))
    np.testing.assert_allclose(widths, (values.max() - values.min()) / 4)
