"""Reading articles for the index: text and HTML files, folders, JSONL and CSV with metadata.

Every input record ends as either a `Record` (a document and where it came from) or a
`Rejection` that says where (`file:line`) and why, so one bad line (bad bytes, bad JSON, a
5,000-digit number, deep nesting, an oversize field) never stops an ingest and the user learns
exactly what was left out. JSONL is read line by line as bytes, each line at most
`MAX_LINE_BYTES`, so neither a bad byte nor a huge line costs more than that line.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import gzip
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from newstrace.errors import InputError
from newstrace.index.store import IndexedDocument, Store
from newstrace.options import CompareOptions
from newstrace.segment import TooManySentences, split_sentences
from newstrace.textio import clean_view, document_from_bytes, html_document, parse_document

DEFAULT_INCLUDE = ("*.txt", "*.text", "*.html", "*.htm", "*.jsonl", "*.jsonl.gz", "*.csv")
BATCH = 500
#: The per-document limit: a text (or an HTML page) over this many UTF-8 bytes is rejected.
MAX_TEXT_BYTES = 5_000_000
#: A JSONL line over this is rejected unread (JSON escapes can make a line longer than its text).
MAX_LINE_BYTES = 4 * MAX_TEXT_BYTES
ON_ERROR = ("skip", "stop")
#: The per-text limits of `compare` and `trace` (sentences), applied to every document indexed.
_LIMITS = CompareOptions()
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class IngestOptions:
    """What `index add` reads and how it treats a bad record; validated when built."""

    #: Globs of files taken from folders, and of files skipped in them.
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    #: The inputs' encoding (default: UTF-8 for JSONL and CSV, detected for text and HTML files).
    encoding: str | None = None
    #: On a rejected record: "skip" it and go on, or "stop" reading (what was accepted is kept).
    on_error: str = "skip"

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, got {self.on_error!r}")
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError as exc:
                raise ValueError(f"unknown encoding {self.encoding!r}; give a codec name such as cp1252") from exc


@dataclass(frozen=True)
class Rejection:
    where: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """A record accepted with something left out (a bad `published` date), and why."""

    where: str
    message: str


@dataclass(frozen=True)
class Record:
    where: str
    doc: IndexedDocument


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    #: True when `on_error="stop"` ended the ingest at its first rejection.
    stopped: bool = False

    @property
    def accepted(self) -> int:
        return self.added + self.updated + self.skipped

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
            "rejections": [{"where": r.where, "reason": r.reason} for r in self.rejected],
            "warnings": [{"where": w.where, "message": w.message} for w in self.warnings],
            "stopped": self.stopped,
        }


def parse_published(value: object) -> str | None:
    """An ISO date or datetime (surrounding whitespace ignored) as YYYY-MM-DD; ValueError if not one."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        raise ValueError(f"published {str(value)[:40]!r} is not an ISO date (YYYY-MM-DD) or datetime") from None


def check_sentences(text: str, limits: CompareOptions = _LIMITS) -> None:
    """Refuse (`InputError`) a text that `compare` and `trace` would refuse for its sentence count.

    Every segment holds at least one word, so a text of at most `max_sentences` words (any text
    under ~1.2 MB of prose) passes without being split; only a longer one is split to count.
    """
    if len(text.split()) <= limits.max_sentences:
        return
    try:
        split_sentences(clean_view(text), 0, limits.max_segment_words, limits.max_paragraph_chars, limits.max_sentences)
    except TooManySentences:
        raise InputError(
            f"text has more than {limits.max_sentences:,} sentences (CompareOptions.max_sentences), "
            "so trace could never verify it; split it into smaller documents"
        ) from None


def _check_unicode(rec: dict) -> None:
    for key, value in rec.items():
        if isinstance(value, str) and _SURROGATE.search(value):
            raise InputError(f"field {str(key)[:40]!r} is not valid Unicode (undecodable bytes or a lone surrogate)")


def record_to_document(rec: dict, where: str, notices: list[Notice] | None = None) -> IndexedDocument:
    """A JSONL/CSV record to a document; raises InputError with the reason when it cannot be one.

    A `published` that is not an ISO date is dropped, with a Notice appended to `notices`.
    """
    if not isinstance(rec, dict):
        raise InputError("record is not a JSON object")
    _check_unicode(rec)
    doc_id = rec.get("id")
    if doc_id in (None, ""):
        raise InputError("record has no id")
    if not isinstance(doc_id, str | int) or isinstance(doc_id, bool):
        raise InputError(f"id must be a string or a number, not {type(doc_id).__name__}")
    text = rec.get("text")
    parsed = None
    if not text and rec.get("html"):
        html = rec["html"]
        if not isinstance(html, str):
            raise InputError("`html` must be a string")
        if len(html) > MAX_TEXT_BYTES:
            raise InputError(f"html is over {MAX_TEXT_BYTES:,} characters")
        parsed = html_document(html)
        text = parsed.text
    if not isinstance(text, str) or not text.strip():
        raise InputError("record has no text (give `text` or `html`)")
    if len(text) > MAX_TEXT_BYTES or len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise InputError(f"text is over {MAX_TEXT_BYTES:,} bytes")
    check_sentences(text)
    parsed = parsed or parse_document(text)
    try:
        published = parse_published(rec.get("published"))
    except ValueError as exc:
        published = None
        if notices is not None:
            notices.append(Notice(where, f"{exc}; the date was left out"))
    if published is None and parsed.published:
        published = parsed.published.isoformat()
    return IndexedDocument(
        id=str(doc_id),
        text=text,
        title=(str(rec["title"]) if rec.get("title") else None),
        url=(str(rec["url"]) if rec.get("url") else None),
        outlet=(str(rec["outlet"]) if rec.get("outlet") else None),
        published=published,
    )


Item = Record | Rejection | Notice


def _one_record(rec: object, loc: str) -> Iterator[Item]:
    notices: list[Notice] = []
    try:
        doc = record_to_document(rec, loc, notices)  # type: ignore[arg-type]
    except InputError as exc:
        yield Rejection(loc, str(exc))
        return
    yield from notices
    yield Record(loc, doc)


def _parse_json_line(text: str, loc: str) -> Iterator[Item]:
    try:
        rec = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Rejection(loc, f"malformed JSON ({exc.msg} at column {exc.colno})")
        return
    except RecursionError:
        yield Rejection(loc, "malformed JSON (nested too deep)")
        return
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        yield Rejection(loc, f"malformed JSON ({str(exc).split(';')[0]})")
        return
    yield from _one_record(rec, loc)


def _byte_lines(fh: BinaryIO) -> Iterator[bytes | None]:
    """The lines of a binary stream, each read with a bounded buffer; None for an overlong line."""
    while True:
        line = fh.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line


def _jsonl_records(fh: BinaryIO, where: str, encoding: str | None) -> Iterator[Item]:
    codec = encoding or "utf-8"
    if "\n".encode(codec) != b"\n":  # UTF-16/32: lines are not split at the byte b"\n"
        yield from _jsonl_wide(fh, where, codec)
        return
    lineno = 0
    try:
        for lineno, raw in enumerate(_byte_lines(fh), 1):
            loc = f"{where}:{lineno}"
            if raw is None:
                yield Rejection(loc, f"line is over {MAX_LINE_BYTES:,} bytes")
                continue
            if lineno == 1 and codec.replace("_", "-").lower() in ("utf-8", "utf8") and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 4]
                reason = f"not valid {codec} at byte {exc.start + 1} of the line ({bad!r})"
                yield Rejection(loc, reason + "; fix the line or pass --encoding")
                continue
            if text.strip():
                yield from _parse_json_line(text, loc)
    except EOFError:
        yield Rejection(f"{where}:{lineno + 1}", "file ends in the middle (truncated); the lines before were kept")


def _jsonl_wide(fh: BinaryIO, where: str, codec: str) -> Iterator[Item]:
    lineno = 0
    try:
        for lineno, text in enumerate(io.TextIOWrapper(fh, encoding=codec, errors="surrogateescape"), 1):
            if len(text) > MAX_LINE_BYTES:
                yield Rejection(f"{where}:{lineno}", f"line is over {MAX_LINE_BYTES:,} characters")
            elif text.strip():
                yield from _parse_json_line(text, f"{where}:{lineno}")
    except EOFError:
        yield Rejection(f"{where}:{lineno + 1}", "file ends in the middle (truncated); the lines before were kept")


def _csv_records(fh: BinaryIO, where: str, encoding: str | None) -> Iterator[Item]:
    # a field may be as long as the per-document limit (the csv module's default is 128 KiB);
    # undecodable bytes become lone surrogates, and the record holding them is rejected alone
    csv.field_size_limit(max(csv.field_size_limit(), MAX_TEXT_BYTES + 1))
    text = io.TextIOWrapper(fh, encoding=encoding or "utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        yield Rejection(f"{where}:1", f"cannot read the CSV header ({exc})")
        return
    if not fieldnames or "id" not in fieldnames:
        yield Rejection(where, "CSV has no `id` column")
        return
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            yield Rejection(f"{where}:{start}", f"malformed CSV row ({exc}); the limit is {MAX_TEXT_BYTES:,}")
            continue
        end = reader.line_num
        yield from _one_record(row, f"{where}:{start}")


def _file_items(path: Path, root: Path | None, encoding: str | None) -> Iterator[Item]:
    where = str(path)
    name = path.name.lower()
    try:
        if name.endswith(".jsonl.gz"):
            with gzip.open(path, "rb") as fh:
                yield from _jsonl_records(fh, where, encoding)
        elif name.endswith(".jsonl"):
            with path.open("rb") as fh:
                yield from _jsonl_records(fh, where, encoding)
        elif name.endswith(".csv"):
            with path.open("rb") as fh:
                yield from _csv_records(fh, where, encoding)
        else:
            if path.stat().st_size > MAX_TEXT_BYTES:
                yield Rejection(where, f"file is over {MAX_TEXT_BYTES:,} bytes")
                return
            doc = document_from_bytes(path.read_bytes(), encoding=encoding, max_bytes=MAX_TEXT_BYTES)
            check_sentences(doc.text)
            doc_id = str(path.relative_to(root)) if root else path.name
            published = doc.published.isoformat() if doc.published else None
            yield Record(where, IndexedDocument(id=doc_id, text=doc.text, published=published))
    except InputError as exc:
        yield Rejection(where, str(exc))
    except (OSError, EOFError) as exc:
        yield Rejection(where, f"cannot read ({exc.strerror if isinstance(exc, OSError) and exc.strerror else exc})")


def iter_inputs(paths: Iterable[str], options: IngestOptions | None = None) -> Iterator[Item]:
    options = options or IngestOptions()
    for raw in paths:
        if raw == "-":
            yield from _jsonl_records(sys.stdin.buffer, "stdin", options.encoding)
            continue
        path = Path(raw)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = str(f.relative_to(path))
                if not any(fnmatch.fnmatch(f.name, g) or fnmatch.fnmatch(rel, g) for g in options.include):
                    continue
                if any(fnmatch.fnmatch(f.name, g) or fnmatch.fnmatch(rel, g) for g in options.exclude):
                    continue
                yield from _file_items(f, path, options.encoding)
        elif path.exists():
            yield from _file_items(path, None, options.encoding)
        else:
            yield Rejection(raw, "no such file or folder")


def ingest(
    store: Store,
    items: Iterable[Item | IndexedDocument],
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
    on_error: str = "skip",
) -> IngestReport:
    """Write documents in batches (one transaction each); rejections are collected, not raised.

    An id given twice in one ingest keeps its first record: a later one with the same content is
    skipped, one with other content is rejected (so re-running an unchanged ingest skips all of it).
    With `on_error="stop"` the first rejection ends the reading; what was accepted is written.
    """
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, got {on_error!r}")
    report = IngestReport()
    pending: dict[str, IndexedDocument] = {}
    seen: dict[str, tuple[str, str]] = {}  # id -> (content hash, where it was first given)

    def flush() -> None:
        if not pending:
            return
        for outcome in store.upsert(pending.values()).values():
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress:
            progress(len(pending))
        pending.clear()

    for item in items:
        if isinstance(item, Notice):
            report.warnings.append(item)
            continue
        if isinstance(item, Rejection):
            report.rejected.append(item)
            if on_error == "stop":
                report.stopped = True
                break
            continue
        where, doc = (item.where, item.doc) if isinstance(item, Record) else (item.id, item)
        digest = doc.content_hash
        first = seen.get(doc.id)
        if first is not None:
            if first[0] == digest[:16]:
                report.skipped += 1
                continue
            report.rejected.append(
                Rejection(where, f"id {doc.id!r} was already given at {first[1]} with other content; the first is kept")
            )
            if on_error == "stop":
                report.stopped = True
                break
            continue
        seen[doc.id] = (digest[:16], where)
        pending[doc.id] = doc
        if len(pending) >= batch:
            flush()
    flush()
    return report
