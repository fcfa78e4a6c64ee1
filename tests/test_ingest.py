"""Bad input gets one clear line, never a traceback, and never stops the other documents."""
from __future__ import annotations

import csv
import io
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


# ---- manifests as spreadsheets write them ----------------------------------------------------------------
def build_json(out: Path) -> dict:
    return json.loads((out / "build.json").read_text())


@pytest.mark.parametrize("encoding, delimiter, header", [
    ("utf-8", ",", "file,title,published,source"),
    ("utf-8-sig", ",", "File,Title,Published,URL"),  # Excel's "CSV UTF-8": a byte-order mark
    ("utf-8-sig", ";", "File;Headline;Publication date;Link"),  # a spreadsheet in a comma-decimal locale
    ("cp1252", ",", "Filename,TITLE,Date,Source"),  # Excel's plain "CSV" on Windows
    ("utf-16", "\t", "Path\tTitle\tpublished_date\tsource"),  # "Unicode text"
])
def test_ingest_manifest_as_spreadsheets_write_it(tmp_path, encoding, delimiter, header):
    folder = tmp_path / "in"
    (folder / "2024").mkdir(parents=True)
    (folder / "a.txt").write_text(GOOD)
    (folder / "2024" / "b.txt").write_text(GOOD.replace("Paris", "Berlin"))
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")  # quotes what needs quotes, as spreadsheets do
    writer.writerows([header.split(delimiter), ["a.txt", "Café talks", "2024-03-05", "https://example.org/a"],
                      ["2024\\b.txt", "Berlin, again", "March 12, 2024", "https://example.org/b"]])
    (folder / "manifest.csv").write_bytes(text.getvalue().encode(encoding))
    code, _out, err = run_build(str(folder), "--out", str(tmp_path / "out"))
    assert code == 0, err
    docs = {d["id"]: d for d in build_json(tmp_path / "out")["documents"]}
    assert docs["a"]["published"] == "2024-03-05" and docs["b"]["published"] == "2024-03-12"
    assert [line for line in err.splitlines() if "manifest" in line and "Windows-1252" not in line] == []
    ttl = (tmp_path / "out" / "kg.ttl").read_text()
    assert '"Café talks"' in ttl and '"Berlin, again"' in ttl and "https://example.org/b" in ttl


def test_ingest_manifest_rows_that_do_not_apply_are_each_one_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c", "d"):
        (folder / f"{name}.txt").write_text(GOOD)
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / "manifest.csv").write_text(
        "file,published\n"
        "a.txt,2024-03-05\n"
        "missing.txt,2024-03-06\n"  # no such file
        "a.txt,2024-03-07\n"  # a repeat
        "b.txt,03/04/2024\n"  # 3 April or 4 March?
        "c.txt,12/03/24\n"  # a two-digit year
        "notes.pdf,2024-03-08\n"  # not an article
        ",2024-03-09\n"  # no file
        ",,\n")  # an empty row, as spreadsheets leave them: nothing to say
    code, _out, err = run_build(str(folder), "--out", str(tmp_path / "out"))
    assert code == 0, err
    manifest = folder / "manifest.csv"
    assert err.splitlines() == [
        f"kg: warning: {manifest}:3: 'missing.txt': no such file in {folder}; the row is ignored",
        f"kg: warning: {manifest}:4: 'a.txt' is already given on line 2; this row is ignored",
        f"kg: warning: {manifest}:5: publication date '03/04/2024' is ambiguous (3 April or 4 March?); write it as "
        "YYYY-MM-DD; b.txt gets no date",
        f"kg: warning: {manifest}:6: publication date '12/03/24' has a two-digit year; write it as YYYY-MM-DD; "
        "c.txt gets no date",
        f"kg: warning: {manifest}:7: 'notes.pdf' is not a file kg reads (.txt, .md, .html); the row is ignored",
        f"kg: warning: {manifest}:8: the row names no file; ignored",
        f"kg: warning: {folder}/b.txt: no publication date; relative dates ('on Thursday', 'yesterday') in it stay "
        "unresolved (give dates in a manifest.csv (file,published) or a JSONL record's 'published')",
        f"kg: warning: {folder}/c.txt: no publication date; relative dates ('on Thursday', 'yesterday') in it stay "
        "unresolved (give dates in a manifest.csv (file,published) or a JSONL record's 'published')",
        f"kg: warning: {folder}/d.txt: no publication date; relative dates ('on Thursday', 'yesterday') in it stay "
        "unresolved (give dates in a manifest.csv (file,published) or a JSONL record's 'published')",
    ]
    assert {d["id"]: d["published"] for d in build_json(tmp_path / "out")["documents"]} == \
        {"a": "2024-03-05", "b": None, "c": None, "d": None}


def test_ingest_many_documents_without_a_date_are_one_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02d}.txt").write_text(GOOD)
    (folder / "manifest.csv").write_text("file,title\n00.txt,First\n")
    code, _out, err = run_build(str(folder), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert err.splitlines() == [
        f"kg: warning: 12 documents have no publication date ({folder}/00.txt, {folder}/01.txt, {folder}/02.txt, …); "
        "relative dates ('on Thursday', 'yesterday') in them stay unresolved (give dates in a manifest.csv "
        "(file,published) or a JSONL record's 'published')"]


def test_ingest_manifest_without_a_file_column_is_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD)
    (folder / "manifest.csv").write_text("name,when\na.txt,2024-03-05\n")
    warnings: list[str] = []
    docs = list(read_documents([folder], warnings.append))
    assert docs[0].published is None
    assert warnings[0] == (f"{folder}/manifest.csv: no column names the files (a header 'file', 'filename' or "
                           "'path'; found 'name', 'when'); the manifest is not used")


@pytest.mark.parametrize("value, expected", [
    ("2024-03-05", "2024-03-05"), ("2024-03-05T23:30:00-05:00", "2024-03-05"), ("2024-03-05 10:00:00", "2024-03-05"),
    ("2024/3/5", "2024-03-05"), ("20240305", "2024-03-05"), ("25/12/2024", "2024-12-25"), ("12/25/2024", "2024-12-25"),
    ("05/05/2024", "2024-05-05"), ("05.03.2024", "2024-03-05"), ("March 5, 2024", "2024-03-05"),
    ("5 Mar 2024", "2024-03-05"), ("05-Mar-2024", "2024-03-05"), ("Tuesday, March 5, 2024 10:30 EST", "2024-03-05"),
    ("03/05/2024", "is ambiguous (3 May or 5 March?)"), ("3/5/2024 14:30", "is ambiguous (3 May or 5 March?)"),
    ("05/03/24", "has a two-digit year"), ("March 2024", "has no day"), ("Mar 5", "has no year"),
    ("2024", "is not a date kg can read"), ("yesterday", "is not a date kg can read"),
    ("2024-02-30", "is not a valid date"), ("31/02/2024", "is not a valid date"),
    ("0001-01-01", "is not a plausible publication date (years 1800 to 2200)"),
])
def test_ingest_publication_dates_are_read_without_guessing(value, expected):
    from kg.ingest import publication_date

    date, why = publication_date(value)
    assert (date.isoformat() if date else why.removesuffix("; write it as YYYY-MM-DD")) == expected


# ---- HTML nested deeper than lxml reads ------------------------------------------------------------------
def nested_page(depth: int) -> str:
    return ("<html><head><title>Deep</title></head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            + "<div>" * depth + "<p>Kenyan President Amina Okafor met Norwegian Prime Minister Lena Berg in Oslo on "
            "Monday.</p><p>\"We will work for peace,\" Okafor said.</p>" + "</div>" * depth
            + "<footer>Copyright 2024 Example News</footer></body></html>")


@pytest.mark.parametrize("depth, warned", [(300, False), (1500, False), (5000, True)])
def test_ingest_deeply_nested_html_is_still_read(tmp_path, depth, warned):
    page = tmp_path / "deep.html"
    page.write_text(nested_page(depth))
    code, _out, err = run_build(str(page), "--out", str(tmp_path / "out"))
    assert code == 0, err
    expected = (f"kg: warning: {page}: HTML nested {depth + 3:,} levels deep, more than the 2,048 lxml reads; read the "
                "page's whole text (menus and all), not only its article")
    assert (expected in err.splitlines()) == warned and "empty document" not in err
    ttl = (tmp_path / "out" / "kg.ttl").read_text()
    assert "Amina Okafor" in ttl and "Lena Berg" in ttl
