"""Estimates page: rates with intervals, hidden populations, and the visibility gap."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.funnel import funnel_figure
from meam_mapping.mapping import display_table
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec
from meam_mapping.schema import LEVEL_LABELS
from meam_mapping.views import estimate_map_data, pattern_lists
from ui.cache import hidden_view_cached, prevalence_view_cached, visibility_view_cached
from ui.state import current_dataset, kept, policy, remember
from ui.widgets import indicator_picker, show_problem

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
        "systems estimation* (capture–recapture)."
    )
    if dataset.patterns is None:
        st.info("No overlap table is loaded. The demo has one; load yours on the Data page.")
    else:
        lists = pattern_lists(dataset.patterns)
        c1, c2, c3 = st.columns([2, 1, 2])
        chosen = c1.multiselect("Services (lists) to use", lists, key=kept("est_lists", lists))
        by = c2.radio(
            "Estimate for",
            ["each area", "all together"],
            key=kept("est_by", "each area"),
            help="Each area gets its own model; 'all together' fits one model to the summed table.",
        )
        model_choice = c3.selectbox(
            "Model",
            [
                "Chosen by AIC (recommended)",
                "Chosen by BIC (simpler models)",
                "Lists independent",
                "My own choice",
            ],
            key=kept("est_model", "Chosen by AIC (recommended)"),
            help="Log-linear models allow pairs of services to share people more (or less) than chance would give.",
        )
        interactions, select = None, "aic"
        if model_choice.startswith("Chosen by BIC"):
            select = "bic"
        elif model_choice == "Lists independent":
            interactions, select = "none", None
        elif model_choice == "My own choice":
            pairs = [f"{a}:{b}" for i, a in enumerate(chosen) for b in chosen[i + 1 :]]
            picked = st.multiselect(
                "Pairs of services that share people beyond chance",
                pairs,
                key=kept("est_pairs", pairs[:1], None),
            )
            interactions, select = (",".join(picked) if picked else "none"), None
        remember("est_lists", "est_by", "est_model", "est_pairs")
        try:
            view = hidden_view_cached(
                dataset.token,
                dataset,
                tuple(chosen),
                "area_code" if by == "each area" else None,
                interactions,
                select,
                policy(),
            )
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            est = view.estimates
            total = est.iloc[-1]
            m1, m2, m3 = st.columns(3)
            if "n_hat" in est and total.notna().get("n_hat", False):
                m1.metric(
                    "Estimated people facing multiple disadvantage",
                    f"{total['n_hat']:,.0f}",
                    help="N̂: people seen by at least one service plus those estimated to be seen by none.",
                )
                m1.caption(
                    f"95% interval {total['ci_low']:,.0f} to {total['ci_high']:,.0f} ({total['ci_method']})"
                )
                m2.metric(
                    "Seen by at least one service",
                    "suppressed" if total["suppressed"] else f"{total['observed']:,.0f}",
                )
                m3.metric(
                    "Hidden from every service",
                    f"{total['hidden']:,.0f}",
                    help="N̂ minus the people seen: an estimate, with the same uncertainty as N̂.",
                )
                m3.caption(f"{100 * total['hidden_share']:.0f}% of the estimated total")
                st.caption(f"Model: {total['model']}")
            st.markdown("**Estimates by area**")
            shown = est.rename(
                columns={
                    "name": "Area",
                    "observed": "Seen",
                    "n_hat": "Estimated total",
                    "ci_low": "95% lower",
                    "ci_high": "95% upper",
                    "hidden": "Hidden",
                    "hidden_share": "Hidden share",
                    "model": "Model",
                    "warnings": "Warnings",
                }
            )
            st.dataframe(
                shown[
                    [
                        c
                        for c in [
                            "Area",
                            "Seen",
                            "Estimated total",
                            "95% lower",
                            "95% upper",
                            "Hidden",
                            "Hidden share",
                            "Model",
                            "Warnings",
                        ]
                        if c in shown
                    ]
                ],
                hide_index=True,
                width="stretch",
                column_config={
                    **{
                        c: st.column_config.NumberColumn(format="%.0f")
                        for c in ["Seen", "Estimated total", "95% lower", "95% upper", "Hidden"]
                    },
                    "Hidden share": st.column_config.NumberColumn(format="percent"),
                },
            )
            for warning in est.get("warnings", []):
                if isinstance(warning, str) and warning:
                    st.warning(warning)
            left, right = st.columns(2)
            with left:
                st.markdown("**Who is seen by which services** (the overlap table)")
                overlap = view.overlap.dropna(subset=["count"])
                st.bar_chart(overlap.set_index("pattern")["count"], horizontal=True, height=420)
                st.caption(f"Patterns with fewer than {policy().threshold} people are hidden.")
            with right:
                st.markdown("**Models compared** (lower AIC/BIC fits better for its size)")
                if not view.comparison.empty:
                    cols = [
                        c
                        for c in [
                            "model",
                            "deviance",
                            "df",
                            "AIC",
                            "BIC",
                            "n_hat",
                            "ci_low",
                            "ci_high",
                            "selected",
                        ]
                        if c in view.comparison
                    ]
                    st.dataframe(view.comparison[cols].head(12), hide_index=True, width="stretch")
            if by == "each area" and len(est) > 1:
                what = st.radio(
                    "Map",
                    ["Estimated people per 1,000 adults", "Share hidden from every service"],
                    horizontal=True,
                    key="est_map_what",
                )
                try:
                    data, level = estimate_map_data(
                        dataset,
                        est.iloc[:-1],
                        column="n_hat" if what.startswith("Estimated") else "hidden_share",
                        policy=policy(),
                    )
                    fmap = choropleth(
                        dataset.areas[level],
                        MapLayer(
                            data,
                            title=what,
                            unit=str(data["unit"].iloc[0]),
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
                    st.dataframe(display_table(data, policy().threshold), hide_index=True)
                except (InputError, EstimationError) as err:
                    show_problem(err)
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
        table = prevalence_view_cached(
            dataset.token, dataset, indicator, period, level, policy(), benchmark
        )
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
        st.dataframe(
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
                    unit=str(table["unit"].iloc[0]),
                    benchmark=float(benchmark) if isinstance(benchmark, float) else None,
                    title="Funnel plot: areas outside the lines differ by more than chance",
                )
                st.pyplot(fig, width="stretch")
        except (InputError, EstimationError) as err:
            show_problem(err)

with tab_gap:
    st.markdown(
        "Areas are grouped with **peers** that look alike on context (here, deprivation). Each area's known count is "
        "compared with what its peers' rate would give for its population. Far fewer known than expected may mean "
        "people invisible to services, or genuinely less need: treat a flag as a question for local services."
    )
    catalogue = dataset.catalogue()
    context = catalogue.loc[catalogue["domain"] == "context", "indicator"].tolist()
    context_values = [
        c for c in context if not catalogue.set_index("indicator").loc[c, "has_counts"]
    ]
    counted = catalogue.loc[catalogue["has_counts"], "indicator"].tolist()
    if not context_values or not counted:
        st.info(
            "The visibility gap needs a context score (such as deprivation) and an indicator with counts."
        )
    else:
        g1, g2 = st.columns(2)
        names = dict(zip(catalogue["indicator"], catalogue["indicator_name"], strict=True))
        target = g1.selectbox(
            "Known cases",
            counted,
            format_func=names.get,
            index=counted.index("known_multiple_disadvantage")
            if "known_multiple_disadvantage" in counted
            else 0,
            key="gap_target",
        )
        ctx = g2.multiselect(
            "Peers alike on",
            context_values,
            default=context_values[:1],
            format_func=names.get,
            key="gap_context",
        )
        try:
            result, assumption = visibility_view_cached(
                dataset.token, dataset, target, tuple(ctx), dataset.levels[0], policy()
            )
        except (InputError, EstimationError) as err:
            show_problem(err)
        else:
            st.info(assumption)
            flagged = result.loc[result["flag"] != "as expected"]
            st.dataframe(
                flagged[
                    ["area_name", "area_code", "count", "expected", "lower", "upper", "flag"]
                ].rename(
                    columns={
                        "area_name": "Area",
                        "area_code": "Code",
                        "count": "Known",
                        "expected": "Expected",
                        "lower": "Expected range from",
                        "upper": "to",
                        "flag": "Finding",
                    }
                ),
                hide_index=True,
                width="stretch",
            )
