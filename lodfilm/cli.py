"""The ``lodfilm`` command: one click group, each command a thin shell over the modules of the data path."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import click
from rdflib import Graph

from lodfilm import __version__, pipeline
from lodfilm.errors import LodfilmError, RecordError, UsageError, exit_code
from lodfilm.publish.dumps import write_atomically
from lodfilm.records import check_paths
from lodfilm.settings import DEFAULT_PORT, Settings, minted_base
from lodfilm.store import QUERY_FORMATS, open_store, store_exists
from lodfilm.store.base import Store

if TYPE_CHECKING:
    from lodfilm.records.maps import ExportMap

F = TypeVar("F", bound=Callable[..., Any])

STORE_HELP = ("Store directory, or a SPARQL server as sparql+http(s)://host:port/path "
              "[env LODFILM_STORE; default ./lodfilm-store].")
BASE_HELP = ("Base IRI the store's IRIs are minted under [env LODFILM_BASE; default: the store's own, or "
             "http://localhost:8080/ (serve: http://localhost:PORT/) for a new store].")


def reports_errors(command: F) -> F:
    """Turn lodfilm's own errors into one line on stderr and the exit code of their family (no traceback)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except LodfilmError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(exit_code(error))

    return wrapper  # type: ignore[return-value]


def existing_store(settings: Settings) -> Store:
    """The store as of its last finished import, read-only (so it never waits for, or blocks, an import)."""
    if not store_exists(settings.opens):
        raise UsageError(f"no store at {settings.location} (run `lodfilm import PATH...` first, or pass --store)")
    return open_store(settings.opens, read_only=True)


def print_error(error: RecordError) -> None:
    click.echo(str(error), err=True)


def print_note(note: str) -> None:
    click.echo(f"note: {note}", err=True)


@click.group(name="lodfilm", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lodfilm")
def main() -> None:
    """Publish film records as linked data: import pages, YAML/JSON and CSV into a validated schema.org graph,
    then query, dump and serve it."""


MAP_HELP = ("Read CSV, JSON and YAML files as your own export, through this map of your columns to record fields "
            "(see `lodfilm suggest-map`).")


def load_export_map(path: Path | None) -> ExportMap | None:
    from lodfilm.records.maps import load_map

    return load_map(path) if path is not None else None


@main.command("import")
@click.option("--store", "store_dir", metavar="DIR", help=STORE_HELP)
@click.option("--base", metavar="IRI", help=BASE_HELP)
@click.option("--map", "map_file", metavar="MAP.yaml", type=click.Path(path_type=Path), help=MAP_HELP)
@click.option("--progress/--no-progress", default=None, help="Show a progress bar [default: on a terminal].")
@click.option("--prune", is_flag=True,
              help="Also remove the stored records whose file, under PATHS, no longer exists (each a delete in the "
                   "change log).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@reports_errors
def import_(store_dir: str | None, base: str | None, map_file: Path | None, progress: bool | None, prune: bool,
            paths: tuple[Path, ...]) -> None:
    """Read, map, validate and store every record under PATHS (files or folders, any mix of formats).

    A rejected record gets one line on stderr (file: record: field: reason); the others are stored. A file whose
    bytes (and base IRI, map and lodfilm's mapping) are those its stored records were made from is skipped unread.
    Exit status 1 when any record was rejected, 0 when all landed, 2 when a path does not exist (nothing is read).
    """
    settings = Settings.load(store=store_dir, base=base)
    check_paths(list(paths))  # a path that does not exist stops the import before the store is opened
    export_map = load_export_map(map_file)
    store = open_store(settings.opens)
    try:
        settings = settings.settle_base(store)  # the store keeps the base its IRIs were minted under
        report = pipeline.run(paths, base=settings.base, store=store, progress=progress, on_error=print_error,
                              on_note=print_note, export_map=export_map, prune=list(paths) if prune else None)
    finally:
        store.close()
    click.echo(
        f"{report.read} records read: {report.written} stored, {report.unchanged} unchanged, "
        f"{report.rejected} rejected"
        + (f", {report.removed} removed" if report.removed else "")
        + f"; {len(report.films)} films, in {settings.location}"
        + (f"; {report.skipped} skipped unread (their files had not changed)" if report.skipped else "")
    )
    sys.exit(report.exit_status)


@main.command()
@click.option("--base", metavar="IRI", help=BASE_HELP)
@click.option("--search-engines", is_flag=True,
              help="Also check each film's embedded JSON-LD against Google's Movie rules (errors and warnings).")
@click.option("--store", "store_dir", metavar="DIR",
              help="With --search-engines and no PATHS: check the films in this store.")
@click.option("--map", "map_file", metavar="MAP.yaml", type=click.Path(path_type=Path), help=MAP_HELP)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@reports_errors
def validate(base: str | None, search_engines: bool, store_dir: str | None, map_file: Path | None,
             paths: tuple[Path, ...]) -> None:
    """Check every record under PATHS as `import` would, storing nothing. Exit status 1 when any is rejected
    (or, with --search-engines, when any film is not eligible for Google's Movie rich results)."""
    settings = Settings.load(base=base, store=store_dir)
    graphs: dict[str, Graph] = {}

    def collect(film: str, graph: Graph) -> None:
        graphs.setdefault(film, Graph()).__iadd__(graph)

    if paths:
        report = pipeline.run(paths, base=settings.base, store=None, progress=False, on_error=print_error,
                              on_note=print_note, on_valid=collect if search_engines else None,
                              export_map=load_export_map(map_file))
        valid = report.read - report.rejected
        click.echo(f"{report.read} records read: {valid} valid, {report.rejected} rejected; {len(report.films)} films")
        status = report.exit_status
    elif search_engines and store_dir:
        store = existing_store(settings)
        try:
            graphs = store_film_graphs(store, settings)
        finally:
            store.close()
        status = 0
    else:
        raise UsageError("give PATHS to validate (or --search-engines --store DIR to check a store's films)")
    if search_engines:
        status = max(status, search_engine_report(graphs))
    sys.exit(status)


def store_film_graphs(store: Store, settings: Settings) -> dict[str, Graph]:
    from lodfilm.iris import Iris
    from lodfilm.publish.documents import document, to_graph

    iris = Iris(settings.base)
    films = [row["f"] for row in store.select("SELECT DISTINCT ?f WHERE { ?f a schema:Movie } ORDER BY ?f")]
    return {film: to_graph(document(store, iris, film) or b"") for film in films}


def search_engine_report(graphs: dict[str, Graph]) -> int:
    """One line per finding on stdout; 1 when any film has an error."""
    from lodfilm.publish.jsonld import film_jsonld
    from lodfilm.publish.lint import lint_movie

    errors = warnings = 0
    for film in sorted(graphs):
        for finding in lint_movie(film_jsonld(graphs[film], film)):
            click.echo(finding.line())
            errors += finding.level == "error"
            warnings += finding.level == "warning"
    click.echo(f"search engines: {len(graphs)} films, {errors} errors, {warnings} warnings")
    return 1 if errors else 0


@main.command()
@click.option("--store", "store_dir", metavar="DIR", help=STORE_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "xml", "csv", "tsv", "ttl", "nt", "jsonld"]),
    help="Result format [default: json for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE].",
)
@click.argument("query")
@reports_errors
def query(store_dir: str | None, fmt: str | None, query: str) -> None:
    """Run a SPARQL QUERY over the store (the union of all records). QUERY may be `-` (stdin) or `@FILE`.

    The prefixes schema:, prov:, dcterms:, void:, rdf:, rdfs: and xsd: are predeclared.
    """
    if query == "-":
        query = sys.stdin.read()
    elif query.startswith("@"):
        try:
            query = Path(query[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read query file {query[1:]}: {exc.strerror}") from None
    if fmt is not None and fmt not in QUERY_FORMATS and fmt not in ("ttl", "nt", "jsonld"):
        raise UsageError(f"unknown format {fmt}")
    store = existing_store(Settings.load(store=store_dir))
    try:
        result = store.query(query, format=fmt)
    finally:
        store.close()
    out = sys.stdout.buffer
    out.write(result.body)
    if not result.body.endswith(b"\n"):
        out.write(b"\n")
    out.flush()


@main.command()
@click.option("--store", "store_dir", metavar="DIR", help=STORE_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["nt", "nq", "ttl", "jsonld"]),
    default="nt",
    show_default=True,
    help="nq keeps each record's named graph; the others give the union of all records.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write here (atomically; gzip when FILE ends in .gz) instead of stdout.",
)
@reports_errors
def dump(store_dir: str | None, fmt: str, output: Path | None) -> None:
    """Write the whole graph."""
    store = existing_store(Settings.load(store=store_dir))
    try:
        if output is None:
            store.dump(sys.stdout.buffer, fmt)
            sys.stdout.buffer.flush()
            return
        count = write_atomically(output, lambda stream: store.dump(stream, fmt), compress=output.suffix == ".gz")
    finally:
        store.close()
    click.echo(f"{count} {'quads' if fmt == 'nq' else 'triples'} written to {output}", err=True)


@main.command()
@click.option("--store", "store_dir", metavar="DIR", help=STORE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@reports_errors
def stats(store_dir: str | None, as_json: bool) -> None:
    """Films, people, organisations, countries, records and triples in the store."""
    store = existing_store(Settings.load(store=store_dir))
    try:
        figures = store.stats()
    finally:
        store.close()
    data = {
        "films": figures.films,
        "people": figures.people,
        "organisations": figures.organisations,
        "countries": figures.countries,
        "records": figures.records,
        "triples": figures.triples,
    }
    if as_json:
        click.echo(json.dumps(data))
    else:
        for name, value in data.items():
            click.echo(f"{name}: {value}")


@main.command()
@click.option("--store", "store_dir", metavar="DIR", help=STORE_HELP)
@click.option("--base", metavar="IRI", help=BASE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), envvar="LODFILM_PORT",
              help="Port to listen on [env LODFILM_PORT].")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Request threads.")
@reports_errors
def serve(store_dir: str | None, base: str | None, host: str, port: int, threads: int) -> None:
    """Publish the store over HTTP (waitress): pages, RDF, SPARQL, dumps, VoID, sitemap.

    A store with no records first gets the bundled sample data (data/: the LUX Prize selection and the seed
    film), so a new user sees films at once, under http://localhost:PORT/ unless --base says otherwise. A store
    keeps the base its IRIs were minted under. Imports may run while it serves; it switches to their result when
    they finish.
    """
    from lodfilm.settings import bundled
    from lodfilm.web import close_app, create_app, server, start_app

    settings = Settings.load(store=store_dir, base=base, port=port)
    if not store_exists(settings.opens) or not has_records(settings):
        click.echo(f"The store at {settings.location} is empty: importing the bundled sample data.", err=True)
        store = open_store(settings.opens)
        try:
            report = pipeline.run([bundled("data")], base=settings.base, store=store, progress=False,
                                  on_error=print_error)
        finally:
            store.close()
        click.echo(f"{len(report.films)} films imported.", err=True)
    settings = settled(settings)
    # Queries that run or wait hold request threads: keep some beyond them for pages, whatever --threads says.
    needed = settings.query_workers + settings.query_queue + PAGE_THREADS
    if threads < needed:
        click.echo(f"Note: --threads raised from {threads} to {needed}: {settings.query_workers} query workers and "
                   f"a queue of {settings.query_queue} may hold as many request threads, and pages keep "
                   f"{PAGE_THREADS} of their own.", err=True)
        threads = needed
    app = create_app(settings)
    start_app(app)  # the query workers start now (and say now if they run with network), not at the first query
    for line in serving_lines(settings, host, port):
        click.echo(line, err=True)
    try:
        server.serve(app, host=host, port=port, threads=threads, idle_timeout=settings.idle_timeout)
    finally:
        close_app(app)


#: Request threads ``serve`` keeps for pages beyond those queries may hold.
PAGE_THREADS = 4


def settled(settings: Settings) -> Settings:
    """The settings with the base the store's IRIs were minted under (see :meth:`Settings.settle_base`), and a
    plain warning where an asked-for base is not that one: its resources would not be found under it."""
    store = open_store(settings.opens, read_only=True)
    try:
        minted = minted_base(store)
        settled = settings.settle_base(store)
    finally:
        store.close()
    if minted and minted != settled.base:
        click.echo(f"Warning: the store's IRIs were minted under {minted}, not {settled.base} "
                   f"({settled.base_from}): its films will not be found under {settled.base}. Serve it with "
                   f"--base {minted}, or import into a new store with --base {settled.base}.", err=True)
    return settled


def serving_lines(settings: Settings, host: str, port: int) -> list[str]:
    """What ``serve`` prints: the address to open, and — where the base IRI is another address — that the IRIs
    shown are not this server's address (pages link by path, so every link and form works from either)."""
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
    path = urlsplit(settings.base).path
    address = f"http://{shown}:{port}{path}"
    lines = [f"Serving {address} (Ctrl-C stops)" + (f"; listening on all interfaces ({host})"
                                                      if host in ("0.0.0.0", "", "::") else "")]
    if not reaches(settings.base, shown, port):
        lines.append(f"Note: the data's IRIs are under {settings.base}, which is not this address. Pages, links "
                     f"and forms work from {address}; an IRI such as {settings.base}film/… dereferences here only "
                     f"where {settings.base} leads to this server (a proxy, or DNS).")
    return lines


LOOPBACK = {"localhost", "127.0.0.1", "[::1]", "::1"}


def reaches(base: str, host: str, port: int) -> bool:
    """Whether ``base`` names this server: its host (any loopback name for a loopback server) and port."""
    parts = urlsplit(base)
    base_port = parts.port or (443 if parts.scheme == "https" else 80)
    same_host = parts.hostname == host.strip("[]") or (
        (parts.hostname or "") in LOOPBACK and host.strip("[]") in {h.strip("[]") for h in LOOPBACK})
    return parts.scheme == "http" and same_host and base_port == port


def has_records(settings: Settings) -> bool:
    store = open_store(settings.opens, read_only=True)
    try:
        return store.stats().records > 0
    finally:
        store.close()


@main.command("suggest-map")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@reports_errors
def suggest_map(path: Path) -> None:
    """Print a starting map for an export (a CSV table, or a JSON/YAML list of objects): its columns matched to
    record fields by their common names, the rest listed under `ignore:`. Save it, check it, then
    `lodfilm import --map MAP.yaml PATH`."""
    from lodfilm.records import READERS, decode, read_bytes
    from lodfilm.records.suggest import suggest

    check_paths([path])
    if READERS.get(path.suffix.lower()) not in ("structured", "table"):
        raise UsageError(f"{path}: a map is for CSV, JSON and YAML exports")
    text = decode(read_bytes(path), path)
    click.echo(suggest(path, text), nl=False)


@main.command()
def schema() -> None:
    """Print the JSON Schema of YAML and JSON film records."""
    from lodfilm.records.model import Film

    click.echo(json.dumps(Film.model_json_schema(), indent=2, ensure_ascii=False))
