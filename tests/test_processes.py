"""Work forked into a child process: only where safe, with the same results and errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest

from meam_mapping.processes import can_fork, other_threads, start_in_fork

ROOT = Path(__file__).resolve().parents[1]
needs_fork = pytest.mark.skipif(not can_fork(), reason="children are forked only on Linux")


def _run(code: str, tmp_path: Path) -> str:
    """Run ``code`` in a fresh interpreter (no thread but its own): its standard output."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "MEAM_MAPPING_CACHE": str(tmp_path / "cache")},
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@needs_fork
def test_a_call_runs_in_a_child_and_its_error_comes_back_whole(tmp_path):
    out = _run(
        """
        import os
        from meam_mapping.errors import InputError
        from meam_mapping.loading import load_table_file
        from meam_mapping.processes import start_in_fork

        print(start_in_fork(os.getpid).result() != os.getpid())
        open("bad.csv", "w").write("nothing,useful\\n1,2\\n")
        try:
            start_in_fork(load_table_file, "bad.csv").result()
        except InputError as err:
            forked = str(err)
        try:
            load_table_file("bad.csv")
        except InputError as err:
            print(forked == str(err) and "bad.csv" in forked)
        """,
        tmp_path,
    )
    assert out.split() == ["True", "True"]


def test_no_fork_beside_another_thread_or_for_what_cannot_be_pickled():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="web server")
    other.start()
    try:
        assert other in other_threads()
        assert start_in_fork(os.getpid) is None  # the caller does the work itself
    finally:
        stop.set()
        other.join()
    assert start_in_fork(lambda: 1) is None  # not picklable: never sent


@needs_fork
def test_a_dataset_read_with_a_forked_table_equals_one_read_in_a_thread(tmp_path, demo):
    lsoa = demo.areas["lsoa"].rename(columns={"area_code": "LSOA11CD", "area_name": "LSOA11NM"})
    lsoa.to_crs(4326).to_file(tmp_path / "lsoa.geojson")
    rows = demo.indicators.query("indicator == 'probation_caseload'")[["area_code", "count"]]
    rows.rename(columns={"count": "probation"}).to_csv(tmp_path / "probation.csv", index=False)
    out = _run(
        """
        import sys
        from meam_mapping import processes
        from meam_mapping.loading import build_dataset

        forked = []
        real = processes.start_in_fork
        processes.start_in_fork = lambda *a, **k: forked.append(1) or real(*a, **k)
        dataset, report = build_dataset("lsoa.geojson", ["probation.csv"])
        dataset.indicators.to_pickle("forked.pkl")
        print(len(forked), report[-1])
        """,
        tmp_path,
    )
    from meam_mapping.loading import build_dataset

    here, report = build_dataset(tmp_path / "lsoa.geojson", [tmp_path / "probation.csv"])
    assert out.split()[0] == "1" and report[-1] in out
    pd.testing.assert_frame_equal(pd.read_pickle(tmp_path / "forked.pkl"), here.indicators)


@needs_fork
def test_a_forked_table_is_read_without_hypothesis_and_the_parent_keeps_it(tmp_path):
    """pandera imports hypothesis when installed; the table's child skips it, the same table comes back."""
    pytest.importorskip("hypothesis")
    (tmp_path / "t.csv").write_text("area_code,homeless\nE01000001,12\nE01000002,7\n")
    out = _run(
        """
        import sys
        from meam_mapping.loading import _load_table_in_child, load_table_file
        from meam_mapping.processes import start_in_fork

        def probe():
            loaded = _load_table_in_child("t.csv")
            return loaded, sys.modules.get("hypothesis") is None, "pandera" in sys.modules

        forked, blocked, checked = start_in_fork(probe).result()
        here = load_table_file("t.csv")
        print(forked.table.equals(here.table), blocked, checked)
        print("hypothesis" in sys.modules and sys.modules["hypothesis"] is not None)
        # The table's half of the join came back with it, its table the table (sent once).
        side = forked.join_side
        print(side.table is forked.table, list(side.distinct), side.detection.level)
        """,
        tmp_path,
    )
    assert out.split() == ["True", "True", "True", "True", "True", "['E01000001',", "'E01000002']",
                           "lsoa"]  # fmt: skip
