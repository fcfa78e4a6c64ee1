"""Bad input gets one clear line, never a traceback, and never stops the other documents."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.ingest import read_documents

GOOD = "French President Claire Martin met German Chancellor Hans Weber in Paris on Monday.\n"


def run_build(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", "--quiet", "--no-html", *args])
    return result.exit_code, result.stdout, result.stderr


def bad_files(tmp: Path) -> dict[str, Path]:
    """One file of each kind of bad input."""
    files = {}
    files["empty"] = tmp / "empty.txt"
    files["empty"].write_text("")
    files["binary"] = tmp / "binary.txt"
    files["binary"].write_bytes(bytes(range(256)) * 40)
    files["huge"] = tmp / "huge.txt"
    with open(files["huge"], "w") as fh:
        fh.write(("The talks went on. " * 1000 + "\n") * 1100)  # ~20 MB
    files["broken-html"] = tmp / "broken.html"
    files["broken-html"].write_text("<html><body><p>Egyptian President Karim Mansour <b>hosted <div>"
                                    "Jordanian King Faisal Adnan in Cairo on Sunday.</p><p")
    files["bad-jsonl"] = tmp / "corpus.jsonl"
    files["bad-jsonl"].write_text('{"id": "a1", "text": "' + GOOD.strip() + '"}\n{not json\n')
    return files


@pytest.mark.parametrize("kind, message", [
    ("missing", "no such file or folder"),
    ("empty", "empty document"),
    ("binary", "binary file"),
    ("huge", "larger than the"),
])
def test_ingest_bad_file_alone_fails_with_one_line(tmp_path, kind, message):
    path = tmp_path / "missing.txt" if kind == "missing" else bad_files(tmp_path)[kind]
    code, _out, err = run_build(str(path), "--out", str(tmp_path / "out"))
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert all(line.startswith("kg: ") for line in err.strip().splitlines())
    assert not (tmp_path / "out" / "kg.ttl").exists()


def test_ingest_bad_documents_do_not_stop_the_others(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, path in bad_files(tmp_path).items():
        path.rename(folder / path.name)
    (folder / "good.txt").write_text(GOOD)
    (folder / "latin1.txt").write_bytes("Le président Émile Durand a rencontré Olaf Berg à Genève. "
                                        "Spanish Foreign Minister José Núñez visited Morocco on Tuesday.".encode("latin-1"))
    code, _out, err = run_build(str(folder), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "Traceback" not in err
    for needle in ("empty.txt: empty document", "binary.txt: binary file", "huge.txt", "corpus.jsonl:2: not a JSON record",
                   "latin1.txt: not UTF-8; decoded as"):
        assert needle in err
    built = json.loads((tmp_path / "out" / "build.json").read_text())
    ids = {d["id"] for d in built["documents"]}
    assert {"good", "a1", "latin1", "broken"} <= ids
    ttl = (tmp_path / "out" / "kg.ttl").read_text()
    assert "Claire Martin" in ttl and "José Núñez" in ttl and "Faisal Adnan" in ttl


def test_ingest_non_utf8_offsets_count_in_the_decoded_text(tmp_path):
    path = tmp_path / "cp1252.txt"
    path.write_bytes("Mexican President Rosa Díaz said “we will not give in” on Monday.".encode("cp1252"))
    warnings = []
    docs = list(read_documents([path], warnings.append))
    assert docs[0].text.startswith("Mexican President Rosa Díaz") and not docs[0].text_is_source
    assert warnings and "not UTF-8" in warnings[0]


def test_ingest_html_keeps_the_article_and_drops_the_page(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("""<html><head><title>Talks in Geneva</title><script>var x = "Blinken said nothing";</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Talks in Geneva</h1>
<p>Swiss President Anna Keller hosted Iranian Foreign Minister Reza Karimi in Geneva on Monday.</p>
<p>"We had a frank exchange," Karimi told reporters after the meeting.</p></article>
<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>""")
    docs = list(read_documents([page], print))
    assert len(docs) == 1
    doc = docs[0]
    assert "Anna Keller hosted" in doc.text
    assert "Blinken" not in doc.text and "All rights reserved" not in doc.text
    assert doc.title == "Talks in Geneva" and not doc.text_is_source


def test_ingest_jsonl_records_and_manifest_metadata(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "r/1", "text": GOOD, "title": "T", "published": "2024-03-05",
                                  "url": "https://example.org/a"}) + "\n"
                      + json.dumps({"id": "r2", "html": "<p>" + GOOD + "</p>"}) + "\n"
                      + json.dumps({"id": "r3"}) + "\n")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD)
    (folder / "manifest.csv").write_text("file,title,published,source\na.txt,A title,2024-01-02,https://x.org/a\n")
    warnings = []
    docs = {d.id: d for d in read_documents([corpus, folder], warnings.append)}
    assert docs["r_1"].published.isoformat() == "2024-03-05" and docs["r_1"].source == "https://example.org/a"
    assert "met German Chancellor" in docs["r2"].text
    assert "r3" not in docs and any("has no 'text' or 'html'" in w for w in warnings)
    assert docs["a"].title == "A title" and docs["a"].published.isoformat() == "2024-01-02"


def test_ingest_interrupted_build_leaves_previous_exports(tmp_path):
    """A build killed part-way leaves the previous exports exactly as they were."""
    out = tmp_path / "out"
    first = tmp_path / "first.txt"
    first.write_text(GOOD)
    code, _, err = run_build(str(first), "--out", str(out))
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    corpus = tmp_path / "big.jsonl"
    with corpus.open("w") as fh:
        for i in range(3000):
            fh.write(json.dumps({"id": f"d{i}", "text": f"Envoy {i} met President Lee in Seoul on Monday. " * 5}) + "\n")
    kg = Path(sys.executable).with_name("kg")
    proc = subprocess.Popen([str(kg), "build", str(corpus), "--out", str(out), "--no-html", "--no-cache", "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in err
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before


def test_ingest_no_traceback_for_unreadable_model(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD)
    code, _out, err = run_build(str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--model", "no_such_model_xx")
    assert code != 0 and "cannot load spaCy model 'no_such_model_xx'" in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_ingest_unreadable_file_is_reported(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(GOOD)
    path.chmod(0)
    code, _out, err = run_build(str(path), "--out", str(tmp_path / "o"))
    assert code != 0 and "cannot read" in err


def test_ingest_scraped_page_end_to_end(tmp_path):
    """A scraped page with navigation, cookie banner, caption, sidebar and comments: the article's
    facts, the page's own date, and nothing from the furniture."""
    page = Path(__file__).parent / "data" / "pages" / "armenia-truce.html"
    code, _out, err = run_build(str(page), "--out", str(tmp_path / "out"))
    assert code == 0, err
    ttl = (tmp_path / "out" / "kg.ttl").read_text()
    built = json.loads((tmp_path / "out" / "build.json").read_text())
    assert built["documents"][0]["published"] == "2022-09-14"
    for fact in ("Toivo Klaar", "Nikol Pashinyan", '"2022-09-13"^^xsd:date', "ceasefire: Armenia, Azerbaijan"):
        assert fact in ttl
    for furniture in ("John Smith", "Most read", "Cookie", "Oil prices"):
        assert furniture not in ttl.split("nif:isString")[0]
