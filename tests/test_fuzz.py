"""Property-based tests (Hypothesis): random and mutated input never gives a traceback.

Articles (bytes in any encoding, HTML fragments, JSONL records, manifests) go through ingest
(``read_documents``), texts through extraction on the real spaCy model, and whole folders
through the real ``kg build``. The properties: ingest gives documents or one-line messages;
extraction gives records whose every evidence span slices back out of the text; a build exits 0
with such spans, or with a KgError's code and one line, never any other exception.

The seed texts are the project's own test sentences (tests/data/sentences/*.yaml). The default run
tries 143 cases in about 12 s; ``KG_FUZZ_EXAMPLES=N`` sets the cases per test (the
README's reliability section gives the figures of a full run), and runs them at random instead
of from Hypothesis's fixed derandomised sequence; ``--hypothesis-show-statistics`` counts them.
"""
from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # said, not silent; in CI, where everything is installed, an error
    if os.environ.get("CI"):
        raise
    pytest.skip("Hypothesis is not installed (pip install hypothesis==6.170.17)", allow_module_level=True)

from kg.cli import main
from kg.errors import KgError
from kg.extract import extract
from kg.ingest import read_documents
from kg.models import Document, Extraction

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = [c["text"] for f in sorted((ROOT / "tests" / "data" / "sentences").glob("*.yaml"))
             for c in yaml.safe_load(f.read_text(encoding="utf-8"))["cases"]]
FULL = int(os.environ.get("KG_FUZZ_EXAMPLES", "0"))


def cases(default: int, share: float = 1.0):
    """``default`` cases, or ``share`` of KG_FUZZ_EXAMPLES (whole builds are slower than one document)."""
    return settings(max_examples=max(default, int(FULL * share)) if FULL else default, deadline=None, database=None,
                    derandomize=not FULL,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])


# ---- strategies ------------------------------------------------------------------------------------------
ODD = st.sampled_from(["\u200b", "\u200d", "\u2028", "\u00a0", "\ufeff", "\u0301", "\U0001f600", "\u202e", "\x00",
                       "\r", "\r\n", "\t", "\x0c", "...", "\u2026", "?!", "\"", "\u201c", "\u201d", "'", "&amp;",
                       "<", ">", "&", "--", "\u2014", "U.S.", "Mr.", "\n\n", " " * 40, "\\", "{", "}"])
WORDS = st.sampled_from(" ".join(SENTENCES).split())
FRAGMENT = st.one_of(st.sampled_from(SENTENCES), WORDS, ODD, st.text(max_size=12))


@st.composite
def texts(draw) -> str:
    """News-like text: the project's sentences and their words, mixed with odd characters and mutated."""
    text = " ".join(draw(st.lists(FRAGMENT, min_size=1, max_size=30)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "repeat", "case"]))
        if op == "insert":
            text = text[:at] + draw(FRAGMENT) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif op == "repeat":
            text = text[:at] + text[at:at + 60] * draw(st.integers(2, 8)) + text[at:]
        else:
            text = text[:at] + text[at:at + 80].swapcase() + text[at + 80:]
    return text


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "shift_jis", "koi8-r", "utf-32"])


@st.composite
def encoded(draw) -> bytes:
    """A text in some encoding, possibly cut, possibly with random bytes spliced in; or just bytes."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=3000))
    data = codecs.encode(draw(texts()), draw(ENCODINGS), "replace")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=30)) + data[at + draw(st.integers(0, 10)):]
    return data


TAGS = st.sampled_from(["p", "div", "span", "b", "a", "nav", "footer", "article", "script", "style", "table", "tr",
                        "td", "h1", "li", "ul", "br", "img", "iframe", "svg", "noscript", "template", "title", "meta"])


@st.composite
def html(draw) -> str:
    """An HTML page or fragment: nested elements with attributes, text, comments, entities, broken tags."""
    def element(depth: int) -> str:
        tag = draw(TAGS)
        attrs = draw(st.sampled_from(["", ' class="x"', " id='main'", ' href="javascript:x"', " onload=alert(1)",
                                      ' content="2024-03-05" property="article:published_time"', " a=\"<>\""]))
        inner = "".join(element(depth + 1) if depth < 4 and draw(st.booleans()) else draw(st.one_of(
            texts(), st.sampled_from(["<!-- c -->", "&nbsp;", "&#x1F600;", "<![CDATA[x]]>", "</p>", "<p", "&bogus;"]))
        ) for _ in range(draw(st.integers(0, 3))))
        return f"<{tag}{attrs}>{inner}" + ("" if draw(st.integers(0, 4)) == 0 else f"</{tag}>")

    body = "".join(element(0) for _ in range(draw(st.integers(1, 4))))
    depth = draw(st.sampled_from([0, 0, 0, 10, 300, 2100, 3000]))
    body = "<div>" * depth + body + "</div>" * draw(st.integers(0, depth))
    return draw(st.sampled_from(["", "<!DOCTYPE html>", "<?xml version='1.0'?>"])) + f"<html><body>{body}</body></html>"


DATES = st.one_of(st.sampled_from(["2024-03-05", "03/05/2024", "25/12/2024", "March 5, 2024", "5 Mar 2024",
                                   "2024-03-05T10:00:00Z", "yesterday", "", "2024-02-30", "12/03/24", "Mar 2024"]),
                  st.text(max_size=20), st.integers(-10**12, 10**12).map(str))
UNPAIRED = st.lists(st.one_of(WORDS, st.sampled_from(["\ud800", "\udfff", "\ud83d", "\ude00"])), max_size=6).map(" ".join)
JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts(), UNPAIRED,
                        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@st.composite
def jsonl(draw) -> bytes:
    """A corpus: records with fields of any type, broken lines, blank lines."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            lines.append(draw(st.binary(max_size=200)))
            continue
        record = {"id": draw(JSON_VALUES), "published": draw(st.one_of(DATES, JSON_VALUES)),
                  draw(st.sampled_from(["text", "html", "body"])): draw(st.one_of(texts(), html(), JSON_VALUES))}
        if draw(st.booleans()):
            record["title"] = draw(JSON_VALUES)
        # escaped, unpaired surrogates are valid JSON ("\\ud800"); written raw they are invalid UTF-8
        line = json.dumps(record, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        lines.append(line[:draw(st.integers(0, len(line)))] if kind == 1 else line)
    return b"\n".join(lines) + draw(st.sampled_from([b"", b"\n", b"\r\n", b"\n\n"]))


HEADERS = st.sampled_from(["file", "File", " FILENAME ", "path", "title", "Headline", "published", "Publication date",
                           "DATE", "url", "source", "notes", "", "file"])


@st.composite
def manifest(draw, names: list[str]) -> bytes:
    """A manifest as some spreadsheet wrote it, naming the folder's files, missing ones, and repeats."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(HEADERS, min_size=1, max_size=5))
    rows = [delimiter.join(header)]
    for _ in range(draw(st.integers(0, 8))):
        cells = [draw(st.one_of(st.sampled_from(names + ["missing.txt", "sub/../a.txt", "", ".", "/etc/passwd"]),
                                DATES, st.text(max_size=15))) for _ in header]
        rows.append(delimiter.join(f'"{c}"' if draw(st.booleans()) else c for c in cells))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(rows)
    return codecs.encode(text, draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])), "replace")


@st.composite
def folders(draw) -> dict[str, bytes]:
    """The files of an input folder: articles of every kind, a corpus, a manifest, maybe a subfolder."""
    files: dict[str, bytes] = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["txt", "html", "md", "htm"]))
        stem = draw(st.sampled_from(["", "caf\udce9-", "Café ", "x" * 200]))  # \udce9: the undecodable byte \xe9
        name = f"{draw(st.sampled_from(['', 'sub/']))}{stem}{i}.{kind}"
        files[name] = draw(html()).encode(draw(st.sampled_from(["utf-8", "cp1252", "utf-16"])), "replace") \
            if kind.startswith("htm") else draw(encoded())
    if draw(st.booleans()):
        files["corpus.jsonl"] = draw(jsonl())
    if draw(st.booleans()):
        files["manifest.csv"] = draw(manifest(sorted(files)))
    return files


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


# ---- properties ------------------------------------------------------------------------------------------
def one_line(message: str) -> bool:
    return bool(message) and "\n" not in message and "\r" not in message


def check_spans(x: Extraction, text: str) -> int:
    """Every evidence span of every record slices back out of ``text``; how many there were."""
    n = 0
    for rec in (*x.roles, *x.meetings, *x.statements, *x.ceasefires):
        for span in rec.evidence:
            assert 0 <= span.begin < span.end <= len(text), span
            assert text[span.begin:span.end] == span.text, span
            n += 1
    return n


@pytest.fixture(scope="module")
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="kg-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@cases(40)
@given(files=folders())
def test_fuzz_ingest_gives_documents_or_one_line_messages(scratch, files):
    folder = write_folder(scratch / "in", files)
    messages: list[str] = []
    try:
        docs = list(read_documents([folder], messages.append))
    except KgError as exc:
        assert one_line(str(exc))
        return
    assert all(one_line(m) for m in messages), messages
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids))
    for doc in docs:
        assert isinstance(doc.text, str) and doc.text.strip() and doc.id
        for value in (doc.id, doc.text, doc.title, doc.source, doc.path):  # all of it can be written out
            assert value is None or value.encode("utf-8")


@pytest.mark.slow
@cases(60)
@given(text=texts(), published=st.one_of(st.none(), st.dates(dt.date(1800, 1, 1), dt.date(2200, 12, 31))))
def test_fuzz_extract_evidence_always_slices_back(nlp, text, published):
    from kg.nlp.model import parse

    if not text.strip():
        return
    doc = Document(id="fuzz", text=text, published=published)
    x = extract(doc, parse(nlp, text))
    assert isinstance(x, Extraction)
    check_spans(x, text)


@pytest.mark.slow
@cases(40)
@given(page=html())
def test_fuzz_extract_on_html_pages(nlp, scratch, page):
    """Pages through ingest, then extraction: the text an HTML page gives is read like any other."""
    path = scratch / "page.html"
    path.write_text(page, encoding="utf-8")
    messages: list[str] = []
    docs = list(read_documents([path], messages.append))
    assert all(one_line(m) for m in messages), messages
    for doc in docs:
        check_spans(extract(doc, nlp(doc.text)), doc.text)


@pytest.mark.slow
@cases(3, share=0.05)
@given(files=folders())
def test_fuzz_build_exits_cleanly(scratch, files):
    """Whole folders through the real `kg build`: a build, or a KgError's exit code and its line."""
    folder = write_folder(scratch / "build-in", files)
    out = scratch / "build-out"
    shutil.rmtree(out, ignore_errors=True)
    result = CliRunner().invoke(main, ["build", "--quiet", "--no-html", "--no-cache", "--jobs", "1", str(folder),
                                       "--out", str(out)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith(("kg: warning: ", "kg: error: ")) for line in lines), lines
    if result.exit_code != 0:
        assert result.exit_code in (1, 2) and lines[-1].startswith("kg: error: "), result.stderr
        return
    from rdflib import Graph

    from kg.vocab import KG, NIF

    g = Graph().parse(out / "kg.ttl")
    texts_of = {d: str(t) for d, t in g.subject_objects(NIF.isString)}
    for span in g.subjects(NIF.anchorOf, None):
        begin, end = int(g.value(span, NIF.beginIndex)), int(g.value(span, NIF.endIndex))
        assert texts_of[g.value(span, KG.document)][begin:end] == str(g.value(span, NIF.anchorOf))
