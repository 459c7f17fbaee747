"""Data page: a person corrects an indicator's kind and polarity (issue 15 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture()
def data_page():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def _catalogue_row(at, indicator):
    frame = next(f.value for f in at.dataframe if "Polarity" in f.value.columns)
    return frame.set_index("Id").loc[indicator]


def test_polarity_changed_on_the_data_page_reaches_the_dataset(data_page):
    at = data_page
    assert _catalogue_row(at, "distance_to_service_km")["Polarity"] == "neutral"
    at.selectbox(key="kind_indicator").set_value("distance_to_service_km").run()
    at.selectbox(key="polarity_of_distance_to_service_km").set_value("higher_is_worse").run()
    at.button(key="apply_kind").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert _catalogue_row(at, "distance_to_service_km")["Polarity"] == "higher_is_worse"
    dataset = at.session_state["dataset"]
    rows = dataset.indicators[dataset.indicators["indicator"] == "distance_to_service_km"]
    assert set(rows["polarity"]) == {"higher_is_worse"}
    assert any("set by hand" in note for note in dataset.notes)


def test_a_kind_the_values_cannot_have_is_refused_and_nothing_changes(data_page):
    at = data_page
    before = at.session_state["dataset"]
    at.selectbox(key="kind_indicator").set_value("deprivation_score").run()
    at.selectbox(key="kind_of_deprivation_score").set_value("decile").run()
    at.button(key="apply_kind").click().run()
    assert not at.exception, at.exception
    assert any("cannot be deciles" in e.value for e in at.error)
    assert at.session_state["dataset"] is before


def _iod_dataset():
    import numpy as np
    import pandas as pd
    from workshop_data import grid_dataset

    from meam_mapping.dataset import Dataset

    base = grid_dataset(6, seed=2)
    codes = base.areas["lsoa"]["area_code"].to_numpy()
    rng = np.random.default_rng(1)
    parts = []
    for name, values, unit in (
        ("Index of Multiple Deprivation (IMD) Decile", rng.integers(1, 11, len(codes)), "score"),
        ("Index of Multiple Deprivation (IMD) Rank", rng.permutation(len(codes)) + 1, "score"),
        ("Index of Multiple Deprivation (IMD) Score", rng.uniform(3, 60, len(codes)), "score"),
    ):
        parts.append(
            pd.DataFrame({"area_code": codes, "indicator": name, "indicator_name": name,
                          "domain": "context", "period": "2019", "value": values.astype(float),
                          "unit": unit, "source": "English Indices of Deprivation 2019"})
        )  # fmt: skip
    return Dataset(
        areas=base.areas,
        indicators=pd.concat([base.indicators, *parts], ignore_index=True),
        name="IoD test",
    )


def test_deciles_offer_the_share_in_the_most_deprived_decile_and_say_why_not_the_decile():
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = _iod_dataset()
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    decile = "Index of Multiple Deprivation (IMD) Decile"
    at.selectbox(key="ordinal_indicator").set_value(decile).run()
    captions = " ".join(c.value for c in at.caption)
    assert "A decile places each small area among all small areas in England" in captions
    # No population is loaded: the average score waits for one, the share is offered.
    assert "population table" in captions
    at.button(key="add_ordinal_summaries").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    ids = set(at.session_state["dataset"].indicators["indicator"])
    assert {f"{decile}_share_most_deprived_msoa", f"{decile}_share_most_deprived_lad"} <= ids
    assert not any("population_weighted" in i for i in ids)


def _as_workbook(csv: bytes) -> bytes:
    """The lookup saved again by Excel as a workbook."""
    import io

    import pandas as pd

    out = io.BytesIO()
    pd.read_csv(io.BytesIO(csv), dtype=str, keep_default_na=False).to_excel(out, index=False)
    return out.getvalue()


@pytest.mark.parametrize("form", ["as downloaded", "saved as a workbook"])
def test_a_2011_table_on_2021_boundaries_is_converted_with_the_uploaded_lookup(form):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from meam_mapping.dataset import Dataset
    from meam_mapping.schema import INDICATOR_COLUMNS

    new = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005",
           "E01033770", "E01033771", "E01033780", "E01033790", "E01033791"]  # fmt: skip
    old = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005",
           "E01000010", "E01000020", "E01000021", "E01000030", "E01000031"]  # fmt: skip
    areas = gpd.GeoDataFrame(
        {"area_code": new, "area_name": new, "level": "lsoa"},
        geometry=[box(530000 + i * 600, 180000, 530500 + i * 600, 180500) for i in range(10)],
        crs="EPSG:27700",
    )
    areas.attrs["vintage"] = "LSOA 2021"
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = Dataset(
        areas={"lsoa": areas},
        indicators=pd.DataFrame(columns=[*INDICATOR_COLUMNS, "indicator_name"]),
        name="2021",
    )
    at.run()
    at.switch_page("pages/data.py").run()
    table = "LSOA code (2011),Households owed a duty\n" + "".join(
        f"{c},{n}\n" for c, n in zip(old, [10, 20, 5, 8, 12, 30, 7, 9, 16, 4], strict=True)
    )
    lookup = (Path(__file__).resolve().parents[1] / "data" / "geography"
              / "lsoa11_lsoa21_lad22_lookup_extract.csv").read_bytes()  # fmt: skip
    at.file_uploader(key="table_upload").set_value(("duty.csv", table.encode(), "text/csv")).run()
    assert any("LSOA 2021" in w.value and "50.0%" in w.value for w in at.warning)
    upload = ("lookup.csv", lookup, "text/csv")
    if form == "saved as a workbook":
        upload = ("lookup.xlsx", _as_workbook(lookup), "application/vnd.ms-excel")
    at.file_uploader(key="lookup_upload").set_value(upload).run()
    assert not at.exception, at.exception
    assert any("50.0% of the table's areas in the ONS lookup changed" in i.value for i in at.info)
    assert at.checkbox(key="convert_vintage").value
    next(b for b in at.button if b.label == "Add this table").click().run()
    assert not at.exception, at.exception
    dataset = at.session_state["dataset"]
    counts = dataset.indicators.set_index("area_code")["count"]
    assert sorted(counts.index) == sorted(new) and counts["E01033780"] == 16
    captions = " ".join(c.value for c in at.caption)
    assert "Split: E01000010" in captions and "Open Government Licence" in captions


def test_loading_a_users_files_in_turn_keeps_each_report_as_long_as_it_applies(user_files):
    """Boundaries, then a table, then an overlap table, then new boundaries, on the Data page."""
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("pages/data.py").run()

    def upload(key, path, button):
        at.file_uploader(key=key).set_value(
            (path.name, path.read_bytes(), "application/octet-stream")
        ).run()
        next(b for b in at.button if b.label == button).click().run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]

    def report_shown():
        return any(s.value == "Join report" for s in at.subheader) and bool(
            at.success or at.warning
        )

    upload("boundary_upload", user_files.boundaries, "Use these boundaries")
    assert at.session_state["dataset"].name == "boundaries.geojson"
    assert "last_join_report" not in at.session_state
    upload("table_upload", user_files.tidy, "Add this table")
    assert not at.session_state["dataset"].indicators.empty
    report = at.session_state["last_join_report"]
    assert report is not None and report_shown()
    # An overlap table joins no areas: the table's join report stays, with the new notes.
    upload("patterns_upload", user_files.patterns, "Add this overlap table")
    assert at.session_state["last_join_report"] is report and report_shown()
    # New boundaries start a new analysis: the old table's report goes.
    upload("boundary_upload", user_files.boundaries, "Use these boundaries")
    assert "last_join_report" not in at.session_state
    assert at.session_state["dataset"].indicators.empty
