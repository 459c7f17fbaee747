"""Widgets several pages share."""

from __future__ import annotations

import streamlit as st

from meam_mapping.dataset import Dataset
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.schema import DOMAIN_LABELS
from ui.state import kept, remember


def indicator_picker(
    dataset: Dataset, *, key_prefix: str, counts_only: bool = False
) -> tuple[str, str]:
    """Choose an indicator (by name, grouped by domain) and a period.

    Returns
    -------
    tuple of str
        The indicator id and the period.
    """
    catalogue = dataset.catalogue()
    if counts_only:
        catalogue = catalogue.loc[catalogue["has_counts"]]
    ids = catalogue["indicator"].tolist()
    if not ids:
        st.info(
            "No indicator table is loaded yet"
            + (" with counts" if counts_only else "")
            + ": add one on the Data page.",
            icon=":material/info:",
        )
        st.stop()
    names = dict(zip(catalogue["indicator"], catalogue["indicator_name"], strict=True))
    domains = dict(zip(catalogue["indicator"], catalogue["domain"], strict=True))
    indicator = st.selectbox(
        "Indicator",
        ids,
        key=kept(f"{key_prefix}_indicator", ids[0], ids),
        format_func=lambda i: f"{names[i]} · {DOMAIN_LABELS.get(domains[i], domains[i])}",
    )
    periods = catalogue.set_index("indicator").loc[indicator, "periods"]
    period = st.selectbox(
        "Period", periods, index=len(periods) - 1, key=f"{key_prefix}_period_{indicator}"
    )
    remember(f"{key_prefix}_indicator")
    return indicator, period


def show_problem(err: Exception) -> None:
    """Show an input or estimation problem where the user is, without a traceback."""
    if isinstance(err, InputError):
        st.error(err.message, icon=":material/error:")
    elif isinstance(err, EstimationError):
        st.warning(f"This estimate cannot be made: {err}", icon=":material/warning:")
    else:  # pragma: no cover - programming errors still surface
        raise err


def show_headline(head: dict | None, *, columns: bool = True) -> None:
    """The headline estimate as three metrics, the same on every page.

    ``head`` is :func:`meam_mapping.pipeline.publish.publish_headline`'s dict.
    """
    if head is None:
        st.info("There is no hidden-population estimate: load an overlap table on the Data page.")
        return
    if head.get("suppressed"):
        st.info(
            "The number of people seen by a service is small, so the estimate is hidden to protect them."
        )
        return
    m1, m2, m3 = st.columns(3) if columns else (st, st, st)
    m1.metric(
        "Estimated people facing multiple disadvantage",
        f"{head['n_hat']:,}",
        help="People seen by at least one service plus those estimated to be seen by none. "
        f"{head['label']}; {head['method']}.",
    )
    m1.caption(f"95% interval {head['ci_low']:,} to {head['ci_high']:,} ({head['ci_method']})")
    m2.metric(
        "Seen by at least one service",
        f"{head['observed']:,}",
        help="People on at least one service's list in the matched data.",
    )
    m3.metric(
        "Hidden from every service",
        f"{head['hidden']:,}",
        help="Estimated people minus the people seen: an estimate, as uncertain as the total.",
    )
    if head.get("hidden_share") is not None:
        m3.caption(f"{100 * head['hidden_share']:.0f}% of the estimated total")
    if head.get("rounding"):
        st.caption(f":material/shield: Rounded to protect small numbers: {head['rounding']}.")


#: What a table cell with no value shows: nothing, as in the published tables. A hidden count or rate is
#: such a cell (numbers stay numbers, so columns sort as numbers) and the table's Note column says why.
EMPTY_CELL = ""


def show_table(data, **kwargs) -> object:  # noqa: ANN001 - a DataFrame or what st.dataframe takes
    """``st.dataframe`` leaving a cell with no value blank, instead of Streamlit's "None"."""
    return st.dataframe(data, placeholder=EMPTY_CELL, **kwargs)


def download_csv(  # noqa: ANN001 - frame: a DataFrame
    frame, name: str, *, label: str = "Download this table (CSV)", key: str | None = None
) -> None:
    """A CSV download of a published table shown on the page (the same rows, nothing more)."""
    st.download_button(
        label,
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=key or f"download_{name}",
    )


def periods_of(dataset: Dataset, indicator: str) -> list[str]:
    """The indicator's periods, earliest first."""
    catalogue = dataset.catalogue().set_index("indicator")
    return (
        [str(p) for p in catalogue.loc[indicator, "periods"]]
        if indicator in catalogue.index
        else []
    )
