# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # olistseg: Customer Experience KPIs, segments and retrain cadence
#
# This notebook re-reads one `olistseg run` (its folder is `OLISTSEG_RUN`, default `out`) and
# its DuckDB warehouse. Every number it shows comes from the run's outputs or from aggregate
# queries on the warehouse: the report and the deck show the same figures. No raw row of the
# dataset is printed, only aggregates and charts.

# %%
import json
import os
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd

RUN = Path(os.environ.get("OLISTSEG_RUN", "out"))
run = json.loads((RUN / "run.json").read_text())
con = duckdb.connect(run["warehouse"], read_only=True)
print(
    f"run folder: {os.environ.get('OLISTSEG_RUN_NAME', RUN.name)}; olistseg {run['olistseg_version']}; data: {Path(run['data']).name}"
)

# %% [markdown]
# ## What the data says
# The run's findings step turns the KPI answers, segments, validation, lifetime value and
# cadence into ranked sentences by explicit rules; each names its source and its threshold. The
# report and the deck show the same list.

# %%
findings = json.loads((RUN / "findings.json").read_text())["findings"]
from olistseg.i18n import keyed, schedule_words

for f in findings:
    print(f"{f['rank']}. {keyed(run['lang'], f)}  [{f['source']}; {f['threshold']}]")

# %% [markdown]
# ## 1. Data overview and quality
# The loader types every column, quarantines rows that break a rule (with file, line, column and
# reason) and counts them; nothing is dropped silently.

# %%
pd.DataFrame({"rows loaded": run["load"]["rows_loaded"]}).assign(
    share=lambda d: (d["rows loaded"] / d["rows loaded"].sum()).round(3)
)

# %%
print("rows quarantined:", run["load"]["rows_quarantined"])
print(
    "orders from", run["load"]["orders_first_purchase"], "to", run["load"]["orders_last_purchase"]
)

# %% [markdown]
# ## 2. Exploratory analysis
# Orders per month, review scores, delivery times, missing values, and the share of customers
# who bought once: the facts that shape the features and the segments.

# %%
monthly = con.sql("""
    select date_trunc('month', order_purchase_timestamp) as month, count(*) as orders
    from orders group by 1 order by 1
""").df()
alt.Chart(monthly, title="Orders per month").mark_line(point=True).encode(x="month:T", y="orders:Q")

# %%
reviews = con.sql(
    "select review_score, count(*) as reviews from order_reviews group by 1 order by 1"
).df()
alt.Chart(reviews, title="Review scores").mark_bar().encode(x="review_score:O", y="reviews:Q")

# %%
delivery = con.sql("""
    select least(60, round(date_diff('hour', order_purchase_timestamp, order_delivered_customer_date) / 24.0)) as days,
           count(*) as orders
    from orders where order_delivered_customer_date is not null group by 1 order by 1
""").df()
alt.Chart(delivery, title="Days from purchase to delivery (capped at 60)").mark_bar().encode(
    x="days:Q", y="orders:Q"
)

# %%
missing = con.sql("""
    select 'order_delivered_customer_date' as column_name, avg((order_delivered_customer_date is null)::int) as missing_share from orders
    union all select 'order_approved_at', avg((order_approved_at is null)::int) from orders
    union all select 'review_comment_message', avg((review_comment_message is null)::int) from order_reviews
    union all select 'product_category_name', avg((product_category_name is null)::int) from products
""").df()
missing.round(4)

# %%
single = con.execute("""
    select avg((orders = 1)::int) as single_purchase_share from (
        select c.customer_unique_id, count(distinct o.order_id) as orders
        from orders o join customers c using (customer_id) group by 1)
""").fetchone()[0]
print(f"customers who bought once: {single:.1%}")

# %% [markdown]
# ## 3. The KPI questions, their SQL and their answers
# Each question is one SQL file in `src/olistseg/sql/kpi/`, with a header giving its definitions.
# The answers below are the run's (`kpi/kpis.json`).

# %%
from olistseg.kpi.catalog import REQUIRED_QUESTIONS
from olistseg.sql import read_sql

kpis = json.loads((RUN / "kpi" / "kpis.json").read_text())["kpis"]
for name in REQUIRED_QUESTIONS:
    print(f"-- {name}: {kpis[name]['question']}")
    print(read_sql("kpi", name).split("\n\n", 1)[0][:600], "\n")

# %%
from olistseg.deliverables.collect import kpi_aggregate

# Answers that list orders or sellers are summarised (count, min / median / max): this notebook
# shows aggregates only, never a row of the dataset.
for name in REQUIRED_QUESTIONS:
    result = kpis[name]
    print(f"{result['title']}: {result['row_count']} rows")
    columns, rows = kpi_aggregate(result)
    display(pd.DataFrame(rows, columns=columns).head(10))  # noqa: F821

# %% [markdown]
# ## 4. Features, as of a date, without look-ahead
# One row per `customer_unique_id` with a delivered order by `as_of`: recency, frequency,
# monetary value, satisfaction, delivery experience, basket and payment. Only orders purchased,
# deliveries made and reviews written by `as_of` count; payments, reviews and items are
# aggregated per order before any join. A customer without a review gets the training median and
# a `has_review` flag.

# %%
features = pd.read_parquet(RUN / "segments" / "features.parquet")
print(len(features), "customers as of", run["segmentation"]["as_of"])
features.describe().T.round(2)

# %% [markdown]
# ## 5. Model comparison
# Every candidate (algorithm, k) with its exact silhouette, Davies-Bouldin, Calinski-Harabasz,
# BIC, smallest segment and stability. The selection rule is printed with it.

# %%
selection = json.loads((RUN / "segments" / "selection.json").read_text())
print(selection["rule_text"])
print(
    "chosen:",
    selection["chosen"]["algorithm"],
    selection["chosen"]["n_clusters"],
    "-",
    selection["selection_reason"],
)
pd.DataFrame(selection["candidates"])[
    [
        "algorithm",
        "k",
        "n_clusters",
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "bic",
        "smallest_share",
        "largest_share",
        "distinct_actions",
        "stability_bootstrap",
        "stability_seeds",
        "stability_seeds_full",
        "oot_auc",
        "score",
    ]
]

# %%
# Why the winner beat the highest-silhouette candidate, in the selection's own words.
print(selection["why_not_highest_silhouette"])

# %% [markdown]
# ### 5a. Feature distributions after preprocessing
# The model sees the preset's features after the product's own preprocessing
# (`olistseg.models.preprocessing`): log of skewed counts and amounts, medians for missing
# reviews, standardisation. Most customers bought once, so `frequency` is nearly constant:
# the segments are shaped by recency, spend, satisfaction, delivery and installments.

# %%
from olistseg.models.preprocessing import make_preprocessor, model_input

preset = selection["preset"]
X = make_preprocessor(preset).fit_transform(model_input(features, preset))
columns = list(model_input(features, preset).columns)
scaled = pd.DataFrame(X, columns=columns)
sample = scaled.sample(min(len(scaled), 4_800 // len(columns)), random_state=0)
alt.Chart(sample.melt(var_name="feature", value_name="z")).mark_bar().encode(
    x=alt.X("z:Q", bin=alt.Bin(maxbins=30)), y="count()", facet=alt.Facet("feature:N", columns=4)
).properties(width=150, height=90)

# %% [markdown]
# ### 5b. k-means: elbow and silhouette by k
# Inertia falls with every k (the elbow is soft); the exact silhouette (the product's own
# kernel, from `selection.json`) shows how separated each k-means solution is.

# %%
from sklearn.cluster import KMeans

# Timings are left out: the same run must give the same notebook bytes.
candidates = pd.DataFrame(selection["candidates"]).drop(columns=["fit_seconds", "metric_seconds"])
kmeans = candidates[candidates["algorithm"] == "kmeans"].sort_values("k")
kmeans = kmeans.assign(
    inertia=[KMeans(int(k), n_init=4, random_state=selection.get("seed", 42)).fit(X).inertia_
             for k in kmeans["k"]]
)  # fmt: skip  (a notebook cell kept as a reader would type it)
alt.hconcat(
    alt.Chart(kmeans)
    .mark_line(point=True)
    .encode(x="k:O", y="inertia:Q")
    .properties(title="elbow"),
    alt.Chart(kmeans)
    .mark_line(point=True)
    .encode(x="k:O", y="silhouette:Q")
    .properties(title="silhouette"),
)

# %% [markdown]
# ### 5c. DBSCAN: the k-distance knee and what it finds
# DBSCAN's eps is the knee of the sorted distance to the `2 x features`-th neighbour
# (`olistseg.models.candidates.knee_eps`). On this data it finds one dense mass of one-time
# buyers and labels the rest noise or tiny groups: no segment a campaign can use, so the
# selection rule (largest segment, noise, number of segments) leaves it out.

# %%
from sklearn.neighbors import NearestNeighbors

from olistseg.models.candidates import knee_eps

points = X[pd.Series(range(len(X))).sample(min(len(X), 4_000), random_state=0).to_numpy()]
min_samples = 2 * X.shape[1]
distances = NearestNeighbors(n_neighbors=min_samples).fit(points).kneighbors(points)[0][:, -1]
eps = knee_eps(points, min_samples)
curve = pd.DataFrame({"rank": range(len(distances)), "distance": sorted(distances)})
print(f"eps at the knee: {eps:.3f}")
dbscan = candidates[candidates["algorithm"].isin(["dbscan", "hdbscan"])]
print(
    dbscan[
        ["algorithm", "n_clusters", "noise_share", "largest_share", "silhouette", "criteria"]
    ].to_string()
)
alt.Chart(curve).mark_line().encode(x="rank:Q", y="distance:Q") + alt.Chart(
    pd.DataFrame({"eps": [eps]})
).mark_rule(color="red").encode(y="eps:Q")

# %% [markdown]
# ### 5d. Gaussian mixtures: BIC by k
# Lower BIC is better. BIC keeps falling with k on a large population, so it cannot pick k on
# its own; it is reported, and the selection weighs separation and out-of-time value instead.

# %%
gmm = candidates[candidates["algorithm"].str.startswith("gmm")].sort_values(["algorithm", "k"])
alt.Chart(gmm).mark_line(point=True).encode(x="k:O", y=alt.Y("bic:Q", scale=alt.Scale(zero=False)),
                                            color="algorithm:N")  # fmt: skip  (a notebook cell kept as a reader would type it)

# %% [markdown]
# ### 5e. The trade-off the selection made
# Eligible candidates meet every business criterion (4 to 8 segments, largest at most 40%,
# smallest at least 1%, stable, reproducible, little noise, distinct actions); among them the
# score weighs separation and out-of-time value equally.

# %%
eligible = candidates[
    candidates["criteria"].apply(lambda c: all(c.values()) if isinstance(c, dict) else False)
]
print(f"{len(eligible)} of {len(candidates)} candidates are eligible")
alt.Chart(candidates).mark_circle(size=80).encode(
    x=alt.X("silhouette:Q"),
    y=alt.Y("largest_share:Q", axis=alt.Axis(format="%")),
    color="algorithm:N",
    tooltip=["algorithm", "k", "silhouette", "largest_share", "oot_auc"],
)

# %% [markdown]
# ## 6. The segments and their profiles
# Names and actions come from explicit rules on each segment's profile (z-scores against the
# population).

# %%
profiles = json.loads((RUN / "segments" / "profiles.json").read_text())["segments"]
pd.DataFrame(
    [
        {
            k: s[k]
            for k in ("segment_id", "name", "size", "share_customers", "share_revenue", "action")
        }
        for s in profiles
    ]
)

# %%
pd.DataFrame({s["name"]: {f: v["lift"] for f, v in s["features"].items()} for s in profiles}).round(
    2
)

# %% [markdown]
# A projection of the segments (t-SNE of a sample of customers, computed by the segment step).

# %%
from IPython.display import Image

Image(filename=str(RUN / "segments" / "charts" / "projection.png"), width=640)

# %% [markdown]
# ## 6b. Do the segments predict what customers do next?
# At origins every 3 months the chosen configuration is fitted on the features as of the origin
# only; the segments are then compared with who bought again (a new purchase occasion) over the
# next 180 days, against a standard RFM scoring, random segments of the same sizes and the
# highest-silhouette candidate. The findings below are computed, not written by hand.

# %%
validation = json.loads((RUN / "validation" / "validation.json").read_text())
for finding in validation["summary"]["findings"]:
    print("-", finding)
pd.DataFrame(
    [
        {
            "origin": o["origin"][:10],
            "customers": o["customers"],
            "repurchase_rate": o["repurchase_rate"],
            **{
                f"auc_{k}": o[k]["auc"]
                for k in ("chosen", "rfm", "random", "highest_silhouette")
                if k in o
            },
        }
        for o in validation["origins"]
    ]
)

# %%
pd.DataFrame(
    [
        {
            "origin": o["origin"][:10],
            **{s["name"]: s["repurchase_lift"] for s in o["chosen"]["segments"]},
        }
        for o in validation["origins"]
    ]
).set_index("origin")

# %% [markdown]
# ## 6c. What customers are worth, and the campaign audiences
# BG/NBD and Gamma-Gamma (pymc-marketing, MAP) on purchase occasions; checked out of time
# against each customer's past rate. Then one audience per segment, with the suppression rules.

# %%
value = json.loads((RUN / "value" / "value.json").read_text())
if value.get("skipped"):
    print("lifetime value left out:", value["skipped"])
else:
    facts = run["facts"]  # the run contract: one value per fact, as every deliverable states it
    print(f"{facts['repeat_occasion_customers']['value']:,} of {facts['customers']['value']:,} "
          f"customers with a delivered order came back on another day "
          f"({facts['repeat_occasion_share']['value']:.1%}); "
          f"{facts['repeat_order_share']['value']:.1%} of {facts['kpi_customers']['value']:,} "
          "customers placed two or more orders; expected value of the next 12 months: "
          f"{value['expected_value_12m']:,.0f} {facts['currency']['value']}")  # fmt: skip  (a notebook cell kept as a reader would type it)
    display(pd.DataFrame(value["segments"])[["segment_name", "customers", "expected_value_12m",
                                             "share_expected_value", "median_probability_alive"]])  # fmt: skip  (a notebook cell kept as a reader would type it)

# %%
pd.DataFrame([{k: o[k] for k in ("origin", "customers", "actual_occasions", "predicted_occasions",
                                 "naive_occasions", "mae_bgnbd", "mae_naive", "mae_zero")}
              for o in value["out_of_time"]["origins"]], columns=["origin", "customers",
              "actual_occasions", "predicted_occasions", "naive_occasions", "mae_bgnbd",
              "mae_naive", "mae_zero"])  # fmt: skip  (a notebook cell kept as a reader would type it)

# %%
audiences = json.loads((RUN / "audiences" / "audiences.json").read_text())
print(audiences["rules"])
pd.DataFrame(audiences["audiences"])[
    ["segment_name", "customers", "expected_value_12m", "promotional"]
]

# %% [markdown]
# ## 6d. The campaign plan, and how much of it can be measured
# One campaign per segment with a random holdout (`campaigns/plan.json`). The power curve:
# the smallest relative lift in purchases a campaign can detect (alpha 0.05, power 0.8) against
# its audience, at the plan's pooled base rate and holdout share; each campaign is a point.

# %%
from olistseg.campaigns.power import minimum_detectable_lift
from olistseg.campaigns.report import plan_rows, targeting_rows

targeting = json.loads((RUN / "value" / "value.json").read_text()).get("targeting")
if targeting:
    print(f"Targeting score (champion out of time): {targeting['champion']}")
    display(pd.DataFrame(targeting_rows(targeting, run["lang"])[1], columns=targeting_rows(targeting, run["lang"])[0]))
plan = json.loads((RUN / "campaigns" / "plan.json").read_text())
headings, rows = plan_rows(plan, run["lang"])
display(pd.DataFrame(rows, columns=headings))
rate, share = plan["pooled"]["base_rate"], plan["holdout_share"]
sizes = [int(10 ** (3 + i / 10)) for i in range(31)]  # 1,000 to 1,000,000 customers
curve = pd.DataFrame(
    {
        "audience": sizes,
        "lift": [
            minimum_detectable_lift(rate, round(n * (1 - share)), round(n * share)) for n in sizes
        ],
    }
).dropna()
points = pd.DataFrame(
    {
        "audience": [c["audience"] for c in plan["campaigns"]],
        "lift": [c["power"]["minimum_detectable_lift"] for c in plan["campaigns"]],
        "campaign": [c["campaign_id"] for c in plan["campaigns"]],
    }
).dropna()
line = alt.Chart(curve).mark_line().encode(
    x=alt.X("audience:Q", scale=alt.Scale(type="log"), title="audience (customers, log scale)"),
    y=alt.Y("lift:Q", axis=alt.Axis(format="%"), title="smallest detectable lift in purchases (%)"),
)
target = alt.Chart(pd.DataFrame({"lift": [plan["pooled"]["planning_lift"]]})).mark_rule(
    strokeDash=[4, 4]
).encode(y="lift:Q")
line + target + alt.Chart(points).mark_point(filled=True).encode(
    x="audience:Q", y="lift:Q", tooltip=["campaign"]
)

# %% [markdown]
# ## 7. Stability over time and the retrain cadence
# Frozen model against a refit at each weekly step, across origins (see the protocol in
# `stability.json`). The cadence is the longest interval for which the 10th-percentile ARI stays
# at or above the threshold.

# %%
stability = json.loads((RUN / "stability" / "stability.json").read_text())
print(stability["cadence"]["reason"])
print("baseline noise:", stability["baseline_noise"])
curve = pd.DataFrame(stability["curve"])
band = alt.Chart(curve).mark_area(opacity=0.3).encode(x="weeks:Q", y="ari_p10:Q", y2="ari_max:Q")
band + alt.Chart(curve).mark_line(point=True).encode(
    x="weeks:Q", y=alt.Y("ari_median:Q", scale=alt.Scale(domain=[0, 1]))
)

# %%
maintenance = json.loads((RUN / "stability" / "maintenance.json").read_text())
schedule = maintenance["schedule"]
print(f"retrain {schedule_words('en', schedule) if schedule else 'never (no cadence)'} "
      f"({maintenance['retrains_per_year']} retrains a year), checked monthly; "
      f"{maintenance['yearly_cost']['total']:,.0f} {maintenance['costs']['currency']} a year; triggers:")
for trigger in maintenance["triggers"]:
    print(" -", trigger)
