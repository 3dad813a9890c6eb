"""SQL models: the files under ``sql/<layer>/``, their header comments, and their composition.

Each file starts with a header comment (``-- key: value`` lines, continued by lines starting
with ``--   ``) giving its name, title, question, definition, parameters and the SQL dialects
it runs on. Shared building blocks live in ``sql/staging/`` (``params``, ``stg_orders``,
``stg_order_occasions``, ...); :func:`compose` turns a model into one self-contained query by
prepending the staging models it references as CTEs, as dbt's ``ref`` would. The KPIs and the
customer features both use it, so a rule such as the 24-hour purchase occasion is written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from olistseg.sql import list_sql, read_sql

HEADER_KEYS = ("name", "title", "question", "definition", "parameters", "dialects")


@dataclass(frozen=True)
class SqlModel:
    """One SQL file: its header fields and its body (the SQL without the header)."""

    name: str
    title: str
    question: str
    definition: str
    parameters: tuple[str, ...]
    dialects: tuple[str, ...]
    body: str
    layer: str
    #: reports a 'total' row and one row per month in a ``period`` column (the KPI catalogue
    #: sets it for every KPI but the four questions)
    trend: bool = False

    @property
    def is_trend(self) -> bool:
        return self.trend


def parse(text: str, layer: str) -> SqlModel:
    """Split a SQL file into its header fields and body."""
    fields: dict[str, str] = {}
    current = None
    lines = text.splitlines()
    body_start = 0
    for index, line in enumerate(lines):
        if not line.startswith("--"):
            body_start = index
            break
        content = line[2:]
        match = re.match(r" (\w+): ?(.*)$", content)
        if match and match.group(1) in HEADER_KEYS:
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif current and content.startswith("   "):
            fields[current] += " " + content.strip()
    body = "\n".join(lines[body_start:]).strip().rstrip(";")

    def listed(key: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in fields.get(key, "").split(",") if x.strip())

    return SqlModel(
        name=fields["name"],
        title=fields.get("title", fields["name"]),
        question=fields.get("question", ""),
        definition=fields.get("definition", ""),
        parameters=listed("parameters"),
        dialects=listed("dialects") or ("duckdb",),
        body=body,
        layer=layer,
    )


@cache
def staging_models() -> dict[str, SqlModel]:
    return {name: parse(read_sql("staging", name), "staging") for name in list_sql("staging")}


def _defined(body: str) -> set[str]:
    """The CTE names ``body`` defines itself (``WITH name AS (``, ``, name AS (``)."""
    return {m.lower() for m in re.findall(r"(?i)(?:\bwith|,)\s*(\w+)\s+as\s*\(", body)}


def _references(body: str, candidates: dict[str, SqlModel]) -> list[str]:
    """The staging models ``body`` names and does not define itself (its own ``params``)."""
    own = _defined(body)
    return [
        name
        for name in candidates
        if name not in own and re.search(rf"\b{re.escape(name)}\b", body)
    ]


def dependency_order(body: str) -> list[str]:
    """Staging models ``body`` needs, each after the models it needs itself."""
    staging = staging_models()
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dep in _references(staging[name].body, staging):
            if dep != name:
                visit(dep)
        ordered.append(name)

    for name in _references(body, staging):
        visit(name)
    return ordered


def compose(model: SqlModel) -> str:
    """One runnable query: the staging models ``model`` uses as CTEs, then its own SQL."""
    staging = staging_models()
    ctes = [f"{name} AS (\n{staging[name].body}\n)" for name in dependency_order(model.body)]
    if not ctes:
        return model.body
    body = model.body
    if re.match(r"(?i)^with\s", body):
        return "WITH " + ",\n".join(ctes) + ",\n" + body[4:].lstrip()
    return "WITH " + ",\n".join(ctes) + "\n" + body


@cache
def composed(layer: str, name: str) -> str:
    """``sql/<layer>/<name>.sql`` as one runnable query, its staging models inlined as CTEs."""
    return compose(parse(read_sql(layer, name), layer))
