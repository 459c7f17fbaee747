"""A large tidy indicator CSV, as a partnership exports it from a warehouse.

:func:`big_tidy_csv` writes ``n_areas`` LSOA-like codes × ``indicators`` ×
``periods`` rows (1,000,000 by default: 31,250 × 8 × 4) with the things real
exports carry: suppression markers (``*``, ``c``), thousands commas in
denominators, a column of names, a unit column on some indicators, mixed-case
indicator names. Seeded, so the same arguments give the same bytes.

Used by ``tests/io/test_load_scale.py`` (correctness against a small slice)
and ``bench/load_scale.py`` (timings).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["INDICATORS", "PERIODS", "big_tidy_frame", "big_tidy_csv"]

#: (indicator name as written, unit column text) for each indicator.
INDICATORS: tuple[tuple[str, str], ...] = (
    ("Homeless households", ""),
    ("Rough sleeping", "count"),
    ("Drug treatment", ""),
    ("Alcohol treatment", ""),
    ("Mental health contacts", "per 1,000"),
    ("Self-harm admissions", ""),
    ("Probation caseload", ""),
    ("Prison releases", "Number"),
)
PERIODS: tuple[str, ...] = ("2021/22", "2022/23", "2023/24", "2024/25")


def big_tidy_frame(
    n_areas: int = 31_250,
    *,
    indicators: int = len(INDICATORS),
    periods: int = len(PERIODS),
    seed: int = 18,
) -> pd.DataFrame:
    """The table as text cells (every column a string), in file order."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"E01{i:06d}" for i in range(1, n_areas + 1)], dtype=object)
    names = np.array([f"Area {i:05d}" for i in range(1, n_areas + 1)], dtype=object)
    chosen = INDICATORS[:indicators]
    n = n_areas * len(chosen) * periods
    area = np.repeat(np.arange(n_areas), len(chosen) * periods)
    ind = np.tile(np.repeat(np.arange(len(chosen)), periods), n_areas)
    per = np.tile(np.arange(periods), n_areas * len(chosen))
    population = rng.integers(900, 3_200, size=n_areas)[area]
    count = rng.binomial(population, 0.004).astype(np.int64)
    count_text = count.astype(str).astype(object)
    suppressed = rng.random(n) < 0.05
    count_text[suppressed] = np.where(rng.random(int(suppressed.sum())) < 0.5, "*", "c")
    den_text = pd.Series(population).map("{:,}".format).to_numpy(dtype=object)
    den_text[population < 1_000] = population[population < 1_000].astype(str)
    ind_names = np.array([name for name, _ in chosen], dtype=object)
    units = np.array([unit for _, unit in chosen], dtype=object)
    return pd.DataFrame(
        {
            "Area code": codes[area],
            "Area name": names[area],
            "Indicator": ind_names[ind],
            "Period": np.array(PERIODS[:periods], dtype=object)[per],
            "Count": count_text,
            "Denominator": den_text,
            "Unit": units[ind],
        }
    )


def big_tidy_csv(path: str | Path, n_areas: int = 31_250, **kwargs: int) -> Path:
    """Write :func:`big_tidy_frame` as a CSV (thousands commas quoted) and return the path."""
    path = Path(path)
    big_tidy_frame(n_areas, **kwargs).to_csv(path, index=False)
    return path
