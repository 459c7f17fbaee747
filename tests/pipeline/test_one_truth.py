"""A number shown in two places is the same number: pages, presenter, CLI and pack.

For the demo and for a user's own files, the headline (estimate and 95%
interval), the hot-spot count and the caseload figures are read back from
every surface and compared with one ``pipeline.run``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from meam_mapping import cli, pipeline
from meam_mapping.disclosure import DisclosurePolicy

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module", params=["demo", "user"])
def case(request, demo_dataset, user_dataset):
    dataset = demo_dataset if request.param == "demo" else user_dataset
    analysis = pipeline.run(dataset, pipeline.AnalysisSettings(), DisclosurePolicy())
    return request.param, dataset, analysis


def _app(dataset, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = dataset
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_estimates_page_shows_the_headline(case):
    _, dataset, analysis = case
    head = analysis.published_headline()
    metrics = _metrics(_app(dataset, "pages/estimates.py"))
    assert metrics["Estimated people facing multiple disadvantage"] == f"{head['n_hat']:,}"
    assert metrics["Seen by at least one service"] == f"{head['observed']:,}"
    assert metrics["Hidden from every service"] == f"{head['hidden']:,}"


def test_presenter_shows_the_headline(case):
    _, dataset, analysis = case
    head = analysis.published_headline()
    at = _app(dataset, "pages/presenter.py")
    metrics = _metrics(at)
    assert metrics["Estimated in total, including hidden"] == f"{head['n_hat']:,}"
    assert metrics["People seen by at least one service (matched lists)"] == f"{head['observed']:,}"
    captions = " ".join(c.value for c in at.caption)
    assert f"95% interval {head['ci_low']:,} to {head['ci_high']:,}" in captions


def test_caseload_page_matches_the_analysis(case):
    kind, dataset, analysis = case
    at = _app(dataset, "pages/caseload.py")
    metrics = _metrics(at)
    head = analysis.published_headline()
    assert metrics["Estimated people facing multiple disadvantage"] == f"{head['n_hat']:,}"
    if kind == "demo":
        plan = analysis.caseload[8]
        assert metrics["Coordinators needed"] == f"{plan.coordinators:,}"
        assert metrics["First caseload (people)"] == f"{plan.people_to_reach:,}"


def test_concentration_page_finds_the_same_hot_spots(case):
    _, dataset, analysis = case
    at = _app(dataset, "pages/concentration.py")
    hot, _ = analysis.hot_spot_count()
    captions = " ".join(c.value for c in at.caption)
    assert (f"Hot spot: {hot}" in captions) if hot else ("Hot spot:" not in captions)


def test_analyse_command_prints_the_same_object(case, tmp_path, capsys):
    kind, dataset, analysis = case
    if kind == "demo":
        args = ["analyse", "--demo", "--format", "json"]
    else:
        pytest.importorskip("userfiles")
        from userfiles import write_user_files

        files = write_user_files(tmp_path)
        args = ["analyse", "--boundaries", str(files.boundaries), "--data", str(files.tidy),
                "--data", str(files.wide), "--patterns", str(files.patterns), "--format", "json"]  # fmt: skip
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    head = analysis.published_headline()
    for key in ("observed", "n_hat", "ci_low", "ci_high", "hidden"):
        assert printed["headline"][key] == head[key], key
    assert printed["hotspots"]["hot"] == analysis.hot_spot_count()[0]
    assert [c["coordinators"] for c in printed["caseload"]] == [
        p.coordinators for _, p in sorted(analysis.caseload.items())
    ]


def test_pack_report_and_tables_show_the_headline(case, tmp_path):
    from meam_mapping.export.content import build_content
    from meam_mapping.export.pack import build_pack

    _, dataset, analysis = case
    head = analysis.published_headline()
    result = build_pack(dataset, tmp_path / "pack", results=analysis)
    total = pd.read_csv(result.folder / "hidden_by_district.csv").iloc[-1]
    assert int(total["n_hat"]) == head["n_hat"]
    assert int(total["ci_low"]) == head["ci_low"] and int(total["ci_high"]) == head["ci_high"]
    content = build_content(dataset, analysis, {})
    first = dict(content.headline)["People facing multiple disadvantage (estimate)"]
    assert first.startswith(f"{head['n_hat']:,} (95% CI {head['ci_low']:,} to {head['ci_high']:,}")
