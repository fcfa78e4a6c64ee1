"""What the query and store tests share: answers of a query file in a form that compares, and a
real Oxigraph server on 127.0.0.1."""
from __future__ import annotations

import contextlib
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import unavailable

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


def oxigraph_binary() -> str:
    """The `oxigraph` server (the oxigraph PyPI package, a test dependency); skipped without it, except in CI."""
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not found:
        unavailable("the Oxigraph server is not installed (pip install oxigraph==0.5.13)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`oxigraph serve` on a free port of 127.0.0.1, stopped by stop()."""

    def __init__(self, location: Path, *, union: bool = True, read_only: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [oxigraph_binary(), "serve-read-only" if read_only else "serve", "--location", str(location),
                "--bind", f"127.0.0.1:{self.port}"] + (["--union-default-graph"] if union else [])
        location.mkdir(parents=True, exist_ok=True)
        self.log = location.parent / f"oxigraph-{self.port}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"oxigraph exited with {self.process.returncode}: {self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"oxigraph did not listen on {self.url} within 20 s: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def dataset(self) -> set[str]:
        """Every quad in the store, through its Graph Store endpoint (N-Quads)."""
        req = urllib.request.Request(self.url + "/store", headers={"Accept": "application/n-quads"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return {str(quad) for quad in ox.parse(resp.read(), format=ox.RdfFormat.N_QUADS)}

    def graphs(self) -> set[str]:
        """The names of the store's named graphs."""
        req = urllib.request.Request(self.url + "/store", headers={"Accept": "application/n-quads"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return {quad.graph_name.value for quad in ox.parse(resp.read(), format=ox.RdfFormat.N_QUADS)
                    if isinstance(quad.graph_name, ox.NamedNode)}

    def graph(self, iri: str) -> set[str]:
        req = urllib.request.Request(self.url + "/store?" + urllib.parse.urlencode({"graph": iri}),
                                     headers={"Accept": "application/n-triples"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return {str(t) for t in ox.parse(resp.read(), format=ox.RdfFormat.N_TRIPLES)}

    def put(self, iri: str, ntriples: bytes) -> None:
        req = urllib.request.Request(self.url + "/store?" + urllib.parse.urlencode({"graph": iri}), data=ntriples,
                                     method="PUT", headers={"Content-Type": "application/n-triples"})
        urllib.request.urlopen(req, timeout=30).close()


@contextlib.contextmanager
def http_server(handler: type[http.server.BaseHTTPRequestHandler]):
    """A stand-in web server on 127.0.0.1 answering with ``handler`` (an endpoint that misbehaves);
    yields its base URL."""
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
