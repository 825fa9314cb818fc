"""What the worker processes run: the comparison core, off the server's event loop.

Each worker loads its encoders once (`init_worker`, the pool's initializer) and opens the index
read-only on first use. Jobs take and return plain data (dicts in, JSON bytes out), so a worker
does the parsing, the comparison and the serialisation, and the event loop only moves bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from newstrace.align import defensible
from newstrace.compare import Comparison, compare_documents
from newstrace.embed import Encoder, SentenceEncoder, StaticEncoder
from newstrace.errors import InputError
from newstrace.faithfulness import faithfulness, use_threads
from newstrace.index.ingest import Item, Notice, Record, Rejection, record_to_document
from newstrace.index.store import Store, open_store
from newstrace.options import CompareOptions, TraceOptions
from newstrace.prepared import prepare_many
from newstrace.summary import direction_sentence, summary_sentence
from newstrace.textio import Document, html_document, parse_document
from newstrace.trace import _with_metadata, trace


@dataclass
class _Worker:
    """This process's loaded models and open index (one per worker process, set by `init_worker`)."""

    index: str = ""
    encoders: dict[str, Encoder] = field(default_factory=dict)
    store: Store | None = None

    def open_store(self) -> Store:
        if self.store is None:
            self.store = open_store(self.index, create=False)
        return self.store


_WORKER = _Worker()


def init_worker(index: str, encoders: tuple[str, ...], nice: int) -> None:
    """Load the models once per worker; one ONNX thread each, since there is a worker per core."""
    if nice:
        os.nice(nice)
    _WORKER.index = index
    for name in encoders:
        _WORKER.encoders[name] = SentenceEncoder(threads=1) if name == "minilm" else StaticEncoder()
    use_threads(1)
    faithfulness()  # loaded now, not inside the first request's time


def ready() -> int:
    """A no-op job: the pool calls it at start so every worker has loaded before the first request."""
    return os.getpid()


def read_article(article: dict) -> Document:
    """An `ArticleIn` as a Document: HTML through main-text extraction, text as given."""
    if article.get("html") is not None:
        return html_document(article["html"])
    return parse_document(article["text"])


def _view(result: Comparison) -> dict:
    shown = set(defensible(result.source, result.suspect, result.alignments))
    return {
        "summary": summary_sentence(result),
        "direction": direction_sentence(result),
        "shown_alignments": [i for i, a in enumerate(result.alignments) if a in shown],
    }


def _dump(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def compare_job(request: dict, encoder: str) -> bytes:
    """`POST /api/compare`: the `newstrace.compare/1` document (plus `view` when asked)."""
    options = CompareOptions(encoder=encoder)
    source, suspect = read_article(request["source"]), read_article(request["suspect"])
    result = compare_documents(source, suspect, options, encoder=_WORKER.encoders[encoder])
    out = result.to_json()
    if request.get("view"):
        out["view"] = {"source_text": result.source.text, "suspect_text": result.suspect.text, **_view(result)}
    return _dump(out)


def trace_job(request: dict, encoder: str) -> bytes:
    """`POST /api/trace`: the `newstrace.trace/1` document (plus `view` when asked)."""
    options = TraceOptions(compare=CompareOptions(encoder=encoder), top=request["top"], since=request.get("since"))
    enc = _WORKER.encoders[encoder]
    article = prepare_many([read_article(request["article"])], options.compare, enc)[0]
    store = _WORKER.open_store()
    result = trace(
        article,
        store,
        options,
        prepared_source=lambda doc: prepare_many([_with_metadata(doc)], options.compare, enc)[0],
    )
    out = result.to_json()
    if request.get("view"):
        out["view"] = {
            "article_text": article.text,
            "sources": {s.document.id: {"text": s.document.text, **_view(s.comparison)} for s in result.sources},
        }
    return _dump(out)


def convert_job(records: list[dict]) -> list[Item]:
    """`POST /api/documents`: records to documents (HTML extraction is CPU work), or their rejections."""
    items: list[Item] = []
    for n, rec in enumerate(records):
        where = f"documents[{n}]"
        notices: list[Notice] = []
        try:
            doc = record_to_document({k: v for k, v in rec.items() if v is not None}, where, notices)
        except InputError as exc:
            items.append(Rejection(where, str(exc)))
            continue
        except Exception as exc:  # a page the HTML extractor chokes on is rejected alone, not the batch
            items.append(Rejection(where, f"cannot read the record ({type(exc).__name__})"))
            continue
        items.extend(notices)
        items.append(Record(where, doc))
    return items
