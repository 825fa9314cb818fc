"""Trace: find an article's sources in the index and say which sentences came from which.

A cascade: a BM25 query of the article's rarest words (names, figures, rare words survive a
rewrite) narrows the corpus to a few dozen candidates; the best few are compared with the core
(by default with the static vectors, which keep a trace inside ~150 ms at a million documents),
and each suspect sentence is credited to the derived source that supports it best.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date

from newstrace.changes import analyse_changes
from newstrace.compare import Comparison, compare_prepared
from newstrace.index.store import IndexedDocument, Store
from newstrace.index.terms import query_terms
from newstrace.lexical import STOPWORDS, rarity, tokens
from newstrace.options import TRACE_ENCODER, CompareOptions
from newstrace.prepared import PreparedText, prepare_many
from newstrace.textio import Document, parse_document

SCHEMA = "newstrace.trace/1"
CANDIDATES = 50  # retrieved by BM25, then re-ranked by passage evidence
VERIFIED = 4  # compared with the core


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
    ranking: list[str] = field(default_factory=list)  # every candidate id: verified first, best first
    timings_ms: dict[str, float] = field(default_factory=dict)  # where the time went, stage by stage
    encoder: str = ""  # the sentence vectors the sources were verified with

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "sources": [s.to_json() for s in self.sources],
            "unsourced": [list(u) for u in self.unsourced],
            "candidates": self.candidates,
            "encoder": self.encoder,
            "timings_ms": self.timings_ms,
        }


def _with_metadata(doc: IndexedDocument) -> Document:
    parsed = parse_document(doc.text)
    if doc.published:
        parsed = replace(parsed, published=date.fromisoformat(doc.published))
    return parsed


CHUNK_CHARS = 2000  # a long article is also queried piece by piece
QUERY_POOL, QUERY_TERMS = 60, 20  # rarest words considered, and kept by their index frequency
CHUNK_POOL, CHUNK_TERMS = 30, 16
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


POSTINGS_BUDGET = 40_000  # per query: BM25 time follows the postings it reads
MIN_QUERY_TERMS = 8


def _query(store: Store, text: str, pool: int, keep: int) -> list[str]:
    """The text's words that are rarest in this index (a word it does not hold cannot match).

    Rarity in English (wordfreq) picks the pool cheaply; the index's own document counts pick
    the query, rarest first, until `keep` terms or the postings budget: in a large index the
    commoner terms add little to BM25 but most of its time.
    """
    counts = store.document_frequencies(query_terms(text, pool))
    chosen, postings = [], 0
    for term in sorted(counts, key=lambda t: (counts[t], t))[:keep]:
        if len(chosen) >= MIN_QUERY_TERMS and postings + counts[term] > POSTINGS_BUDGET:
            break
        chosen.append(term)
        postings += counts[term]
    return chosen


def retrieve(store: Store, text: str, limit: int = CANDIDATES, since: str | None = None) -> list[tuple[str, float]]:
    """Candidate sources, best first: BM25 over the rarest words of the whole text and of each piece.

    Reuse inside a long document is a passage: the whole text's rarest words mostly come from
    the rest of it, so each ~2,000-character piece asks its own question, and the rankings are
    merged by reciprocal rank fusion.
    """
    rankings = [store.search(_query(store, text, QUERY_POOL, QUERY_TERMS), limit, since)]
    pieces = _chunks(text)
    if len(pieces) > 1:
        rankings += [store.search(_query(store, p, CHUNK_POOL, CHUNK_TERMS), limit // 2, since) for p in pieces]
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking, 1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])[:limit]


WINDOW_WORDS = 60  # a passage-sized window of content words
SHARED_TRIGRAMS_CAP = 50


@dataclass(frozen=True)
class _Passages:
    """A text's 60-content-word windows with their rarity weights, and its word trigrams."""

    vocabulary: frozenset[str]
    windows: tuple[tuple[frozenset[str], float], ...]
    weight: dict[str, float]
    trigrams: tuple[tuple[str, str, str], ...]


def _passages(toks: list[str]) -> _Passages:
    words = [t for t in toks if t not in STOPWORDS and len(t) > 1]
    weight = {t: rarity(t) + 0.5 for t in set(words)}
    windows = []
    for start in range(0, max(1, len(words) - WINDOW_WORDS + 1), WINDOW_WORDS // 2):
        window = frozenset(words[start : start + WINDOW_WORDS])
        windows.append((window, sum(weight[t] for t in window)))
    return _Passages(frozenset(words), tuple(windows), weight, tuple(zip(toks, toks[1:], toks[2:], strict=False)))


def _best_window(text: _Passages, vocabulary: frozenset[str]) -> float:
    """The best rarity-weighted share of one of `text`'s windows found in `vocabulary`."""
    best = 0.0
    for window, total in text.windows:
        if total:
            best = max(best, sum(text.weight[t] for t in window & vocabulary) / total)
    return best


def _evidence(suspect: _Passages, candidate: _Passages) -> float:
    local = 0.5 * (_best_window(suspect, candidate.vocabulary) + _best_window(candidate, suspect.vocabulary))
    trigrams = set(candidate.trigrams)
    shared = sum(1 for g in suspect.trigrams if g in trigrams)
    return local + min(1.0, shared / SHARED_TRIGRAMS_CAP)


def passage_evidence(suspect_tokens: list[str], candidate_text: str) -> float:
    """How strongly some passage of the suspect and some passage of a candidate match (0 to 2).

    BM25 over a whole long text favours documents about the same topic; reuse is local. This is
    written here because it is the cascade's own idea: the best rarity-weighted containment of a
    60-content-word window of each text in the other's vocabulary (names and rare words survive
    paraphrase; asking it both ways stops a long, wide-ranging candidate from matching every
    window by sheer vocabulary), plus the share of shared word trigrams, capped (copied wording).
    """
    return _evidence(_passages(suspect_tokens), _passages(tokens(candidate_text)))


def rerank(store: Store, text: str, hits: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Candidates re-ordered by passage evidence (retrieval order breaks ties)."""
    suspect = _passages(tokens(text))  # once, not once per candidate
    scored = []
    for rank, (doc_id, _) in enumerate(hits):
        doc = store.get(doc_id)
        if doc is not None:
            scored.append((_evidence(suspect, _passages(tokens(doc.text))), -rank, doc_id))
    scored.sort(reverse=True)
    return [(doc_id, score) for score, _, doc_id in scored]


EVIDENCE_FLOOR = 0.2  # below this no passage of the suspect is found in a candidate
EVIDENCE_SHARE = 0.25  # of the best candidate's evidence


def worth_verifying(hits: list[tuple[str, float]], verified: int) -> list[tuple[str, float]]:
    """The re-ranked candidates the core should compare: the best one always, others with evidence.

    The core costs ~10 ms a document with the static vectors (~100 ms with MiniLM), mostly the
    sentence split; a candidate in which no passage of the suspect is found cannot be its source,
    so it is not worth that cost. Floors measured on
    DEV fit pairs: derived pairs below 0.2 are almost all fabrications that keep only the topic.
    """
    if not hits:
        return []
    best = hits[0][1]
    keep = [hits[0]] + [h for h in hits[1:] if h[1] >= max(EVIDENCE_FLOOR, EVIDENCE_SHARE * best)]
    return keep[:verified]


def trace(
    article: Document,
    store: Store,
    options: CompareOptions | None = None,
    top: int = 3,
    since: str | None = None,
    candidates: int = CANDIDATES,
    verified: int = VERIFIED,
) -> TraceResult:
    """Trace an article: retrieve, re-rank, prepare the article and its best candidates, verify them.

    At least `top` candidates are verified, so asking for more sources costs more time. The
    vectors are `options.encoder`'s: callers who pass their own options and want trace's fast
    default say `CompareOptions(encoder=TRACE_ENCODER, ...)`.
    """
    options = options or CompareOptions(encoder=TRACE_ENCODER)
    verified = max(verified, top)
    clock = [time.perf_counter()]
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the article's sentences are split and embedded while the index is searched: SQLite
        # releases the GIL, so on two cores the two overlap
        article_prepared = pool.submit(prepare_many, [article], options)
        found = retrieve(store, article.body, candidates, since)
        clock.append(time.perf_counter())
        hits = rerank(store, article.body, found)
        clock.append(time.perf_counter())
        chosen = worth_verifying(hits, verified)
        docs = [(d, score) for d, score in ((store.get(i), score) for i, score in chosen) if d is not None]
        prepared = article_prepared.result() + prepare_many([_with_metadata(d) for d, _ in docs], options)
    clock.append(time.perf_counter())
    lookup = {d.id: p for (d, _), p in zip(docs, prepared[1:], strict=True)}
    result = trace_prepared(prepared[0], store, lookup.__getitem__, options, top, hits, verified)
    clock.append(time.perf_counter())
    stages = ("retrieve", "rerank", "embed", "compare")
    result.timings_ms = {k: round(1000 * (b - a), 1) for k, a, b in zip(stages, clock[:-1], clock[1:], strict=True)}
    return result


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
    for doc_id, score in worth_verifying(hits, verified):
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
    checked = [t.document.id for t in traced]
    ranking = checked + [doc_id for doc_id, _ in hits if doc_id not in checked]
    return TraceResult(
        article=suspect.document,
        sources=shown,
        unsourced=unsourced,
        candidates=len(hits),
        ranking=ranking,
        encoder=suspect.encoder,
    )
