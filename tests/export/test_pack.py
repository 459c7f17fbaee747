"""Tests for the evidence pack: build it once from the demo, then scan every file.

The scans prove two things for every artefact: no count from 1 to
threshold - 1 is shown in a count-bearing cell, and the synthetic-data label is
present. The recoverability check rebuilds the "total = sum of parts"
constraints an attacker can use from the *published* indicator table and shows
by least squares that no suppressed cell is determined (Cox 1980, "Suppression
methodology and statistical disclosure control", JASA 75, 377-385), the same
independent check as tests/test_disclosure.py.
"""

from __future__ import annotations

import csv
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.schema import SYNTHETIC_LABEL

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "disclosure"))
from disclosure_attacker import determined  # noqa: E402  (the independent attacker's helper)

THRESHOLD = 5
#: Columns that hold counts of people (or estimates that stand for them).
COUNT_COLUMNS = {"count", "observed", "known_count", "estimated_people", "people_to_reach"}
#: Report table headers of count columns.
COUNT_HEADERS = {"Count", "Known to services", "Estimated people", "People to reach"}
SMALL = set(range(1, THRESHOLD))


@pytest.fixture(scope="module")
def pack(demo_dataset, tmp_path_factory):
    from meam_mapping.export.pack import build_pack

    out = tmp_path_factory.mktemp("pack") / "evidence"
    return build_pack(demo_dataset, out, policy=DisclosurePolicy(threshold=THRESHOLD))


def is_small(value) -> bool:
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return False
    return number in SMALL


def assert_no_small(frame: pd.DataFrame, where: str) -> None:
    for column in COUNT_COLUMNS & set(frame.columns):
        values = pd.to_numeric(frame[column], errors="coerce")
        small = values[(values > 0) & (values < THRESHOLD)]
        assert small.empty, f"{where}: small count(s) {small.tolist()} in {column!r}"


# ---------------------------------------------------------------- reading
def pdf_strings(path) -> list[str]:
    """Text shown on the pages: reportlab writes the pages uncompressed."""
    raw = path.read_bytes().decode("latin-1")
    strings = re.findall(r"\(((?:[^()\\]|\\.)*)\) Tj", raw)
    octal = [re.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m.group(1), 8)), s) for s in strings]
    return [re.sub(r"\\(.)", r"\1", s) for s in octal]


def docx_tables(path) -> list[pd.DataFrame]:
    import docx

    document = docx.Document(str(path))
    frames = []
    for table in document.tables:
        cells = [[c.text for c in row.cells] for row in table.rows]
        frames.append(pd.DataFrame(cells[1:], columns=cells[0]))
    return frames


def docx_text(path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [p.text for s in document.sections for p in s.header.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*(?:\.\d+)?", text))


# ---------------------------------------------------------------- files
def test_pack_has_every_file_and_a_zip(pack):
    names = {p.relative_to(pack.folder).as_posix() for p in pack.files}
    for name in ("report.pdf", "report.docx", "tables.xlsx", "areas.gpkg", "map.html",
                 "README.txt", "indicators.csv", "hidden_by_district.csv", "focus_zones.csv",
                 "caseload.csv", "maps/map_index.png", "maps/map_hotspots.png",
                 "maps/map_zones.png"):  # fmt: skip
        assert name in names
    with zipfile.ZipFile(pack.zip_path) as archive:
        zipped = {n.split("/", 1)[1] for n in archive.namelist()}
    assert zipped == names


def test_label_in_every_artefact(pack):
    folder = pack.folder
    pdf = pdf_strings(folder / "report.pdf")
    pages = len(re.findall(rb"/Type /Page\b", (folder / "report.pdf").read_bytes()))
    assert sum(SYNTHETIC_LABEL in s for s in pdf) >= pages  # footer on every page
    assert SYNTHETIC_LABEL in docx_text(folder / "report.docx")
    import openpyxl

    about = openpyxl.load_workbook(folder / "tables.xlsx")["About"]
    assert any(c.value == SYNTHETIC_LABEL for row in about.iter_rows() for c in row)
    import pyogrio

    gpkg_about = pyogrio.read_dataframe(folder / "areas.gpkg", layer="about")
    assert SYNTHETIC_LABEL in set(gpkg_about["text"])
    assert SYNTHETIC_LABEL in (folder / "map.html").read_text(encoding="utf-8")
    assert SYNTHETIC_LABEL in (folder / "README.txt").read_text(encoding="utf-8")
    for path in folder.glob("*.csv"):
        frame = pd.read_csv(path, encoding="utf-8-sig")
        assert set(frame["data_label"]) == {SYNTHETIC_LABEL}, path.name


# ------------------------------------------------------------ small counts
def test_tables_show_no_small_counts(pack):
    import openpyxl
    import pyogrio

    workbook = openpyxl.load_workbook(pack.folder / "tables.xlsx")
    sheets = [n for n in workbook.sheetnames if n != "About"]
    assert {"indicators", "hidden_by_district", "area_estimates", "focus_zones"} <= set(sheets)
    for name in sheets:
        assert_no_small(pd.read_excel(pack.folder / "tables.xlsx", sheet_name=name), name)
    for path in pack.folder.glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            assert_no_small(pd.DataFrame(list(csv.DictReader(handle))), path.name)
    for name, *_ in pyogrio.list_layers(pack.folder / "areas.gpkg"):
        assert_no_small(pyogrio.read_dataframe(pack.folder / "areas.gpkg", layer=name), name)


def test_suppression_is_not_vacuous(pack):
    table = pd.read_csv(pack.folder / "indicators.csv", encoding="utf-8-sig")
    reasons = set(table["suppression"].dropna())
    assert {"small count", "secondary"} <= reasons
    hidden = table["suppression"].isin(["small count", "secondary"])
    assert table.loc[hidden, "count"].isna().all() and table.loc[hidden, "value"].isna().all()


def test_reports_show_no_small_counts(pack):
    tables = docx_tables(pack.folder / "report.docx")
    checked = 0
    for frame in tables:
        for header in COUNT_HEADERS & set(frame.columns):
            cells = frame[header].tolist()
            assert not any(is_small(c) for c in cells), (header, cells)
            checked += len(cells)
    assert checked > 20
    # The PDF says nothing numeric that the DOCX (checked above) does not.
    pdf_text = " ".join(
        s for s in pdf_strings(pack.folder / "report.pdf") if not s.startswith("Page ")
    )
    extra = numbers(pdf_text) - numbers(docx_text(pack.folder / "report.docx"))
    assert not extra, extra


def test_html_tooltips_show_no_small_counts(pack):
    page = (pack.folder / "map.html").read_text(encoding="utf-8")
    counts = re.findall(r"Count: ([\d,]+)", page)
    assert len(counts) > 30
    assert not [c for c in counts if is_small(c)]
    # Hidden areas say why: a small count, or (a secondary cell, or a group whose labels
    # alone would narrow its small counts) hidden to protect a small number nearby.
    assert any(
        text in page
        for text in (
            "suppressed (fewer than 5)",
            "hidden to protect a small number nearby",
            "hidden with other small numbers in this group",
        )
    )
    estimates = re.findall(r"Estimated people: ([\d,.]+)", page)
    assert estimates and not [e for e in estimates if 0 < float(e.replace(",", "")) < 1]


# ------------------------------------------------------------ recoverability
def test_no_suppressed_cell_recoverable_from_published_totals(pack, demo_dataset):
    table = pd.read_csv(pack.folder / "indicators.csv", encoding="utf-8-sig")
    lsoa = demo_dataset.areas["lsoa"].set_index("area_code")["msoa_code"]
    msoa = demo_dataset.areas["msoa"].set_index("area_code")["lad_code"]
    parent = {**lsoa.to_dict(), **msoa.to_dict()}
    tested = 0
    for _, rows in table.groupby(["indicator", "period"]):
        rows = rows.reset_index(drop=True)
        hidden = rows["count"].isna().to_numpy() & rows["suppressed"].astype(bool).to_numpy()
        if not hidden.any():
            continue
        position = {code: i for i, code in enumerate(rows["area_code"])}
        groups: dict[str, list[int]] = {}
        for i, code in enumerate(rows["area_code"]):
            groups.setdefault(parent.get(code, "study area"), []).append(i)
        matrix = []
        for total, members in groups.items():
            row = np.zeros(len(rows))
            row[members] = 1.0
            if total in position:
                row[position[total]] -= 1.0
            matrix.append(row)
        # A small count must never be determined. A cell hidden to protect one may be
        # (its value is 0 or 5 or more, which discloses no small number).
        small = rows["suppression"].fillna("").eq("small count").to_numpy()
        found = determined(np.asarray(matrix), hidden)
        assert not small[found].any(), rows.loc[found[small[found]], "area_code"].tolist()
        tested += int(hidden.sum())
    assert tested > 10


def test_area_estimates_hidden_with_their_known_count(pack):
    areas = pd.read_csv(pack.folder / "area_estimates.csv", encoding="utf-8-sig")
    table = pd.read_csv(pack.folder / "indicators.csv", encoding="utf-8-sig")
    known = table[
        (table["indicator"] == "known_multiple_disadvantage") & (table["level"] == "msoa")
    ]
    hidden = set(known.loc[known["count"].isna(), "area_code"])
    assert hidden == set(areas.loc[areas["estimated_people"].isna(), "area_code"])
    assert hidden == set(areas.loc[areas["known_count"].isna(), "area_code"])


def test_report_numbers_have_intervals(pack):
    text = docx_text(pack.folder / "report.docx")
    assert re.search(
        r"People facing multiple disadvantage \(estimate\)\n[\d,]+ \(95% CI [\d,]+ to [\d,]+[;)]",
        text,
    )
    assert "Methods and assumptions" in text and "Closed population" in text
    assert "Open Government Licence" in text
    assert DisclosurePolicy(threshold=THRESHOLD).describe() in text
    with open(pack.folder / "README.txt", encoding="utf-8") as handle:
        assert "Disclosure control" in handle.read()
