"""Trace: find an article's sources in the index and say which sentences came from which.

A cascade: a BM25 query of the article's rarest words (names, figures, rare words survive a
rewrite) narrows the corpus to a few dozen candidates; the best few are compared with the core,
and each suspect sentence is credited to the derived source that supports it best.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from newstrace.changes import analyse_changes
from newstrace.compare import Comparison, compare_prepared
from newstrace.index.store import IndexedDocument, Store
from newstrace.index.terms import query_terms
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText, prepare_many
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


CHUNK_CHARS = 2000  # a long article is also queried piece by piece
CHUNK_TERMS = 20
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)


def _chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + size // 2, end)
            end = space if space > 0 else end
        out.append(text[start:end])
        start = end
    return out


def retrieve(store: Store, text: str, limit: int = CANDIDATES, since: str | None = None) -> list[tuple[str, float]]:
    """Candidate sources, best first: BM25 over the rarest words of the whole text and of each piece.

    Reuse inside a long document is a passage: the whole text's rarest words mostly come from
    the rest of it, so each ~2,000-character piece asks its own question, and the rankings are
    merged by reciprocal rank fusion.
    """
    rankings = [store.search(query_terms(text), limit, since)]
    pieces = _chunks(text)
    if len(pieces) > 1:
        rankings += [store.search(query_terms(p, CHUNK_TERMS), limit // 2, since) for p in pieces]
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking, 1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])[:limit]


def trace(
    article: Document,
    store: Store,
    options: CompareOptions | None = None,
    top: int = 5,
    since: str | None = None,
    candidates: int = CANDIDATES,
    verified: int = VERIFIED,
) -> TraceResult:
    """Trace an article: retrieve, prepare the article and its best candidates, verify them."""
    options = options or CompareOptions()
    hits = retrieve(store, article.body, candidates, since)
    docs = [(d, score) for d, score in ((store.get(i), score) for i, score in hits[:verified]) if d is not None]
    prepared = prepare_many([article] + [_with_metadata(d) for d, _ in docs], options)
    lookup = {d.id: p for (d, _), p in zip(docs, prepared[1:], strict=True)}
    return trace_prepared(prepared[0], store, lookup.__getitem__, options, top, hits, verified)


def trace_prepared(
    suspect: PreparedText,
    store: Store,
    prepared_source: Callable[[str], PreparedText],
    options: CompareOptions,
    top: int,
    hits: list[tuple[str, float]],
    verified: int = VERIFIED,
    explain: bool = True,
) -> TraceResult:
    """Verify retrieved candidates (prepared by the caller, who may cache them) and credit sentences."""
    traced = []
    for doc_id, score in hits[:verified]:
        doc = store.get(doc_id)
        if doc is not None:
            comparison = compare_prepared(prepared_source(doc_id), suspect, options, explain=False)
            traced.append(TracedSource(doc, comparison, score))
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
    if explain:  # change analysis only for the derived sources that are shown
        for t in shown:
            if t.comparison.derived:
                t.comparison.findings = analyse_changes(
                    prepared_source(t.document.id), suspect, t.comparison.alignments
                )
    return TraceResult(article=suspect.document, sources=shown, unsourced=unsourced, candidates=len(hits))
