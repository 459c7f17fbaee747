"""The naive recipe each stage is compared with: plain pandas, geopandas, libpysal, esda, folium.

What an analyst would write without MEAM Mapping, doing the same job with no
checks, no caching and no display geometry: ``pd.read_csv`` and ``melt``;
``merge`` and ``groupby``; z-scores; ``KMeans``; ``libpysal.weights.Queen``
built from scratch; ``esda.G_Local`` on one core; a Poisson GLM per district
with ``statsmodels``; ``folium.Choropleth`` over the full-precision
GeoDataFrame with every column in the properties and a ``GeoJsonTooltip``;
``GeoDataFrame.plot``.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from run import DOMAIN_INDICATORS, LISTS, measure  # noqa: I001


def stages(areas, csv: bytes, patterns: pd.DataFrame, out: dict) -> None:  # noqa: ANN001
    def load() -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(csv))

    table, *out["load"] = measure(load)

    def validate() -> None:
        assert table["area_code"].notna().all()
        assert not table.duplicated(["area_code", "indicator"]).any()
        assert (table["count"] >= 0).all()

    _, *out["validate"] = measure(validate)
    _, *out["join"] = measure(lambda: areas.merge(table, on="area_code", how="left"))

    def aggregate() -> pd.DataFrame:
        joined = table.merge(areas[["area_code", "msoa_code"]], on="area_code")
        sums = joined.groupby(["msoa_code", "indicator"])[["count", "denominator"]].sum()
        return sums.assign(rate=sums["count"] / sums["denominator"] * 1000)

    _, *out["aggregate"] = measure(aggregate)

    def index() -> pd.DataFrame:
        rates = table.assign(rate=table["count"] / table["denominator"]).pivot(
            index="area_code", columns="indicator", values="rate"
        )[list(DOMAIN_INDICATORS.values())]
        z = (rates - rates.mean()) / rates.std()
        return z.assign(score=z.mean(axis=1))

    z, *out["index"] = measure(index)

    def typology() -> np.ndarray:
        from sklearn.cluster import KMeans

        return KMeans(5, n_init=10, random_state=0).fit_predict(z.drop(columns="score").to_numpy())

    _, *out["typology"] = measure(typology)

    def weights():  # noqa: ANN202
        from libpysal.weights import Queen

        w = Queen.from_dataframe(areas, use_index=False, silence_warnings=True)
        w.transform = "r"
        return w

    w, *out["spatial weights"] = measure(weights)
    y = z["score"].reindex(areas["area_code"]).to_numpy()

    def hotspots():  # noqa: ANN202
        from esda.getisord import G_Local

        return G_Local(y, w, star=True, permutations=999, n_jobs=1, seed=0)

    _, *out["hotspots (999 permutations)"] = measure(hotspots)

    def mse() -> list[float]:
        import statsmodels.api as sm

        results = []
        for _, group in patterns.groupby("lad_code"):
            x = sm.add_constant(group[list(LISTS)].astype(float))
            fit = sm.GLM(group["count"], x, family=sm.families.Poisson()).fit()
            results.append(float(group["count"].sum() + np.exp(fit.params["const"])))
        return results

    _, *out["MSE over strata"] = measure(mse)


def maps(areas, data: pd.DataFrame, out: dict) -> str:  # noqa: ANN001
    import folium

    def build() -> str:
        full = areas.merge(data.drop(columns=["area_name"], errors="ignore"), on="area_code",
                           how="left").to_crs(4326)  # fmt: skip
        full = full.assign(**{c: full[c].astype(str) for c in full.columns if c != "geometry"})
        fmap = folium.Map(location=[52.5, -1.5], zoom_start=7, prefer_canvas=len(full) > 5000)
        layer = folium.Choropleth(
            geo_data=full,
            data=data,
            columns=["area_code", "value"],
            key_on="feature.properties.area_code",
            fill_color="YlOrRd",
            bins=5,
        ).add_to(fmap)
        fields = [c for c in full.columns if c != "geometry"]
        folium.GeoJsonTooltip(fields=fields).add_to(layer.geojson)
        return fmap.get_root().render()

    page, *out["interactive map build"] = measure(build, repeat=2)

    def static() -> int:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        full = areas.merge(data, on="area_code", how="left")
        ax = full.plot(column="value", scheme="quantiles", k=5, legend=True, figsize=(11.7, 8.3))
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=150)
        plt.close(ax.figure)
        return buffer.tell()

    _, *out["static map"] = measure(static)
    return page
