"""kg's errors: each says what went wrong and what the user can do about it.

The CLI prints ``str(error)`` as one line on stderr and exits with ``error.exit_code``.
"""
from __future__ import annotations


class KgError(Exception):
    """Base class: a problem the user can fix; never shown as a traceback."""

    exit_code = 1


class InputError(KgError):
    """An input path or document cannot be used (missing, empty, binary, too large, malformed)."""

    exit_code = 2


class ModelError(KgError):
    """The spaCy model cannot be loaded."""

    exit_code = 3


class BuildError(KgError):
    """Nothing could be built from the inputs."""

    exit_code = 1


class OutputError(KgError):
    """The output folder cannot be used: a file, not a kg build, read-only, full, or in use by another build."""

    exit_code = 5


class GraphNotFound(KgError):
    """No build where one was expected."""

    exit_code = 2


class QueryError(KgError):
    """A SPARQL query is malformed, refused, or failed on the endpoint."""

    exit_code = 2


class EndpointError(KgError):
    """A SPARQL endpoint or graph store is unreachable or refused a request."""

    exit_code = 4


class ValidationError(KgError):
    """The graph breaks the ontology's axioms or the SHACL shapes."""

    exit_code = 1


class CurationError(KgError):
    """A curation file (curation.yaml, --curation) is malformed: an unknown action or key, a missing
    'by' or 'when', a value of the wrong kind."""

    exit_code = 2


class LexiconError(KgError):
    """kg's own language data (kg/nlp/data) is malformed: a key is unknown, missing or of the wrong type."""

    exit_code = 1
