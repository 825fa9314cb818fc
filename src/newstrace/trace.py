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

from newstrace.align import check_pair_size
from newstrace.changes import analyse_changes
from newstrace.compare import Comparison, compare_prepared
from newstrace.index.retrieve import retrieve
from newstrace.index.store import IndexedDocument, Store
from newstrace.lexical import STOPWORDS, rarity, tokens
from newstrace.options import TraceOptions
from newstrace.prepared import PreparedText, prepare_many
from newstrace.textio import Document, parse_document

SCHEMA = "newstrace.trace/1"


@dataclass
class TracedSource:
    document: IndexedDocument
    comparison: Comparison
    retrieval_score: float
    sentences: list[tuple[int, int]] = field(default_factory=list)  # suspect spans credited to it
    possible_copy_confidence: float = TraceOptions.possible_copy_confidence

    @property
    def role(self) -> str:
        """`source`, `possible_copy` (it seems to have been made from the article) or `related`.

        A derived candidate is a possible copy only on date evidence, or when the text evidence
        says so with a calibrated confidence of at least `possible_copy_confidence`: calling a
        true source a copy of its rewrite is the worse mistake.
        """
        if not self.comparison.derived:
            return "related"
        direction = self.comparison.direction
        if direction.source_first is False and (
            direction.basis == "dates" or direction.confidence >= self.possible_copy_confidence
        ):
            return "possible_copy"
        return "source"

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


def worth_verifying(hits: list[tuple[str, float]], options: TraceOptions) -> list[tuple[str, float]]:
    """The re-ranked candidates the core should compare: the best one always, others with evidence.

    The core costs ~10 ms a document with the static vectors (~100 ms with MiniLM), mostly the
    sentence split; a candidate in which no passage of the suspect is found cannot be its source,
    so it is not worth that cost. Floors measured on
    DEV fit pairs: derived pairs below 0.2 are almost all fabrications that keep only the topic.
    """
    if not hits:
        return []
    floor = max(options.evidence_floor, options.evidence_share * hits[0][1])
    keep = [hits[0]] + [h for h in hits[1:] if h[1] >= floor]
    return keep[: max(options.verified, options.top)]


def trace(
    article: Document | PreparedText,
    store: Store,
    options: TraceOptions | None = None,
    prepared_source: Callable[[IndexedDocument], PreparedText] | None = None,
) -> TraceResult:
    """Trace an article: retrieve, re-rank, prepare the article and its best candidates, verify them.

    At least `options.top` candidates are verified, so asking for more sources costs more time.
    Batch callers (evaluation, scans) may pass the article already prepared and a
    `prepared_source` that returns cached preparations; both must use `options.compare.encoder`.
    """
    options = options or TraceOptions()
    compare_options = options.compare
    clock = [time.perf_counter()]
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the article's sentences are split and embedded while the index is searched: SQLite
        # releases the GIL, so on two cores the two overlap
        if isinstance(article, PreparedText):
            suspect_future = None
            body = article.document.body
        else:
            suspect_future = pool.submit(prepare_many, [article], compare_options)
            body = article.body
        found = retrieve(store, body, options)
        clock.append(time.perf_counter())
        hits = rerank(store, body, found)
        clock.append(time.perf_counter())
        docs = [d for d in (store.get(i) for i, _ in worth_verifying(hits, options)) if d is not None]
        if prepared_source is None:
            sources = prepare_many([_with_metadata(d) for d in docs], compare_options)
        else:
            sources = [prepared_source(d) for d in docs]
        suspect = article if suspect_future is None else suspect_future.result()[0]
    clock.append(time.perf_counter())
    lookup = {d.id: p for d, p in zip(docs, sources, strict=True)}
    result = _verify(suspect, store, lookup, options, hits)
    clock.append(time.perf_counter())
    stages = ("retrieve", "rerank", "embed", "compare")
    result.timings_ms = {k: round(1000 * (b - a), 1) for k, a, b in zip(stages, clock[:-1], clock[1:], strict=True)}
    return result


def _verify(
    suspect: PreparedText,
    store: Store,
    prepared: dict[str, PreparedText],
    options: TraceOptions,
    hits: list[tuple[str, float]],
) -> TraceResult:
    """Compare the candidates worth it with the core, and credit each sentence to its best source."""
    traced = []
    scores = dict(hits)
    pair_limit = options.compare.max_sentence_pairs
    # an indexed text too long to align with this article is left unverified (it keeps its place in
    # the ranking) rather than failing the whole trace; if no candidate fits, the article is refused
    fitting = {k: p for k, p in prepared.items() if len(p.segments) * len(suspect.segments) <= pair_limit}
    if prepared and not fitting:
        check_pair_size(len(suspect.segments), min(len(p.segments) for p in prepared.values()), options.compare)
    for doc_id, source in fitting.items():
        doc = store.get(doc_id)
        if doc is not None:
            comparison = compare_prepared(source, suspect, options.compare, explain=False)
            traced.append(TracedSource(doc, comparison, scores[doc_id], [], options.possible_copy_confidence))
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
    top = options.top
    shown = [t for t in traced if t.comparison.derived or t.sentences][:top]
    if len(shown) < top:
        shown += [t for t in traced if t not in shown][: top - len(shown)]
    if options.explain:  # change analysis only for the derived sources that are shown
        for t in shown:
            if t.comparison.derived:
                t.comparison.findings = analyse_changes(prepared[t.document.id], suspect, t.comparison.alignments)
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
