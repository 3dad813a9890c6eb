"""Altair charts of a segmentation, saved as PNG and as offline HTML (vl-convert, inline JS)."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from olistseg.atomic import atomic_path
from olistseg.models.preprocessing import DEFAULT_PRESET, PRESETS

#: The heat map's features: the default preset's, then the freight share and the tenure.
KEY_FEATURES = (*PRESETS[DEFAULT_PRESET], "freight_ratio", "tenure_days")


def metric_curves(candidates: list[dict]) -> alt.Chart:
    """Each metric against k, one line per algorithm (density methods as points at their k)."""
    rows = []
    for c in candidates:
        for metric in (
            "silhouette",
            "davies_bouldin",
            "calinski_harabasz",
            "bic",
            "stability_bootstrap",
        ):
            if c.get(metric) is not None:
                rows.append(
                    {
                        "algorithm": c["algorithm"],
                        "k": c["n_clusters"],
                        "metric": metric,
                        "value": c[metric],
                    }
                )
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("k:Q", title="segments"),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            color="algorithm:N",
            tooltip=["algorithm", "k", "metric", "value"],
        )
        .properties(width=260, height=170)
        .facet(facet=alt.Facet("metric:N", title=None), columns=3)
        .resolve_scale(y="independent")
    )


def segment_sizes(profiles: pd.DataFrame, names: pd.DataFrame) -> alt.Chart:
    frame = pd.DataFrame(
        {
            "segment": names["segment_name"],
            "customers": profiles["share_customers"],
            "revenue": profiles["share_revenue"],
        }
    ).melt("segment", var_name="share of", value_name="share")
    return (
        alt.Chart(frame, title="Segment sizes: share of customers and of revenue")
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None),
            x=alt.X("share:Q", axis=alt.Axis(format="%")),
            color="share of:N",
            yOffset="share of:N",
            tooltip=["segment", "share of", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=420)
    )


def profile_heatmap(profiles: pd.DataFrame, names: pd.DataFrame) -> alt.Chart:
    rows = [
        {
            "segment": names.loc[s, "segment_name"],
            "feature": f,
            "z": float(profiles.loc[s, f"{f}_z"]),
        }
        for s in profiles.index
        for f in KEY_FEATURES
    ]
    return (
        alt.Chart(
            pd.DataFrame(rows), title="Standardised feature means per segment (0 = population)"
        )
        .mark_rect()
        .encode(
            x=alt.X("feature:N", title=None),
            y=alt.Y("segment:N", title=None),
            color=alt.Color("z:Q", scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True)),
            tooltip=["segment", "feature", alt.Tooltip("z:Q", format=".2f")],
        )
    )


def projection(
    X: np.ndarray, labels: np.ndarray, names: pd.DataFrame, seed: int = 0, sample: int = 5_000
) -> alt.Chart:
    """PCA of every point to 2-D, drawn for a seeded sample of ``sample`` points."""
    coords = PCA(n_components=2, random_state=seed).fit_transform(X)
    rng = np.random.default_rng(seed)
    index = rng.choice(len(X), size=min(sample, len(X)), replace=False)
    frame = pd.DataFrame(
        {
            "pc1": coords[index, 0],
            "pc2": coords[index, 1],
            "segment": names["segment_name"].reindex(labels[index]).to_numpy(),
        }
    )
    return (
        alt.Chart(frame, title=f"PCA projection ({len(index):,} customers shown)")
        .mark_circle(size=8, opacity=0.5)
        .encode(x="pc1:Q", y="pc2:Q", color="segment:N")
        .properties(width=420, height=320)
    )


def tsne_projection(
    X: np.ndarray, labels: np.ndarray, names: pd.DataFrame, seed: int = 0, sample: int = 2_000
) -> alt.Chart:
    """t-SNE of a seeded sample of ``sample`` points (t-SNE is quadratic: a sample is enough)."""

    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(len(X), size=min(sample, len(X)), replace=False))
    perplexity = float(min(30, max(5, (len(index) - 1) // 4)))
    coords = TSNE(
        n_components=2, perplexity=perplexity, init="pca", random_state=seed
    ).fit_transform(X[index])
    frame = pd.DataFrame(
        {
            "tsne1": coords[:, 0],
            "tsne2": coords[:, 1],
            "segment": names["segment_name"].reindex(labels[index]).to_numpy(),
        }
    )
    return (
        alt.Chart(frame, title=f"t-SNE of {len(index):,} sampled customers")
        .mark_circle(size=10, opacity=0.6)
        .encode(x=alt.X("tsne1:Q", title=None), y=alt.Y("tsne2:Q", title=None), color="segment:N")
        .properties(width=420, height=320)
    )


def save_chart(chart: alt.Chart, folder: Path, name: str) -> list[Path]:
    """``name.png`` and ``name.html`` (self-contained) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = chart.to_dict()
    with atomic_path(folder / f"{name}.png") as tmp:
        tmp.write_bytes(vlc.vegalite_to_png(spec, scale=2))
    with atomic_path(folder / f"{name}.html") as tmp:
        tmp.write_text(vlc.vegalite_to_html(spec, bundle=True), encoding="utf-8")
    return [folder / f"{name}.png", folder / f"{name}.html"]
