"""The tidy indicator table's vocabulary: units, kinds and polarity, periods, rates, intervals.

* :mod:`.units`: one :class:`~.units.Unit` (code + label) and :func:`~.units.parse_unit`;
* :mod:`.kinds`: ``kind`` and ``polarity`` of an indicator, inferred at load;
* :mod:`.periods`: periods as time spans, sorted as time;
* :mod:`.intervals`: Wilson / Byar / exact intervals (PHStatsMethods);
* :mod:`.rates`: domain rates from summed counts and denominators;
* :mod:`.table`: filling the vocabulary columns of a tidy table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.indicators.intervals import CI_METHODS, count_interval, rate_limits
    from meam_mapping.indicators.kinds import (
        KINDS,
        ORDINAL_KINDS,
        POLARITIES,
        SUMMABLE_KINDS,
        infer_kind,
    )
    from meam_mapping.indicators.periods import (
        Period,
        latest_period,
        parse_period,
        period_key,
        sort_periods,
    )
    from meam_mapping.indicators.rates import domain_rates, pooled_rate
    from meam_mapping.indicators.table import fill_vocabulary, readable_name, unit_text
    from meam_mapping.indicators.units import Unit, parse_unit, rate_unit

__all__ = [
    "CI_METHODS",
    "KINDS",
    "ORDINAL_KINDS",
    "POLARITIES",
    "SUMMABLE_KINDS",
    "Period",
    "Unit",
    "count_interval",
    "domain_rates",
    "fill_vocabulary",
    "infer_kind",
    "latest_period",
    "parse_period",
    "parse_unit",
    "period_key",
    "pooled_rate",
    "rate_limits",
    "rate_unit",
    "readable_name",
    "sort_periods",
    "unit_text",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "intervals": ["CI_METHODS", "count_interval", "rate_limits"],
        "kinds": ["KINDS", "ORDINAL_KINDS", "POLARITIES", "SUMMABLE_KINDS", "infer_kind"],
        "periods": ["Period", "latest_period", "parse_period", "period_key", "sort_periods"],
        "rates": ["domain_rates", "pooled_rate"],
        "table": ["fill_vocabulary", "readable_name", "unit_text"],
        "units": ["Unit", "parse_unit", "rate_unit"],
    },
)
