"""Export page: the disclosure policy, static maps, offline interactive maps and the evidence pack."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import streamlit as st

from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.mapping import MapRequest, render_map_file
from meam_mapping.schema import LEVEL_LABELS
from ui.state import POLICY, current_dataset, kept, policy, remember
from ui.widgets import indicator_picker, show_problem

st.title("Export")
st.caption(
    "Everything that leaves MEAM Mapping passes through one disclosure policy: maps, tables, spreadsheets, "
    "reports and GeoPackages. Synthetic demonstration data is labelled as such on every export."
)
dataset = current_dataset()

st.subheader("Disclosure policy")
current = policy()
p1, p2, p3 = st.columns(3)
threshold = p1.number_input(
    "Hide counts below",
    min_value=2,
    max_value=50,
    value=int(current.threshold),
    help="Counts from 1 up to this number minus one are hidden. 5 hides 1–4 (the default); "
    "some NHS data need 10.",
)
rounding = p2.selectbox(
    "Round published counts to the nearest",
    ["no rounding", 5, 10],
    index=0 if current.round_to is None else (1 if current.round_to == 5 else 2),
)
secondary = p3.checkbox(
    "Secondary suppression",
    value=current.secondary,
    disabled=True,
    help="Always on: a hidden count must not be recoverable from totals.",
)
new_policy = DisclosurePolicy(
    threshold=int(threshold),
    round_to=None if rounding == "no rounding" else int(rounding),
    secondary=True,
)
if new_policy != current:
    st.session_state[POLICY] = new_policy
    st.rerun()
st.info(new_policy.describe(), icon=":material/shield:")

st.subheader("A map to share")
c1, c2 = st.columns([2, 1])
with c1:
    indicator, period = indicator_picker(dataset, key_prefix="export")
with c2:
    levels = dataset.levels
    level = st.selectbox(
        "Level",
        levels,
        key=kept("export_level", "msoa" if "msoa" in levels else levels[0], levels),
        format_func=lambda lv: LEVEL_LABELS.get(lv, lv),
    )
    preset = st.selectbox(
        "Page",
        ["a4_landscape", "a4_portrait", "a3_landscape", "slide_16_9", "screen"],
        key=kept("export_preset", "a4_landscape"),
        format_func=lambda p: (
            p.replace("_", " ")
            .replace("a4", "A4")
            .replace("a3", "A3")
            .replace("slide 16 9", "slide 16:9")
        ),
    )
    title = st.text_input("Title (optional)", key=kept("export_title", ""))
remember("export_level", "export_preset", "export_title")
request = MapRequest(
    indicator=indicator, period=period, level=level, title=title or None, preset=preset
)
formats = {
    "PNG image": "png",
    "PDF": "pdf",
    "SVG (editable)": "svg",
    "Interactive map (HTML, works offline)": "html",
}
fmt_label = st.radio("Format", list(formats), horizontal=True, key="export_format")
fmt = formats[fmt_label]
if st.button("Make the map", type="primary"):
    buffer = io.BytesIO()
    try:
        render_map_file(dataset, request, buffer, policy=new_policy, format=fmt)
    except (InputError, EstimationError) as err:
        show_problem(err)
    else:
        st.session_state["export_map"] = (fmt, buffer.getvalue(), f"{indicator}-{level}.{fmt}")
made = st.session_state.get("export_map")
if made:
    fmt_made, data, name = made
    mime = {
        "png": "image/png",
        "pdf": "application/pdf",
        "svg": "image/svg+xml",
        "html": "text/html",
    }[fmt_made]
    st.download_button(
        f"Download {name}", data, file_name=name, mime=mime, icon=":material/download:"
    )
    if fmt_made == "png":
        st.image(data, caption="Preview", width="stretch")

st.subheader("Evidence pack for a funding bid")
st.caption(
    "One folder, zipped: a PDF report and an editable Word version (headline numbers with intervals, maps, hot "
    "spots, focus zones, caseload sizing, methods and assumptions in plain English, sources and licences, the "
    "disclosure policy), a spreadsheet with one sheet per table, a GeoPackage for QGIS and an offline map."
)
if st.button("Build the evidence pack", icon=":material/inventory_2:"):
    from meam_mapping.export.pack import build_pack

    with st.spinner("Building the pack (about half a minute)…"):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                result = build_pack(dataset, Path(tmp) / "evidence-pack", policy=new_policy)
                st.session_state["export_pack"] = (
                    Path(result.zip_path).read_bytes(),
                    sorted(Path(p).name for p in result.files),
                    (Path(result.folder) / "report.pdf").read_bytes()
                    if (Path(result.folder) / "report.pdf").exists()
                    else None,
                )
        except (InputError, EstimationError) as err:
            show_problem(err)
pack = st.session_state.get("export_pack")
if pack:
    zip_bytes, files, pdf = pack
    st.download_button(
        "Download the evidence pack (.zip)",
        zip_bytes,
        file_name="meam-evidence-pack.zip",
        mime="application/zip",
        icon=":material/download:",
        type="primary",
    )
    if pdf:
        st.download_button(
            "Download the report only (PDF)",
            pdf,
            file_name="meam-evidence-report.pdf",
            mime="application/pdf",
        )
    st.caption("In the pack: " + ", ".join(files))
