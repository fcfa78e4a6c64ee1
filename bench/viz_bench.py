"""The graph page at scale: page generation time and headless-Chromium load time.

    .venv/bin/python bench/viz_bench.py                 # 200, 2,000, 20,000 nodes -> bench/viz.md
    .venv/bin/python bench/viz_bench.py --sizes 200 1000 --runs 1 --out /tmp/viz.md

For each size it writes a synthetic build (``synthetic_build``), times ``kg.viz.write_page`` with
``--max-nodes`` at the size (everything shown), opens the page in headless Chromium with the
network disabled, and reads the page's own clock (``window.kgViz``): when the layout stopped and
the first full drawing was done, then how long one redraw (a pan or zoom frame) takes.

This file also holds the small tools the browser tests use (tests/test_viz.py imports it):
``Chromium`` (the DevTools protocol over a standard-library WebSocket), ``png_info`` (a tiny PNG
reader) and ``synthetic_build`` (a generated graph in the shape of docs/graph-shape.md).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg.vocab import DCTERMS, KG, KGD, NIF, RDF, RDFS, SKOS, XSD  # noqa: E402

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


# --------------------------------------------------------------------------- Chromium over DevTools

def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class _WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client masking, ping/pong."""

    def __init__(self, host: str, port: int, path: str, timeout: float = 30.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           ).encode("ascii"))
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"DevTools refused the WebSocket: {head[:200]!r}")

    def _frame(self, opcode: int, payload: bytes) -> None:
        header = bytearray([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        keystream = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(n, "big") if n else b""
        self.sock.sendall(bytes(header) + mask + masked)

    def send(self, text: str) -> None:
        self._frame(0x1, text.encode("utf-8"))

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def recv(self, timeout: float) -> str:
        self.sock.settimeout(max(timeout, 0.01))
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the connection")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode("utf-8")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class BrowserError(RuntimeError):
    pass


class Chromium:
    """Headless Chromium driven over the DevTools protocol; one page, network off by default.

    With ``offline`` every request that is not a file:// or data: URL goes to a proxy that
    does not exist (127.0.0.1:9), and ``requests`` lists every URL the page asked for.
    """

    def __init__(self, binary: str | None = None, window: tuple[int, int] = (1400, 900),
                 offline: bool = True, timeout: float = 60.0):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise BrowserError("no Chromium found (apt-get install chromium)")
        self.window, self.timeout = window, timeout
        self.dir = Path(tempfile.mkdtemp(prefix="kg-chromium-"))
        args = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio",
                "--hide-scrollbars", f"--user-data-dir={self.dir / 'profile'}", "--remote-debugging-port=0",
                f"--window-size={window[0]},{window[1]}"]
        if offline:
            args += ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
        args.append("about:blank")
        self.log = open(self.dir / "chromium.log", "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.ws = None
        self.events: list[dict] = []
        self.requests: list[str] = []
        self._id = 0
        try:
            port, path = self._devtools_address()
            self.ws = _WebSocket("127.0.0.1", port, path)
            target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for method in ("Page.enable", "Runtime.enable", "Network.enable", "Log.enable"):
                self.send(method)
            self.send("Emulation.setDeviceMetricsOverride",
                      width=window[0], height=window[1], deviceScaleFactor=1, mobile=False)
        except BaseException:
            self.close()
            raise

    def _devtools_address(self) -> tuple[int, str]:
        port_file = self.dir / "profile" / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrowserError(f"Chromium exited ({self.proc.returncode}): {self.log_text()[-2000:]}")
            if port_file.is_file():
                lines = port_file.read_text().split()
                if len(lines) >= 2:
                    return int(lines[0]), lines[1]
            time.sleep(0.05)
        raise BrowserError("Chromium did not open its DevTools port in time")

    def log_text(self) -> str:
        try:
            return (self.dir / "chromium.log").read_text(errors="replace")
        except OSError:
            return ""

    def _call(self, method: str, params: dict | None = None, session: str | None = None,
              timeout: float | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"{method}: no answer in time")
            try:
                reply = json.loads(self.ws.recv(left))
            except socket.timeout:
                raise BrowserError(f"{method}: no answer in time") from None
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _event(self, event: dict) -> None:
        if "method" not in event:
            return
        self.events.append(event)
        if event["method"] == "Network.requestWillBeSent":
            self.requests.append(event["params"]["request"]["url"])

    def send(self, method: str, timeout: float | None = None, **params) -> dict:
        """A command to the page."""
        return self._call(method, params, session=self.session, timeout=timeout)

    def pump(self, seconds: float) -> None:
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._event(json.loads(self.ws.recv(left)))
            except socket.timeout:
                return

    def open(self, url: str, timeout: float | None = None) -> None:
        """Navigate and wait for the load event."""
        self.events.clear()
        self.requests.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + (timeout or self.timeout)
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"{url} did not load in time")
            try:
                self._event(json.loads(self.ws.recv(left)))
            except socket.timeout:
                pass

    def evaluate(self, expression: str, await_promise: bool = False, timeout: float | None = None):
        result = self.send("Runtime.evaluate", timeout=timeout, expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression[:80]!r} threw: "
                               f"{details.get('exception', {}).get('description') or details.get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float | None = None, interval: float = 0.1):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            self.pump(interval)

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def console_errors(self) -> list[str]:
        out = []
        for e in self.events:
            if e["method"] == "Runtime.exceptionThrown":
                out.append(e["params"]["exceptionDetails"].get("text", "exception"))
            elif e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                out.append(e["params"]["entry"].get("text", ""))
            elif e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"]))
        return out

    def close(self) -> None:
        if self.ws is not None:
            try:
                self._call("Browser.close", timeout=5)
            except (BrowserError, OSError, ConnectionError):
                pass
            self.ws.close()
            self.ws = None
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- a tiny PNG reader

def png_info(data: bytes) -> dict:
    """Width, height and the number of distinct colours of an 8-bit RGB(A) PNG (what Chromium writes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour_type}, interlace {interlace})")
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif kind == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, previous))
        elif kind == 3:
            for i in range(stride):
                row[i] = (row[i] + ((row[i - bpp] if i >= bpp else 0) + previous[i]) // 2) & 255
        elif kind == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = previous[i], (previous[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 2 == 0:  # every other row is plenty to count colours
            colours.update(bytes(row[i:i + 3]) for i in range(0, stride, bpp * 2))
        previous = row
    return {"width": width, "height": height, "colours": len(colours)}


# --------------------------------------------------------------------------- synthetic builds

_FIRST = ("Amal", "Boris", "Chen", "Dana", "Elif", "Farid", "Gita", "Hugo", "Ines", "Jonas", "Kofi", "Lena",
          "Mira", "Nadim", "Olga", "Pavel", "Rania", "Sami", "Tomas", "Yara")
_LAST = ("Haddad", "Novak", "Okafor", "Levi", "Moreau", "Tanaka", "Silva", "Kowalski", "Nasser", "Berg",
         "Costa", "Ivanova", "Mensah", "Rossi", "Sato", "Weber")
_KINDS = ("call", "visit", "trip", "talks", "meeting", "summit")
_MEETING_STATUS = (KG.planned, KG.occurred, KG.cancelled)
_CEASEFIRE_STATUS = (KG.proposed, KG.underNegotiation, KG.agreed, KG.inForce, KG.violated, KG.collapsed)


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


def synthetic_trig(n_nodes: int, seed: int = 0, hostile: str | None = None) -> str:
    """A build's kg.trig with about n_nodes drawn nodes: a third actors, the rest roles and events.

    Actors are picked with Zipf-like weights, so a few are very connected, as in news.
    ``hostile`` (a string) is put into every label, sentence and title when given.
    """
    rng = random.Random(seed)
    n_actors = max(4, n_nodes // 3)
    n_events = max(4, n_nodes - n_actors)
    n_docs = max(2, n_events // 8)
    weights = [1.0 / (i + 1) ** 0.9 for i in range(n_actors)]
    kinds = [(KG.Person, 0.55), (KG.Organization, 0.2), (KG.Country, 0.15), (KG.Group, 0.1)]
    h = f" {hostile}" if hostile else ""
    out = [f"# synthetic kg build: {n_nodes} nodes, seed {seed}"]

    def iri(path: str) -> str:
        return f"<{KGD[path]}>"

    actors, actor_docs = [], [set() for _ in range(n_actors)]
    for i in range(n_actors):
        cls = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        if cls == KG.Person:
            label = f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {i}"
        else:
            label = f"{cls.split('#')[-1]} {i}"
        actors.append((iri(f"actor/a{i}"), cls, label + h))

    doc_lines: dict[int, list[str]] = {d: [] for d in range(n_docs)}
    for d in range(n_docs):
        doc = iri(f"doc/d{d:05d}")
        doc_lines[d] += [
            f"{doc} <{RDF.type}> <{KG.Document}> .",
            f"{doc} <{DCTERMS.identifier}> {_lit(f'd{d:05d}')} .",
            f"{doc} <{DCTERMS.title}> {_lit(f'Report {d}{h}')} .",
            f"{doc} <{DCTERMS.date}> \"2024-{1 + d % 12:02d}-{1 + d % 28:02d}\"^^<{XSD.date}> .",
        ]
    for e in range(n_events):
        d = rng.randrange(n_docs)
        doc = iri(f"doc/d{d:05d}")
        begin = 100 * e
        span = iri(f"span/d{d:05d}/{begin}-{begin + 80}")
        lines = doc_lines[d]
        lines += [f"{span} <{RDF.type}> <{KG.TextSpan}> .", f"{span} <{KG.document}> {doc} .",
                  f"{span} <{NIF.beginIndex}> \"{begin}\"^^<{XSD.nonNegativeInteger}> .",
                  f"{span} <{NIF.endIndex}> \"{begin + 80}\"^^<{XSD.nonNegativeInteger}> ."]
        roll = rng.random()
        picked = sorted(set(rng.choices(range(n_actors), weights, k=rng.choice((1, 2, 2, 3, 4)))))
        names = ", ".join(actors[a][2] for a in picked)
        if roll < 0.35:
            node = iri(f"role/r{e}")
            a = picked[0]
            org = rng.choices(range(n_actors), weights)[0]
            lines += [f"{node} <{RDF.type}> <{KG.Role}> .",
                      f"{node} <{RDFS.label}> {_lit(actors[a][2] + ': minister')} .",
                      f"{node} <{KG.holder}> {actors[a][0]} .", f"{node} <{KG.title}> {_lit('minister' + h)} .",
                      f"{node} <{KG.affiliation}> {actors[org][0]} ."]
            picked = [a, org]
            sentence = f"{actors[a][2]} is a minister of {actors[org][2]}."
        elif roll < 0.7:
            node = iri(f"meeting/m{e}")
            kind = rng.choice(_KINDS)
            lines += [f"{node} <{RDF.type}> <{KG.Meeting}> .", f"{node} <{RDFS.label}> {_lit(f'{kind}: {names}')} .",
                      f"{node} <{KG.meetingKind}> {_lit(kind)} .",
                      f"{node} <{KG.status}> <{rng.choice(_MEETING_STATUS)}> .",
                      f"{node} <{KG.date}> \"2024-{1 + e % 12:02d}-{1 + e % 28:02d}\"^^<{XSD.date}> ."]
            lines += [f"{node} <{KG.participant}> {actors[a][0]} ." for a in picked]
            sentence = f"{names} held a {kind}{h}."
        elif roll < 0.92:
            node = iri(f"statement/s{e}")
            a = picked[0]
            lines += [f"{node} <{RDF.type}> <{KG.Statement}> .",
                      f"{node} <{RDFS.label}> {_lit(actors[a][2] + ': we will talk' + h)} .",
                      f"{node} <{KG.speaker}> {actors[a][0]} .", f"{node} <{KG.text}> {_lit('we will talk' + h)} .",
                      f"{node} <{KG.isQuote}> \"true\"^^<{XSD.boolean}> ."]
            if len(picked) > 1:
                lines.append(f"{node} <{KG.about}> {actors[picked[1]][0]} .")
            sentence = f"{actors[a][2]} said: we will talk{h}."
        else:
            node = iri(f"ceasefire/c{e}")
            parties, mediators = picked[:2], picked[2:]
            lines += [f"{node} <{RDF.type}> <{KG.Ceasefire}> .",
                      f"{node} <{RDFS.label}> {_lit('ceasefire: ' + ', '.join(actors[a][2] for a in parties))} .",
                      f"{node} <{KG.status}> <{rng.choice(_CEASEFIRE_STATUS)}> ."]
            lines += [f"{node} <{KG.party}> {actors[a][0]} ." for a in parties]
            lines += [f"{node} <{KG.mediator}> {actors[a][0]} ." for a in mediators]
            sentence = f"A ceasefire between {names} was agreed{h}."
        lines += [f"{span} <{NIF.anchorOf}> {_lit(sentence)} .", f"{node} <{KG.evidence}> {span} ."]
        for a in picked:
            actor_docs[a].add(d)

    out.append(f"{iri('graph/entities')} {{")
    for i, (node, cls, label) in enumerate(actors):
        out += [f"  {node} <{RDF.type}> <{cls}> .", f"  {node} <{RDFS.label}> {_lit(label)} ."]
        if cls == KG.Person:
            out.append(f"  {node} <{SKOS.altLabel}> {_lit(label.split()[1])} .")
        out += [f"  {node} <{KG.mentionedIn}> {iri(f'doc/d{d:05d}')} ." for d in sorted(actor_docs[i])]
    out.append("}")
    for d, lines in doc_lines.items():
        out.append(f"{iri(f'graph/d{d:05d}')} {{")
        out += ["  " + line for line in lines]
        out.append("}")
    return "\n".join(out) + "\n"


def synthetic_build(folder: Path, n_nodes: int, seed: int = 0, hostile: str | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kg.trig").write_text(synthetic_trig(n_nodes, seed, hostile), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the benchmark

REDRAW_JS = """(() => { const n = window.kgViz.network; n.redraw();
  const t0 = performance.now(); for (let i = 0; i < 5; i++) n.redraw(); return (performance.now() - t0) / 5; })()"""


def measure(size: int, work: Path, browser: Chromium, runs: int) -> dict:
    from kg.viz import ViewSettings, read_network, write_page

    build = synthetic_build(work / f"build-{size}", size)
    out = work / f"graph-{size}.html"
    gen, load, layout, redraw = [], [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        report = write_page(build, out, ViewSettings(max_nodes=size * 2))
        gen.append(time.perf_counter() - started)
        browser.open(out.as_uri(), timeout=900)
        browser.wait_for("window.kgViz.ready", timeout=900, interval=0.25)
        state = browser.evaluate("({ready: kgViz.readyMs, stable: kgViz.stabilizedMs})")
        load.append(state["ready"] / 1000)
        layout.append(state["stable"] / 1000)
        redraw.append(browser.evaluate(REDRAW_JS, timeout=600))
    nodes = read_network(build).number_of_nodes()
    return {"size": size, "nodes": report.nodes, "edges": report.edges, "total": nodes, "mb": report.bytes / 1e6,
            "generate": statistics.median(gen), "load": statistics.median(load),
            "layout": statistics.median(layout), "redraw_ms": statistics.median(redraw),
            "offline_requests": [u for u in browser.requests if not u.startswith(("file:", "data:"))]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000, 2000, 5000, 20000])
    parser.add_argument("--runs", type=int, default=3, help="runs per size (one above 5,000 nodes); medians")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "viz.md",
                        help="the table replaces what is between the results markers of this file")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, Chromium(timeout=900) as browser:
        version = browser._call("Browser.getVersion")["product"]
        for size in args.sizes:
            row = measure(size, Path(tmp), browser, args.runs if size <= 5000 else 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
    table = ["| nodes | edges | page size | generate (s) | layout done (s) | first drawing (s) | one redraw (ms) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    table += [f"| {r['nodes']:,} | {r['edges']:,} | {r['mb']:.1f} MB | {r['generate']:.1f} | {r['layout']:.1f} | "
              f"{r['load']:.1f} | {r['redraw_ms']:.0f} |" for r in rows]
    leaks = sorted({u for r in rows for u in r["offline_requests"]})
    text = (f"{RESULTS}\n<!-- bench/viz_bench.py --sizes {' '.join(map(str, args.sizes))}; {version}; "
            f"{os.cpu_count()} cores; {time.strftime('%Y-%m-%d')} -->\n" + "\n".join(table) + "\n"
            + (f"\nRequests to the network: {leaks}\n" if leaks else "") + RESULTS_END)
    print(text)
    old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    if RESULTS in old and RESULTS_END in old:
        text = old[:old.index(RESULTS)] + text + old[old.index(RESULTS_END) + len(RESULTS_END):]
    args.out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return 0


RESULTS, RESULTS_END = "<!-- results -->", "<!-- /results -->"


if __name__ == "__main__":
    sys.exit(main())
