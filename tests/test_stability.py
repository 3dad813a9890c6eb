"""The stability simulation: a planted change shortens the cadence, no change keeps it long,
the frozen model stays frozen, and the CLI writes the contract and the monthly check."""

from __future__ import annotations

import datetime as dt
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
from olistseg.segments.pipeline import segment
from olistseg.stability import simulation
from olistseg.stability.simulation import SimulationConfig, parse_step, simulate
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
    return _warehouse(tmp_path_factory.mktemp("changed"), SyntheticConfig(
        customers=4_000, seed=3, group_separation=5.0, with_geolocation=False,
        change_date=CHANGE.date().isoformat(),
        mix_before=(0.15, 0.45, 0.0, 0.40), mix_after=(0.05, 0.15, 0.60, 0.20),
    ))  # fmt: skip


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mix = (0.10, 0.35, 0.10, 0.45)
    return _warehouse(tmp_path_factory.mktemp("unchanged"), SyntheticConfig(
        customers=4_000, seed=3, group_separation=5.0, with_geolocation=False,
        mix_before=mix, mix_after=mix,
    ))  # fmt: skip


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
    original = simulation.FrozenModel.transform

    def spy(self, frame):
        seen.append((id(self), simulation.preprocessing_fingerprint(self.preprocessor_)))
        return original(self, frame)

    monkeypatch.setattr(simulation.FrozenModel, "transform", spy)
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


def test_step_parsing_and_bad_settings(unchanged):
    assert parse_step("1w") == 7 and parse_step("10d") == 10
    for bad in ("0w", "week", "3m", ""):
        with pytest.raises(InputError):
            parse_step(bad)
    with connect(unchanged) as con:
        with pytest.raises(InputError, match="takes k"):
            simulate(con, SimulationConfig(algorithm="dbscan"))
        with pytest.raises(InputError, match="warm or cold"):
            simulate(con, SimulationConfig(refit="lukewarm"))


def test_cli_writes_stability_contract_and_monitor_decides(changed, tmp_path):
    out = tmp_path / "stability"
    done = cli("stability", "--warehouse", str(changed), "--out", str(out), "--algorithm", "kmeans",
               "--k", "3", "--step", "2w", "--origins", "4")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Retrain every" in done.stdout
    result = json.loads((out / "stability.json").read_text())
    assert result["config"]["step_days"] == 14 and len(result["origins"]) == 4
    for name in ("ari_curve", "psi_heatmap", "migration"):
        assert (out / "charts" / f"{name}.png").stat().st_size > 1000
        page = (out / "charts" / f"{name}.html").read_text()
        assert "<script" in page and not re.search(r"(src|href)\s*=\s*[\"']?https?://", page)
    contract = (out / "maintenance.md").read_text()
    assert f"Retrain every **{result['cadence']['weeks']} weeks**" in contract
    assert "PSI above 0.2" in contract and contract.count("monthly check (olistseg monitor)") == 12
    # A model trained before the change, checked at the end of the data: retrain.
    with duckdb.connect(str(changed), read_only=True) as con:
        segment(con, tmp_path / "seg", as_of=CHANGE, algorithms=["kmeans"], k_range=range(3, 4),
                with_stability=False)  # fmt: skip
    check_file = tmp_path / "check.json"
    done = cli("monitor", "--model", str(tmp_path / "seg" / "model"), "--warehouse", str(changed),
               "--out", str(check_file))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "RETRAIN" in done.stdout
    check = json.loads(check_file.read_text())
    assert check["decision"] == "retrain" and check["reasons"]
    # The same model checked on its own training date: keep.
    done = cli("monitor", "--model", str(tmp_path / "seg" / "model"), "--warehouse", str(changed),
               "--as-of", CHANGE.isoformat(sep=" "))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "KEEP" in done.stdout


@pytest.mark.realdata
def test_real_tables_run_and_are_sane(real_warehouse):
    config = SimulationConfig(algorithm="gmm_diag", k=4, step_days=14, origin_every=2, n_origins=3)
    with connect(real_warehouse) as con:
        result = simulate(con, config)
    assert [o["customers"] for o in result["origins"]] == sorted(
        o["customers"] for o in result["origins"]
    )
    assert all(s["ari_all"] == 1.0 for o in result["origins"] for s in o["steps"] if s["t"] == 0)
    cadence = result["cadence"]
    assert cadence["steps"] is None or 1 <= cadence["steps"] <= max(c["t"] for c in result["curve"])
    assert 0.0 <= result["baseline_noise"]["median"] <= 1.0
    assert np.isfinite([c["ari_median"] for c in result["curve"]]).all()
    assert result["timings"]["total_s"] < 120
