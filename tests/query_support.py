"""What the query and store tests share: answers of a query file in a form that compares."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg import query as q

QUERIES = Path(__file__).resolve().parents[1] / "queries"


def answers(build: Path | None, name: str, params=(), **kwargs):
    """Comparable answers: sorted rows (SELECT), a bool (ASK), or a set of triples (CONSTRUCT)."""
    query = q.read_query(QUERIES / name)
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        text = q.run_file(QUERIES / name, graph_dir=build, params=params, fmt="table", **kwargs)
        return {str(t) for t in ox.parse(text, format=ox.RdfFormat.TURTLE)}
    text = q.run_file(QUERIES / name, graph_dir=build, params=params, fmt="json", **kwargs)
    result = ox.parse_query_results(text, format=ox.QueryResultsFormat.JSON)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    names = [v.value for v in result.variables]
    return names, sorted(tuple(str(s[n]) if s[n] is not None else "" for n in names) for s in result)
