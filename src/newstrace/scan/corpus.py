"""The scan's first stage: every input article as one Parquet row, with its side and metadata.

Inputs are anything `index add` reads (text and HTML files, folders, JSONL, CSV) or an index
folder. Articles are written a chunk at a time, so the corpus is never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newstrace.errors import InputError
from newstrace.index.ingest import IngestOptions, Record, Rejection, iter_inputs
from newstrace.index.store import IndexedDocument, open_store

INPUT, SOURCE = "input", "source"

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("side", pa.string()),
        ("text", pa.large_string()),
        ("title", pa.string()),
        ("url", pa.string()),
        ("outlet", pa.string()),
        ("published", pa.string()),
    ]
)


@dataclass
class CorpusReport:
    documents: int = 0
    rejected: list[str] = field(default_factory=list)  # "where: why", as index add reports them
    duplicates: int = 0  # ids given again (the first one is kept)
    outside_dates: int = 0  # left out by --since/--until


def is_index_folder(path: str) -> bool:
    return (Path(path) / "index.sqlite").is_file()


def _documents(paths: list[str], ingest: IngestOptions, report: CorpusReport) -> Iterator[IndexedDocument]:
    files = [p for p in paths if not is_index_folder(p)]
    for p in paths:
        if is_index_folder(p):
            store = open_store(p, create=False)
            try:
                yield from store.iter_documents()
            finally:
                store.close()
    for item in iter_inputs(files, ingest):
        if isinstance(item, Rejection):
            report.rejected.append(f"{item.where}: {item.reason}")
        elif isinstance(item, Record):
            yield item.doc


def input_signature(paths: list[str]) -> list[list]:
    """What the inputs are now (path, size, modification time of every file): part of the fingerprint."""
    out = []
    for raw in paths:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            try:
                st = f.stat()
                out.append([str(f), st.st_size, st.st_mtime_ns])
            except OSError:
                out.append([str(f), None, None])
    return out


def write_corpus(
    folder: Path,
    inputs: list[str],
    against: list[str],
    since: str | None,
    until: str | None,
    chunk: int,
    progress: Callable[[int], None] | None = None,
) -> CorpusReport:
    """Read INPUT (side `input`) and SOURCES (side `source`) into `folder/corpus.parquet`."""
    report = CorpusReport()
    seen: set[str] = set()
    writer = pq.ParquetWriter(folder / "corpus.parquet", SCHEMA)
    rows: list[dict] = []

    def flush() -> None:
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), row_group_size=chunk)
            if progress:
                progress(len(rows))
            rows.clear()

    try:
        for side, paths in ((INPUT, inputs), (SOURCE, against)):
            for doc in _documents(paths, IngestOptions(), report):
                if doc.id in seen:
                    report.duplicates += 1
                    continue
                if (since or until) and (
                    not doc.published or (since and doc.published < since) or (until and doc.published > until)
                ):
                    report.outside_dates += 1
                    continue
                seen.add(doc.id)
                rows.append(
                    {
                        "id": doc.id,
                        "side": side,
                        "text": doc.text,
                        "title": doc.title,
                        "url": doc.url,
                        "outlet": doc.outlet,
                        "published": doc.published[:10] if doc.published else None,
                    }
                )
                if len(rows) >= chunk:
                    flush()
        flush()
    finally:
        writer.close()
    report.documents = len(seen)
    if not report.documents:
        raise InputError("no article to scan: the inputs hold no readable article (in the date window)")
    return report
