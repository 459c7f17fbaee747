"""Tests for meam_mapping.io.archives (zip checks and safe extraction)."""

from __future__ import annotations

import io
import zipfile

import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.archives import (
    check_workbook,
    check_zip,
    extract_zip,
    fresh_temp_dir,
    safe_member_parts,
)


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("name", ["a.shp", "folder/a.shp", "folder\\a.dbf"])
def test_safe_member_parts_accepts_relative_names(name):
    assert safe_member_parts(name, "x.zip")[-1].startswith("a.")


@pytest.mark.parametrize(
    "name", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "C:/evil.shp", "\\evil.shp"]
)
def test_safe_member_parts_refuses_traversal(name):
    with pytest.raises(InputError, match=r"x\.zip: The zip file contains an unsafe path"):
        safe_member_parts(name, "x.zip")


def test_check_zip_limits_members_total_and_ratio():
    archive = _zip({f"f{i}.txt": b"x" for i in range(5)})
    assert len(check_zip(archive, "x.zip")) == 5
    with pytest.raises(InputError, match="holds 5 files; at most 4"):
        check_zip(archive, "x.zip", max_members=4)
    with pytest.raises(InputError, match="unpacks to"):
        check_zip(archive, "x.zip", max_total=4)
    bomb = _zip({"sheet.xml": b"\x00" * (4 * 1024**2)})
    with pytest.raises(InputError, match="zip bomb"):
        check_zip(bomb, "bomb.zip")
    # A small, very compressible member is normal (e.g. a .cpg or .prj file).
    check_zip(_zip({"a.cpg": b"UTF-8" * 1000}), "ok.zip")


def test_extract_zip_writes_only_into_the_fresh_folder():
    archive = _zip({"dir/a.shp": b"shape", "b.dbf": b"table"})
    with fresh_temp_dir() as dest:
        written = extract_zip(archive, check_zip(archive, "x.zip"), dest, "x.zip")
        assert sorted(p.relative_to(dest).as_posix() for p in written) == ["b.dbf", "dir/a.shp"]
        assert (dest / "dir" / "a.shp").read_bytes() == b"shape"
    assert not dest.exists()


def test_extract_zip_counts_bytes_actually_written():
    archive = _zip({"a.shp": b"x" * 5000})
    with fresh_temp_dir() as dest, pytest.raises(InputError, match="unpacks to more than"):
        extract_zip(archive, archive.infolist(), dest, "x.zip", max_total=1000)


def test_extract_zip_turns_damage_into_input_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"some shape bytes " * 200)
    data = bytearray(buffer.getvalue())
    data[60] ^= 0xFF  # inside the compressed data of a.shp
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    with fresh_temp_dir() as dest, pytest.raises(InputError) as info:
        extract_zip(archive, archive.infolist(), dest, "broken.zip")
    assert "broken.zip: The zip file is damaged: 'a.shp'" in info.value.message


def test_check_workbook_refuses_a_zip_bomb_and_leaves_non_zips_alone():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (4 * 1024**2))
    with pytest.raises(InputError, match="zip bomb"):
        check_workbook(bomb.getvalue(), "big.xlsx")
    check_workbook(b"not a zip", "odd.xlsx")  # openpyxl will refuse it with its own message
