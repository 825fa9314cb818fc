"""The `newstrace` command line: parse arguments, call the library, render its result."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from newstrace.compare import compare_documents
from newstrace.embed import ENCODERS
from newstrace.errors import (
    DatasetError,
    IndexUnusable,
    InputError,
    ModelError,
    NewstraceError,
    OutputNotWritable,
)
from newstrace.options import TRACE_ENCODER, CompareOptions, EvalOptions, TraceOptions
from newstrace.output import check_output_path, open_for_writing, write_text
from newstrace.textio import document_from_bytes, load_document

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
# plain click help: flags show as flags (rich help printed `--json <bool>`), and help text is not markup
app = typer.Typer(
    help="Trace where a news article came from and explain what the rewrite changed.",
    no_args_is_help=True,
    add_completion=False,
    context_settings=HELP_OPTIONS,
    rich_markup_mode=None,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

EXIT_SOME_REJECTED = 1  # index add: some records rejected (index verify: problems found)
EXIT_INPUT = 2  # bad input, bad option, unwritable output; index add: nothing accepted
EXIT_DATA = 3
EXIT_MODEL = 4
EXIT_INDEX = 5  # no index there, an unusable one, or one locked by another writer for too long

ENCODER_HELP = "Sentence vectors: minilm (the model) or static (distilled from it, ~100x faster)."


EncoderName = Enum("EncoderName", {name: name for name in ENCODERS}, type=str)  # the choices typer shows
COMPARE_ENCODER = EncoderName("minilm")
TRACE_DEFAULT = EncoderName(TRACE_ENCODER)


def _encoder_option(why: str = ""):
    return typer.Option(help=ENCODER_HELP + why, show_default=True)


_EXIT_CODES: tuple[tuple[type[NewstraceError], int], ...] = (
    (InputError, EXIT_INPUT),
    (OutputNotWritable, EXIT_INPUT),
    (DatasetError, EXIT_DATA),
    (ModelError, EXIT_MODEL),
    (IndexUnusable, EXIT_INDEX),
)


def _fail(exc: NewstraceError) -> typer.Exit:
    """Print a library error (as text, never markup) and return the exit its class documents."""
    code = next((c for kind, c in _EXIT_CODES if isinstance(exc, kind)), 1)
    err_console.print(Text.assemble(("error:", "bold red"), " ", str(exc)))
    return typer.Exit(code)


#: Piped `compare` output: two sentences clipped at 220 characters side by side, with the kind and
#: score columns and the borders, fit in this many columns, so no sentence is wrapped or cut.
PIPED_COMPARE_WIDTH = 480


def _out(width: int = 1000) -> Console:
    """stdout; when it is not a terminal (a pipe, a file), wide enough that no table is cut at 80 columns."""
    return console if console.is_terminal else Console(width=width, soft_wrap=True)


@contextmanager
def _progress() -> Iterator[Callable[[str, int], None]]:
    """A progress bar on stderr; yields `tick(label, done)`, one bar per label."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def tick(label: str, n: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=None)
            bar.advance(tasks[label], n)

        yield tick


def _read(path: str, encoding: str | None, options: CompareOptions):
    if not path.strip():
        raise InputError("the article path is empty; give a file, or - for stdin")
    if path == "-":
        data = sys.stdin.buffer.read(options.max_input_bytes + 1)
        try:
            return document_from_bytes(data, encoding=encoding, max_bytes=options.max_input_bytes)
        except InputError as exc:
            raise InputError(f"stdin: {exc}") from exc
    return load_document(path, encoding=encoding, max_bytes=options.max_input_bytes)


@app.command()
def compare(
    source: Annotated[str, typer.Argument(help="The presumed original: a text or HTML file, or - for stdin.")],
    suspect: Annotated[str, typer.Argument(help="The article to check: a text or HTML file, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the newstrace.compare/1 JSON document.")] = False,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Also write a side-by-side HTML page to this file.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the input encoding (default: detect).")] = None,
    encoder: Annotated[EncoderName, _encoder_option()] = COMPARE_ENCODER,
) -> None:
    """Is SUSPECT derived from SOURCE, and how? Aligns the two sentence by sentence."""
    if source == "-" and suspect == "-":
        raise _fail(InputError("only one of SOURCE and SUSPECT can be read from stdin"))
    options = CompareOptions(encoder=encoder.value)
    try:
        if html_out is not None:  # before the work, not after it
            check_output_path(html_out)
        src = _read(source, encoding, options)
        sus = _read(suspect, encoding, options)
        result = compare_documents(src, sus, options)
    except NewstraceError as exc:
        raise _fail(exc) from exc
    if html_out is not None:
        from newstrace.report.html import render_html

        try:
            write_text(html_out, render_html(result, source, suspect))
        except NewstraceError as exc:
            raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        from newstrace.report.terminal import render_comparison

        out = _out(PIPED_COMPARE_WIDTH)  # wide when piped: each sentence on one line, not cut at 80 columns
        out.print(render_comparison(result))
        if html_out is not None:
            out.print(Text(f"HTML report written to {html_out}"))


def _eval_table(report: dict) -> Table:
    table = Table(title="newstrace eval")
    columns = ("n", "precision", "recall", "f1", "accuracy", "auc", "decided", "plagdet", "granularity")
    for col in ("dataset", "task", *columns):
        table.add_column(col, justify="left" if col in ("dataset", "task") else "right")

    def fmt(v) -> str:
        return "" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    for name, parts in report["datasets"].items():
        for task, figures in parts.items():
            if task == "direction":  # who came first, on the text evidence alone (dates hidden)
                task, figures = "direction (text)", figures.get("text", {})
            table.add_row(name, task, *(fmt(figures.get(k)) for k in columns))
    model = report.get("faithfulness")
    if model:  # the faithfulness model alone, on statements perturbed from the split's news articles
        table.add_row("news (perturbed)", "faithfulness model", fmt(model["n"]), "", "", "", "", fmt(model["auc"]))
    return table


@app.command(name="eval")
def evaluate_command(
    path: Annotated[Path, typer.Argument(help="A dataset folder, or a folder of several (e.g. ../shared/data).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the newstrace.eval/1 JSON document.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the first N records of each file.")] = None,
    split: Annotated[
        str, typer.Option(help="all, or the half of DEV the calibration was fitted on (fit) or not (report).")
    ] = "all",
    retrieval: Annotated[
        bool, typer.Option("--retrieval/--no-retrieval", help="Also index each dataset's sources and trace.")
    ] = True,
    encoder: Annotated[EncoderName, _encoder_option(" For the pair and sentence figures.")] = COMPARE_ENCODER,
    trace_encoder: Annotated[EncoderName, _encoder_option(" For the retrieval figures.")] = TRACE_DEFAULT,
) -> None:
    """Measure newstrace on labelled data: derived-vs-not, plagdet, paraphrase accuracy."""
    from newstrace.evaluation.runner import evaluate

    try:
        options = EvalOptions(
            compare=CompareOptions(encoder=encoder.value),
            # eval's own trace defaults (no findings), with the encoder asked for
            trace=replace(EvalOptions().trace, compare=CompareOptions(encoder=trace_encoder.value)),
            split=split,
            limit=limit,
            retrieval=retrieval,
        )
    except ValueError as exc:
        raise _fail(InputError(str(exc))) from exc
    with _progress() as tick:
        try:
            report = evaluate(path, options, progress=tick)
        except NewstraceError as exc:
            raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        console.print(_eval_table(report))


index_app = typer.Typer(
    help="Build and inspect the on-disk corpus index.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
    rich_markup_mode=None,
)
app.add_typer(index_app, name="index")
IndexOption = Annotated[  # a str, not a Path: typer turns "" into Path("."), and "" must be refused
    str | None,
    typer.Option("--index", metavar="<path>", help="Index folder (default: $NEWSTRACE_INDEX or ./.newstrace)."),
]


def _open(index: str | None, create: bool = False):
    from newstrace.index.store import open_store

    if index is not None and not index.strip():
        raise IndexUnusable("--index is empty; give the index folder")
    return open_store(Path(index) if index is not None else None, create=create)


class OnError(StrEnum):
    skip = "skip"
    stop = "stop"


@index_app.command("add")
def index_add(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, JSONL/CSV files, or - for JSONL on stdin.")],
    index: IndexOption = None,
    include: Annotated[list[str] | None, typer.Option(help="Glob of files to take from folders (repeatable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Glob of files to skip in folders (repeatable).")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="The inputs' encoding (default: UTF-8 for JSONL/CSV, detected for files).")
    ] = None,
    on_error: Annotated[
        OnError, typer.Option(help="On a rejected record: skip it, or stop there (what was accepted is kept).")
    ] = OnError.skip,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ingest report as JSON.")] = False,
) -> None:
    """Add articles to the index (incremental: same id and content is skipped, new content updates).

    Exit 0 when every record was accepted, 1 when some were rejected, 2 when none was accepted.
    """
    from newstrace.index.ingest import DEFAULT_INCLUDE, IngestOptions, ingest, iter_inputs

    try:
        options = IngestOptions(
            include=tuple(include) if include else DEFAULT_INCLUDE,
            exclude=tuple(exclude or ()),
            encoding=encoding,
            on_error=on_error.value,
        )
    except ValueError as exc:
        raise _fail(InputError(str(exc))) from exc
    try:
        store = _open(index, create=True)
        try:
            with _progress() as tick:
                items = iter_inputs(paths, options)
                report = ingest(store, items, progress=lambda n: tick("indexing", n), on_error=options.on_error)
        finally:
            store.close()
    except NewstraceError as exc:
        raise _fail(exc) from exc
    out = report.to_json()
    if as_json:
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        console.print(
            f"added {out['added']}, updated {out['updated']}, skipped {out['skipped']} (unchanged), "
            f"rejected {out['rejected']}" + (", stopped at the first rejection" if report.stopped else ""),
            markup=False,
        )
        # file names and reasons quote the input: printed as text, never as markup
        for r in report.rejected[:50]:
            err_console.print(Text.assemble(("rejected", "yellow"), f" {r.where}: {r.reason}"))
        if len(report.rejected) > 50:
            err_console.print(f"... and {len(report.rejected) - 50} more rejected (use --json for all)", markup=False)
        for w in report.warnings[:50]:
            err_console.print(Text.assemble(("warning", "yellow"), f" {w.where}: {w.message}"))
    if report.accepted == 0:
        if not as_json and not report.rejected:
            err_console.print("no articles found in the given paths", markup=False)
        raise typer.Exit(EXIT_INPUT)
    if report.rejected:
        raise typer.Exit(EXIT_SOME_REJECTED)


@index_app.command("stats")
def index_stats(
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Documents, sentences and size on disk of the index."""
    try:
        store = _open(index)
        stats = store.stats()
        store.close()
    except NewstraceError as exc:
        raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(stats) + "\n")
    else:
        for key, value in stats.items():
            console.print(f"{key:>15}: {value:,}" if isinstance(value, int) else f"{key:>15}: {value}", markup=False)


@index_app.command("remove")
def index_remove(
    ids: Annotated[list[str], typer.Argument(help="Document ids to remove.")],
    index: IndexOption = None,
) -> None:
    """Remove documents from the index by id."""
    try:
        store = _open(index)
        removed = store.remove(ids)
        store.close()
    except NewstraceError as exc:
        raise _fail(exc) from exc
    missing = sorted(set(ids) - set(removed))
    console.print(
        f"removed {len(removed)}" + (f"; not in the index: {', '.join(missing)}" if missing else ""), markup=False
    )


@index_app.command("export")
def index_export(
    index: IndexOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write JSONL here instead of stdout.")] = None,
) -> None:
    """Export every document as JSONL (id, text, title, url, outlet, published)."""
    try:
        if out is not None:  # before opening the index, not after
            check_output_path(out)
        store = _open(index)
        fh = open_for_writing(out) if out else sys.stdout
        for doc in store.iter_documents():
            rec = {
                k: v
                for k, v in (
                    ("id", doc.id),
                    ("text", doc.text),
                    ("title", doc.title),
                    ("url", doc.url),
                    ("outlet", doc.outlet),
                    ("published", doc.published),
                )
                if v is not None
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if out:
            fh.close()
        store.close()
    except NewstraceError as exc:
        raise _fail(exc) from exc


@index_app.command("verify")
def index_verify(index: IndexOption = None) -> None:
    """Check that every part of the index agrees; exit 1 and list what is wrong if not."""
    try:
        store = _open(index)
        with _progress() as tick:
            problems = store.verify(progress=lambda n: tick("checking documents", n))
        store.close()
    except NewstraceError as exc:
        raise _fail(exc) from exc
    if problems:
        for p in problems:
            console.print(Text.assemble(("problem", "red"), f" {p}"))
        raise typer.Exit(1)
    console.print("index OK")


@app.command()
def trace(
    article: Annotated[str, typer.Argument(help="The article to trace: a text or HTML file, or - for stdin.")],
    index: IndexOption = None,
    top: Annotated[int, typer.Option(min=1, help="How many sources to show (each is verified).")] = 3,
    since: Annotated[str | None, typer.Option(help="Only sources published on or after this ISO date.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the newstrace.trace/1 JSON document.")] = False,
    encoding: Annotated[str | None, typer.Option(help="Force the input encoding (default: detect).")] = None,
    encoder: Annotated[EncoderName, _encoder_option(" static keeps trace fast at scale.")] = TRACE_DEFAULT,
) -> None:
    """Find ARTICLE's sources in the index, and which of its sentences came from which."""
    from newstrace.trace import trace as run_trace

    try:
        options = TraceOptions(compare=CompareOptions(encoder=encoder.value), top=top, since=since)
    except ValueError as exc:
        raise _fail(InputError(str(exc))) from exc
    try:
        doc = _read(article, encoding, options.compare)
        store = _open(index)
        result = run_trace(doc, store, options)
        store.close()
    except NewstraceError as exc:
        raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        return
    table = Table(title=Text(f"Sources of {article} ({result.candidates} candidates retrieved)"))
    for col in ("rank", "id", "role", "verdict", "probability", "coverage", "published", "sentences"):
        table.add_column(col)
    for k, s in enumerate(result.sources, 1):
        c = s.comparison
        cells = (
            str(k),
            s.document.id,
            s.role,
            c.verdict,
            f"{c.probability:.1%}",
            f"{c.coverage.suspect:.0%}",
            s.document.published or "",
            str(len(s.sentences)),
        )
        table.add_row(*(Text(cell) for cell in cells))  # ids are the index's data, never markup
    out = _out()
    out.print(table)
    out.print(f"{len(result.unsourced)} sentence(s) of the article have no source in the index.")
    if result.encoder == "static":
        out.print("[dim]Verified with the fast static vectors; --encoder minilm verifies with the model.[/]")


@app.command()
def serve(
    index: IndexOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless you mean otherwise.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    token: Annotated[
        str | None, typer.Option(envvar="NEWSTRACE_TOKEN", help="Writes need `Authorization: Bearer TOKEN`.")
    ] = None,
    max_body: Annotated[int, typer.Option(help="Largest request body in bytes (413 above it).")] = 5_000_000,
    workers: Annotated[int | None, typer.Option(help="Worker processes for the core (default: one per core).")] = None,
    queue: Annotated[int, typer.Option(help="Requests that may wait for a worker; more get 503.")] = 16,
) -> None:
    """Serve the HTTP API (docs at /docs) and the web page at / over the index."""
    from newstrace.serve import ServeOptions, run_server

    try:
        folder = Path(index) if index is not None and index.strip() else None
        options = ServeOptions(
            host=host, port=port, token=token, max_body=max_body, queue=queue,
            **({"index": folder} if folder else {}), **({"workers": workers} if workers else {}),
        )
    except ValueError as exc:
        raise _fail(InputError(str(exc))) from exc
    try:
        _open(index, create=True).close()  # an unusable index is refused before the server starts
    except NewstraceError as exc:
        raise _fail(exc) from exc
    for warning in options.warnings():
        err_console.print(Text.assemble(("warning:", "bold yellow"), " ", warning))
    err_console.print(Text(f"newstrace serve: http://{host}:{port}/ (API docs at /docs; index {options.index})"))
    run_server(options)


@app.command()
def scan(
    inputs: Annotated[list[str], typer.Argument(help="Articles: files, folders, JSONL/CSV (as index add), an index.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the outputs and the resumable stages.")],
    against: Annotated[
        list[str] | None, typer.Option(help="Compare INPUT only with these SOURCES (repeat the flag).")
    ] = None,
    engine: Annotated[str, typer.Option(help="local (every core) or spark (PySpark; local[*] unless set).")] = "local",
    since: Annotated[str | None, typer.Option(help="Only articles published on or after this ISO date.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before this ISO date.")] = None,
    min_probability: Annotated[float, typer.Option(help="Least derived probability of an edge.")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the newstrace.scan/1 summary.")] = False,
    encoder: Annotated[EncoderName, _encoder_option(" static for large corpora.")] = COMPARE_ENCODER,
    judge_findings: Annotated[
        bool, typer.Option(help="Grade each edge's findings with the faithfulness model, as compare does (slower).")
    ] = False,
) -> None:
    """The derivation graph of a corpus: derived pairs, story clusters, who copies whom, a report."""
    from newstrace.options import ScanOptions
    from newstrace.scan import scan as run_scan

    try:
        options = ScanOptions(
            compare=CompareOptions(encoder=encoder.value),
            engine=engine,
            since=since,
            until=until,
            min_probability=min_probability,
            judge_findings=judge_findings,
        )
    except ValueError as exc:
        raise _fail(InputError(str(exc))) from exc
    try:
        with _progress() as tick:
            result = run_scan(inputs, out, against, options, progress=tick)
    except NewstraceError as exc:
        raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        return
    summary = result.to_json()
    table = Table(title=Text(f"Scan of {result.documents:,} articles into {out}"))
    for col in ("stage", "seconds", "reused"):
        table.add_column(col)
    for stage, seconds in summary["timings_s"].items():
        table.add_row(Text(stage), f"{seconds:.1f}", "yes" if stage in result.reused else "")
    con = _out()
    con.print(table)
    con.print(
        f"{result.candidates:,} candidate pairs verified: {result.derived_edges:,} derived, "
        f"{result.co_derived_edges:,} co-derived (siblings), {result.clusters:,} clusters."
    )
    if result.problems:
        con.print(Text(f"{len(result.problems)} problem(s), first: {result.problems[0]}"))
    for path in result.outputs.values():
        con.print(Text(path))


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
