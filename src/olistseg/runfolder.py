"""Output folders olistseg may replace, and only those.

A folder that a command builds whole (``run --out``, ``segment --out``, ``stability --out``,
``audiences --out``) is first built beside its target as ``DIR.partial`` and then swapped in.
The swap never removes a user's file: it replaces ``DIR`` only when ``DIR`` is absent, empty, or
carries the marker file that olistseg writes into every folder it builds. Anything else is
refused with :class:`~olistseg.errors.InputError` (exit code 2) naming what is in the way.

One writer per folder: while a command builds ``DIR`` it holds an advisory lock (``fcntl.flock``)
on ``DIR.lock`` beside it, which records its process id, command and start time. A second
command into the same ``DIR`` exits 2 at once naming that process, or waits for it with
``--wait`` (:func:`wait_for_writers`). The operating system releases the lock when its process
ends, killed or not, so a lock file left by a killed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from olistseg import __version__
from olistseg.errors import InputError

#: Written into every folder olistseg builds whole; a folder with it may be replaced.
MARKER = ".olistseg"

logger = logging.getLogger("olistseg.runfolder")
_WAIT = contextvars.ContextVar("olistseg_wait_for_writers", default=False)


def wait_for_writers(wait: bool = True) -> None:
    """Make :func:`building` wait for another process writing the same folder (CLI ``--wait``)
    instead of refusing at once."""
    _WAIT.set(wait)


def lock_path(final: Path) -> Path:
    """The lock file of the output folder ``final``: ``FINAL.lock`` beside it."""
    resolved = Path(final).resolve()
    return resolved.with_name(resolved.name + ".lock")


def _holder(lock: Path) -> str:
    try:
        info = json.loads(lock.read_text(encoding="utf-8"))
        return f"process {info['pid']} ({info['command']}, started {info['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextlib.contextmanager
def output_lock(final: Path, wait: bool = False) -> Iterator[Path]:
    """Hold ``FINAL.lock`` for the duration: :class:`InputError` naming the holder when another
    process has it (or wait for it with ``wait``). Yields the lock file's path."""
    lock = lock_path(final)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(lock)
            if not wait:
                os.close(fd)
                raise InputError(
                    f"--out {final}: {holder} is writing that folder now; two runs into one "
                    "folder would throw one result away. Wait for it to finish, give another "
                    "--out, or add --wait to start when it is done."
                ) from None
            logger.warning("waiting for %s to finish writing %s", holder, final)
            fcntl.flock(fd, fcntl.LOCK_EX)
        # The holder before us may have removed the file after we opened it: then our lock is
        # on a file nobody else sees, and we start again on the current one.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        command = " ".join(["olistseg", *sys.argv[1:]]) if sys.argv else "olistseg"
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        os.write(
            fd, json.dumps({"pid": os.getpid(), "command": command, "started": started}).encode()
        )
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        os.close(fd)


def _describe(folder: Path) -> str:
    entries = sorted(p.name for p in folder.iterdir())
    shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")
    return shown


def check_replaceable(final: Path, option: str = "--out") -> Path:
    """``final`` resolved, or :class:`InputError` when replacing it could lose a user's file.

    Allowed: a folder that does not exist yet, an empty folder, or a folder olistseg built
    (it has the :data:`MARKER`). Refused: a file, the current folder or one above it, and a
    folder holding anything olistseg did not write there.
    """
    resolved = Path(final).resolve()
    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise InputError(
            f"{option} {final}: that is the current folder (or one above it), which olistseg "
            f"would have to replace whole. Give a folder of its own, e.g. {option} "
            f"{Path(final) / 'olistseg-out'}."
        )
    if not resolved.exists():
        return resolved
    if not resolved.is_dir():
        raise InputError(f"{option} {final}: a file is there; give a folder to write into.")
    if (resolved / MARKER).is_file() or not any(resolved.iterdir()):
        return resolved
    raise InputError(
        f"{option} {final}: the folder already holds files olistseg did not write "
        f"({_describe(resolved)}). olistseg replaces an output folder whole, so it only "
        f"reuses an empty folder or one written by an earlier olistseg run. Give a new folder, "
        f"e.g. {option} {Path(final) / 'olistseg-out'}, or move those files away."
    )


def partial_path(final: Path) -> Path:
    """Where ``final`` is built before the swap: ``FINAL.partial`` beside it."""
    resolved = Path(final).resolve()
    return resolved.with_name(resolved.name + ".partial")


def new_partial(final: Path) -> Path:
    """An empty ``FINAL.partial`` folder (a leftover of a failed olistseg run is replaced)."""
    partial = partial_path(final)
    if partial.exists():
        check_replaceable(partial, "the build folder")
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    mark_run_folder(partial)
    return partial


def mark_run_folder(folder: Path) -> None:
    """Write the :data:`MARKER` that lets a later run replace ``folder``."""
    (folder / MARKER).write_text(
        json.dumps({"written_by": f"olistseg {__version__}"}) + "\n", encoding="utf-8"
    )


def swap_into_place(partial: Path, final: Path) -> None:
    """Replace ``final`` by the finished ``partial`` folder (the old one is removed after).

    ``final`` is checked again just before: a file a user put there meanwhile is not lost.
    """
    final = check_replaceable(final)
    previous = final.with_name(final.name + ".previous")
    if previous.exists():
        check_replaceable(previous, "the previous-output folder")
        shutil.rmtree(previous)
    if final.exists():
        final.rename(previous)
    partial.rename(final)
    if previous.exists():
        shutil.rmtree(previous)


@contextlib.contextmanager
def building(
    final: str | os.PathLike[str], keep_partial: bool = False, wait: bool | None = None
) -> Iterator[Path]:
    """Build ``final`` whole: yields an empty ``FINAL.partial``, swapped in on success.

    On an exception the partial folder is removed (kept with ``keep_partial``, for inspection)
    and ``final`` is left as it was. Holds :func:`output_lock` throughout; ``wait`` (default:
    :func:`wait_for_writers`' setting) waits for another writer instead of refusing.
    """
    final = Path(final)
    check_replaceable(final)
    with output_lock(final, _WAIT.get() if wait is None else wait):
        partial = new_partial(final)
        try:
            yield partial
        except BaseException:
            if not keep_partial:
                shutil.rmtree(partial, ignore_errors=True)
            raise
        mark_run_folder(partial)
        swap_into_place(partial, final)
