"""Output folders olistseg may replace, and only those.

A folder that a command builds whole (``run --out``, ``segment --out``, ``stability --out``,
``audiences --out``) is first built beside its target as ``DIR.partial`` and then swapped in.
The swap never removes a user's file: it replaces ``DIR`` only when ``DIR`` is absent, empty, or
carries the marker file that olistseg writes into every folder it builds. Anything else is
refused with :class:`~olistseg.errors.InputError` (exit code 2) naming what is in the way.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from olistseg import __version__
from olistseg.errors import InputError

#: Written into every folder olistseg builds whole; a folder with it may be replaced.
MARKER = ".olistseg"


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
def building(final: str | os.PathLike[str], keep_partial: bool = False) -> Iterator[Path]:
    """Build ``final`` whole: yields an empty ``FINAL.partial``, swapped in on success.

    On an exception the partial folder is removed (kept with ``keep_partial``, for inspection)
    and ``final`` is left as it was.
    """
    final = Path(final)
    check_replaceable(final)
    partial = new_partial(final)
    try:
        yield partial
    except BaseException:
        if not keep_partial:
            shutil.rmtree(partial, ignore_errors=True)
        raise
    mark_run_folder(partial)
    swap_into_place(partial, final)
