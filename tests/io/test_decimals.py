"""Decimal marks: European files read as Europeans wrote them, ambiguity refused (issue 18)."""

from __future__ import annotations

import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.decimals import decide_decimal, to_decimal_point
from meam_mapping.io.indicators import load_indicator_file


def _frame(**columns: list[str]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame(columns, index=pd.RangeIndex(2, n + 2, name="row"))


@pytest.mark.parametrize(
    ("cells", "delimiter", "mark"),
    [
        (["1.430", "18,5"], ";", ","),  # a decimal comma decides
        (["1.430", "18,5"], ",", ","),  # even in a comma file (the cell was quoted)
        (["1.234.567"], "\t", ","),  # two thousands dots only fit the European reading
        (["1.234,5"], None, ","),
        (["1.430"], ";", ","),  # ambiguous, but the semicolons say European
        (["1.430"], ",", "."),  # ambiguous, but the commas separate cells
        (["1.430"], None, "."),  # a workbook or a frame: as before
        (["18.5", "1,430"], ";", "."),  # a decimal point decides, despite the semicolons
        (["0.125"], "\t", "."),  # a thousands group never starts with 0
        (["12", "*", "", "E01000001", "01.04.2024"], "\t", "."),  # nothing to decide
    ],
)
def test_the_mark_is_decided_by_cells_then_delimiter(cells, delimiter, mark):
    assert decide_decimal(_frame(n=cells), delimiter=delimiter)[0] == mark


def test_an_ambiguous_number_that_nothing_explains_is_refused_with_both_readings():
    with pytest.raises(InputError) as err:
        decide_decimal(_frame(name=["A"], population=["1.430"]), delimiter="\t", file="p.tsv")
    message = err.value.message
    assert "p.tsv, row 2, column 'population'" in message
    assert "could be 1430" in message and "or 1.43" in message
    assert "--decimal ," in message and "--decimal ." in message


def test_both_marks_in_one_table_are_refused_naming_one_of_each():
    frame = _frame(value=["18,5", "2.25"])
    with pytest.raises(InputError) as err:
        decide_decimal(frame, delimiter=";", file="e.csv")
    assert err.value.row == [2, 3]
    assert "'18,5'" in err.value.message and "'2.25'" in err.value.message


def test_a_stated_mark_wins_and_a_wrong_mark_is_refused():
    assert decide_decimal(_frame(n=["1.430"]), delimiter="\t", stated=".")[0] == "."
    assert decide_decimal(_frame(n=["18.5"]), delimiter=",", stated=",")[0] == ","
    with pytest.raises(InputError, match="Unknown decimal mark"):
        decide_decimal(_frame(n=["1"]), stated="comma")  # type: ignore[arg-type]
    with pytest.raises(InputError) as err:
        to_decimal_point(_frame(n=["18,5", "18.5"]), file="x.csv")
    assert err.value.row == [3] and "--decimal ." in err.value.message


def test_european_cells_are_rewritten_and_others_left_alone():
    frame = _frame(
        n=["1.430", "18,5", "-2,25", "1.234.567,8", "*", "<5", ""],
        name=["St. Ives", "1.2.3", "Area 1,5", "x", "y", "z", "w"],
    )
    out = to_decimal_point(frame)
    assert out["n"].tolist() == ["1430", "18.5", "-2.25", "1234567.8", "*", "<5", ""]
    assert out["name"].tolist() == frame["name"].tolist()
    assert list(out.index) == list(frame.index)


def test_a_european_file_loads_to_the_same_table_as_its_english_twin():
    english = (
        "area_code,indicator,period,count,denominator,value\n"
        'E01000001,homeless,2024/25,27,"1,430",18.9\n'
        'E01000002,homeless,2024/25,*,"12,105",1.25\n'
    )
    european = (
        "area_code;indicator;period;count;denominator;value\n"
        "E01000001;homeless;2024/25;27;1.430;18,9\n"
        "E01000002;homeless;2024/25;*;12.105;1,25\n"
    )
    en = load_indicator_file(english.encode(), name="a.csv")
    eu = load_indicator_file(european.encode(), name="a.csv")
    pd.testing.assert_frame_equal(en.table, eu.table)
    assert not any("decimal" in n for n in en.notes)
    assert any("decimal comma" in n and "'18,9'" in n for n in eu.notes)


def test_the_command_line_states_the_mark_for_the_table_loader():
    from meam_mapping.cli import _load_options, build_parser

    parser = build_parser()
    for command in (
        ["table", "--demo", "--indicator", "x"],
        ["workspace", "--boundaries", "b", "--out", "w.gpkg"],
    ):
        args = parser.parse_args([*command, "--decimal", ","])
        assert _load_options(args) == {"decimal": ","}
        assert _load_options(parser.parse_args(command)) == {}
    with pytest.raises(SystemExit):
        parser.parse_args(["table", "--demo", "--indicator", "x", "--decimal", ";"])


def test_missing_cells_are_passed_over_when_deciding():
    frame = pd.DataFrame(
        {"count": ["1.430", None, "7"], "rate": [None, "18,5", "2,25"]}, index=[2, 3, 4]
    )
    mark, notes = decide_decimal(frame, delimiter=";")
    assert mark == "," and "'18,5' (row 3, column 'rate')" in notes[0]
