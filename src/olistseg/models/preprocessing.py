"""Feature presets and the scikit-learn preprocessing pipeline that turns features into X.

Rules (fitted on the training features, then frozen for scoring):

* counts and money are skewed: ``log1p`` (delays can be negative: a signed ``log1p``);
* a customer with no review yet gets the training median of ``avg_review_score`` and a
  ``share_low_reviews`` of 0; ``has_review`` keeps the fact (never a silent global mean);
* every column is standardised (zero mean, unit variance on the training data);
* the ``full`` preset one-hot encodes the customer's region (5 Brazilian regions).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from olistseg.features.build import NUMERIC_FEATURES

PRESETS: dict[str, tuple[str, ...]] = {
    "rfm": ("recency_days", "frequency", "monetary"),
    "rfm_satisfaction": (
        "recency_days",
        "frequency",
        "monetary",
        "avg_review_score",
        "share_low_reviews",
        "late_share",
        "avg_delay_days",
        "avg_installments",
    ),
    # every numeric feature but the order count (frequency counts the purchase occasions),
    # and the customer's region
    "full": (*(f for f in NUMERIC_FEATURES if f != "n_orders"), "customer_region"),
}
DEFAULT_PRESET = "rfm_satisfaction"

LOG_COLUMNS = {
    "frequency",
    "monetary",
    "avg_order_value",
    "n_items",
    "n_categories",
    "avg_installments",
    "avg_delivery_days",
}
SIGNED_LOG_COLUMNS = {"avg_delay_days"}
ZERO_IF_MISSING = {"share_low_reviews"}
CATEGORICAL_COLUMNS = {"customer_region"}

REGIONS = {
    "north": ("AC", "AM", "AP", "PA", "RO", "RR", "TO"),
    "northeast": ("AL", "BA", "CE", "MA", "PB", "PE", "PI", "RN", "SE"),
    "center_west": ("DF", "GO", "MS", "MT"),
    "southeast": ("ES", "MG", "RJ", "SP"),
    "south": ("PR", "RS", "SC"),
}
STATE_REGION = {state: region for region, states in REGIONS.items() for state in states}


def signed_log1p(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


def preset_columns(preset: str) -> tuple[str, ...]:
    """The feature columns of ``preset``; ``ValueError`` lists the presets."""
    if preset not in PRESETS:
        raise ValueError(f"unknown feature preset {preset!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[preset]


def model_input(features: pd.DataFrame, preset: str) -> pd.DataFrame:
    """The columns ``preset`` needs, with ``customer_region`` derived from the state."""
    columns = preset_columns(preset)
    present = [c for c in (*columns, "customer_state") if c in features.columns]
    frame = features[present].copy()  # only the needed columns: 10M customers x 19 is 1.5 GB
    if "customer_region" in columns:
        frame["customer_region"] = frame["customer_state"].map(STATE_REGION).fillna("unknown")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the feature table lacks {', '.join(missing)} (needed by preset {preset})"
        )
    return frame[list(columns)]


class FeaturePreprocessor(TransformerMixin, BaseEstimator):
    """The documented rules, vectorised over all columns at once.

    ``fit(frame)`` takes a :func:`model_input` frame (n_customers x n_columns) and learns,
    per numeric column, the imputation value (``statistics_``: training median, or 0 for
    :data:`ZERO_IF_MISSING`) and a :class:`~sklearn.preprocessing.StandardScaler` on the
    imputed, log-transformed block (``scaler_``); categorical columns get a one-hot encoder
    (``encoder_``). ``transform(frame)`` returns float64 (n_customers x n_outputs), columns in
    the preset's order with each categorical column expanded in place.

    Why not one scikit-learn pipeline per column: the same arithmetic, but a
    ``ColumnTransformer`` of 8 small pipelines costs ~40 ms of validation per call whatever
    the size, and the stability simulation transforms thousands of times.
    """

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns

    def _numeric(self) -> list[str]:
        return [c for c in self.columns if c not in CATEGORICAL_COLUMNS]

    def _raw(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self._numeric()].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)

    def _prepare(self, frame: pd.DataFrame, statistics: np.ndarray) -> np.ndarray:
        """Imputed (with the raw-value ``statistics``), then log-transformed where documented."""
        X = self._raw(frame)
        holes = np.isnan(X)
        X[holes] = np.take(statistics, np.nonzero(holes)[1])
        for j, column in enumerate(self._numeric()):
            if column in LOG_COLUMNS:
                X[:, j] = np.log1p(X[:, j])
            elif column in SIGNED_LOG_COLUMNS:
                X[:, j] = signed_log1p(X[:, j])
        return X

    def fit(self, frame: pd.DataFrame, y: object = None) -> FeaturePreprocessor:
        raw = self._raw(frame)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: 0
            medians = np.nanmedian(raw, axis=0) if len(raw) else np.zeros(raw.shape[1])
        numeric = self._numeric()
        self.statistics_ = np.array(
            [
                0.0 if column in ZERO_IF_MISSING or np.isnan(median) else median
                for column, median in zip(numeric, medians, strict=True)
            ]
        )
        self.scaler_ = StandardScaler().fit(self._prepare(frame, self.statistics_))
        categorical = [c for c in self.columns if c in CATEGORICAL_COLUMNS]
        self.encoder_ = (
            OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(frame[categorical])
            if categorical
            else None
        )
        self.n_features_in_ = len(self.columns)
        return self

    def imputation(self, column: str) -> float:
        """The value that replaces a missing ``column`` (training median or 0)."""
        return float(self.statistics_[self._numeric().index(column)])

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        scaled = self.scaler_.transform(self._prepare(frame, self.statistics_))
        if self.encoder_ is None:
            return scaled
        encoded = self.encoder_.transform(frame[list(self.encoder_.feature_names_in_)])
        widths = iter(len(categories) for categories in self.encoder_.categories_)
        blocks, numeric_at, encoded_at = [], 0, 0
        for column in self.columns:
            if column in CATEGORICAL_COLUMNS:
                width = next(widths)
                blocks.append(encoded[:, encoded_at : encoded_at + width])
                encoded_at += width
            else:
                blocks.append(scaled[:, numeric_at : numeric_at + 1])
                numeric_at += 1
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        categories = (
            dict(zip(self.encoder_.feature_names_in_, self.encoder_.categories_, strict=True))
            if self.encoder_ is not None
            else {}
        )
        names: list[str] = []
        for column in self.columns:
            if column in categories:
                names.extend(f"{column}_{value}" for value in categories[column])
            else:
                names.append(column)
        return np.array(names, dtype=object)


def make_preprocessor(preset: str) -> Pipeline:
    """An unfitted pipeline mapping :func:`model_input` to a float64 matrix (its one step,
    ``columns``, is a :class:`FeaturePreprocessor`)."""
    return Pipeline([("columns", FeaturePreprocessor(preset_columns(preset)))])
