"""Exceptions that the CLI turns into exit codes.

:class:`InputError` is bad input (exit code 2): its message is a paragraph a person can act on,
naming the file, column and row where they are known.
"""

from __future__ import annotations


class OlistsegError(Exception):
    """Base class of olistseg's own errors."""


class InputError(OlistsegError):
    """The input data or arguments are wrong; the message says where and what is expected."""


class OlistsegWarning(UserWarning):
    """An answer that stands but may mislead (e.g. an ``as_of`` after the data ends); the CLI
    prints it as ``warning: ...``, the Python API issues it with :func:`warnings.warn`."""
