"""One BLAS thread for a block of code, without inspecting the process's libraries each time.

``threadpoolctl.threadpool_limits`` builds a new ``ThreadpoolController`` on every call, and
that walks every shared library the process has loaded: about 5 ms once pymc, DuckDB and
numba are in, and the Gaussian mixtures enter a limit per EM step (measured: 10 s of a
58 s pipeline run on 1,500 customers). The controller here is built again only when a module
has been imported since (a new BLAS library can only come with one), as threadpoolctl's own
``get_cached_controller`` of recent versions does.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from threadpoolctl import ThreadpoolController

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

_CONTROLLER: ThreadpoolController | None = None
_MODULES_SEEN = 0


def controller() -> ThreadpoolController:
    """The process's ``ThreadpoolController``: built on first use, and again after imports."""
    global _CONTROLLER, _MODULES_SEEN
    if _CONTROLLER is None or len(sys.modules) != _MODULES_SEEN:
        _CONTROLLER, _MODULES_SEEN = ThreadpoolController(), len(sys.modules)
    return _CONTROLLER


def one_blas_thread() -> AbstractContextManager:
    """``with one_blas_thread():`` BLAS calls inside run on one thread; the previous limits
    come back on exit. Same effect as ``threadpool_limits(1, user_api="blas")``."""
    return controller().limit(limits=1, user_api="blas")
