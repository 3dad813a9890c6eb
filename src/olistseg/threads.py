"""One BLAS thread for a block of code, without inspecting the process's libraries each time.

``threadpoolctl.threadpool_limits`` builds a new ``ThreadpoolController`` on every call, and
that walks every shared library the process has loaded: about 5 ms once pymc, DuckDB and
numba are in, and the Gaussian mixtures enter a limit per EM step (measured: 10 s of a
58 s pipeline run on 1,500 customers). A controller built once sees the same BLAS libraries:
they are loaded by the numpy and scipy imports that come before any model is fitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadpoolctl import ThreadpoolController

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

_CONTROLLER: ThreadpoolController | None = None


def controller() -> ThreadpoolController:
    """The process's ``ThreadpoolController``, built on first use."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


def one_blas_thread() -> AbstractContextManager:
    """``with one_blas_thread():`` BLAS calls inside run on one thread; the previous limits
    come back on exit. Same effect as ``threadpool_limits(1, user_api="blas")``."""
    return controller().limit(limits=1, user_api="blas")
