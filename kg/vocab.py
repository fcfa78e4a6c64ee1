"""The ontology's terms as namespace objects: a misspelt term is an error, not a new IRI."""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace, URIRef

from kg.models import ActorKind, CeasefireStatus, MeetingMode, MeetingStatus

ONTOLOGY_IRI = "https://w3id.org/kg-news/ontology"
DATA_BASE = "https://w3id.org/kg-news/id/"


class KG(DefinedNamespace):
    """kg's own terms (``ontology/kg.ttl`` defines each of them)."""

    _fail = True
    _NS = Namespace(ONTOLOGY_IRI + "#")

    # classes
    Actor: URIRef
    Person: URIRef
    Organization: URIRef
    Country: URIRef
    Group: URIRef
    Role: URIRef
    Meeting: URIRef
    Statement: URIRef
    Ceasefire: URIRef
    StatusObservation: URIRef
    Accusation: URIRef
    Curation: URIRef
    Document: URIRef
    TextSpan: URIRef
    Place: URIRef
    Event: URIRef
    MeetingStatus: URIRef
    MeetingMode: URIRef
    CeasefireStatus: URIRef
    # concept schemes
    MeetingStatusScheme: URIRef
    MeetingModeScheme: URIRef
    CeasefireStatusScheme: URIRef
    # concepts (labels: planned, occurred, cancelled, in person, phone, video,
    # proposed, under negotiation, agreed, in force, violated, collapsed)
    planned: URIRef
    occurred: URIRef
    cancelled: URIRef
    inPerson: URIRef
    phone: URIRef
    video: URIRef
    proposed: URIRef
    underNegotiation: URIRef
    agreed: URIRef
    inForce: URIRef
    violated: URIRef
    collapsed: URIRef
    # object properties
    holder: URIRef
    affiliation: URIRef
    participant: URIRef
    location: URIRef
    mode: URIRef
    status: URIRef
    speaker: URIRef
    about: URIRef
    party: URIRef
    mediator: URIRef
    evidence: URIRef
    document: URIRef
    mentionedIn: URIRef
    statusObservation: URIRef
    observedStatus: URIRef
    accuser: URIRef
    accused: URIRef
    concerns: URIRef
    curationAction: URIRef
    changedAttribute: URIRef
    previousValue: URIRef
    newValue: URIRef
    reason: URIRef
    # datatype properties
    title: URIRef
    date: URIRef
    dateText: URIRef
    text: URIRef
    meetingKind: URIRef
    isQuote: URIRef
    sentenceIndex: URIRef
    # interop and provenance of facts (kg/codes.py, kg/nlp/data/codes.yaml)
    EventCode: URIRef
    CameoScheme: URIRef
    PloverScheme: URIRef
    eventCode: URIRef  # object property: event or statement -> its CAMEO code
    ploverType: URIRef  # object property: CAMEO code -> PLOVER event type
    ploverMode: URIRef  # datatype
    rule: URIRef  # datatype: the id of a pattern or trigger that produced a fact
    isoCode: URIRef  # datatype: ISO 3166-1 alpha-3 of a Country
    cameoCode: URIRef  # datatype: CAMEO actor code of a Country


class NIF(DefinedNamespace):
    """The NIF 2.0 Core terms kg uses for text spans."""

    _fail = True
    _NS = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")

    String: URIRef
    Context: URIRef
    isString: URIRef
    beginIndex: URIRef
    endIndex: URIRef
    anchorOf: URIRef
    referenceContext: URIRef


class SEM(DefinedNamespace):
    """The Simple Event Model terms kg aligns with."""

    _fail = True
    _NS = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")

    Event: URIRef
    Actor: URIRef
    Place: URIRef
    hasActor: URIRef
    hasPlace: URIRef
    hasTimeStamp: URIRef


ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
KGD = Namespace(DATA_BASE)

# One prefix per kind of data node keeps Turtle readable ("doc:000_x", not "kgd:doc\/000_x").
DATA_PREFIXES = {name: Namespace(f"{DATA_BASE}{name}/") for name in
                 ("doc", "span", "actor", "place", "role", "meeting", "statement", "ceasefire", "graph",
                  "observation", "accusation", "curation", "curator", "code")}

PREFIXES = {
    **DATA_PREFIXES,
    "kg": KG._NS, "kgd": KGD, "nif": NIF._NS, "sem": SEM._NS, "org": ORG, "foaf": FOAF,
    "schema": SCHEMA, "prov": PROV, "skos": SKOS, "dcterms": DCTERMS, "rdfs": RDFS,
    "rdf": RDF, "owl": OWL, "xsd": XSD, "oa": OA,
}

# The one place the records' kinds, statuses and modes (Literal types in kg/models.py) become terms.
ACTOR_CLASSES: dict[ActorKind, URIRef] = {
    "Person": KG.Person, "Organization": KG.Organization, "Country": KG.Country, "Group": KG.Group}
MEETING_STATUS: dict[MeetingStatus, URIRef] = {"planned": KG.planned, "occurred": KG.occurred, "cancelled": KG.cancelled}
MEETING_MODE: dict[MeetingMode, URIRef] = {"in person": KG.inPerson, "phone": KG.phone, "video": KG.video}
CEASEFIRE_STATUS: dict[CeasefireStatus, URIRef] = {
    "proposed": KG.proposed, "under negotiation": KG.underNegotiation, "agreed": KG.agreed,
    "in force": KG.inForce, "violated": KG.violated, "collapsed": KG.collapsed,
}


def bind_prefixes(graph) -> None:
    """Give a graph (rdflib Graph or Dataset) kg's prefixes, for readable exports."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
