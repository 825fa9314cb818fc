"""Reading articles for the index: text and HTML files, folders, JSONL and CSV with metadata.

Every input record ends as either an `IndexedDocument` or a `Rejection` that says why, so one
bad line never stops an ingest and the user learns exactly what was left out.
"""

from __future__ import annotations

import csv
import fnmatch
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from newstrace.errors import InputError
from newstrace.index.store import IndexedDocument, Store
from newstrace.textio import document_from_bytes, html_document, parse_document

DEFAULT_INCLUDE = ("*.txt", "*.text", "*.html", "*.htm", "*.jsonl", "*.jsonl.gz", "*.csv")
BATCH = 500
MAX_TEXT_BYTES = 5_000_000


@dataclass(frozen=True)
class Rejection:
    where: str
    reason: str


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
            "rejections": [{"where": r.where, "reason": r.reason} for r in self.rejected],
        }


def _iso_date(value: str | None, where: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError as exc:
        raise InputError(f"published {value!r} is not an ISO date (YYYY-MM-DD)") from exc


def record_to_document(rec: dict, where: str) -> IndexedDocument:
    """A JSONL/CSV record to a document; raises InputError with the reason when it cannot be one."""
    if not isinstance(rec, dict):
        raise InputError("record is not a JSON object")
    doc_id = rec.get("id")
    if doc_id in (None, ""):
        raise InputError("record has no id")
    text = rec.get("text")
    parsed = None
    if not text and rec.get("html"):
        parsed = html_document(str(rec["html"]))
        text = parsed.text
    if not isinstance(text, str) or not text.strip():
        raise InputError("record has no text (give `text` or `html`)")
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise InputError(f"text is over {MAX_TEXT_BYTES:,} bytes")
    parsed = parsed or parse_document(text)
    published = _iso_date(rec.get("published"), where) or (parsed.published.isoformat() if parsed.published else None)
    return IndexedDocument(
        id=str(doc_id),
        text=text,
        title=(str(rec["title"]) if rec.get("title") else None),
        url=(str(rec["url"]) if rec.get("url") else None),
        outlet=(str(rec["outlet"]) if rec.get("outlet") else None),
        published=published,
    )


Item = IndexedDocument | Rejection


def _records(lines: Iterable[str], where: str) -> Iterator[Item]:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        loc = f"{where}:{lineno}"
        try:
            yield record_to_document(json.loads(line), loc)
        except json.JSONDecodeError as exc:
            yield Rejection(loc, f"malformed JSON ({exc.msg})")
        except InputError as exc:
            yield Rejection(loc, str(exc))


def _csv_records(fh: io.TextIOBase, where: str) -> Iterator[Item]:
    reader = csv.DictReader(fh)
    if not reader.fieldnames or "id" not in reader.fieldnames:
        yield Rejection(where, "CSV has no `id` column")
        return
    for lineno, row in enumerate(reader, 2):
        try:
            yield record_to_document(row, f"{where}:{lineno}")
        except InputError as exc:
            yield Rejection(f"{where}:{lineno}", str(exc))


def _file_items(path: Path, root: Path | None) -> Iterator[Item]:
    where = str(path)
    name = path.name.lower()
    try:
        if name.endswith(".jsonl.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                yield from _records(fh, where)
        elif name.endswith(".jsonl"):
            with path.open(encoding="utf-8-sig") as fh:
                yield from _records(fh, where)
        elif name.endswith(".csv"):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                yield from _csv_records(fh, where)
        else:
            if path.stat().st_size > MAX_TEXT_BYTES:
                yield Rejection(where, f"file is over {MAX_TEXT_BYTES:,} bytes")
                return
            doc = document_from_bytes(path.read_bytes(), max_bytes=MAX_TEXT_BYTES)
            doc_id = str(path.relative_to(root)) if root else path.name
            yield IndexedDocument(
                id=doc_id,
                text=doc.text,
                published=doc.published.isoformat() if doc.published else None,
            )
    except InputError as exc:
        yield Rejection(where, str(exc))
    except (OSError, UnicodeDecodeError, EOFError, csv.Error) as exc:
        yield Rejection(where, f"cannot read ({exc})")


def iter_inputs(
    paths: Iterable[str], include: tuple[str, ...] = DEFAULT_INCLUDE, exclude: tuple[str, ...] = ()
) -> Iterator[Item]:
    for raw in paths:
        if raw == "-":
            yield from _records(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"), "stdin")
            continue
        path = Path(raw)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = str(f.relative_to(path))
                if not any(fnmatch.fnmatch(f.name, g) or fnmatch.fnmatch(rel, g) for g in include):
                    continue
                if any(fnmatch.fnmatch(f.name, g) or fnmatch.fnmatch(rel, g) for g in exclude):
                    continue
                yield from _file_items(f, path)
        elif path.exists():
            yield from _file_items(path, None)
        else:
            yield Rejection(raw, "no such file or folder")


def ingest(
    store: Store,
    items: Iterable[Item],
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> IngestReport:
    """Write documents in batches (one transaction each); rejections are collected, not raised."""
    report = IngestReport()
    pending: dict[str, IndexedDocument] = {}

    def flush() -> None:
        if not pending:
            return
        for outcome in store.upsert(pending.values()).values():
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress:
            progress(len(pending))
        pending.clear()

    for item in items:
        if isinstance(item, Rejection):
            report.rejected.append(item)
            continue
        if item.id in pending:  # the same id twice in one batch: the later one wins
            flush()
        pending[item.id] = item
        if len(pending) >= batch:
            flush()
    flush()
    return report
