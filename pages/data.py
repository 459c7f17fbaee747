"""Data page: see what is loaded, load your own boundaries and tables, read the join report."""

from __future__ import annotations

import streamlit as st

from meam_mapping.disclosure import suppress_indicators
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.geography.boundaries import read_boundaries
from meam_mapping.geography.ordinal_summaries import offer_for_ordinal, with_ordinal_summaries
from meam_mapping.geography.vintage_bridge import bridge_loaded
from meam_mapping.indicators.kinds import KINDS, ORDINAL_KINDS, POLARITIES, with_kinds
from meam_mapping.io.inspect import inspect_table
from meam_mapping.io.lookups import read_ons_lookup
from meam_mapping.loading import (
    add_indicators,
    dataset_from_boundaries,
    load_table_file,
    with_lookup,
    workbook_sheets,
)
from meam_mapping.schema import DOMAIN_LABELS, LEVEL_LABELS
from meam_mapping.sources import (
    STARTER_INDICATORS,
    available_layouts,
    fetch_boundaries,
    fetch_indicator,
    import_table,
    resolve_starter_indicators,
)
from ui.cache import demo_dataset
from ui.state import current_dataset, policy, set_dataset
from ui.widgets import show_problem, show_table


def _use(new, notes, join_report=None) -> None:  # noqa: ANN001 - Dataset, list of str, JoinReport
    """Make ``new`` the session's dataset, keep what loading said for the report below, and redraw."""
    set_dataset(new)
    st.session_state["last_load_notes"] = list(notes)
    if join_report is None:
        st.session_state.pop("last_join_report", None)
    else:
        st.session_state["last_join_report"] = join_report
    st.rerun()


st.title("Data")
st.caption(
    "MEAM Mapping works on **aggregated** counts per area (never records about individual people). "
    "Start with the synthetic Cambridgeshire demo, or load your own boundaries and tables below. "
    "Nothing you load leaves this computer."
)
dataset = current_dataset()

st.subheader("What is loaded now")
c1, c2, c3 = st.columns(3)
c1.metric(
    "Areas",
    f"{sum(len(dataset.areas[level]) for level in dataset.levels):,}",
    help="Across all levels: " + ", ".join(dataset.levels),
)
c2.metric("Indicators", f"{dataset.indicators['indicator'].nunique():,}")
c3.metric(
    "Overlap tables",
    "yes" if dataset.patterns is not None else "none",
    help="People seen by each combination of services, for hidden-population estimates.",
)
if dataset.label:
    st.warning(dataset.label, icon=":material/science:")
catalogue = dataset.catalogue()
if not catalogue.empty:
    catalogue = catalogue.assign(domain=catalogue["domain"].map(lambda d: DOMAIN_LABELS.get(d, d)))
    show_table(
        catalogue.drop(columns="unit").rename(
            columns={
                "indicator": "Id",
                "indicator_name": "Indicator",
                "domain": "Domain",
                "unit_label": "Unit",
                "kind": "Kind",
                "polarity": "Polarity",
                "periods": "Periods",
                "source": "Source",
                "has_counts": "Has counts",
            }
        ),
        hide_index=True,
        width="stretch",
    )
if not catalogue.empty:
    with st.expander("Correct an indicator's kind or which end is worse", expanded=False):
        st.caption(
            "Kinds and polarity were worked out from the headings. They decide how an indicator is mapped "
            "(ranks, deciles and quintiles as ordered groups), whether it can be added up to larger areas "
            "(only counts, rates and proportions), which way round it counts in the composite index and "
            "whether 'higher' is 'worse' against the benchmark."
        )
        k1, k2, k3 = st.columns([2, 1, 1])
        names = dict(zip(catalogue["indicator"], catalogue["indicator_name"], strict=True))
        chosen = k1.selectbox("Indicator", list(names), format_func=names.get, key="kind_indicator")
        row = catalogue.set_index("indicator").loc[chosen]
        new_kind = k2.selectbox(
            "Kind", KINDS, index=KINDS.index(row["kind"]) if row["kind"] in KINDS else 0,
            key=f"kind_of_{chosen}",
        )  # fmt: skip
        new_polarity = k3.selectbox(
            "Polarity", POLARITIES, format_func=lambda p: p.replace("_", " "),
            index=POLARITIES.index(row["polarity"]) if row["polarity"] in POLARITIES else 2,
            key=f"polarity_of_{chosen}",
        )  # fmt: skip
        if st.button("Apply", key="apply_kind"):
            try:
                set_dataset(
                    with_kinds(dataset, {chosen: {"kind": new_kind, "polarity": new_polarity}})
                )
            except InputError as err:
                show_problem(err)
            else:
                st.rerun()
ordinal = catalogue[catalogue["kind"].isin(ORDINAL_KINDS)] if not catalogue.empty else catalogue
if not ordinal.empty and len(dataset.levels) > 1:
    with st.expander("Ranks, deciles and quintiles for larger areas", expanded=False):
        ordinal_names = dict(zip(ordinal["indicator"], ordinal["indicator_name"], strict=True))
        pick = st.selectbox(
            "Indicator", list(ordinal_names), format_func=ordinal_names.get, key="ordinal_indicator"
        )
        offer = offer_for_ordinal(dataset.indicators, pick)
        st.caption(offer.reason)
        if offer.average_score:
            st.markdown(
                f"- Population-weighted average of **{offer.score}**, weighted by **{offer.population}**"
            )
        if offer.share:
            st.markdown(f"- Share of small areas in the most deprived {offer.kind}")
        for missing in offer.missing:
            st.caption(f"Not offered until you load or set {missing}.")
        if offer.anything and st.button(
            "Add these summaries for larger areas", key="add_ordinal_summaries"
        ):
            try:
                set_dataset(with_ordinal_summaries(dataset, pick))
            except InputError as err:
                show_problem(err)
            else:
                st.rerun()
with st.expander("Sources and licences", expanded=False):
    st.table([{k.capitalize(): v for k, v in s.items()} for s in dataset.sources])
if dataset.name != demo_dataset().name and st.button(
    "Go back to the demo", icon=":material/restart_alt:"
):
    set_dataset(demo_dataset())
    st.rerun()

st.subheader("1. Load boundaries")
st.caption(
    "GeoJSON, GeoPackage or a zipped Shapefile, in any coordinate system. ONS field names such as "
    "LSOA21CD/LSOA21NM or LAD23CD are recognised. ONS's LSOA files name no MSOA or district: add "
    "the ONS lookup beside them to map MSOAs and districts too. Loading boundaries starts a new "
    "analysis; the demo stays one click away."
)
boundary_file = st.file_uploader(
    "Boundary file", type=["geojson", "json", "gpkg", "zip"], key="boundary_upload"
)
parents_file = st.file_uploader(
    "Which MSOA and district each area is in (ONS lookup, optional)",
    type=["csv", "xlsx"],
    key="parents_upload",
    help="ONS's LSOA boundary files give each LSOA's own code only, so their figures cannot be "
    "added up to MSOAs and districts. The ONS lookup 'Output Area to LSOA to MSOA to Local "
    "Authority District' of the boundaries' year (a CSV from the Open Geography Portal) says which "
    "MSOA and district each LSOA is in. Not needed when the boundary file has fields such as "
    "MSOA21CD or LAD22CD.",
)
if boundary_file is not None and st.button("Use these boundaries", type="primary"):
    try:
        result = read_boundaries(boundary_file, name=boundary_file.name)
        if parents_file is not None:
            result = with_lookup(result, parents_file)
        new = dataset_from_boundaries(result, name=boundary_file.name)
    except (InputError, EstimationError) as err:
        show_problem(err)
    else:
        _use(new, new.notes)  # the boundaries' notes and the levels'

st.subheader("2. Add an indicator table")
st.caption(
    "CSV or Excel, either **tidy** (columns area_code, indicator, period, count, denominator), "
    "**wide** (area_code plus one column per indicator) or a **Fingertips** CSV export as downloaded. "
    "Suppression marks such as *, c, x, .. and - are kept as 'suppressed', never read as zero."
)
table_file = st.file_uploader(
    "Indicator table", type=["csv", "tsv", "txt", "xlsx"], key="table_upload"
)
if table_file is not None:
    sheets = workbook_sheets(table_file.getvalue())
    sheet = st.selectbox("Which sheet holds the table?", sheets) if len(sheets) > 1 else None
    o1, o2, o3, o4 = st.columns(4)
    layout = o1.selectbox(
        "Layout",
        ["auto", "tidy", "wide", "fingertips"],
        help="Auto recognises the three layouts from the column names.",
    )
    decimal_marks = {"Detect": "auto", "Point (18.5)": ".", "Comma (18,5)": ","}
    decimal = o4.selectbox(
        "Decimal mark",
        list(decimal_marks),
        help="European files write 1.430 for one thousand four hundred and thirty and 18,5 "
        "for eighteen and a half. Detect decides from the file and says which it used.",
    )
    period = o2.text_input("Period (if the table has none)", placeholder="e.g. 2024/25")
    source = o3.text_input(
        "Source (if the table has none)", placeholder="e.g. Council housing options team"
    )
    lookup_file = st.file_uploader(
        "ONS LSOA 2011 to 2021 lookup (optional)", type=["csv", "tsv", "txt", "xlsx"],
        key="lookup_upload",
        help="Only needed when the table and the boundaries use different LSOA vintages (2011 and 2021): "
        "'LSOA (2011) to LSOA (2021) to Local Authority District (2022) Lookup' from the ONS Open "
        "Geography Portal, as CSV (Open Government Licence); saved again from Excel is fine.",
    )  # fmt: skip
    lookup = None
    if lookup_file is not None:
        try:
            lookup = read_ons_lookup(lookup_file.getvalue(), name=lookup_file.name)
        except InputError as err:
            show_problem(err)
    boundary_vintage = next(
        (
            dataset.areas[lv].attrs.get("vintage")
            for lv in dataset.levels
            if dataset.areas[lv].attrs.get("vintage")
        ),
        None,
    )
    with st.expander("What was understood", expanded=True):
        seen = st.session_state.setdefault("_inspected", {})
        key = (table_file.file_id, sheet, lookup_file.file_id if lookup is not None else None)
        try:
            if key not in seen:
                seen.clear()
                seen[key] = inspect_table(
                    table_file.getvalue(), name=table_file.name, sheet=sheet,
                    boundary_codes={lv: dataset.areas[lv]["area_code"] for lv in dataset.levels},
                    boundary_vintage=boundary_vintage, lookup=lookup,
                )  # fmt: skip
            found = seen[key].to_dict()
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            if found["publication"]:
                st.markdown(f"**{found['publication_title']}** · {found['licence']}")
            st.markdown(
                f"Area codes in **{found['area_column']}**: level **{found['level']}**, "
                f"vintage **{found['vintage'] or 'not known'}** · {found['rows']:,} rows · layout {found['layout']}"
            )
            show_table(found["indicators"], hide_index=True, width="stretch")
            if found["join"] is not None:
                j = found["join"]
                st.caption(
                    f"With the boundaries loaded now: {j['matched']:,} matched; "
                    f"{j['unmatched_table']:,} table codes not in them "
                    f"({', '.join(j['unmatched_table_first'][:5]) or 'none'}); "
                    f"{j['unmatched_boundaries']:,} areas without data."
                )
            warn = (
                "vintage",
                "areas are 20",
                "several levels",
                "more than one area",
                "leave out",
                "not whole",
            )
            for note in found["notes"]:
                if any(word in note for word in warn):
                    st.warning(note, icon=":material/warning:")
                else:
                    st.caption(note)
            if found["vintage_bridge"] is not None:
                st.info(found["vintage_bridge"]["sentence"], icon=":material/swap_horiz:")
    bridge = lookup is not None and key in seen and seen[key].vintage_bridge is not None
    convert = bridge and st.checkbox(
        "Convert the table with the ONS lookup before adding it", value=True, key="convert_vintage",
        help="Counts are added up where areas merged and shared out where they split; rates are worked "
        "out again from the converted counts, never averaged. Split and merged areas are listed in the join report.",
    )  # fmt: skip
    if st.button("Add this table", type="primary"):
        try:
            loaded = load_table_file(
                table_file,
                name=table_file.name,
                sheet=sheet,
                layout=layout,
                period=period or None,
                source=source or None,
                decimal=decimal_marks[decimal],
            )
            if convert:
                loaded = bridge_loaded(loaded, lookup)
            added = add_indicators(dataset, loaded, file=table_file.name)
        except (InputError, EstimationError) as err:
            show_problem(err)
            st.info("Nothing was changed: the data already loaded is kept.", icon=":material/info:")
        else:
            _use(added.dataset, added.notes, added.report)

st.subheader("3. Add an overlap table (for hidden-population estimates)")
st.caption(
    "What a data-matching exercise between services gives: one 0/1 column per service (list), `count` = people "
    "seen by exactly that combination, and optionally `area_code` (one block of rows per district), `sex`, "
    "`age_band`. Only counts, never records about people."
)
patterns_file = st.file_uploader("Overlap table", type=["csv", "xlsx"], key="patterns_upload")
if patterns_file is not None and st.button("Add this overlap table", type="primary"):
    from meam_mapping.io.patterns import read_patterns
    from meam_mapping.loading import add_patterns

    try:
        frame = read_patterns(patterns_file, file_name=patterns_file.name)
        added = add_patterns(dataset, frame, file=patterns_file.name)
    except (InputError, EstimationError) as err:
        show_problem(err)
        st.info("Nothing was changed: the data already loaded is kept.", icon=":material/info:")
    else:
        # An overlap table joins no areas: the last indicator table's join report stays.
        _use(added.dataset, added.notes, st.session_state.get("last_join_report"))

st.subheader("4. Add public data")
st.caption(
    "National statistics as partnerships download them, or fetched directly when this computer is online. "
    "Every download is kept in a local cache with its address, date and licence, so it works offline next time."
)
tab_file, tab_fingertips, tab_ons = st.tabs(
    [
        "A national statistics table (file)",
        "Fingertips indicator (online)",
        "ONS boundaries (online)",
    ]
)
with tab_file:
    layouts = available_layouts()
    layout_names = {
        "mhclg_homelessness_a1": "MHCLG homelessness live table A1 (initial assessments)",
        "ndtms_adult_treatment": "NDTMS adult treatment table",
        "ocu_prevalence": "Opiate and crack cocaine use prevalence estimates",
        "moj_proven_reoffending_la": "MoJ proven reoffending by local authority",
    }
    national = st.file_uploader(
        "Table as downloaded (Excel or CSV)", type=["xlsx", "csv"], key="national_upload"
    )
    chosen_layout = st.selectbox(
        "Which publication is it?", layouts, format_func=lambda n: layout_names.get(n, n)
    )
    if national is not None and st.button("Add this publication"):
        try:
            loaded = import_table(national, chosen_layout, name=national.name)
            added = add_indicators(dataset, loaded, file=national.name)
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            _use(added.dataset, added.notes, added.report)
with tab_fingertips:
    starters = {s.key: s for s in STARTER_INDICATORS}
    key = st.selectbox(
        "Starter indicator",
        list(starters),
        format_func=lambda k: k.replace("_", " ").capitalize(),
        help="Resolved to a Fingertips indicator id online, from Fingertips' own list of indicators.",
    )
    area_type = st.selectbox(
        "Areas",
        [501, 502],
        format_func={
            501: "Districts and unitary authorities",
            502: "Counties and unitary authorities",
        }.get,
    )
    if st.button("Fetch from Fingertips"):
        try:
            with st.spinner("Asking Fingertips…"):
                found = resolve_starter_indicators(area_type_id=area_type, starters=[starters[key]])
                ids = (
                    found["indicator_id"].dropna().astype(int).tolist()
                    if "indicator_id" in found
                    else []
                )
                if not ids:
                    raise InputError(
                        f"Fingertips has no indicator matching {key!r} for these areas"
                    )
                loaded = fetch_indicator(ids[0], area_type, domain=starters[key].domain)
                added = add_indicators(dataset, loaded, file=f"Fingertips indicator {ids[0]}")
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            _use(added.dataset, added.notes, added.report)
with tab_ons:
    codes_text = st.text_input(
        "Local authority codes (comma separated)", placeholder="E07000008, E07000012"
    )
    ons_level = st.selectbox(
        "Boundaries", ["lsoa", "msoa", "lad"], format_func=lambda lv: LEVEL_LABELS.get(lv, lv)
    )
    if st.button("Fetch boundaries from ONS"):
        codes = [c.strip().upper() for c in codes_text.replace(";", ",").split(",") if c.strip()]
        try:
            if not codes:
                raise InputError(
                    "type at least one local authority code", expected="codes such as E07000008"
                )
            with st.spinner("Asking the ONS Open Geography Portal…"):
                result = fetch_boundaries(ons_level, codes)
                new = dataset_from_boundaries(result, name="ONS boundaries: " + ", ".join(codes))
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            _use(new, new.notes)  # the boundaries' notes and the levels'

report = st.session_state.get("last_join_report")
notes = st.session_state.get("last_load_notes")
if report is not None or notes:
    st.subheader("Join report")
    if report is not None:
        (st.success if report.ok else st.warning)(report.summary_text())
        show_table(report.to_frame(), hide_index=True, width="stretch")
    for note in notes or []:
        st.caption(f"• {note}")

st.subheader("Preview")
st.caption(
    f"Counts from 1 to {policy().threshold - 1} are hidden here too, as on every map and export."
)
if dataset.indicators.empty:
    st.info("No indicator table yet: add one above.")
else:
    preview = suppress_indicators(dataset.indicators.head(500), policy())
    show_table(preview, hide_index=True, width="stretch")

with st.expander("Boundary cache"):
    st.caption(
        "Boundary files you load are checked once and kept, ready to draw, in this computer's cache folder, "
        "with the MSOAs and districts merged from them and any large ONS lookup read for them, "
        "so loading the same files again is quick. A changed file is always read again."
    )
    if st.button("Clear the boundary cache"):
        from meam_mapping.geography.boundary_cache import clear_boundary_cache

        st.success(f"Removed {clear_boundary_cache()} cached file(s).")
