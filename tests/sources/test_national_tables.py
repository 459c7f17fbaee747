from __future__ import annotations

import io

import numpy as np
import openpyxl
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.sources.tables import available_layouts, import_table, load_layout

A1_TITLE = (
    "Table A1: Statutory homelessness initial assessments, January to March 2024 (provisional)"
)
A1_HEAD_TOP = [
    "ONS Code",
    "Local Authority",
    "Total initial assessments",
    "Total owed a prevention or relief duty",
    "Threatened with homelessness within 56 days - Prevention duty owed",
    None,
    "Homeless - Relief duty owed",
    "Not threatened with homelessness within 56 days - no duty owed",
    "Number of households in area (000s)",
    "Households assessed as threatened with homelessness per (000s)",
]
A1_HEAD_SUB = [
    None,
    None,
    None,
    None,
    "Total",
    "of which: due to service of valid Section 21 Notice",
    None,
    None,
    None,
    None,
]
A1_ROWS = [
    ["E07000008", "Cambridge", 400, 300, 150, 20, 150, 100, 55.5, 2.70],
    ["E07000009", "East Cambridgeshire", 250, 200, "120 R", 10, 80, 50, 37.0, 3.24],
    ["E07000010", "Fenland", 300, "250P", 130, "..", 120, 50, 42.2, 3.08],
    [None, "Rest of England", 10000, 8000, 4000, 500, 4000, 2000, 900.0, 4.4],
]


def _a1_book(columns: list[int] | None = None, *, sheet: str = "A1") -> bytes:
    """A1 in the published layout: title in A1, two heading rows with merged cells, footnotes."""
    cols = columns or list(range(10))
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Contents"
    ws["A1"] = "Live tables on homelessness"
    ws = book.create_sheet(sheet)
    ws["A1"] = A1_TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    for j, c in enumerate(cols, start=1):
        ws.cell(3, j, A1_HEAD_TOP[c])
        ws.cell(4, j, A1_HEAD_SUB[c])
        if A1_HEAD_SUB[c] is None and A1_HEAD_TOP[c] is not None:
            ws.merge_cells(start_row=3, start_column=j, end_row=4, end_column=j)
    if 4 in cols and 5 in cols and cols.index(5) == cols.index(4) + 1:
        j = cols.index(4) + 1
        ws.merge_cells(start_row=3, start_column=j, end_row=3, end_column=j + 1)
    for i, row in enumerate(A1_ROWS, start=5):
        for j, c in enumerate(cols, start=1):
            ws.cell(i, j, row[c])
    ws.cell(10, 1, "Notes")
    ws.cell(11, 1, "1. Figures for the latest quarter are provisional (P); R = revised.")
    ws.cell(12, 1, "Source: H-CLIC")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_shipped_layouts_document_what_is_verified():
    names = available_layouts()
    assert names == [
        "mhclg_homelessness_a1",
        "moj_proven_reoffending_la",
        "ndtms_adult_treatment",
        "ocu_prevalence",
    ]
    for name in names:
        spec = load_layout(name)
        assert spec["verified"] and spec["assumed"] and spec["licence"]
    with pytest.raises(InputError, match="mhclg_homelessness_a1"):
        load_layout("mhclg_a1")


def test_mhclg_a1_merged_headings_footnotes_and_revision_marks():
    result = import_table(_a1_book(), "mhclg_homelessness_a1", name="live_tables_a1.xlsx")
    t = result.table.set_index(["indicator", "area_code"])
    assert set(t.index.get_level_values("area_code")) == {"E07000008", "E07000009", "E07000010"}
    assert (t["period"] == "January to March 2024").all()
    # duty owed per 1,000 households = 300 / 55,500 * 1,000 (count / (000s x 1,000))
    row = t.loc[("homelessness_duty_owed", "E07000008")]
    assert_allclose(
        [row["count"], row["denominator"], row["value"]], [300, 55500, 300 / 55500 * 1000]
    )
    assert row["unit"] == "per_1000" and row["domain"] == "homelessness"
    assert_allclose(t.loc[("homelessness_duty_owed", "E07000010"), "count"], 250)  # "250P"
    assert_allclose(t.loc[("homelessness_prevention_duty", "E07000009"), "count"], 120)  # "120 R"
    assert_allclose(t.loc[("homelessness_relief_duty", "E07000008"), "count"], 150)
    s21 = t.loc[("homelessness_section_21", "E07000010")]
    assert s21["suppressed"] and np.isnan(s21["count"])
    notes = " ".join(result.notes)
    assert "Rest of England (row 8)" in notes
    assert "3 footnote or text row(s)" in notes
    assert "1 marked 'P'" in notes and "1 marked 'R'" in notes
    assert result.layout == "table:mhclg_homelessness_a1"


def test_changed_column_order_and_missing_optional_column():
    # columns shuffled, and the Section 21 and 'not owed' columns dropped
    order = [1, 0, 8, 3, 2, 6, 4, 9]
    result = import_table(_a1_book(order), "mhclg_homelessness_a1", name="a1.xlsx")
    t = result.table.set_index(["indicator", "area_code"])
    assert_allclose(t.loc[("homelessness_duty_owed", "E07000008"), "count"], 300)
    assert_allclose(t.loc[("homelessness_prevention_duty", "E07000008"), "count"], 150)
    assert "homelessness_section_21" not in t.index.get_level_values("indicator")
    assert any("Optional indicator 'homelessness_section_21'" in n for n in result.notes)


def test_missing_required_column_names_the_layout_fix():
    with pytest.raises(InputError) as info:
        import_table(_a1_book([0, 1, 2, 4, 6, 8]), "mhclg_homelessness_a1", name="a1.xlsx")
    msg = info.value.message
    assert "homelessness_duty_owed" in msg and "Headings found" in msg and "layout JSON" in msg


def test_sheet_not_found_lists_sheets():
    with pytest.raises(InputError, match="'Contents'"):
        import_table(_a1_book(sheet="A1R"), "mhclg_homelessness_a1", name="a1.xlsx")
    result = import_table(
        _a1_book(sheet="A1R"), "mhclg_homelessness_a1", name="a1.xlsx", sheet="a1r"
    )
    assert len(result.table)


def test_ndtms_csv_with_star_suppression_and_rounding_note():
    text = (
        "Adults in treatment 2022-23 by local authority\n"
        "Local authority code,Local authority,Opiate,Non-opiate only,Non-opiate and alcohol,Alcohol only,Total\n"
        "E07000008,Cambridge,355,120,95,210,780\n"
        "E07000009,East Cambridgeshire,*,40,25,85,150\n"
        "Source: NDTMS,,,,,,\n"
    )
    result = import_table(text.encode(), "ndtms_adult_treatment", name="ndtms.csv")
    t = result.table.set_index(["indicator", "area_code"])
    assert (t["period"] == "2022-23").all()
    opiate = t.loc[("adults_in_treatment_opiate", "E07000009")]
    assert opiate["suppressed"] and np.isnan(opiate["count"])
    assert_allclose(t.loc[("drug_alcohol_treatment", "E07000008"), "count"], 780)
    assert any("nearest 5" in n for n in result.notes)


def test_ocu_prevalence_two_row_headings_and_fractional_estimates():
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"] = "Opiate and crack cocaine use prevalence estimates, 2019-20"
    groups = [("Opiate and/or crack cocaine users (OCU)", 3), ("Opiate users", 7)]
    ws.cell(3, 1, "LA code")
    ws.cell(3, 2, "Local authority")
    ws.cell(3, 11, "Population aged 15-64")
    for col in (1, 2, 11):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    subs = ["Number", "Rate per 1,000", "Rate lower 95% CI", "Rate upper 95% CI"]
    for label, start in groups:
        ws.cell(3, start, label)
        ws.merge_cells(start_row=3, start_column=start, end_row=3, end_column=start + 3)
        for k, s in enumerate(subs):
            ws.cell(4, start + k, s)
    ws.append(["E07000008", "Cambridge", 812.4, 10.1, 8.2, 12.5, 600.2, 7.5, 6.0, 9.3, 80400])
    out = io.BytesIO()
    book.save(out)
    result = import_table(out.getvalue(), "ocu_prevalence", name="ocu.xlsx")
    t = result.table.set_index("indicator")
    assert_allclose(
        t.loc["ocu_prevalence", ["count", "denominator", "lower", "upper"]].astype(float),
        [812.4, 80400, 8.2, 12.5],
    )
    assert_allclose(t.loc["ocu_prevalence", "value"], 10.1)  # published rate kept
    assert_allclose(t.loc["opiate_prevalence", "count"], 600.2)
    assert (t["period"] == "2019-20").all()
    assert any("Optional indicator 'crack_prevalence'" in n for n in result.notes)


def test_moj_reoffending_with_dict_mapping_override():
    spec = load_layout("moj_proven_reoffending_la")
    spec["period"] = {"value": "Oct-Dec 2021 cohort"}
    text = (
        "Local authority code,Local authority,Number of offenders,Number of reoffenders,Number of reoffences\n"
        "E07000008,Cambridge,400,100 R,350\n"
        "E07000011,Huntingdonshire,300,75,200\n"
    )
    result = import_table(text.encode(), spec, name="moj.csv")
    t = result.table.set_index(["indicator", "area_code"])
    assert_allclose(t.loc[("proven_reoffending", "E07000008"), "value"], 25.0)
    assert (t["period"] == "Oct-Dec 2021 cohort").all()
    assert_allclose(t.loc[("reoffending_cohort", "E07000011"), "count"], 300)
