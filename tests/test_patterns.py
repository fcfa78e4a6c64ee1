"""The argument patterns (kg/nlp/patterns/*.yaml), each on its example parse built by hand: a rule is
tested without the statistical parser."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from kg.nlp.patterns import Arguments, argument_patterns

PATTERNS = argument_patterns()
EXTRACT = Path(__file__).resolve().parent.parent / "kg" / "extract"


@pytest.fixture(scope="module")
def vocab():
    return spacy.blank("en").vocab


@pytest.mark.parametrize("pid", sorted(PATTERNS))
def test_patterns_find_their_example(pid, vocab):
    example = PATTERNS[pid].example
    doc = example.doc(vocab)
    assert doc.text.replace(" ", "") == example.text.replace(" ", ""), "the parse's words are not the example text"
    args = Arguments(doc, list(doc.sents), [0] * len(doc))
    found = {}
    for token in doc:
        hits = args.args(pid, token)
        if hits:
            found[token.text] = tuple(t.text for t in hits)
    assert found == dict(example.finds)


def test_patterns_fire_only_where_their_shape_is(vocab):
    """'Leaders met.' has no argument of any pattern's shape: nothing fires."""
    doc = spacy.tokens.Doc(vocab, words=["Leaders", "met", "."], heads=[1, 1, 1], deps=["nsubj", "ROOT", "punct"],
                           pos=["NOUN", "VERB", "PUNCT"], lemmas=["leader", "meet", "."])
    assert not Arguments(doc, list(doc.sents), [0] * len(doc)).fired(doc[:])


@pytest.mark.parametrize("pid", sorted(PATTERNS))
def test_patterns_every_pattern_is_used_by_a_reader(pid):
    sources = "".join(p.read_text(encoding="utf-8") for p in EXTRACT.rglob("*.py"))
    assert f'"{pid}"' in sources


def test_patterns_matches_come_in_text_order(vocab):
    """'met with A and with B': the partners come in the order written, as a walk of the tree gives them."""
    doc = spacy.tokens.Doc(vocab, words=["X", "met", "with", "A", "and", "with", "B"], heads=[1, 1, 1, 2, 1, 1, 5],
                           deps=["nsubj", "ROOT", "prep", "pobj", "cc", "prep", "pobj"],
                           pos=["PROPN", "VERB", "ADP", "PROPN", "CCONJ", "ADP", "PROPN"],
                           lemmas=["X", "meet", "with", "A", "and", "with", "B"])
    assert [t.text for t in Arguments(doc, list(doc.sents), [0] * len(doc)).args("meeting.with", doc[1])] == ["A", "B"]


@pytest.mark.parametrize("edit, message", [
    (lambda e: e.pop("example"), "needs exactly the keys"),
    (lambda e: e.update(anchor="verb.head"), "anchor 'verb.head' is not a node"),
    (lambda e: e.update(arg="nothing"), "arg 'nothing' is not a node"),
    (lambda e: e["example"].update(parse=[["met", "meet", "VERB", "ROOT"]]), "each parse row is"),
])
def test_patterns_malformed_entry_names_file_and_pattern(edit, message):
    import yaml

    from kg.errors import LexiconError
    from kg.nlp.patterns import _entry

    raw = yaml.safe_load((EXTRACT.parent / "nlp" / "patterns" / "meetings.yaml").read_text(encoding="utf-8"))[0]
    edit(raw)
    with pytest.raises(LexiconError, match=message):
        _entry(raw, "kg/nlp/patterns/meetings.yaml")
