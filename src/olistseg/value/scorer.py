"""Lifetime value and the targeting score of every customer, from one saved model.

>>> scorer = fit_scorer(con, as_of, features)          # BG/NBD + Gamma-Gamma, RFM cell rates
>>> scorer.save("value_model.json"); scorer = ValueScorer.load("value_model.json")
>>> table = scorer.score(features, summary)            # VALUE_COLUMNS + targeting_score

:func:`fit_scorer` fits at ``as_of``: BG/NBD and Gamma-Gamma (:class:`CustomerValue`; above
:data:`FIT_SAMPLE_CUSTOMERS` customers on a seeded sample of that many, since the parameters do
not need them all) and the targeting score that ranks a campaign's audience
(:mod:`olistseg.value.targeting`): ``rfm`` freezes the R and M quintile edges of the customers
known at ``as_of`` and each RFM cell's repurchase rate over the horizon that ended there;
``bgnbd`` is BG/NBD's expected occasions over the horizon. (``gbm``, a trained classifier,
is not held by this model yet: the campaign plan trains it itself.)

A :class:`ValueScorer` holds numbers only and is saved as JSON: loading one runs no code. Its
:meth:`ValueScorer.score` is pandas in, pandas out, for any set of customers: DuckDB's path
scores everyone at once, Spark's applies it to each partition (``mapInPandas``), and both give
the same numbers (tested to 1e-9).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from olistseg import __version__
from olistseg.atomic import write_json
from olistseg.errors import InputError
from olistseg.value.clv import (
    VALUE_COLUMNS,
    CustomerValue,
    TooFewRepeatCustomers,
    customer_summary,
)
from olistseg.value.targeting import fit_rfm_rates, rfm_rate_score

if TYPE_CHECKING:
    import duckdb

#: Customers above which BG/NBD and Gamma-Gamma are fitted on a seeded sample of this many.
FIT_SAMPLE_CUSTOMERS = 200_000
#: The seed of the fit's sample.
SAMPLE_SEED = 42
#: The targeting scores a saved model can hold.
SCORER_TARGETING = ("rfm", "bgnbd")
#: The days over which the targeting score predicts a purchase: a campaign's window
#: (:class:`olistseg.campaigns.costs.CampaignCosts`' default).
TARGETING_HORIZON_DAYS = 90
#: The score column every scored table gets.
TARGETING_COLUMN = "targeting_score"
#: The columns :meth:`ValueScorer.score` returns, in order.
SCORE_COLUMNS = (*VALUE_COLUMNS, TARGETING_COLUMN)
#: The file name ``olistseg value`` and ``olistseg score --value`` save a scorer under.
SCORER_FILE = "value_model.json"


@dataclass
class ValueScorer:
    """A fitted lifetime-value model and targeting score: numbers only (see the module)."""

    as_of: str
    targeting: str
    horizon_days: int
    #: :meth:`CustomerValue.parameters`; None when too few customers came back to fit BG/NBD
    value: dict | None
    #: :func:`olistseg.value.targeting.fit_rfm_rates` for ``rfm``, else None
    rfm: dict | None
    #: what the fit saw: customers, repeat customers, the sample, rounded parameters, seconds
    fit: dict = field(default_factory=dict)
    #: why lifetime value is missing, when it is
    skipped: str | None = None
    version: str = __version__

    def value_model(self) -> CustomerValue | None:
        if self.value is None:
            return None
        if getattr(self, "_model", None) is None:
            self._model = CustomerValue.from_parameters(self.value)
        return self._model

    def score(self, features: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
        """Per customer of ``features`` (indexed by ``customer_unique_id``; the columns
        ``recency_days``, ``frequency``, ``monetary``): :data:`SCORE_COLUMNS`. ``summary`` is
        :func:`olistseg.value.clv.customer_summary` at the same date, for customers of
        ``features`` only; a customer missing from it (no purchase occasion) has no lifetime
        value and a BG/NBD score of 0."""
        out = pd.DataFrame(index=features.index)
        model = self.value_model()
        if model is None:
            for column in VALUE_COLUMNS:
                out[column] = np.nan
        else:
            out = out.join(model.predict(summary), how="left")
        if self.targeting == "rfm":
            out[TARGETING_COLUMN] = rfm_rate_score(features, self.rfm)
        else:
            column = f"expected_occasions_{self.horizon_days}d"
            if column in out:  # a horizon predict already gave: not computed twice
                out[TARGETING_COLUMN] = out[column].fillna(0.0).to_numpy()
            else:
                expected = pd.Series(
                    model.expected_occasions(summary, float(self.horizon_days)),
                    index=summary.index,
                )
                out[TARGETING_COLUMN] = expected.reindex(features.index).fillna(0.0).to_numpy()
        return out

    def save(self, path: Path) -> None:
        """Write the scorer as JSON, atomically."""
        write_json(Path(path), {k: v for k, v in asdict(self).items() if not k.startswith("_")})

    @classmethod
    def load(cls, path: str | Path) -> ValueScorer:
        """Read a saved scorer: JSON only, checked field by field, nothing executed."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text())
        except FileNotFoundError:
            raise InputError(f"{path}: no such value model (olistseg value writes one).") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not a value model (JSON): {exc}") from None
        problems = _problems(payload)
        if problems:
            raise InputError(f"{path}: not a value model: {'; '.join(problems)}.")
        return cls(**{k: payload[k] for k in cls.__dataclass_fields__ if k in payload})


def _problems(payload: object) -> list[str]:
    """What keeps ``payload`` from being a scorer (empty when it is one)."""
    if not isinstance(payload, dict):
        return ["expected a JSON object"]
    problems = [
        f"missing {key!r}"
        for key in ("as_of", "targeting", "horizon_days", "value", "rfm")
        if key not in payload
    ]
    if problems:
        return problems
    if payload["targeting"] not in SCORER_TARGETING:
        problems.append(f"targeting {payload['targeting']!r} is not one of {SCORER_TARGETING}")
    if not isinstance(payload["horizon_days"], int) or payload["horizon_days"] <= 0:
        problems.append("horizon_days must be a positive whole number of days")
    value = payload["value"]
    if value is not None and not (
        isinstance(value, dict)
        and _numbers(value.get("bg_nbd"), ("r", "alpha", "a", "b"))
        and (value.get("gamma_gamma") is None or _numbers(value["gamma_gamma"], ("p", "q", "v")))
        and _number(value.get("fallback_spend"))
        and _number(value.get("discount_rate"))
    ):
        problems.append("value needs bg_nbd r, alpha, a, b (and gamma_gamma p, q, v) as numbers")
    if payload["targeting"] == "bgnbd" and value is None:
        problems.append("a BG/NBD targeting score needs the value model")
    rfm = payload["rfm"]
    if payload["targeting"] == "rfm" and not (
        isinstance(rfm, dict)
        and all(
            isinstance(rfm.get(k), list)
            and len(rfm[k]) == 4
            and all(e is None or _number(e) for e in rfm[k])
            for k in ("recency_edges", "monetary_edges")
        )
        and isinstance(rfm.get("rates"), dict)
        and all(str(k).isdigit() and _number(v) for k, v in rfm["rates"].items())
        and _number(rfm.get("default"))
    ):
        problems.append("rfm needs 4 recency and 4 monetary edges, rates per cell and a default")
    return problems


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(values: object, names: tuple[str, ...]) -> bool:
    return isinstance(values, dict) and all(_number(values.get(n)) for n in names)


def fit_value(summary: pd.DataFrame, seed: int = SAMPLE_SEED) -> tuple[CustomerValue, dict | None]:
    """BG/NBD and Gamma-Gamma fitted on ``summary``, or on a seeded sample of
    :data:`FIT_SAMPLE_CUSTOMERS` of it when larger (MAP fitting grows with the customers and
    the parameters do not need them all); the sample's description, or None."""
    if len(summary) <= FIT_SAMPLE_CUSTOMERS:
        return CustomerValue().fit(summary), None
    fitted_on = summary.sample(n=FIT_SAMPLE_CUSTOMERS, random_state=seed)
    sample = {
        "population": len(summary),
        "sample": FIT_SAMPLE_CUSTOMERS,
        "seed": seed,
        "method": f"BG/NBD and Gamma-Gamma fitted on a seeded random sample of "
        f"{FIT_SAMPLE_CUSTOMERS:,} of {len(summary):,} customers; every customer scored",
    }
    return CustomerValue().fit(fitted_on), sample


def fit_scorer(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.datetime,
    features: pd.DataFrame,
    summary: pd.DataFrame | None = None,
    targeting: str = "rfm",
    horizon_days: int = TARGETING_HORIZON_DAYS,
    seed: int = SAMPLE_SEED,
) -> ValueScorer:
    """Fit lifetime value and the ``targeting`` score at ``as_of`` for the customers of
    ``features`` (their features at ``as_of``); ``summary`` (:func:`customer_summary` at
    ``as_of``) is read from ``con`` when not given. With too few repeat customers the value
    is skipped (``skipped`` says why) and a BG/NBD targeting score falls back to RFM."""
    if targeting not in SCORER_TARGETING:
        raise InputError(
            f"--targeting {targeting!r}: a saved value model holds one of "
            f"{', '.join(SCORER_TARGETING)}."
        )
    started = time.perf_counter()
    if summary is None:
        summary = customer_summary(con, as_of, features.index)
    value, skipped, fit = None, None, {"customers": len(summary)}
    try:
        model, sample = fit_value(summary, seed)
        value = model.parameters()
        info = model.info_
        fit |= {
            "fitted_on": info.customers,
            "repeat_customers": info.repeat_customers,
            "bg_nbd": info.bg_nbd,
            "gamma_gamma": info.gamma_gamma,
            "sample": sample,
        }
    except TooFewRepeatCustomers as exc:
        skipped = str(exc)
        if targeting == "bgnbd":
            targeting, fit["targeting_fallback"] = "rfm", f"bgnbd: {exc}; RFM cell rates instead"
    horizon = dt.timedelta(days=horizon_days)
    rfm = fit_rfm_rates(con, features, as_of, horizon) if targeting == "rfm" else None
    fit["seconds"] = round(time.perf_counter() - started, 3)
    scorer = ValueScorer(
        as_of=as_of.isoformat(sep=" "),
        targeting=targeting,
        horizon_days=horizon_days,
        value=value,
        rfm=rfm,
        fit=fit,
        skipped=skipped,
    )
    if value is not None:
        scorer._model = model
    return scorer
