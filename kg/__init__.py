"""kg: event-centric knowledge graphs from news articles, with evidence for every fact.

From Python: ``kg.build(paths) -> kg.Dataset``, ``kg.query(name, graph, **params) -> DataFrame``,
``kg.events(graph) -> DataFrame``, ``kg.network(graph, ...) -> pyvis Network`` (kg/api.py).
"""
__version__ = "0.1.0"

_API = ("Dataset", "build", "open_build", "events", "network")


def __getattr__(name: str):
    """The Python API, imported on first use (the command line does not pay for it)."""
    if name in _API:
        from kg import api

        return getattr(api, name)
    if name == "query":  # the module kg/query.py, which is callable as kg.api.query
        import importlib

        return importlib.import_module("kg.query")
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
