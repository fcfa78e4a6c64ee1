"""`kg explain`: why a sentence fired (mentions, argument patterns, records and their rules)."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.extract import extract
from kg.extract.explain import explain
from kg.models import Document, EventRef

TEXT = ("Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi on Monday. "
        "\"We agreed to work together,\" Otieno said. "
        "A truce between Armenia and Azerbaijan, brokered by Russia, took effect on Tuesday.")
MONDAY_BEFORE = dt.date(2024, 5, 13)


@pytest.fixture(scope="module")
def report(nlp):
    return explain(TEXT, published=dt.date(2024, 5, 15))


def test_explain_names_the_rules_of_each_record(report):
    text = report.text()
    assert "Meeting (meeting): Samuel Otieno, Abdi Warsame; status occurred" in text
    assert f"date {MONDAY_BEFORE.isoformat()}" in text
    assert "rules: meeting.verb.meet" in text
    assert "Role: Samuel Otieno is President of Kenya" in text and "rules: role.title_before_name" in text
    assert "Statement by Samuel Otieno (quote): We agreed to work together" in text
    assert "Ceasefire: parties Armenia, Azerbaijan; mediators Russia; status in force" in text
    assert "ceasefire.parties" in text and "ceasefire.by_agent" in text


def test_explain_lists_mentions_and_patterns_per_sentence(report):
    sentences = report.documents[0].sentences
    assert len(sentences) == 3
    assert ("Nairobi", "place:nairobi", "Place") in sentences[0].mentions
    assert ("ceasefire.by_agent", "brokered", "Russia") in sentences[2].patterns
    assert ("ceasefire.parties", "truce", "Armenia") in sentences[2].patterns


def test_explain_reads_a_file_as_kg_build_does(tmp_path, nlp):
    article = tmp_path / "visit.txt"
    article.write_text("Somali President Abdi Warsame visited Kenya on Friday.\n", encoding="utf-8")
    found = explain(str(article), published=dt.date(2024, 5, 15))
    assert found.documents[0].document.path == str(article)
    assert "Meeting (visit): Abdi Warsame" in found.text() and "date 2024-05-10" in found.text()


def test_explain_displacy_page_is_escaped_and_offline(tmp_path, nlp):
    out = tmp_path / "why.html"
    found = explain('Otieno said "<script>alert(1)</script> is no policy," in Nairobi.', displacy=out)
    page = out.read_text(encoding="utf-8")
    assert page == found.html()
    assert "<script" not in page and "alert(1)" in page
    assert "http://" not in page and "https://" not in page
    assert "Otieno" in page


def test_explain_command_prints_the_report(tmp_path, nlp):
    out = tmp_path / "why.html"
    result = CliRunner().invoke(main, ["explain", TEXT, "--published", "2024-05-15", "--displacy", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "rules: meeting.verb.meet" in result.stdout and f"wrote {out}" in result.stdout
    assert out.is_file()


def test_explain_command_bad_date_is_one_clear_error():
    result = CliRunner().invoke(main, ["explain", "Leaders met.", "--published", "15/05/2024"])
    assert result.exit_code == 2 and "Traceback" not in result.stderr and "--published" in result.stderr


def test_extract_records_carry_their_rules_and_typed_event_references(nlp):
    text = "The leaders of Serbia and Kosovo will meet in Brussels on March 18, the European Union said."
    x = extract(Document(id="d", text=text, published=dt.date(2024, 3, 1)), nlp(text))
    assert x.meetings and all(m.rules and m.rules[0].startswith("meeting.") for m in x.meetings)
    assert x.statements and all(s.rules for s in x.statements)
    said = next(s for s in x.statements if "meet in Brussels" in s.text)
    assert said.about and all(isinstance(ref, EventRef) and ref.kind == "meeting" for ref in said.about)
    assert all(0 <= ref.index < len(x.meetings) for ref in said.about)


def test_explain_shows_accusations_and_their_ceasefire(nlp):
    text = "Azerbaijan accused Armenia of violating the ceasefire on Sunday."
    result = CliRunner().invoke(main, ["explain", text, "--published", "2023-03-20"])
    assert result.exit_code == 0, result.output
    assert "Accusation: Armenia violated a ceasefire, by the account of Azerbaijan; date 2023-03-19" in result.output
    assert "[ceasefire 1]" in result.output and "rules: accusation.verb, accusation.of_act" in result.output


@pytest.mark.parametrize("sentence", [
    "Президент Иван Петров встретился с премьер-министром в Москве. " * 3,  # 189 characters, 348 bytes
    "Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi. " * 80,  # > 4,096 characters
])
def test_explain_long_sentence_is_read_as_text_not_a_file_name(nlp, sentence):
    found = explain(sentence)
    assert found.documents[0].sentences
