"""The language data as typed sections: every file loads, and a malformed one fails with the file and key named."""
from __future__ import annotations

import dataclasses
import re
from importlib import resources

import pytest

from kg.errors import LexiconError
from kg.nlp.lexicon import CeasefireWords, MeetingWords, SpeechWords, lexicon, load_section


def _data(name: str) -> str:
    return resources.files("kg.nlp").joinpath(f"data/{name}").read_text(encoding="utf-8")


def test_lexicon_every_section_is_filled():
    lex = lexicon()
    for field in dataclasses.fields(lex):
        section = getattr(lex, field.name)
        if dataclasses.is_dataclass(section):
            for key in dataclasses.fields(section):
                assert getattr(section, key.name) not in (None, "", (), frozenset()), (field.name, key.name)
    assert lex.meetings.verbs["meet"] == "meeting"
    assert "violated" in lex.ceasefires.status_cues and "truce" in lex.ceasefires.nouns


def test_lexicon_sections_are_read_only():
    lex = lexicon()
    with pytest.raises(TypeError):
        lex.meetings.verbs["greet"] = "meeting"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        lex.speech.reporting_verbs = frozenset()  # type: ignore[misc]


@pytest.mark.parametrize("cls, name, edit, message", [
    (SpeechWords, "speech.yaml", lambda t: t + "\nreportin_verbs: [say]\n", "speech.yaml: unknown key 'reportin_verbs'"),
    (SpeechWords, "speech.yaml", lambda t: t.replace("clause_only:", "clause_onl:"), "unknown key 'clause_onl'"),
    (CeasefireWords, "ceasefires.yaml", lambda t: t.replace("\nnouns:", "\n_nouns:"), "unknown key '_nouns'"),
    (MeetingWords, "meetings.yaml", lambda t: t.replace("  meet: meeting", "  meet: greeting"),
     "meetings.yaml: verbs.meet: 'greeting' is not one of"),
    (CeasefireWords, "ceasefires.yaml", lambda t: t.replace("  collapsed:", "  crumbled:"),
     "ceasefires.yaml: status_cues (key): 'crumbled' is not one of"),
    (SpeechWords, "speech.yaml", lambda t: t.replace('call: [for, "on"]', "call: [for, on]"),
     "speech.yaml: particle_required.call[1]: expected a string, not True"),
    (MeetingWords, "meetings.yaml", lambda t: t.replace("located_verbs: [visit, meet, host, hold, attend, arrive]", "located_verbs: visit"),
     "meetings.yaml: located_verbs: expected a list"),
])
def test_lexicon_malformed_section_names_file_and_key(cls, name, edit, message):
    with pytest.raises(LexiconError, match=re.escape(message)):
        load_section(cls, name, edit(_data(name)))


def test_lexicon_missing_key_is_an_error():
    text = "\n".join(line for line in _data("speech.yaml").splitlines() if not line.startswith("object_is_content:"))
    with pytest.raises(LexiconError, match="speech.yaml: missing key 'object_is_content'"):
        load_section(SpeechWords, "speech.yaml", text)
