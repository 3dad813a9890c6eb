"""One BLAS thread inside ``one_blas_thread``, the previous limits back outside."""

from __future__ import annotations

import sys
import types

import numpy as np  # noqa: F401 - loads the BLAS library whose threads are limited
from threadpoolctl import threadpool_info

from olistseg.threads import controller, one_blas_thread


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_blas_thread_limits_and_restores() -> None:
    before = _blas_threads()
    assert before, "numpy's wheels bring OpenBLAS: a BLAS thread pool is always there"
    with one_blas_thread():
        assert set(_blas_threads()) == {1}
        with one_blas_thread():  # nested, as the mixtures' EM steps are inside a fit
            assert set(_blas_threads()) == {1}
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_the_controller_is_built_once_until_a_module_is_imported(monkeypatch) -> None:
    first = controller()
    assert controller() is first
    monkeypatch.setitem(sys.modules, "olistseg_test_new_module", types.ModuleType("new"))
    rebuilt = controller()  # an import may have brought a BLAS library: look again
    assert rebuilt is not first and controller() is rebuilt
