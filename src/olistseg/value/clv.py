"""Customer lifetime value: BG/NBD for repeat purchases, Gamma-Gamma for spend (pymc-marketing).

Both models read purchase occasions (``sql/features/customer_occasions.sql``), summarised per
customer by pymc-marketing's ``rfm_summary`` in days: ``frequency`` = occasions - 1 (repeat
purchases), ``recency`` = days from the first to the last occasion, ``T`` = days from the first
occasion to ``as_of``, ``monetary_value`` = mean value of the repeat occasions (BRL). Both are
fitted by maximum a posteriori (``method="map"``) with the library's default priors: a point
estimate that fits Olist's ~90,000 customers in seconds, where sampling would take minutes.

``CustomerValue.fit(summary)`` fits both; ``predict(summary)`` gives, per customer, the
probability of being alive, the expected occasions in the next 90, 180 and 365 days and the
expected value (BRL) of the next 12 months (expected occasions x expected spend per occasion,
undiscounted by default).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from olistseg.sql.models import composed

if TYPE_CHECKING:
    from collections.abc import Iterator

    import duckdb

#: Horizons (days) of the expected-occasions columns.
HORIZONS_DAYS = (90, 180, 365)
#: The expected-value horizon, months (pymc-marketing's ``future_t`` unit for CLV).
VALUE_MONTHS = 12
#: Monthly discount rate of the expected value; 0 = undiscounted (stated in the outputs).
DISCOUNT_RATE = 0.0

#: Below this many repeat customers BG/NBD is not fitted (its repeat-rate parameters would rest
#: on a handful of people): the value columns are then missing, and the outputs say why.
MIN_REPEAT_CUSTOMERS = 10

#: The fitted parameters of each model (pymc-marketing's names).
BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")

#: The per-customer columns ``CustomerValue.predict`` returns.
VALUE_COLUMNS = (
    "probability_alive",
    "probability_purchase_365d",
    "expected_occasions_90d",
    "expected_occasions_180d",
    "expected_occasions_365d",
    "expected_spend_per_occasion",
    "expected_value_12m",
)


@contextmanager
def quiet_pymc() -> Iterator[None]:
    """pymc/pytensor print progress bars, BLAS advice and refactor notices: none is ours to act
    on, and a scheduler's log should hold the product's own lines."""
    loggers = [logging.getLogger(n) for n in ("pymc", "pytensor", "pymc_marketing")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _import_clv():  # noqa: ANN202 - the pymc_marketing.clv module
    with quiet_pymc():
        from pymc_marketing import clv  # 3 s to import (PyMC, PyTensor): only when fitting
    return clv


def occasion_log(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> pd.DataFrame:
    """One row per purchase occasion known at ``as_of``: ``customer_unique_id``, ``occasion``
    (1, 2, ...), ``occasion_at``, ``occasion_value`` (BRL), ``n_orders``."""
    frame = con.execute(
        composed("features", "customer_occasions"), {"as_of": as_of.strftime("%Y-%m-%d %H:%M:%S")}
    ).df()
    frame["occasion_value"] = frame["occasion_value"].astype("float64")
    return frame


def clv_summary(
    occasions: pd.DataFrame, as_of: dt.datetime, customers: pd.Index | None = None
) -> pd.DataFrame:
    """pymc-marketing's ``rfm_summary`` in days, indexed by ``customer_unique_id``; restricted to
    ``customers`` (the segmented population) when given. Columns ``frequency``, ``recency``,
    ``T``, ``monetary_value``."""
    clv = _import_clv()
    if customers is not None:
        occasions = occasions[occasions["customer_unique_id"].isin(customers)]
    with quiet_pymc():
        summary = clv.rfm_summary(
            occasions,
            "customer_unique_id",
            "occasion_at",
            monetary_value_col="occasion_value",
            observation_period_end=pd.Timestamp(as_of),
            time_unit="D",
            time_scaler=1,
        )
    summary = summary.set_index("customer_id")
    summary.index.name = "customer_unique_id"
    if customers is not None:
        summary = summary.reindex(customers)
        missing = summary["frequency"].isna()
        if missing.any():  # a customer whose every order was canceled: no occasion yet
            summary = summary[~missing]
    return summary


def customer_summary(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime, customers: pd.Index | None = None
) -> pd.DataFrame:
    """:func:`clv_summary` computed in the warehouse (``sql/features/customer_clv_summary.sql``,
    equal to it to 1e-9): the same columns and index, in seconds at ten million customers
    where pandas' summary takes minutes. Restricted to ``customers`` as :func:`clv_summary`."""
    summary = (
        con.execute(
            composed("features", "customer_clv_summary"),
            {"as_of": as_of.strftime("%Y-%m-%d %H:%M:%S")},
        )
        .df()
        .set_index("customer_unique_id")
    )
    summary = summary.astype("float64")
    if customers is None:
        return summary.sort_index()
    return summary.reindex(customers).dropna(subset=["frequency"])


class TooFewRepeatCustomers(ValueError):
    """The data has too few repeat customers for BG/NBD (see :data:`MIN_REPEAT_CUSTOMERS`)."""


@dataclass
class FitInfo:
    """What a fit saw: customers, repeat customers, the fitted parameters and seconds."""

    customers: int
    repeat_customers: int
    bg_nbd: dict[str, float]
    gamma_gamma: dict[str, float] | None
    seconds: float


class CustomerValue:
    """BG/NBD + Gamma-Gamma, fitted by MAP on a :func:`clv_summary`.

    Gamma-Gamma needs repeat customers with a positive repeat spend; with fewer than
    ``min_repeat_customers`` of them, spend per occasion is every customer's mean occasion
    value instead (said in ``info_.gamma_gamma = None``).
    """

    def __init__(
        self, discount_rate: float = DISCOUNT_RATE, min_repeat_customers: int = 30
    ) -> None:
        self.discount_rate = discount_rate
        self.min_repeat_customers = min_repeat_customers

    def fit(self, summary: pd.DataFrame) -> CustomerValue:

        clv = _import_clv()
        started = time.perf_counter()
        data = _model_data(summary)
        repeat = int((data["frequency"] > 0).sum())
        if repeat < MIN_REPEAT_CUSTOMERS:
            raise TooFewRepeatCustomers(
                f"{repeat} repeat customers: too few to fit BG/NBD (at least "
                f"{MIN_REPEAT_CUSTOMERS}); lifetime value is left out"
            )
        with quiet_pymc():
            self.bg_ = clv.BetaGeoModel()
            self.bg_.fit(
                data=data[["customer_id", "frequency", "recency", "T"]],
                method="map",
                progressbar=False,
            )
        repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
        self.gg_ = None
        if len(repeat) >= self.min_repeat_customers:
            with quiet_pymc():
                self.gg_ = clv.GammaGammaModel()
                self.gg_.fit(
                    data=repeat[["customer_id", "frequency", "monetary_value"]],
                    method="map",
                    progressbar=False,
                )
        self.fallback_spend_ = float(
            summary["monetary_value"][summary["frequency"] > 0].mean()
            if (summary["frequency"] > 0).any()
            else 0.0
        )
        self.info_ = FitInfo(
            customers=len(data),
            repeat_customers=int((data["frequency"] > 0).sum()),
            bg_nbd=_parameters(self.bg_, BG_NBD_PARAMETERS),
            gamma_gamma=None if self.gg_ is None else _parameters(self.gg_, GAMMA_GAMMA_PARAMETERS),
            seconds=round(time.perf_counter() - started, 3),
        )
        return self

    def parameters(self) -> dict:
        """The fitted point estimates at full precision (JSON-serialisable): what
        :meth:`from_parameters` needs to score without refitting."""
        return {
            "bg_nbd": _parameters(self.bg_, BG_NBD_PARAMETERS, digits=None),
            "gamma_gamma": None
            if self.gg_ is None
            else _parameters(self.gg_, GAMMA_GAMMA_PARAMETERS, digits=None),
            "fallback_spend": self.fallback_spend_,
            "discount_rate": self.discount_rate,
        }

    @classmethod
    def from_parameters(cls, parameters: dict) -> CustomerValue:
        """A fitted model from :meth:`parameters`: pymc-marketing's own models holding the
        saved point estimates, so that scoring runs the library's formulas, not a copy."""
        clv = _import_clv()
        model = cls(discount_rate=float(parameters["discount_rate"]))
        tiny = pd.DataFrame(
            {"customer_id": [0, 1], "frequency": [0.0, 1.0], "recency": [0.0, 1.0], "T": [2.0, 2.0]}
        )
        with quiet_pymc():
            model.bg_ = _with_posterior(clv.BetaGeoModel(data=tiny), parameters["bg_nbd"])
            model.gg_ = None
            if parameters["gamma_gamma"] is not None:
                repeat = tiny.iloc[[1]].assign(monetary_value=1.0)
                model.gg_ = _with_posterior(
                    clv.GammaGammaModel(
                        data=repeat[["customer_id", "frequency", "monetary_value"]]
                    ),
                    parameters["gamma_gamma"],
                )
        model.fallback_spend_ = float(parameters["fallback_spend"])
        return model

    def expected_occasions(self, summary: pd.DataFrame, days: float) -> np.ndarray:
        """BG/NBD's expected occasions of each customer of ``summary`` in the next ``days``."""
        codes, histories = _histories(summary)
        with quiet_pymc():
            expected = map_values(self.bg_.expected_purchases(data=histories, future_t=days))
        return expected[codes]

    def predict(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Per customer of ``summary`` (same index): the :data:`VALUE_COLUMNS`.

        BG/NBD's outputs depend on a customer's (frequency, recency, T) only, and ten million
        customers share a few hundred thousand of them: the library scores each distinct
        history once and every customer reads its own (the same numbers, 50x less work)."""
        codes, histories = _histories(summary)
        out = pd.DataFrame(index=summary.index)
        with quiet_pymc():
            out["probability_alive"] = map_values(
                self.bg_.expected_probability_alive(data=histories)
            )[codes]
            # the chance of at least one purchase occasion in the next year: what "will they
            # buy again?" means to a marketer (P(alive) is 1.0 for every one-time buyer)
            out["probability_purchase_365d"] = (
                1.0 - map_values(self.bg_.expected_probability_no_purchase(t=365, data=histories))
            )[codes]
            for days in HORIZONS_DAYS:
                out[f"expected_occasions_{days}d"] = map_values(
                    self.bg_.expected_purchases(data=histories, future_t=days)
                )[codes]
            if self.gg_ is not None:
                spend = map_values(self.gg_.expected_customer_spend(data=_model_data(summary)))
            else:
                spend = np.full(len(summary), self.fallback_spend_)
        out["expected_spend_per_occasion"] = spend
        out["expected_value_12m"] = self._value(out, histories, codes)
        return out

    def _value(
        self, predicted: pd.DataFrame, histories: pd.DataFrame, codes: np.ndarray
    ) -> np.ndarray:
        """Expected value of the next :data:`VALUE_MONTHS` months (BRL): pymc-marketing's
        discounted-cash-flow CLV where Gamma-Gamma is fitted, else occasions x spend.

        The CLV is the expected spend times a discounted sum of BG/NBD's expected occasions:
        the library computes that sum once per distinct history (spend 1 BRL), and each
        customer's value is their expected spend times their history's sum."""
        if self.gg_ is None:
            return (
                predicted["expected_occasions_365d"] * predicted["expected_spend_per_occasion"]
            ).to_numpy()
        clv = _import_clv()
        with quiet_pymc():
            per_brl = clv.customer_lifetime_value(
                transaction_model=self.bg_,
                data=histories.assign(future_spend=1.0),
                future_t=VALUE_MONTHS,
                discount_rate=self.discount_rate,
                time_unit="D",
            )
        return predicted["expected_spend_per_occasion"].to_numpy() * map_values(per_brl)[codes]


def _histories(summary: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each customer's code into the distinct (frequency, recency, T) histories of
    ``summary``, and those histories as pymc-marketing reads them (``customer_id`` 0..n-1)."""
    keys = summary[["frequency", "recency", "T"]]
    codes, distinct = pd.MultiIndex.from_frame(keys).factorize()
    histories = pd.DataFrame(list(distinct), columns=["frequency", "recency", "T"], dtype="float64")
    histories.insert(0, "customer_id", np.arange(len(histories)))
    return np.asarray(codes), histories


def _with_posterior(model: object, values: dict[str, float]) -> object:
    """``model`` built, holding ``values`` as a one-draw posterior (how a MAP fit stores them)."""
    import arviz as az
    import xarray as xr

    model.build_model()  # type: ignore[attr-defined]
    posterior = xr.Dataset(
        {name: (("chain", "draw"), np.array([[float(v)]])) for name, v in values.items()}
    )
    model.idata = az.InferenceData(posterior=posterior)  # type: ignore[attr-defined]
    return model


def _model_data(summary: pd.DataFrame) -> pd.DataFrame:
    """A :func:`clv_summary` as pymc-marketing's models read it (a ``customer_id`` column)."""
    return summary.reset_index().rename(columns={"customer_unique_id": "customer_id"})


def map_values(values: object) -> np.ndarray:
    """A (chain=1, draw=1, customer) MAP result as one value per customer."""
    array = np.asarray(getattr(values, "values", values), dtype=np.float64)
    return array.reshape(-1, array.shape[-1]).mean(axis=0) if array.ndim > 1 else array


def _parameters(model: object, names: tuple[str, ...], digits: int | None = 6) -> dict[str, float]:
    """The point estimates of ``names``, rounded to ``digits`` (None: full precision)."""
    posterior = model.idata.posterior  # type: ignore[attr-defined]
    values = {n: float(posterior[n].mean()) for n in names if n in posterior}
    return values if digits is None else {n: round(v, digits) for n, v in values.items()}


def customer_value(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime, customers: pd.Index | None = None
) -> tuple[pd.DataFrame, CustomerValue]:
    """Fit at ``as_of`` on the occasions known then and predict for the same customers."""
    summary = customer_summary(con, as_of, customers)
    model = CustomerValue().fit(summary)
    return model.predict(summary), model
