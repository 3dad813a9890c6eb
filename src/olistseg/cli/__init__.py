"""The ``olistseg`` command line: a thin layer over :mod:`olistseg.api`.

Each command parses its options, calls one API function, renders the result and lets
:func:`entrypoint` map errors to exit codes. One module per command group. The top of the
flow: it may import anything (``api``, and ``dashboard`` to start the app).

Commands import what they run inside the command function: ``olistseg --help`` or ``olistseg
kpi`` would otherwise pay for importing every layer (seconds: see :mod:`olistseg.api`).
"""

from olistseg.cli import data, kpi, run, segments, stability  # noqa: F401  (registers commands)
from olistseg.cli.app import app, entrypoint, state

__all__ = ["app", "entrypoint", "state"]
