"""Drift primitives: PSI, Hungarian label alignment, migration matrix."""

from __future__ import annotations

import numpy as np
import pytest

from olistseg.stability.drift import align_labels, migration_matrix, population_stability_index


def test_psi_is_zero_for_the_same_distribution_and_grows_with_shift():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=20_000)
    assert population_stability_index(reference, rng.normal(size=20_000)) < 0.01
    small, large = (
        population_stability_index(reference, rng.normal(shift, 1, 20_000)) for shift in (0.2, 1.0)
    )
    assert 0.02 < small < 0.1 < 0.2 < large


def test_psi_hand_computed_on_a_discrete_feature():
    reference = np.array([1.0] * 80 + [2.0] * 20)
    current = np.array([1.0] * 50 + [2.0] * 50)
    expected = (0.5 - 0.8) * np.log(0.5 / 0.8) + (0.5 - 0.2) * np.log(0.5 / 0.2)
    assert population_stability_index(reference, current) == pytest.approx(expected)
    with pytest.raises(ValueError, match="both dates"):
        population_stability_index(np.array([np.nan]), current)


def test_align_labels_recovers_a_permutation_and_names_new_segments():
    reference = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    moved = reference[[2, 0, 1]] + 0.3
    assert align_labels(reference, moved) == {0: 2, 1: 0, 2: 1}
    more = np.vstack([moved, [[50.0, 50.0]], [[11.0, 11.0]]])
    mapping = align_labels(reference, more)
    assert mapping[3] == 4 and mapping[4] == 3  # new ids, nearest-to-known first


def test_migration_matrix_rows_sum_to_one_and_empty_segments_are_zero():
    before = np.array([0, 0, 1, 1, 0])
    after = np.array([0, 1, 1, 1, 1])
    matrix = migration_matrix(before, after, k=3)
    np.testing.assert_allclose(matrix[0], [1 / 3, 2 / 3, 0.0])
    np.testing.assert_allclose(matrix[1], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(matrix[2], 0.0)  # segment 2 had no customer before
