"""FastGaussianMixture is scikit-learn's GaussianMixture with compiled EM steps: same results."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.mixture import GaussianMixture

from olistseg.models.gmm import FastGaussianMixture


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
@pytest.mark.parametrize("n_components", [1, 3, 7])
def test_same_fit_as_scikit_learn(covariance_type, n_components):
    X, _ = make_blobs(3_000, 5, centers=4, cluster_std=[1.0, 2.0, 0.5, 1.5], random_state=3)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    params = {"covariance_type": covariance_type, "reg_covar": 1e-4, "random_state": 0}
    theirs = GaussianMixture(n_components, **params).fit(X)
    ours = FastGaussianMixture(n_components, **params).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.weights_, theirs.weights_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours.covariances_, theirs.covariances_, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-9)
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-9)


def test_other_covariance_types_fall_back():
    X, _ = make_blobs(500, 3, centers=3, random_state=1)
    for covariance_type in ("tied", "spherical"):
        ours = FastGaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
        theirs = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
        np.testing.assert_allclose(ours.means_, theirs.means_)


def test_ill_defined_covariance_gives_scikit_learns_error():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 50, axis=0)
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        FastGaussianMixture(2, covariance_type="full", reg_covar=0.0, random_state=0).fit(X)
