"""Out-of-time metrics of a segmentation (olistseg.validation.metrics): the AUC of segment
means, and the paired bootstrap of its difference against another segmentation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from olistseg.validation.baselines import rfm_segments
from olistseg.validation.metrics import auc_difference, segment_auc, segment_means


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(3)
    n = 20_000
    informative = rng.integers(0, 6, n)  # repurchase rises with the segment id
    noise = rng.integers(0, 6, n)
    y = (rng.random(n) < 0.01 + 0.006 * informative).astype(int)
    return informative, noise, y


def test_segment_auc_is_the_auc_of_segment_means(planted):
    informative, _, y = planted
    expected = roc_auc_score(y, segment_means(informative, y))
    assert segment_auc(informative, y) == pytest.approx(expected, abs=1e-12)
    assert segment_auc(informative, np.zeros_like(y)) is None


def test_the_difference_is_the_difference_of_the_aucs(planted):
    informative, noise, y = planted
    result = auc_difference(informative, noise, y, n_boot=200, seed=1)
    assert result["difference"] == pytest.approx(
        segment_auc(informative, y) - segment_auc(noise, y), abs=1e-4
    )
    # a planted effect against pure noise: the interval excludes 0
    assert 0 < result["low"] <= result["difference"] <= result["high"]


def test_two_segmentations_of_equal_value_have_an_interval_around_zero(planted):
    _, noise, y = planted
    other = np.random.default_rng(9).integers(0, 6, len(y))
    result = auc_difference(noise, other, y, n_boot=200, seed=1)
    assert result["low"] < 0 < result["high"]
    same = auc_difference(noise, noise, y, n_boot=50)
    assert (same["difference"], same["low"], same["high"]) == (0.0, 0.0, 0.0)


def test_tied_segment_rates_count_as_ties():
    # segments 0 and 1 both have no repurchase: one score, their pairs are ties
    labels = np.array([0, 0, 1, 1, 2, 2, 2, 2])
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1])
    other = np.zeros(len(y), dtype=int)  # one segment: AUC 0.5
    result = auc_difference(labels, other, y, n_boot=10)
    assert result["difference"] == pytest.approx(segment_auc(labels, y) - 0.5, abs=1e-4)


def test_rfm_cells_follow_the_documented_table():
    features = pd.DataFrame(
        {
            "recency_days": [10, 20, 200, 400, 500, 5, 600, 650, 450, 100],
            "monetary": [50, 60, 70, 80, 900, 40, 1000, 10, 55, 65],
            "frequency": [3, 1, 1, 1, 1, 1, 1, 1, 2, 1],
        }
    )
    cells, names = rfm_segments(features)
    by_name = [names[c] for c in cells]
    assert by_name[0] == "Champions"  # repeat buyer, among the most recent
    assert by_name[8] == "At-risk loyal"  # repeat buyer, R 2
    assert by_name[5] == "New customers"  # the most recent one-timer
    assert by_name[6] == "Can't lose them" and by_name[7] == "Lost"  # R 1, high and low spend
