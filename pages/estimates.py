"""Estimates page: rates with intervals, hidden populations, and the visibility gap."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.funnel import funnel_figure
from meam_mapping.estimate.visibility import VISIBILITY_VALIDATION
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec
from meam_mapping.pipeline import pattern_lists
from meam_mapping.pipeline.compare import indicator_polarity
from meam_mapping.pipeline.display import display_table, estimates_slice, small_area_slice
from meam_mapping.pipeline.publish import (
    headline_of,
    pooled_figure,
    publish_hidden,
    publish_models,
    publish_overlap,
)
from meam_mapping.schema import LEVEL_LABELS
from ui.cache import analysis_cached, hidden_cached, prevalence_cached, visibility_cached
from ui.state import current_dataset, kept, policy, remember, settings, update_settings
from ui.tables import hidden_table, model_table
from ui.widgets import download_csv, indicator_picker, show_headline, show_problem, show_table

MODEL_CHOICES = [
    "Chosen by AIC (recommended)",
    "Chosen by BIC (simpler models)",
    "Lists independent",
    "My own choice",
]

st.title("Estimates")
st.caption(
    "How many people, with what certainty? Every figure here carries its 95% confidence interval. "
    "Small counts stay hidden, as on the maps."
)
dataset = current_dataset()
if dataset.label:
    st.caption(f":material/science: {dataset.label}")

tab_hidden, tab_rates, tab_gap = st.tabs(
    ["How many people, including hidden", "Rates and benchmarks", "Visibility gap"]
)

with tab_hidden:
    st.markdown(
        "Services only count the people they see. When several services' lists of people are matched, the overlaps "
        "show how likely a person is to be seen, and so how many are seen by **no** service. This is *multiple "
        "systems estimation* (capture–recapture), made separately for each area and added up."
    )
    if dataset.patterns is None:
        st.info("No overlap table is loaded. The demo has one; load yours on the Data page.")
    else:
        lists = pattern_lists(dataset.patterns)
        c1, c2 = st.columns([3, 2])
        chosen = c1.multiselect("Services (lists) to use", lists, key=kept("est_lists", lists))
        model_choice = c2.selectbox(
            "Model",
            MODEL_CHOICES,
            key=kept("est_model", MODEL_CHOICES[0], MODEL_CHOICES),
            help="Log-linear models allow pairs of services to share people more (or less) than chance would give.",
        )
        interactions, select = None, "aic"
        if model_choice == MODEL_CHOICES[1]:
            select = "bic"
        elif model_choice == MODEL_CHOICES[2]:
            interactions = "none"
        elif model_choice == MODEL_CHOICES[3]:
            pairs = [f"{a}:{b}" for i, a in enumerate(chosen) for b in chosen[i + 1 :]]
            picked = st.multiselect(
                "Pairs of services that share people beyond chance",
                pairs,
                key=kept("est_pairs", pairs[:1], None),
            )
            interactions = ",".join(picked) if picked else "none"
        remember("est_lists", "est_model", "est_pairs")
        choice = update_settings(
            lists=None if set(chosen) == set(lists) else tuple(chosen),
            interactions=interactions,
            select=select,
        )
        try:
            result = hidden_cached(dataset.token, dataset, choice)
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            head = headline_of(result, policy())
            table = publish_hidden(result, policy())
            show_headline(head)
            pooled = pooled_figure(result, policy())
            if pooled is not None and pooled["n_hat"] is not None:
                st.caption(
                    f"For comparison, one model over all areas together gives {pooled['n_hat']:,} "
                    f"(95% interval {pooled['ci_low']:,} to {pooled['ci_high']:,}; model: {pooled['model']}). "
                    "The headline adds up the areas' own estimates, which lets visibility differ between areas."
                )
            elif result.pooled is not None and result.headline.areas:
                st.caption(
                    "One model over all areas together is not shown for comparison: some patterns in "
                    f"the overlap table have fewer than {policy().threshold} people, and that model's "
                    "figure could narrow them down. The headline adds up the areas' own estimates."
                )
            for note in result.notes:
                st.info(note)
            st.markdown("**Estimates by area** (the last row is the headline)")
            show_table(
                hidden_table(table), hide_index=True, width="stretch",
                column_config={
                    **{c: st.column_config.NumberColumn(format="%,.0f")
                       for c in ["Seen by a service", "Estimated people", "95% lower", "95% upper", "Hidden"]},
                    "Hidden share": st.column_config.NumberColumn(format="%.0f%%"),
                },
            )  # fmt: skip
            left, right = st.columns(2)
            with left:
                st.markdown("**Who is seen by which services** (the overlap table, all areas)")
                overlap = publish_overlap(result, policy()).dropna(subset=["count"])
                st.bar_chart(overlap.set_index("pattern")["count"], horizontal=True, height=420)
                st.caption(f"Patterns with fewer than {policy().threshold} people are hidden.")
            with right:
                st.markdown(
                    "**Models compared on all areas together** (lower AIC/BIC fits better for its size)"
                )
                models = publish_models(result, policy())
                if not models.empty:
                    show_table(model_table(models), hide_index=True, width="stretch")
                elif not result.comparison.empty:
                    st.caption(
                        f"Some patterns have fewer than {policy().threshold} people, so the models "
                        "compared are not listed: their fit statistics and estimates would give "
                        "those small numbers back."
                    )
            if len(table) > 2:
                what = st.radio(
                    "Map",
                    ["Estimated people per 1,000 adults", "Share hidden from every service"],
                    horizontal=True,
                    key="est_map_what",
                )
                try:
                    data, level = estimates_slice(
                        dataset, table,
                        column="n_hat" if what.startswith("Estimated") else "hidden_share",
                        policy=policy(),
                    )  # fmt: skip
                    fmap = choropleth(
                        dataset.areas[level],
                        MapLayer(
                            data,
                            title=what,
                            unit=str(data["unit_label"].iloc[0]),
                            label=dataset.label,
                            threshold=policy().threshold,
                        ),
                        MapSpec(k=min(5, len(data))),
                    )
                    st_folium(
                        fmap,
                        height=480,
                        use_container_width=True,
                        returned_objects=[],
                        key="est_map",
                    )
                    show_table(display_table(data, policy().threshold), hide_index=True)
                except (InputError, EstimationError) as err:
                    show_problem(err)
        st.subheader("Where are the hidden people?")
        analysis = analysis_cached(dataset.token, dataset, settings(), policy())
        small = analysis.tables.get("small_area")
        if small is None:
            st.info(
                "Only the people already known to services can be mapped here: "
                + analysis.unavailable.get("small_area", "").removeprefix("not available: ")
                + " With counts per LSOA of people known to each service, to any and to two or more, "
                "the program estimates known and hidden people for every neighbourhood."
            )
        else:
            st.markdown(
                "Each district's estimate is spread over its neighbourhoods by how *visible* people there are to "
                "services (the share of known people seen by two or more services falls where services reach "
                "people less well), so the hidden are placed where visibility is low, not where the known already are. "
                "Figures are rounded to 5 people; hover for the 95% interval."
            )
            s1, s2 = st.columns(2)
            sa_level = s1.radio(
                "Level",
                [lv for lv in ("lsoa", "msoa", "lad") if lv in set(small["level"])],
                horizontal=True,
                key="sa_level",
                format_func=lambda lv: LEVEL_LABELS.get(lv, lv),
            )
            sa_what = s2.radio(
                "Show",
                ["Estimated people per 1,000 adults", "Share seen by no service"],
                horizontal=True,
                key="sa_what",
            )
            column = "n_hat" if sa_what.startswith("Estimated") else "hidden_share"
            data = small_area_slice(dataset, small, sa_level, column=column)
            fmap = choropleth(
                dataset.areas[sa_level],
                MapLayer(
                    data,
                    title=sa_what,
                    unit=str(data["unit_label"].iloc[0]),
                    label=dataset.label,
                    tooltip_fields=("Estimated people (95% interval)",),
                ),
            )
            st_folium(fmap, height=480, use_container_width=True, returned_objects=[], key="sa_map")
            top = (
                small.loc[small["level"] == sa_level]
                .sort_values("hidden_share", ascending=False)
                .head(10)
            )
            st.markdown("**Where the hidden are likeliest** (highest share seen by no service)")
            shown = top[
                ["area_name", "area_code", "n_hat", "ci_low", "ci_high", "hidden_share"]
            ].rename(
                columns={
                    "area_name": "Area",
                    "area_code": "Code",
                    "n_hat": "Estimated people",
                    "ci_low": "95% lower",
                    "ci_high": "95% upper",
                    "hidden_share": "% seen by no service",
                }
            )
            show_table(shown, hide_index=True, width="stretch")
            download_csv(
                small, "small-area-estimates", label="Download all small-area estimates (CSV)"
            )
            st.caption(
                f"Method: {small['method'].iloc[0]}. Validation on simulated worlds: see the README."
            )
    with st.expander("What this assumes, and when it fails"):
        st.markdown(
            "- **Closed population**: the same people throughout the period (no large moves in or out).\n"
            "- **Matching is right**: the same person is recognised across services' records.\n"
            "- **Dependence between services is modelled**: referrals (probation to treatment) make people seen by "
            "one more likely to be seen by another. The model can allow for pairs of services that share people; "
            "if *everyone* hard to reach is missed by *all* services alike (heterogeneity), the estimate is too low.\n"
            "- **Sparse tables**: with few people in overlaps, estimates and intervals become unstable; warnings say so.\n"
            "- The interval is by *profile likelihood* and reflects sampling uncertainty only, not errors in matching "
            "or in the choice of model; compare models in the table above."
        )

with tab_rates:
    st.markdown(
        "Rates per 1,000 adults with 95% confidence intervals (Wilson for proportions, Byar or exact for "
        "rates, as Fingertips does), compared with a benchmark."
    )
    c1, c2 = st.columns([2, 1])
    with c1:
        indicator, period = indicator_picker(dataset, key_prefix="rates", counts_only=True)
    with c2:
        level = st.radio(
            "Level",
            dataset.levels,
            key=kept(
                "rates_level",
                "msoa" if "msoa" in dataset.levels else dataset.levels[0],
                dataset.levels,
            ),
            format_func=lambda lv: LEVEL_LABELS.get(lv, lv),
        )
        bench = st.selectbox(
            "Compare with",
            ["the whole study area", "each area's district", "a value I type"],
            key=kept("rates_bench", "the whole study area"),
        )
        benchmark = {"the whole study area": "study_area", "each area's district": "parent"}.get(
            bench
        )
        if benchmark is None:
            benchmark = st.number_input(
                "Benchmark value (same unit, e.g. the England rate)",
                min_value=0.0,
                value=5.0,
                key=kept("rates_value", 5.0),
            )
    remember("rates_level", "rates_bench", "rates_value")
    try:
        prevalence = prevalence_cached(
            dataset.token, dataset, indicator, period, level, policy(), benchmark
        )
        table = prevalence.table
    except (InputError, EstimationError) as err:
        show_problem(err)
    else:
        counts = table["comparison"].value_counts()
        st.caption(" · ".join(f"{k}: {v}" for k, v in counts.items()))
        shown = table[
            [
                "area_name",
                "area_code",
                "count",
                "denominator",
                "value",
                "lower",
                "upper",
                "comparison",
            ]
        ]
        show_table(
            shown.rename(
                columns={
                    "area_name": "Area",
                    "area_code": "Code",
                    "count": "Count",
                    "denominator": "Population",
                    "value": "Rate",
                    "lower": "95% lower",
                    "upper": "95% upper",
                    "comparison": "Compared with benchmark",
                }
            ),
            hide_index=True,
            width="stretch",
        )
        try:
            plotted = table.dropna(subset=["value"])
            if len(plotted) >= 3:
                fig = funnel_figure(
                    plotted,
                    unit=prevalence.unit,
                    benchmark=None
                    if prevalence.benchmark != prevalence.benchmark
                    else prevalence.benchmark,
                    benchmark_label=prevalence.benchmark_label,
                    title="Funnel plot: areas outside the lines differ by more than chance",
                    polarity=indicator_polarity(dataset, indicator),
                )
                st.pyplot(fig, width="stretch")
        except (InputError, EstimationError) as err:
            show_problem(err)

with tab_gap:
    st.markdown(
        "**Where are people least visible to services?** Among the people services know, the share known to "
        "*two or more* services is a sign of how well services reach people there: where they reach people "
        "poorly, people are seen by one service or by none. Within each district, the areas are split into "
        "groups alike on a context that may affect how reachable people are (here, distance to the nearest "
        "service point), and each group's share seen by two or more is compared with its district's by an "
        "exact test. A flagged area is one where a larger share of people is likely hidden from every service. "
        "It does not compare numbers of known people, so it does not mistake low need for hidden need."
    )
    catalogue = dataset.catalogue()
    context = catalogue.loc[catalogue["domain"] == "context", "indicator"].tolist()
    context_values = [
        c for c in context if not catalogue.set_index("indicator").loc[c, "has_counts"]
    ]
    counted = catalogue.loc[catalogue["has_counts"], "indicator"].tolist()
    has_any = bool({"known_md_any", "known_any"} & set(counted))
    if not context_values or not counted or not has_any:
        st.info(
            "The visibility gap needs a context value per area (such as distance to services or rurality) "
            "and counts per area of people known to any service (an indicator `known_md_any`) and to two or "
            "more. Ask the services for these two aggregated counts per area; no records about people are needed."
        )
    else:
        g1, g2 = st.columns(2)
        names = dict(zip(catalogue["indicator"], catalogue["indicator_name"], strict=True))
        target = g1.selectbox(
            "People known to two or more services",
            counted,
            format_func=names.get,
            index=counted.index("known_multiple_disadvantage")
            if "known_multiple_disadvantage" in counted
            else 0,
            key="gap_target",
        )
        preferred = [c for c in context_values if "distance" in c] or context_values[:1]
        ctx = g2.multiselect(
            "Areas grouped on",
            context_values,
            default=preferred[:1],
            format_func=names.get,
            key="gap_context",
        )
        try:
            result, assumption = visibility_cached(
                dataset.token, dataset, target, tuple(ctx), dataset.levels[0], policy()
            )
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            st.info(assumption)
            st.caption(VISIBILITY_VALIDATION)
            st.caption(
                "Flagged areas first (least visible groups first), then by the number of people known there."
            )
            flagged = result.loc[result["flag"] != "as expected"].sort_values(
                ["flag", "p_lower", "count"], ascending=[True, True, False], na_position="last"
            )
            flagged = flagged.assign(
                note=flagged["suppression"]
                .where(flagged["suppressed"].astype(bool), flagged["reason"])
                .fillna("")
            )
            show_table(
                flagged[
                    [
                        "area_name",
                        "area_code",
                        "group_label",
                        "count",
                        "group_share",
                        "stratum_share",
                        "p_lower",
                        "flag",
                        "note",
                    ]
                ].rename(
                    columns={
                        "area_name": "Area",
                        "area_code": "Code",
                        "group_label": "Group",
                        "count": "Known to any service",
                        "group_share": "Group: share known to 2+",
                        "stratum_share": "District: share known to 2+",
                        "p_lower": "p (less visible)",
                        "flag": "Finding",
                        "note": "Note",
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    "Group: share known to 2+": st.column_config.NumberColumn(format="percent"),
                    "District: share known to 2+": st.column_config.NumberColumn(format="percent"),
                    "p (less visible)": st.column_config.NumberColumn(format="%.4f"),
                },
            )
