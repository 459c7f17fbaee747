"""The map command's finished file kept on disk: the same command again writes the same bytes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meam_mapping import cli
from meam_mapping.geography import boundary_cache
from meam_mapping.maps import output_cache

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(boundary_cache.CACHE_SWITCH_ENV, raising=False)
    return tmp_path / "cache" / "boundaries" / "outputs"


@pytest.fixture
def files(user_files, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(user_files.boundaries, folder / "b.geojson")
    shutil.copy(user_files.tidy, folder / "t.csv")
    return folder / "b.geojson", folder / "t.csv"


def _map(files, out, *extra):
    b, t = files
    return cli.main(["map", "--boundaries", str(b), "--data", str(t), "--indicator",
                     "homelessness", "--out", str(out), *extra])  # fmt: skip


def _refuse_drawing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the map was worked out again")

    monkeypatch.setattr(cli, "_cached_slice", refuse)


def test_same_command_again_writes_the_same_bytes_and_report(cache, files, tmp_path, monkeypatch,
                                                             capsys):  # fmt: skip
    assert _map(files, tmp_path / "one.html") == 0
    first = capsys.readouterr()
    assert len(list(cache.glob("*.entry"))) == 1
    _refuse_drawing(monkeypatch)
    assert _map(files, tmp_path / "two.html") == 0
    second = capsys.readouterr()
    assert second.err == first.err  # the loading report, printed again
    assert "two.html" in second.out
    assert (tmp_path / "one.html").read_bytes() == (tmp_path / "two.html").read_bytes()


def test_png_is_kept_svg_is_not(cache, files, tmp_path):
    assert _map(files, tmp_path / "one.png") == 0
    assert len(list(cache.glob("*.entry"))) == 1
    assert _map(files, tmp_path / "one.svg") == 0  # carries its creation time: drawn each time
    assert len(list(cache.glob("*.entry"))) == 1


def test_one_byte_changed_with_size_and_date_restored_is_seen(cache, files, tmp_path):
    """A same-size edit whose modification time is put back still changes the map."""
    assert _map(files, tmp_path / "one.html") == 0
    table = files[1]
    info = table.stat()
    text = table.read_bytes()
    at = text.index(b",1033,")  # the first area's denominator: 8 of 1033 becomes 8 of 9033
    changed = text[: at + 1] + b"9" + text[at + 2 :]
    assert len(changed) == len(text)
    table.write_bytes(changed)
    os.utime(table, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert table.stat().st_size == info.st_size and table.stat().st_mtime_ns == info.st_mtime_ns
    assert _map(files, tmp_path / "two.html") == 0
    assert len(list(cache.glob("*.entry"))) == 2
    assert (tmp_path / "one.html").read_bytes() != (tmp_path / "two.html").read_bytes()


def test_every_option_and_the_boundaries_are_in_the_key(cache, files):
    b, t = files
    base = output_cache.output_key(b, [t], "html", indicator="x", classes=5)
    assert base == output_cache.output_key(b, [t], "html", indicator="x", classes=5)
    assert base != output_cache.output_key(b, [t], "html", indicator="x", classes=4)
    assert base != output_cache.output_key(b, [t], "png", indicator="x", classes=5)
    data = bytearray(b.read_bytes())
    data[-3] = (
        ord(" ") if data[-3] != ord(" ") else ord("\n")
    )  # whitespace: same areas, other bytes
    b.write_bytes(bytes(data))
    assert base != output_cache.output_key(b, [t], "html", indicator="x", classes=5)
    assert output_cache.output_key(b, [t], "svg", indicator="x") is None
    assert output_cache.output_key(b, [], "html", indicator="x") is None


def test_damaged_or_foreign_entry_is_rebuilt_never_trusted(cache, files, tmp_path):
    assert _map(files, tmp_path / "one.html") == 0
    entry = next(cache.glob("*.entry"))
    good = entry.read_bytes()
    flipped = bytearray(good)
    flipped[-10] ^= 0x01  # same length, one bit of the page changed
    entry.write_bytes(bytes(flipped))
    assert output_cache.load_output(entry.stem) is None and not entry.exists()
    entry.write_bytes(good[:-100])  # truncated
    assert output_cache.load_output(entry.stem) is None and not entry.exists()
    entry.write_bytes(b"not an entry")
    assert output_cache.load_output(entry.stem) is None and not entry.exists()
    other = cache / ("0" * 40 + ".entry")
    other.write_bytes(good)  # right content, another key
    assert output_cache.load_output(other.stem) is None and not other.exists()
    entry.write_bytes(bytes(flipped))
    assert _map(files, tmp_path / "two.html") == 0  # rebuilt, not copied from the damaged entry
    assert entry.read_bytes() != bytes(flipped)
    assert output_cache.load_output(entry.stem) is not None


def test_switched_off_and_cleared_with_the_boundary_cache(cache, files, tmp_path, monkeypatch):
    key = output_cache.output_key(*files[:1], [files[1]], "html", indicator="x")
    assert output_cache.store_output(key, b"<html></html>", ["a line"]) is not None
    kept = output_cache.load_output(key)
    assert kept.payload == b"<html></html>" and kept.report == ["a line"]
    assert boundary_cache.clear_boundary_cache() == 1
    assert output_cache.load_output(key) is None
    monkeypatch.setenv(boundary_cache.CACHE_SWITCH_ENV, "0")
    assert output_cache.output_key(*files[:1], [files[1]], "html", indicator="x") is None
    assert _map(files, tmp_path / "one.html") == 0
    assert not list(cache.glob("*.entry"))


def test_a_hit_imports_no_table_or_drawing_library(cache, files, tmp_path):
    assert _map(files, tmp_path / "one.html") == 0
    probe = ("import sys\nfrom meam_mapping.cli import main\nstatus = main(sys.argv[1:])\n"
             "heavy = [m for m in ('pandas', 'geopandas', 'shapely', 'folium', 'matplotlib')"
             " if m in sys.modules]\nprint('HEAVY', heavy)\nsys.exit(status)")  # fmt: skip
    b, t = files
    done = subprocess.run(
        [sys.executable, "-c", probe, "map", "--boundaries", str(b), "--data", str(t),
         "--indicator", "homelessness", "--out", str(tmp_path / "two.html")],
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    assert (tmp_path / "one.html").read_bytes() == (tmp_path / "two.html").read_bytes()


def test_page_is_the_same_with_every_cache_off_first_and_again(cache, files, tmp_path, monkeypatch):
    """Before/after on a small file: the kept file is the page a cold command draws (ids masked)."""
    import re

    def page(path):
        return re.sub(r"_[0-9a-f]{32}", "_ID", path.read_text(encoding="utf-8"))  # folium's ids

    monkeypatch.setenv(boundary_cache.CACHE_SWITCH_ENV, "0")
    assert _map(files, tmp_path / "cold.html") == 0
    monkeypatch.delenv(boundary_cache.CACHE_SWITCH_ENV)
    assert _map(files, tmp_path / "first.html") == 0
    assert _map(files, tmp_path / "again.html") == 0
    assert page(tmp_path / "cold.html") == page(tmp_path / "first.html")
    assert (tmp_path / "first.html").read_bytes() == (tmp_path / "again.html").read_bytes()


def test_entries_of_earlier_days_are_deleted_when_another_is_written(cache, files):
    old_key = output_cache.output_key(*files[:1], [files[1]], "html", indicator="old")
    old = output_cache.store_output(old_key, b"<html>old</html>", [])
    stale = old.stat().st_mtime - 3 * 86_400
    os.utime(old, (stale, stale))
    key = output_cache.output_key(*files[:1], [files[1]], "html", indicator="new")
    assert output_cache.store_output(key, b"<html>new</html>", []) is not None
    assert not old.exists()
    assert output_cache.load_output(key).payload == b"<html>new</html>"


def test_another_command_uses_the_kept_shapes_and_draws_the_same_page(cache, files, tmp_path,
                                                                      monkeypatch):  # fmt: skip
    """The encoded display shapes are kept; a damaged entry is encoded again, never trusted."""
    import re

    from meam_mapping.maps import interactive, pack

    def page(path):
        return re.sub(r"_[0-9a-f]{32}", "_ID", path.read_text(encoding="utf-8"))  # folium's ids

    monkeypatch.setattr(interactive, "PACK_THRESHOLD", 0)  # pack even these few areas
    monkeypatch.setenv(boundary_cache.CACHE_SWITCH_ENV, "0")
    for k in ("4", "3"):
        assert _map(files, tmp_path / f"cold{k}.html", "--classes", k) == 0
    monkeypatch.delenv(boundary_cache.CACHE_SWITCH_ENV)
    assert _map(files, tmp_path / "first.html") == 0
    kept = list((cache.parent / "display" / "packed").glob("*.parquet"))
    assert len(kept) == 1
    encoded = []
    real = pack.prepack_geometry
    monkeypatch.setattr(pack, "prepack_geometry", lambda g: encoded.append(1) or real(g))
    assert _map(files, tmp_path / "four.html", "--classes", "4") == 0
    assert encoded == []  # the kept shapes were used
    assert page(tmp_path / "four.html") == page(tmp_path / "cold4.html")
    kept[0].write_bytes(b"PAR1 damaged")
    assert _map(files, tmp_path / "three.html", "--classes", "3") == 0
    assert encoded == [1]  # encoded again
    assert page(tmp_path / "three.html") == page(tmp_path / "cold3.html")
    assert boundary_cache.clear_boundary_cache() >= 1
    assert not list((cache.parent / "display" / "packed").glob("*"))
