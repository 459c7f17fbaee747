"""The Concentration page shows the composite index and hot spots as bands, never exact.

Exact composite-index scores are rank-based, so they tell where a hidden rate
sits among the published ones; z-scores of hot spots turn back into scores
(issue 13, attacks 3 and 6). By default the page shows deciles and
confidence bands in its map tooltips, tables and downloads. The test reads
every element of the page (text, tables, the maps' HTML) and looks for each
exact score and z-score the page's own settings give.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/concentration.py"


def _elements(node) -> list:
    out = []
    for child in getattr(node, "children", {}).values():
        out.append(child)
        out.extend(_elements(child))
    return out


def _page_text(at: AppTest) -> str:
    """Everything the page shows or ships to the browser, as text."""
    parts = []
    for element in _elements(at._tree):
        kind = getattr(element, "type", "")
        if kind == "component_instance":  # the folium maps: their whole HTML and script
            parts.append(element.proto.json_args)
        elif kind in ("dataframe", "table", "arrow_table"):
            frame = element.value
            parts.append(frame.to_csv(index=False))
            parts.append(frame.to_string())
        else:
            value = getattr(element, "value", None)
            if value is not None:
                parts.append(str(value))
            for attr in ("label", "help", "body"):
                text = getattr(element, attr, None)
                if isinstance(text, str):
                    parts.append(text)
    return "\n".join(parts)


def _exact_forms(values: np.ndarray) -> list[str]:
    """How an exact value would be written: 2 or 3 decimals and the full float.

    Values under 1 in size are looked for with 3 decimals only, so the
    maps' style numbers (opacity 0.35 and the like) are not taken for them.
    """
    forms = set()
    for v in values[np.isfinite(values)]:
        forms.add(f"{v:.3f}")
        forms.add(repr(float(v)))
        if abs(v) >= 1:
            forms.add(f"{v:.2f}")
    return sorted(forms)


def _found(forms: list[str], text: str) -> list[str]:
    return [f for f in forms if re.search(r"(?<![\d.])" + re.escape(f) + r"(?![\d])", text)]


def _truth(dataset, at: AppTest):
    """The exact scores and z-scores under the page's own settings."""
    from meam_mapping.pipeline.concentration import domain_rates, find_hotspots, fit_index
    from ui.state import SETTINGS

    chosen = at.session_state[SETTINGS]
    rates = domain_rates(dataset, chosen)
    scores = fit_index(rates, chosen).scores_.dropna(subset=["score"])
    spots = find_hotspots(dataset.areas[chosen.level], scores, chosen).result_
    return scores, spots


def _open(dataset=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    if dataset is not None:
        at.session_state["dataset"] = dataset
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _check_banded(at: AppTest, dataset) -> None:
    scores, spots = _truth(dataset, at)
    text = _page_text(at)
    assert len(text) > 10_000  # the maps' HTML is in it
    leaked_scores = _found(_exact_forms(scores["score"].to_numpy(dtype=float)), text)
    assert not leaked_scores, f"exact index scores on the page: {leaked_scores[:5]}"
    leaked_z = _found(_exact_forms(spots["z"].to_numpy(dtype=float)), text)
    assert not leaked_z, f"exact hot-spot z-scores on the page: {leaked_z[:5]}"
    # The index table is in deciles, and the hot spots carry a band.
    top = at.dataframe[0].value
    assert list(top.columns) == ["Decile", "Area", "Domains in the top fifth"]
    assert top["Decile"].between(1, 10).all()
    significant = spots.loc[spots["significant"].astype(bool)]
    if len(significant):
        assert re.search(r"(Hot|Cold) spot, 9\d(\.9)?% confidence|High-High, 9\d", text)
    # Asking for exact scores shows them, under a warning (so the search above can find them).
    at.toggle(key="conc_exact").set_value(True).run()
    assert not at.exception
    assert any("NOT FOR SHARING" in w.value for w in at.warning)
    shown = _page_text(at)
    top_scores = scores.sort_values("score", ascending=False)["score"].head(5).to_numpy(dtype=float)
    assert _found([repr(float(v)) for v in top_scores], shown) or _found(
        [f"{v:.4f}" for v in top_scores], shown
    )
    # ... and they never reach a map or a downloadable table.
    maps = "\n".join(e.proto.json_args for e in _elements(at._tree)
                     if getattr(e, "type", "") == "component_instance")  # fmt: skip
    frames = "\n".join(f.value.to_csv() for f in at.dataframe)
    assert not _found(_exact_forms(scores["score"].to_numpy(dtype=float)), maps + frames)


def test_demo_concentration_page_shows_no_exact_score_or_z(demo_dataset):
    at = _open()
    _check_banded(at, demo_dataset)


def test_user_concentration_page_shows_no_exact_score_or_z(user_dataset):
    at = _open(user_dataset)
    _check_banded(at, user_dataset)
