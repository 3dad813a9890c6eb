"""The stability simulation: a planted change shortens the cadence, no change keeps it long,
the frozen model stays frozen, and the CLI writes the contract and the monthly check."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pytest

from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.models.preprocessing import make_preprocessor, model_input
from olistseg.models.segmentation import SegmentationModel
from olistseg.segments.pipeline import segment
from olistseg.stability import simulation
from olistseg.stability.cadence import cadence_of_curves
from olistseg.stability.config import SimulationConfig, parse_step
from olistseg.stability.simulation import simulate
from olistseg.warehouse.load import load

from .conftest import connect
from .test_segment_cli import cli

CHANGE = dt.datetime(2018, 4, 1)
#: Two-week steps, an origin every 4 weeks, 12 origins: the last 48 weeks of the data.
FAST = {"step_days": 14, "origin_every": 2, "n_origins": 12}


def _warehouse(root: Path, config: SyntheticConfig) -> Path:
    write(config, root / "data")
    load(root / "data", root / "w.duckdb")
    return root / "w.duckdb"


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three well-separated groups, then a fourth arrives on CHANGE and takes 60% of sign-ups."""
    return _warehouse(
        tmp_path_factory.mktemp("changed"),
        SyntheticConfig(
            customers=4_000,
            seed=3,
            group_separation=5.0,
            with_geolocation=False,
            change_date=CHANGE.date().isoformat(),
            mix_before=(0.15, 0.45, 0.0, 0.40),
            mix_after=(0.05, 0.15, 0.60, 0.20),
        ),
    )


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mix = (0.10, 0.35, 0.10, 0.45)
    return _warehouse(
        tmp_path_factory.mktemp("unchanged"),
        SyntheticConfig(
            customers=4_000,
            seed=3,
            group_separation=5.0,
            with_geolocation=False,
            mix_before=mix,
            mix_after=mix,
        ),
    )


def test_planted_change_shortens_the_cadence_and_the_curve_drops_after_it(changed):
    with connect(changed) as con:
        result = simulate(con, SimulationConfig(algorithm="kmeans", k=3, **FAST))
    first_origin = dt.datetime.fromisoformat(result["origins"][0]["origin"])
    weeks_to_change = (CHANGE - first_origin).days / 7
    cadence = result["cadence"]
    assert not cadence["limited_by_horizon"]
    assert 0 < cadence["weeks"] < weeks_to_change
    # The first origin's model holds until the change, then falls away.
    steps = result["origins"][0]["steps"]
    before = [s["ari_all"] for s in steps if dt.datetime.fromisoformat(s["date"]) <= CHANGE]
    after = [s["ari_all"] for s in steps if dt.datetime.fromisoformat(s["date"]) > CHANGE]
    assert min(before) >= 0.95
    assert after[-1] < 0.8
    assert after[-1] < min(before) - 0.15
    # The drift monitors see it too: the late-delivery features move.
    last = steps[-1]
    assert max(last["psi"].values()) > 0.2
    assert max(abs(v) for v in last["share_change"].values()) > 5


def test_no_change_keeps_ari_high_and_cadence_at_the_longest_horizon(unchanged):
    with connect(unchanged) as con:
        result = simulate(con, SimulationConfig(algorithm="kmeans", k=4, **FAST))
    cadence = result["cadence"]
    assert cadence["limited_by_horizon"]
    assert (
        cadence["steps"]
        == cadence["horizon_steps"]
        == max(c["t"] for c in result["curve"] if c["counts_for_cadence"])
    )
    assert min(c["ari_p10"] for c in result["curve"]) >= 0.95
    assert result["baseline_noise"]["median"] >= 0.95
    assert all(c["ari_median"] == 1.0 for c in result["curve"] if c["t"] == 0)


def test_frozen_means_frozen(unchanged, monkeypatch):
    """M0's predictions at T0 + t use the preprocessing parameters fitted at T0, never others."""
    seen: list[tuple[int, str]] = []
    original = SegmentationModel.transform

    def spy(self, frame):
        seen.append((id(self), simulation.preprocessing_fingerprint(self.preprocessor_)))
        return original(self, frame)

    monkeypatch.setattr(SegmentationModel, "transform", spy)
    config = SimulationConfig(algorithm="kmeans", k=4, step_days=28, origin_every=1, n_origins=2)
    with connect(unchanged) as con:
        result = simulate(con, config)
        origin = result["origins"][0]
        t0 = dt.datetime.fromisoformat(origin["origin"])
        fitted_at_t0 = make_preprocessor(config.preset).fit(
            model_input(customer_features(con, t0), config.preset)
        )
        later = dt.datetime.fromisoformat(origin["steps"][-1]["date"])
        fitted_later = make_preprocessor(config.preset).fit(
            model_input(customer_features(con, later), config.preset)
        )
    expected = simulation.preprocessing_fingerprint(fitted_at_t0)
    assert origin["preprocessing"] == expected
    assert simulation.preprocessing_fingerprint(fitted_later) != expected
    assert len(origin["steps"]) >= 3
    assert {s["frozen_preprocessing"] for s in origin["steps"]} == {expected}
    # every transform made by the object that carries T0's parameters used exactly them
    m0_calls = [fingerprint for _, fingerprint in seen if fingerprint == expected]
    assert len(m0_calls) >= len(origin["steps"])
    assert len({object_id for object_id, f in seen if f == expected}) == 1


def test_step_parsing_and_bad_settings():
    assert parse_step("1w") == 7 and parse_step("10d") == 10
    for bad in ("0w", "week", "3m", ""):
        with pytest.raises(InputError):
            parse_step(bad)
    # the configuration is checked once, when it is built, whoever builds it
    with pytest.raises(InputError, match="the simulation refits one of kmeans"):
        SimulationConfig(algorithm="dbscan")
    with pytest.raises(InputError, match="warm or cold"):
        SimulationConfig(refit="lukewarm")
    with pytest.raises(InputError, match=r"must be in \(0, 1\]"):
        SimulationConfig(threshold=1.5)
    with pytest.raises(InputError, match="at least 1"):
        SimulationConfig(n_origins=0)


def test_cli_writes_stability_contract_and_monitor_decides(changed, tmp_path):
    out = tmp_path / "stability"
    done = cli(
        "stability",
        "--warehouse",
        str(changed),
        "--out",
        str(out),
        "--algorithm",
        "kmeans",
        "--k",
        "3",
        "--step",
        "2w",
        "--origins",
        "4",
        "--seeds",
        "1",
    )
    assert done.returncode == 0, done.stderr
    assert "Retrain every" in done.stdout
    result = json.loads((out / "stability.json").read_text())
    assert result["config"]["step_days"] == 14 and len(result["origins"]) == 4
    for name in ("ari_curve", "psi_heatmap", "migration"):
        assert (out / "charts" / f"{name}.png").stat().st_size > 1000
        page = (out / "charts" / f"{name}.html").read_text()
        assert "<script" in page and not re.search(r"(src|href)\s*=\s*[\"']?https?://", page)
    contract = (out / "maintenance.md").read_text()
    assert f"Retrain every **{result['cadence']['weeks']:g} weeks**" in contract
    assert "PSI above 0.2" in contract and contract.count("monthly check (olistseg monitor)") == 12
    # A model trained before the change, checked at the end of the data: retrain.
    with duckdb.connect(str(changed), read_only=True) as con:
        segment(
            con,
            tmp_path / "seg",
            as_of=CHANGE,
            algorithms=["kmeans"],
            k_range=range(3, 4),
            with_stability=False,
            with_charts=False,
        )
    check_file = tmp_path / "check.json"
    done = cli(
        "monitor",
        "--model",
        str(tmp_path / "seg" / "model"),
        "--warehouse",
        str(changed),
        "--out",
        str(check_file),
    )
    assert done.returncode == 3, done.stderr  # RETRAIN, for schedulers
    assert "RETRAIN" in done.stdout
    as_json = cli(
        "monitor",
        "--model",
        str(tmp_path / "seg" / "model"),
        "--warehouse",
        str(changed),
        "--format",
        "json",
    )
    assert as_json.returncode == 3 and json.loads(as_json.stdout)["decision"] == "retrain"
    check = json.loads(check_file.read_text())
    assert check["decision"] == "retrain" and check["reasons"]
    # The same model checked on its own training date: keep.
    done = cli(
        "monitor",
        "--model",
        str(tmp_path / "seg" / "model"),
        "--warehouse",
        str(changed),
        "--as-of",
        CHANGE.isoformat(sep=" "),
    )
    assert done.returncode == 0, done.stderr
    assert "KEEP" in done.stdout


@pytest.mark.realdata
def test_real_tables_run_and_are_sane(real_warehouse):
    config = SimulationConfig(algorithm="kmeans", k=6, step_days=14, origin_every=2, n_origins=3)
    with connect(real_warehouse) as con:
        result = simulate(con, config)
    assert result["end"] == "2018-08-31 23:59:59"  # the analysis date, where the data ends
    assert [o["customers"] for o in result["origins"]] == sorted(
        o["customers"] for o in result["origins"]
    )
    assert all(s["ari_all"] == 1.0 for o in result["origins"] for s in o["steps"] if s["t"] == 0)
    cadence = result["cadence"]
    assert cadence["steps"] is None or 1 <= cadence["steps"] <= max(c["t"] for c in result["curve"])
    assert result["baseline_noise"]["median"] >= 0.99  # drift, not optimizer noise
    assert np.isfinite([c["ari_median"] for c in result["curve"]]).all()


def test_one_schedule_in_one_unit_with_its_calendar_and_cost_in_brl(run_out):
    """The shared run's contract: the schedule is the measured cadence, the calendar's retrains
    are that many days apart, the retrains a year are the calendar's, the costs are in BRL."""
    result = json.loads((run_out / "stability" / "stability.json").read_text())
    contract = json.loads((run_out / "stability" / "maintenance.json").read_text())
    cadence, schedule = result["cadence"], contract["schedule"]
    assert schedule["days"] == cadence["days"] and schedule["weeks"] == cadence["weeks"]
    assert (schedule["unit"], schedule["every"]) == ("weeks", cadence["days"] // 7)
    retrains = [
        dt.date.fromisoformat(r["date"])
        for r in contract["calendar"]
        if r["task_key"] == "task_retrain"
    ]
    assert len(retrains) == contract["retrains_per_year"] == schedule["retrains_per_year"]
    assert {(b - a).days for a, b in itertools.pairwise(retrains)} == {schedule["days"]}
    assert contract["costs"]["currency"] == "BRL"
    hours = contract["analyst_hours"]["per_year_estimate"]
    assert hours == 12 * 0.5 + len(retrains) * 4.0
    assert contract["yearly_cost"]["analyst"] == pytest.approx(hours * 150.0)
    md = (run_out / "stability" / "maintenance.md").read_text()
    assert f"every {schedule['every']} weeks, {len(retrains)} a year" in md


SMALL = {"step_days": 28, "origin_every": 1, "n_origins": 3}


def test_an_origin_that_cannot_reproduce_itself_is_left_out_of_the_curve(unchanged, monkeypatch):
    original = simulation._baseline
    calls = []

    def first_origin_unstable(base, frame, m0, config):
        calls.append(len(base))
        scores = original(base, frame, m0, config)
        return [0.3] * len(scores) if len(calls) == 1 else scores

    monkeypatch.setattr(simulation, "_baseline", first_origin_unstable)
    with connect(unchanged) as con:
        result = simulate(con, SimulationConfig(algorithm="kmeans", k=4, **SMALL))
    first = result["origins"][0]
    assert not first["reproducible"] and result["origins_left_out"] == [first["origin"]]
    counted = {c["t"]: c["origins"] for c in result["curve"]}
    everyone = {c["t"]: c["origins"] for c in result["curve_all_origins"]}
    assert counted[0] == everyone[0] - 1  # the unstable origin is not in the cadence curve


def test_cold_refits_and_the_migration_matrix_the_simulation_stores(unchanged, monkeypatch):
    made = []
    original = simulation.migration_matrix

    def recorded(before, after, k):
        made.append(original(before, after, k))
        return made[-1]

    monkeypatch.setattr(simulation, "migration_matrix", recorded)
    with connect(unchanged) as con:
        result = simulate(con, SimulationConfig(algorithm="kmeans", k=4, refit="cold", **SMALL))
    stored = [np.array(s["migration"]) for o in result["origins"] for s in o["steps"]]
    assert len(made) == len(stored) > 0
    for mine, theirs in zip(made, stored, strict=True):
        np.testing.assert_allclose(np.round(mine, 4), theirs)
    assert result["config"]["refit"] == "cold" and result["timings"]["cold_fits"] > 0
    # well-separated groups, no change: cold refits agree with the frozen model
    assert min(c["ari_median"] for c in result["curve"]) >= 0.95


def _curves(p10s: list[float], origins: int = 5) -> list[dict]:
    return [
        {
            "t": t,
            "weeks": t,
            "origins": origins,
            "ari_median": 1.0,
            "ari_p10": p,
            "counts_for_cadence": origins >= 3,
        }
        for t, p in enumerate([1.0, *p10s])
    ]


def test_cadence_edges_retrain_every_step_and_too_few_origins():
    config = SimulationConfig(threshold=0.8)
    every = cadence_of_curves(_curves([0.5, 0.4]), config)
    assert every["steps"] == 1 and every["reason_text"]["key"] == "cadence_every_step"
    assert "7 days after a retrain: retrain that often" in every["reason"]
    falls = cadence_of_curves(_curves([0.9, 0.85, 0.7]), config)
    assert falls["steps"] == 2 and falls["first_step_below"] == 3
    assert not falls["limited_by_horizon"]
    none = cadence_of_curves(_curves([0.9, 0.9], origins=2), config)
    assert none["weeks"] is None and none["reason_text"]["key"] == "cadence_no_origins"


def test_stability_from_a_saved_model_uses_its_algorithm_k_and_seed(unchanged, tmp_path):
    from olistseg import api

    with connect(unchanged) as con:
        segment(
            con,
            tmp_path / "seg",
            algorithms=["kmeans"],
            k_range=range(3, 4),
            seed=9,
            with_stability=False,
            with_charts=False,
        )
    result = api.stability(
        tmp_path / "st",
        warehouse=unchanged,
        model=tmp_path / "seg" / "model",
        n_origins=3,
        step_days=28,
        origin_every=1,
    )
    config = result["config"]
    assert (config["algorithm"], config["k"], config["seed"]) == ("kmeans", 3, 9)
    saved = json.loads((tmp_path / "st" / "stability.json").read_text())
    assert saved["config"] == config


def test_steps_whose_retrain_has_two_optima_are_flagged_and_do_not_set_the_cadence(
    unchanged, monkeypatch
):
    """Plant a second optimum at some dates: there a retrain (warm, or with another seed) lands
    on shuffled segments. Those steps are flagged noisy and the cadence ignores them."""
    config = SimulationConfig(algorithm="kmeans", k=4, step_days=28, origin_every=2, n_origins=4)
    with connect(unchanged) as con:
        clean = simulate(con, config)
    origins = {o["origin"] for o in clean["origins"]}  # baselines refit there: leave them alone
    dates = sorted(
        {s["date"] for o in clean["origins"] for s in o["steps"] if s["t"] > 0} - origins
    )
    planted = set(dates[::2])
    original = SegmentationModel.fit

    def two_optima(self, features, frame=None, start_from=None):
        fitted = original(self, features, frame, start_from)
        if features.attrs.get("as_of") in planted and (start_from is not None or self.seed != 42):
            rng = np.random.default_rng(self.seed)  # each seed its own "optimum"
            self.labels_ = rng.integers(0, self.k, size=len(self.labels_))
        return fitted

    monkeypatch.setattr(SegmentationModel, "fit", two_optima)
    with connect(unchanged) as con:
        dipped = simulate(con, config)
    steps = [s for o in dipped["origins"] for s in o["steps"] if s["t"] > 0]
    assert all(s["noisy"] for s in steps if s["date"] in planted)
    assert not any(s["noisy"] for s in steps if s["date"] not in planted)
    assert dipped["steps_left_out_noisy"] == sum(s["date"] in planted for s in steps) > 0
    assert dipped["cadence"]["limited_by_horizon"] and clean["cadence"]["limited_by_horizon"]
    # no dip sets the cadence: it is the longest horizon still measured by enough origins
    assert dipped["cadence"]["first_step_below"] is None
    # without the noise check the planted dips would have set the cadence
    monkeypatch.setattr(SegmentationModel, "fit", two_optima)
    with connect(unchanged) as con:
        naive = simulate(con, dataclasses.replace(config, check_noise=False))
    assert not naive["cadence"]["limited_by_horizon"]
    assert naive["cadence"]["first_step_below"] is not None


def test_no_change_gives_the_longest_horizon_whatever_the_seed_and_robustness_is_stored(
    unchanged, tmp_path
):
    from olistseg import api

    result = api.stability(
        tmp_path / "st",
        warehouse=unchanged,
        algorithm="kmeans",
        k=4,
        step_days=28,
        origin_every=1,
        n_origins=4,
        seeds=2,
        costs={"analyst_hourly_rate": 100.0},
    )
    assert result["cadence"]["limited_by_horizon"]
    assert [s["steps"] for s in result["seeds"]] == [result["cadence"]["steps"]] * 2
    assert len(result["leave_one_origin_out"]) == 4
    assert result["robust"]["within_one_step"]
    assert result["cadence"]["interval_weeks"] is not None
    assert result["cadence"]["schedule"]["weeks"] <= result["cadence"]["weeks"]
    assert result["simple_protocol"]["curve"]
    contract = json.loads((tmp_path / "st" / "maintenance.json").read_text())
    hours = contract["analyst_hours"]["per_year_estimate"]
    assert contract["yearly_cost"]["analyst"] == pytest.approx(hours * 100.0)
    assert contract["costs"]["currency"] == "BRL"
    assert "Yearly cost" in (tmp_path / "st" / "maintenance.md").read_text()


def test_without_a_model_stability_measures_the_segmentation_segment_chooses(run_out):
    """`olistseg stability` with no --model, --algorithm or --k: the configuration that
    `olistseg segment` chooses with the same options (here the shared run's), not a fixed one."""
    from olistseg.segments.pipeline import chosen_configuration
    from olistseg.validation.replay import history

    from .conftest import RUN_SEED

    run = json.loads((run_out / "run.json").read_text())
    as_of = dt.datetime.fromisoformat(run["segmentation"]["as_of"])
    with connect(run_out / "warehouse" / "olist.duckdb") as con:
        chosen = chosen_configuration(con, as_of, seed=RUN_SEED, out_of_time=history)
    assert (chosen["algorithm"], chosen["k"]) == (
        run["segmentation"]["algorithm"],
        run["segmentation"]["k"],
    )


def test_stability_cli_without_options_runs_the_chosen_configuration(
    synthetic_warehouse, tmp_path, monkeypatch
):
    from olistseg.segments import pipeline

    from .conftest import olistseg

    asked = []

    def chosen(con, as_of, preset, seed, out_of_time):
        asked.append((preset, seed))
        return {
            "algorithm": "kmeans",
            "k": 3,
            "selection_reason": "all conditions met",
            "as_of": "2018-06-30 23:59:59",
        }

    monkeypatch.setattr(pipeline, "chosen_configuration", chosen)
    result = olistseg(
        "stability",
        "--warehouse",
        str(synthetic_warehouse),
        "--out",
        str(tmp_path / "st"),
        "--origins",
        "3",
        "--step",
        "4w",
        "--seeds",
        "1",
        "--seed",
        "7",
    )
    assert result.returncode == 0, result.said
    assert asked == [("rfm_satisfaction", 7)]
    saved = json.loads((tmp_path / "st" / "stability.json").read_text())
    assert (saved["config"]["algorithm"], saved["config"]["k"]) == ("kmeans", 3)
    assert "the segmentation `olistseg segment` chooses" in saved["measured_model"]
    assert "Measured: kmeans with 3 segments" in result.said


def test_a_sample_of_customers_keeps_their_exact_features_and_is_undone(synthetic_warehouse):
    """Above its size the simulation reads a seeded sample of customers with all their orders:
    each sampled customer's features are the full warehouse's, at any date; the same seed
    draws the same customers; leaving the block restores the warehouse; counts scale back."""
    from olistseg.warehouse.sample import customer_count, sampled_customers, scale_counts

    con = duckdb.connect(str(synthetic_warehouse), read_only=True)
    population = customer_count(con)
    date = dt.datetime(2018, 3, 1)
    full = customer_features(con, date)
    with sampled_customers(con, 800, seed=7) as sample:
        assert sample["population"] == population and sample["sample"] == 800
        assert customer_count(con) == 800
        part = customer_features(con, date)
        drawn = set(con.execute("SELECT customer_unique_id FROM olistseg_sample").df().iloc[:, 0])
    assert 0 < len(part) <= 800 and set(part.index) <= drawn
    assert part.equals(full.loc[part.index])  # exactly the full warehouse's rows
    assert customer_count(con) == population  # undone
    with sampled_customers(con, 800, seed=7):
        again = set(con.execute("SELECT customer_unique_id FROM olistseg_sample").df().iloc[:, 0])
    assert again == drawn
    with sampled_customers(con, population, seed=7) as none:
        assert none is None and customer_count(con) == population
    result = {"campaign_impact": [{"changed_segment": 10, "new_customers": 3}]}
    scaled = scale_counts(result, sample)
    assert scaled["campaign_impact"][0]["changed_segment"] == round(10 * population / 800)
