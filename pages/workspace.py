"""Workspace page: save and reopen an analysis, notes on areas, scenarios."""

from __future__ import annotations

import re

import streamlit as st
from streamlit_folium import st_folium

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.mapping import MapRequest, interactive_map
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.notes_layer import add_notes_to_map, notes_layer
from meam_mapping.maps.spec import MapLayer, MapSpec
from meam_mapping.pipeline.scenarios import Scenario, compare_scenarios, index_map_data
from meam_mapping.schema import DOMAIN_LABELS, DOMAINS, LEVEL_LABELS
from meam_mapping.workspace import load_workspace_bytes, workspace_bytes
from meam_mapping.workspace.notes import AreaNote, add_note, export_notes, remove_note
from ui.state import current_dataset, kept, policy, remember
from ui.widgets import show_problem, show_table
from ui.workspace import (
    apply_workspace,
    current_notes,
    current_workspace,
    describe,
    open_recovery_file,
    recovery_files,
    save_scenario,
    saved_scenarios,
    set_notes,
)

st.title("Workspace")
st.caption(
    "Save everything (data, choices, notes and scenarios) in one file you can reopen next month "
    "or open in QGIS. Your work is also saved automatically while you use the app."
)
dataset = current_dataset()
SECTIONS = ["Save and open", "Notes on areas", "Scenarios"]
section = st.radio(
    "Section", SECTIONS, key=kept("workspace_section", SECTIONS[0], SECTIONS), horizontal=True
)
remember("workspace_section")

# ---------------------------------------------------------------- save / open
if section == SECTIONS[0]:
    st.subheader("Save")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", dataset.name).strip("-") or "workspace"
    workspace = current_workspace()
    st.download_button(
        "Download this workspace (.gpkg)",
        data=lambda: workspace_bytes(workspace),
        file_name=f"{stem}.gpkg",
        mime="application/geopackage+sqlite3",
        on_click="ignore",
        icon=":material/download:",
        key="workspace_download",
    )
    st.caption(
        f"{len(workspace.scenarios)} scenario(s) and {0 if workspace.notes is None else len(workspace.notes)} "
        "note(s) are included. The file holds the data you loaded: store it where your "
        "organisation keeps sensitive data."
    )
    st.subheader("Open")
    upload = st.file_uploader("A saved workspace (.gpkg)", type=["gpkg"], key="workspace_upload")
    if upload is not None:
        force = st.session_state.get("workspace_force", False)
        try:
            opened = load_workspace_bytes(upload.getvalue(), upload.name, verify=not force)
        except InputError as err:
            show_problem(err)
            if "changed or damaged after it was saved" in err.problem:
                st.checkbox(
                    "Open it anyway (I changed it myself, for example in QGIS)",
                    key="workspace_force",
                )
            st.session_state["workspace_failed"] = True
        else:
            if st.session_state.get("workspace_opened") != (upload.file_id, force):
                apply_workspace(opened)
                st.session_state["workspace_opened"] = (upload.file_id, force)
                st.session_state["workspace_failed"] = False
                st.session_state["workspace_message"] = (
                    f"Opened {upload.name}: {opened.dataset.name}, "
                    f"saved {opened.saved_at or 'at an unknown time'}."
                )
                st.rerun()  # widgets on this page now show the reopened choices
    if st.session_state.get("workspace_message") and not st.session_state.get("workspace_failed"):
        st.success(st.session_state["workspace_message"], icon=":material/check_circle:")
    files = recovery_files()
    if files:
        failed = st.session_state.get("workspace_failed", False)
        with st.expander(
            "Autosaves from earlier sessions", expanded=failed, icon=":material/history:"
        ):
            if failed:
                st.info(
                    "The file could not be opened. You can reopen the most recent autosave instead."
                )
            for i, item in enumerate(files[:10]):
                c1, c2 = st.columns([4, 1])
                c1.write(describe(item))
                if c2.button("Reopen", key=f"recovery_{i}") and open_recovery_file(item):
                    st.session_state["workspace_failed"] = False
                    st.rerun()

# ----------------------------------------------------------------------- notes
if section == SECTIONS[1]:
    st.caption(
        'Add what the room knows about a place ("new hostel opened here in 2024"). Notes are saved '
        "with the workspace and shown on maps. Do not write names or anything that identifies a person."
    )
    levels = dataset.levels
    level = st.radio(
        "Areas to note on",
        levels,
        key=kept("notes_level", "msoa" if "msoa" in levels else levels[0], levels),
        format_func=lambda lv: LEVEL_LABELS.get(lv, lv),
        horizontal=True,
    )
    areas = dataset.areas[level]
    names = dict(zip(areas["area_code"].astype(str), areas["area_name"].astype(str), strict=True))
    codes = sorted(names, key=lambda c: names[c])
    notes = current_notes()
    map_col, form_col = st.columns([3, 2])
    with map_col:
        indicator = st.session_state.get("_kept_choices", {}).get("map_indicator")
        catalogue = dataset.catalogue()
        if indicator not in set(catalogue["indicator"]):
            indicator = catalogue["indicator"].iloc[0]
        try:
            fmap = interactive_map(dataset, MapRequest(indicator=indicator, level=level), policy())
            add_notes_to_map(fmap, notes_layer(notes, areas))
            clicked = st_folium(
                fmap,
                height=460,
                use_container_width=True,
                returned_objects=["last_active_drawing"],
                key=f"notes_map_{level}",
            )
        except (InputError, EstimationError) as err:
            show_problem(err)
            clicked = None
        st.caption("Click an area to choose it, or pick it from the list.")
    drawing = (clicked or {}).get("last_active_drawing") or {}
    code = str((drawing.get("properties") or {}).get("area_code", ""))
    if code in names:
        if st.session_state.get("_notes_last_click") != code:
            st.session_state["_notes_last_click"] = code
            st.session_state["note_area"] = code
    with form_col:
        if st.session_state.get("note_area") not in names:
            st.session_state["note_area"] = codes[0]
        st.selectbox("Area", codes, key="note_area", format_func=lambda c: f"{names[c]} ({c})")
        st.text_area("Note", key="note_text", max_chars=2000)
        st.text_input("Your name or organisation (optional)", key="note_author")
        if st.button("Add note", type="primary", icon=":material/add_comment:"):
            try:
                note = AreaNote(
                    st.session_state["note_area"],
                    st.session_state["note_text"],
                    st.session_state["note_author"],
                )
                set_notes(add_note(notes, note, areas=areas))
                st.session_state.pop("note_text", None)
                st.rerun()
            except InputError as err:
                show_problem(err)
    remember("notes_level")
    if len(notes):
        st.markdown("**Notes**")
        show_table(export_notes(notes, dataset.areas.get(level)), hide_index=True, width="stretch")
        ids = notes["note_id"].tolist()
        c1, c2 = st.columns([3, 1])
        chosen = c1.selectbox(
            "Remove a note",
            ids,
            format_func=lambda i: f"{i}: " + notes.set_index("note_id").loc[i, "text"][:60],
            key="note_remove",
        )
        if c2.button("Remove", icon=":material/delete:"):
            set_notes(remove_note(notes, chosen))
            st.rerun()
    else:
        st.info("No notes yet.")

# ------------------------------------------------------------------- scenarios
if section == SECTIONS[2]:
    st.caption(
        "A scenario is a named set of choices: how the composite index weighs each domain, the "
        "small-number threshold, people per coordinator. Save a few, then compare two."
    )
    with st.form("scenario_form"):
        name = st.text_input(
            "Scenario name", value=f"Scenario {len(saved_scenarios()) + 1}", key="sc_name"
        )
        domains = [d for d in DOMAINS if d != "context" and d in set(dataset.indicators["domain"])]
        weight_cols = st.columns(max(len(domains), 1))
        weights = {
            d: col.number_input(DOMAIN_LABELS.get(d, d), 0.0, 10.0, 1.0, 0.5, key=f"sc_w_{d}")
            for d, col in zip(domains, weight_cols, strict=False)
        }
        c1, c2, c3 = st.columns(3)
        sc_level = c1.selectbox(
            "Level", dataset.levels, key="sc_level", format_func=lambda lv: LEVEL_LABELS.get(lv, lv)
        )
        threshold = c2.number_input(
            "Small-number threshold", 1, 100, policy().threshold, key="sc_threshold"
        )
        ratio = c3.number_input("People per coordinator", 1, 30, 8, key="sc_ratio")
        description = st.text_input("Why (optional)", key="sc_description")
        if st.form_submit_button("Save as a scenario", type="primary"):
            try:
                save_scenario(
                    Scenario(
                        name,
                        weights=weights,
                        level=sc_level,
                        threshold=int(threshold),
                        coordinator_ratio=int(ratio),
                        indicator=st.session_state.get("_kept_choices", {}).get("map_indicator"),
                        description=description,
                    )
                )
                st.success(f"Saved scenario '{name.strip()}'.")
            except InputError as err:
                show_problem(err)
    scenarios = saved_scenarios()
    if len(scenarios) < 2:
        st.info("Save two scenarios to compare them side by side.")
    else:
        names_list = list(scenarios)
        c1, c2 = st.columns(2)
        a_name = c1.selectbox("Compare (A)", names_list, index=0, key="sc_a")
        b_name = c2.selectbox("with (B)", names_list, index=len(names_list) - 1, key="sc_b")
        try:
            result = compare_scenarios(dataset, scenarios[a_name], scenarios[b_name], policy())
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            st.markdown(f"**{result.summary()}**")
            left, right = st.columns(2)
            for col, scenario, scores, tag in (
                (left, result.a, result.scores_a, "a"),
                (right, result.b, result.scores_b, "b"),
            ):
                with col:
                    st.markdown(f"**{tag.upper()}: {scenario.name}**")
                    data = index_map_data(scores, result.top_n)
                    areas_level = dataset.areas[result.level]
                    top = areas_level.merge(
                        data.loc[data["top"] != "", ["area_code", "top"]], on="area_code"
                    ).rename(columns={"top": "category"})
                    fmap = choropleth(
                        areas_level,
                        MapLayer(
                            data,
                            title=f"Composite index: {scenario.name}",
                            unit="score (higher = more concentrated)",
                            label=dataset.label,
                        ),
                        MapSpec(
                            high_contrast=scenario.high_contrast,
                            palette=scenario.palette,
                            show_overlays=True,
                        ),
                        extra_layers={f"Top {result.top_n}": top},
                    )
                    st_folium(
                        fmap,
                        height=420,
                        use_container_width=True,
                        returned_objects=[],
                        key=f"sc_map_{tag}",
                    )
            st.markdown(f"**Areas entering or leaving the top {result.top_n}**")
            show_table(
                result.areas.rename(
                    columns={
                        "area_code": "Code",
                        "area_name": "Area",
                        "rank_a": f"Rank in A ({a_name})",
                        "rank_b": f"Rank in B ({b_name})",
                        "places_up": "Places up",
                        "change": "Change",
                    }
                ),
                hide_index=True,
                width="stretch",
            )
            st.markdown("**Settings**")
            show_table(
                result.settings.rename(
                    columns={
                        "setting": "Setting",
                        "a": f"A ({a_name})",
                        "b": f"B ({b_name})",
                        "changed": "Changed",
                    }
                ),
                hide_index=True,
                width="stretch",
            )
