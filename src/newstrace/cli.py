"""The `newstrace` command line: parse arguments, call the library, render its result."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newstrace.compare import compare_documents
from newstrace.errors import DatasetError, InputError, ModelError, NewstraceError
from newstrace.options import CompareOptions
from newstrace.textio import document_from_bytes, load_document

app = typer.Typer(
    help="Trace where a news article came from and explain what the rewrite changed.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

EXIT_INPUT = 2
EXIT_DATA = 3
EXIT_MODEL = 4


def _fail(exc: NewstraceError) -> typer.Exit:
    code = EXIT_INPUT if isinstance(exc, InputError) else EXIT_DATA if isinstance(exc, DatasetError) else EXIT_MODEL
    if not isinstance(exc, InputError | DatasetError | ModelError):
        code = 1
    err_console.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(code)


def _read(path: str, encoding: str | None, options: CompareOptions):
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
) -> None:
    """Is SUSPECT derived from SOURCE, and how? Aligns the two sentence by sentence."""
    if source == "-" and suspect == "-":
        err_console.print("[bold red]error:[/] only one of SOURCE and SUSPECT can be read from stdin")
        raise typer.Exit(EXIT_INPUT)
    options = CompareOptions()
    try:
        src = _read(source, encoding, options)
        sus = _read(suspect, encoding, options)
        result = compare_documents(src, sus, options)
    except NewstraceError as exc:
        raise _fail(exc) from exc
    if html_out is not None:
        from newstrace.report.html import render_html

        html_out.write_text(render_html(result, source, suspect), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        from newstrace.report.terminal import render_comparison

        console.print(render_comparison(result))
        if html_out is not None:
            console.print(f"HTML report written to {html_out}")


def _eval_table(report: dict) -> Table:
    table = Table(title="newstrace eval")
    for col in ("dataset", "task", "n", "precision", "recall", "f1", "accuracy", "auc", "plagdet", "granularity"):
        table.add_column(col, justify="left" if col in ("dataset", "task") else "right")

    def fmt(v) -> str:
        return "" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    for name, parts in report["datasets"].items():
        for task, figures in parts.items():
            table.add_row(
                name,
                task,
                *(
                    fmt(figures.get(k))
                    for k in ("n", "precision", "recall", "f1", "accuracy", "auc", "plagdet", "granularity")
                ),
            )
    return table


@app.command(name="eval")
def evaluate_command(
    path: Annotated[Path, typer.Argument(help="A dataset folder, or a folder of several (e.g. ../shared/data).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the newstrace.eval/1 JSON document.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the first N records of each file.")] = None,
    split: Annotated[
        str, typer.Option(help="all, or the half of DEV the calibration was fitted on (fit) or not (report).")
    ] = "all",
) -> None:
    """Measure newstrace on labelled data: derived-vs-not, plagdet, paraphrase accuracy."""
    from newstrace.evaluation.runner import evaluate

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

        try:
            report = evaluate(path, split=split, limit=limit, progress=tick)
        except NewstraceError as exc:
            raise _fail(exc) from exc
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        console.print(_eval_table(report))


def main() -> None:  # pragma: no cover
    app()
