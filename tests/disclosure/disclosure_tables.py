"""Builders shared by the disclosure tests (a module of its own, so no test imports a conftest)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def build_table(counts, codes=None, indicator="homelessness_duty_owed", period="2024"):
    """A tidy indicator table with a rate equal to the count (denominator 1,000)."""
    codes = codes or [f"E0100000{i}" for i in range(len(counts))]
    counts = np.asarray(counts, dtype=float)
    return pd.DataFrame(
        {
            "area_code": codes,
            "indicator": indicator,
            "domain": "homelessness",
            "period": period,
            "count": counts,
            "denominator": 1000.0,
            "value": counts,  # per 1,000 with a denominator of 1,000
            "unit": "per 1,000 adults",
            "source": "test",
            "suppressed": False,
        }
    )
