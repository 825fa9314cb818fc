"""Trace: find an article's sources in the index and say which sentences came from which.

A cascade: a BM25 query of the article's rarest words (names, figures, rare words survive a
rewrite) narrows the corpus to a few dozen candidates; the best few are compared with the core,
and each suspect sentence is credited to the derived source that supports it best.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from newstrace.compare import Comparison, compare_prepared
from newstrace.index.store import IndexedDocument, Store
from newstrace.index.terms import query_terms
from newstrace.options import CompareOptions
from newstrace.prepared import prepare_many
from newstrace.textio import Document, parse_document

SCHEMA = "newstrace.trace/1"
CANDIDATES = 50  # retrieved by BM25
VERIFIED = 8  # compared with the core


@dataclass
class TracedSource:
    document: IndexedDocument
    comparison: Comparison
    retrieval_score: float
    sentences: list[tuple[int, int]] = field(default_factory=list)  # suspect spans credited to it

    @property
    def role(self) -> str:
        if not self.comparison.derived:
            return "related"
        return "possible_copy" if self.comparison.direction.source_first is False else "source"

    def to_json(self) -> dict:
        c = self.comparison.to_json()
        return {
            "id": self.document.id,
            "role": self.role,
            "verdict": c["verdict"],
            "derived": c["derived"],
            "probability": c["probability"],
            "coverage": c["coverage"],
            "source_coverage": c["source_coverage"],
            "direction": c["direction"],
            "retrieval_score": round(self.retrieval_score, 4),
            "title": self.document.title,
            "url": self.document.url,
            "outlet": self.document.outlet,
            "published": self.document.published,
            "sentences": [list(s) for s in self.sentences],
            "alignments": c["alignments"],
            "findings": c["findings"],
        }


@dataclass
class TraceResult:
    article: Document
    sources: list[TracedSource]
    unsourced: list[tuple[int, int]]
    candidates: int

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "sources": [s.to_json() for s in self.sources],
            "unsourced": [list(u) for u in self.unsourced],
            "candidates": self.candidates,
        }


def _with_metadata(doc: IndexedDocument) -> Document:
    parsed = parse_document(doc.text)
    if doc.published:
        parsed = replace(parsed, published=date.fromisoformat(doc.published))
    return parsed


def trace(
    article: Document,
    store: Store,
    options: CompareOptions | None = None,
    top: int = 5,
    since: str | None = None,
    candidates: int = CANDIDATES,
    verified: int = VERIFIED,
) -> TraceResult:
    options = options or CompareOptions()
    hits = store.search(query_terms(article.body), candidates, since)
    chosen = hits[:verified]
    docs = [store.get(doc_id) for doc_id, _ in chosen]
    pairs = [(d, score) for d, (_, score) in zip(docs, chosen, strict=True) if d is not None]
    prepared = prepare_many([article] + [_with_metadata(d) for d, _ in pairs], options)
    suspect, candidates_prepared = prepared[0], prepared[1:]
    traced = [
        TracedSource(doc, compare_prepared(prep, suspect, options), score)
        for (doc, score), prep in zip(pairs, candidates_prepared, strict=True)
    ]
    traced.sort(key=lambda t: (not t.comparison.derived, -t.comparison.probability))
    # credit each suspect sentence to the derived source whose alignment supports it best
    best: dict[int, tuple[float, TracedSource]] = {}
    for t in traced:
        if not t.comparison.derived:
            continue
        for a in t.comparison.alignments:
            if a.suspect_index not in best or a.score > best[a.suspect_index][0]:
                best[a.suspect_index] = (a.score, t)
    for i, (_, t) in sorted(best.items()):
        seg = suspect.segments[i]
        t.sentences.append((seg.start, seg.end))
    unsourced = [(s.start, s.end) for i, s in enumerate(suspect.segments) if i not in best]
    shown = [t for t in traced if t.comparison.derived or t.sentences][:top]
    if len(shown) < top:
        shown += [t for t in traced if t not in shown][: top - len(shown)]
    return TraceResult(article=article, sources=shown, unsourced=unsourced, candidates=len(hits))
