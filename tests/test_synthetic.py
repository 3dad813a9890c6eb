"""The synthetic dataset: deterministic, loadable as Kaggle files, realistic, with a planted change."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import duckdb
import numpy as np
import pytest

from olistseg.data.schema import TABLES
from olistseg.data.synthetic import GROUPS, SyntheticConfig, generate, write
from olistseg.warehouse.profile import summary_statistics

from .conftest import connect


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))
    }


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path):
    write(SyntheticConfig(customers=500, seed=1), tmp_path / "a")
    write(SyntheticConfig(customers=500, seed=1), tmp_path / "b")
    write(SyntheticConfig(customers=500, seed=2), tmp_path / "c")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert (
        digest(tmp_path / "a")["olist_orders_dataset.csv"]
        != digest(tmp_path / "c")["olist_orders_dataset.csv"]
    )
    assert len(digest(tmp_path / "a")) == 9


def test_files_use_the_kaggle_names_and_headers(synthetic_data: Path):
    for t in TABLES:
        header = (
            (synthetic_data / f"{t.kaggle_stem}.csv").read_text(encoding="utf-8").splitlines()[0]
        )
        assert header.split(",") == t.column_names


def test_loads_cleanly_with_referential_integrity(synthetic_warehouse: Path):
    with connect(synthetic_warehouse) as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
        persons = con.execute(
            "SELECT count(DISTINCT customer_unique_id) FROM customers"
        ).fetchone()[0]
        assert persons == 3_000
        orphan_items = con.execute(
            "SELECT count(*) FROM order_items i ANTI JOIN orders o USING (order_id)"
        ).fetchone()[0]
        assert orphan_items == 0
        # payments add up to items + freight for every order (aggregated before the join)
        mismatch = con.execute(
            """
            WITH pay AS (SELECT order_id, sum(payment_value) AS paid FROM order_payments GROUP BY 1),
                 items AS (SELECT order_id, sum(price + freight_value) AS due FROM order_items GROUP BY 1)
            SELECT count(*) FROM pay JOIN items USING (order_id) WHERE abs(paid - due) > 0.011
            """
        ).fetchone()[0]
        assert mismatch == 0
        # the data is a snapshot: no event after its end date
        end = np.datetime64(SyntheticConfig().end).astype("datetime64[s]").astype(object)
        latest = con.execute(
            "SELECT max(order_purchase_timestamp), max(order_delivered_customer_date), "
            "max(order_delivered_carrier_date), (SELECT max(review_creation_date) FROM order_reviews) "
            "FROM orders"
        ).fetchone()
        assert all(value <= end for value in latest), latest


def test_planted_behaviour_mix_changes_at_the_change_date():
    config = SyntheticConfig(customers=40_000, seed=11, with_geolocation=False)
    truth = generate(config)["_truth"].to_pandas()
    change = np.datetime64(config.change_date)
    before = truth[truth["first_purchase"] < change]["group"].value_counts(normalize=True)
    after = truth[truth["first_purchase"] >= change]["group"].value_counts(normalize=True)
    for i, group in enumerate(GROUPS):
        assert before[group.name] == pytest.approx(config.mix_before[i], abs=0.02)
        assert after[group.name] == pytest.approx(config.mix_after[i], abs=0.02)
    # the late-delivery group is the one that grows: a signal later analysis must find
    assert after["late_unhappy"] > 2 * before["late_unhappy"]


def test_memory_grows_linearly_with_customers():
    def peak(n: int) -> int:
        tracemalloc.start()
        generate(SyntheticConfig(customers=n, seed=5, with_geolocation=False))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(4_000), peak(16_000)
    assert large / small < 4 * 1.3  # 4x the customers, at most ~4x the memory


@pytest.fixture(scope="module")
def statistics(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    from olistseg.warehouse.load import load

    from .conftest import real_data_path

    real = real_data_path()
    folder = tmp_path_factory.mktemp("syn_big")
    write(SyntheticConfig(customers=30_000, seed=42, with_geolocation=False), folder)
    warehouses = {}
    for name, source in (("synthetic", folder), ("real", real)):
        path = tmp_path_factory.mktemp(name) / "w.duckdb"
        load(source, path, include_geolocation=False)
        with duckdb.connect(str(path), read_only=True) as con:
            warehouses[name] = summary_statistics(con)
    return warehouses["synthetic"], warehouses["real"]


@pytest.mark.realdata
class TestRealism:
    """Each realism target checked against statistics computed from the real tables."""

    def test_single_order_share(self, statistics):
        synthetic, real = statistics
        assert real["single_order_share"] == pytest.approx(0.969, abs=0.001)
        assert synthetic["single_order_share"] == pytest.approx(
            real["single_order_share"], abs=0.015
        )

    def test_review_score_mix(self, statistics):
        synthetic, real = statistics
        for score in range(1, 6):
            assert synthetic["review_score_mix"][score] == pytest.approx(
                real["review_score_mix"][score], abs=0.02
            )

    def test_late_rate_and_lower_scores_when_late(self, statistics):
        synthetic, real = statistics
        assert synthetic["late_rate"] == pytest.approx(real["late_rate"], abs=0.025)
        assert synthetic["mean_score_late"] == pytest.approx(real["mean_score_late"], abs=0.3)
        assert synthetic["mean_score_on_time"] == pytest.approx(real["mean_score_on_time"], abs=0.2)
        assert synthetic["mean_score_on_time"] - synthetic["mean_score_late"] > 1.2
        assert synthetic["median_delivery_days"] == pytest.approx(
            real["median_delivery_days"], abs=2.5
        )

    def test_payment_types_and_installments(self, statistics):
        synthetic, real = statistics
        for kind in ("credit_card", "boleto", "voucher", "debit_card"):
            assert synthetic["payment_type_mix"][kind] == pytest.approx(
                real["payment_type_mix"][kind], abs=0.03
            )
        assert synthetic["credit_card_mean_installments"] == pytest.approx(
            real["credit_card_mean_installments"], abs=0.4
        )

    def test_states_and_sao_paulo_share(self, statistics):
        synthetic, real = statistics
        assert synthetic["n_states"] == real["n_states"] == 27
        assert synthetic["sp_share"] == pytest.approx(real["sp_share"], abs=0.015)

    def test_order_volume_grows(self, statistics):
        synthetic, real = statistics
        assert real["growth_last_vs_first_third"] > 2
        assert synthetic["growth_last_vs_first_third"] > 2
        assert synthetic["growth_last_vs_first_third"] == pytest.approx(
            real["growth_last_vs_first_third"], rel=0.5
        )

    def test_log_normal_prices_and_freight(self, statistics):
        synthetic, real = statistics
        assert synthetic["log_price_mean"] == pytest.approx(real["log_price_mean"], abs=0.2)
        assert synthetic["log_price_sd"] == pytest.approx(real["log_price_sd"], abs=0.15)
        assert abs(synthetic["log_price_skew"]) < 0.5  # log of a log-normal is symmetric
        assert synthetic["log_freight_mean"] == pytest.approx(real["log_freight_mean"], abs=0.15)
        assert synthetic["log_freight_sd"] == pytest.approx(real["log_freight_sd"], abs=0.1)


def test_parquet_is_written_in_chunks_with_bounded_memory(tmp_path: Path):
    """Chunk 0 is the unchunked dataset; the other chunks add their own customers and catalogue;
    peak memory is that of one chunk, not of the whole dataset."""
    config = SyntheticConfig(customers=9_000, seed=3, file_format="parquet", with_geolocation=False)

    def traced_write(folder: Path, chunk: int) -> int:
        tracemalloc.start()
        write(config, folder, chunk_customers=chunk)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    chunked_peak = traced_write(tmp_path / "chunked", 3_000)
    whole_peak = traced_write(tmp_path / "whole", 9_000)
    assert chunked_peak < 0.6 * whole_peak
    con = duckdb.connect()
    customers = tmp_path / "chunked" / "olist_customers_dataset.parquet"
    assert con.execute(
        f"SELECT count(DISTINCT customer_unique_id) FROM '{customers}'"
    ).fetchone() == (9_000,)
    first = generate(SyntheticConfig(customers=3_000, seed=3, with_geolocation=False))
    chunk_orders = con.execute(
        f"SELECT order_id FROM '{tmp_path / 'chunked' / 'olist_orders_dataset.parquet'}' "
        f"LIMIT {first['orders'].num_rows}"
    ).fetchall()
    assert [r[0] for r in chunk_orders] == first["orders"].column("order_id").to_pylist()
    translations = tmp_path / "chunked" / "product_category_name_translation.parquet"
    assert con.execute(f"SELECT count(*) FROM '{translations}'").fetchone()[0] == len(
        first["category_translation"]
    )
