"""The event table (kg.event_table): `kg export --format events-csv|events-parquet` on a real build, read back
with pandas as a researcher would."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.event_table import COLUMNS, LISTS
from kg.query import open_local

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXTS = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}
KG = "https://w3id.org/kg-news/ontology#"


def _export(graph: Path, fmt: str, out: Path) -> str:
    result = CliRunner().invoke(main, ["export", "--graph", str(graph), "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def tables(seed_build, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("events")
    said = _export(seed_build, "events-csv", folder / "events.csv")
    assert said.startswith(f"wrote {folder / 'events.csv'}: ") and "events" in said
    _export(seed_build, "events-parquet", folder / "events.parquet")
    csv = pd.read_csv(folder / "events.csv", dtype=str, keep_default_na=False)
    parquet = pd.read_parquet(folder / "events.parquet")
    return csv, parquet


def _events_in(build: Path) -> set[str]:
    store = open_local(build)
    found = set()
    for cls in ("Meeting", "Ceasefire", "Statement", "Accusation"):
        query = f"SELECT ?e WHERE {{ GRAPH ?g {{ ?e a <{KG}{cls}> }} }}"
        found |= {s["e"].value for s in store.query(query)}
    return found


def test_events_table_one_row_per_event(tables, seed_build):
    csv, parquet = tables
    assert list(csv.columns) == list(COLUMNS) == list(parquet.columns)
    assert csv["event"].is_unique and set(csv["event"]) == _events_in(seed_build)
    assert list(csv["event"]) == list(parquet["event"])
    assert set(csv["class"]) == {"Meeting", "Ceasefire", "Statement"}


def test_events_table_call_row_has_codes_actors_evidence_and_rules(tables):
    csv, parquet = tables
    call = parquet[(parquet["class"] == "Meeting") & (parquet["kind"] == "call")].iloc[0]
    assert call["date"] == dt.date(2021, 5, 20)  # a real date in Parquet
    assert (call["cameo_code"], call["plover_type"], call["plover_mode"]) == ("041", "CONSULT", "phone")
    assert (call["status"], call["mode"]) == ("occurred", "phone")
    assert {"Antony Blinken", "Gabi Ashkenazi"} <= set(call["actors"])
    assert list(call["documents"]) == ["000_d2de068a82ff7819"]
    assert len(call["rules"]) >= 1 and all("." in r for r in call["rules"])
    row = csv[csv["event"] == call["event"]].iloc[0]
    assert row["date"] == "2021-05-20" and row["rules"] == "; ".join(call["rules"])
    assert row["evidence"] == " | ".join(call["evidence"])


def test_events_table_ceasefire_has_parties_and_country_codes(tables):
    _, parquet = tables
    truces = parquet[parquet["class"] == "Ceasefire"]
    assert len(truces) >= 1
    assert any({"Israel", "Hamas"} <= set(t) for t in truces["actors"])
    assert any("ISR" in set(c) for c in truces["actor_cameo_codes"])
    assert set(truces["cameo_code"].dropna()) <= {"0356", "046", "0871", "196"}


def test_events_table_evidence_is_the_articles_text(tables):
    _, parquet = tables
    for _, row in parquet.iterrows():
        assert len(row["evidence"]) >= 1
        texts = [SEED_TEXTS[d] for d in row["documents"]]
        assert all(any(sentence in t for t in texts) for sentence in row["evidence"])
    for column in LISTS:
        assert all(isinstance(v, type(parquet[column].iloc[0])) for v in parquet[column])


def test_events_table_rebuild_is_byte_identical(seed_build, tmp_path):
    for fmt, name in (("events-csv", "a.csv"), ("events-parquet", "a.parquet")):
        _export(seed_build, fmt, tmp_path / name)
        _export(seed_build, fmt, tmp_path / ("b" + name[1:]))
        assert (tmp_path / name).read_bytes() == (tmp_path / ("b" + name[1:])).read_bytes()


def test_events_table_default_file_is_in_the_build(seed_build, tmp_path):
    import shutil

    build = tmp_path / "build"
    shutil.copytree(seed_build, build, symlinks=True)
    result = CliRunner().invoke(main, ["export", "--graph", str(build), "--format", "events-csv"])
    assert result.exit_code == 0 and (build / "events.csv").is_file()


def test_events_table_missing_build_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["export", "--graph", str(tmp_path / "none"), "--format", "events-parquet"])
    assert result.exit_code != 0 and "no build in" in result.output and "Traceback" not in result.output


def test_events_table_accusation_row(tmp_path):
    from kg.pipeline import BuildSettings, build

    corpus = tmp_path / "a.jsonl"
    corpus.write_text(json.dumps({"id": "t1", "published": "2023-05-03", "url": "https://news.example.org/t1",
                                  "text": "Sudan and South Sudan agreed to a ceasefire on Monday. On Tuesday Sudan "
                                          "accused South Sudan of violating the ceasefire."}) + "\n")
    build(BuildSettings(inputs=(corpus,), out=tmp_path / "out", progress=False, cache=False, html=False))
    _export(tmp_path / "out", "events-parquet", tmp_path / "events.parquet")
    table = pd.read_parquet(tmp_path / "events.parquet")
    accusation = table[table["class"] == "Accusation"].iloc[0]
    assert (accusation["cameo_code"], accusation["plover_type"]) == ("112", "ACCUSE")
    assert set(accusation["actors"]) == {"Sudan", "South Sudan"} and set(accusation["actor_cameo_codes"]) == {"SDN", "SSD"}
    assert len(accusation["rules"]) >= 1 and "accused" in accusation["evidence"][0]
