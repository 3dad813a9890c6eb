"""SQL files shipped with the package, one query per file (``sql/<layer>/<name>.sql``), and
their transpilation to Spark SQL (:mod:`olistseg.sql.spark`). May import: the leaves only."""

from __future__ import annotations

from importlib import resources


def read_sql(layer: str, name: str) -> str:
    """The text of ``sql/<layer>/<name>.sql``."""
    return resources.files(__package__).joinpath(layer, f"{name}.sql").read_text(encoding="utf-8")


def list_sql(layer: str) -> list[str]:
    """The query names available in ``sql/<layer>/``, sorted."""
    folder = resources.files(__package__).joinpath(layer)
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".sql"))
