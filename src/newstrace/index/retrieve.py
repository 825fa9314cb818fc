"""Candidate sources from the index: BM25 over an article's rarest words, piece by piece, fused.

Names, figures and rare words survive a rewrite, so a query of the article's rarest words (rarest
in *this* index) narrows a large corpus to a few dozen candidates that `trace` then examines.
"""

from __future__ import annotations

from newstrace.index.store import Store
from newstrace.index.terms import query_terms
from newstrace.options import TraceOptions

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)


def pieces(text: str, size: int) -> list[str]:
    """`text` cut into pieces of about `size` characters, at spaces."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + size // 2, end)
            end = space if space > 0 else end
        out.append(text[start:end])
        start = end
    return out


def build_query(store: Store, text: str, pool: int, keep: int, options: TraceOptions) -> list[str]:
    """The text's words that are rarest in this index (a word it does not hold cannot match).

    Rarity in English (wordfreq) picks the pool cheaply; the index's own document counts pick
    the query, rarest first, until `keep` terms or the postings budget: in a large index the
    commoner terms add little to BM25 but most of its time.
    """
    counts = store.document_frequencies(query_terms(text, pool))
    chosen, postings = [], 0
    for term in sorted(counts, key=lambda t: (counts[t], t))[:keep]:
        if len(chosen) >= options.min_query_terms and postings + counts[term] > options.postings_budget:
            break
        chosen.append(term)
        postings += counts[term]
    return chosen


def fuse(rankings: list[list[tuple[str, float]]], limit: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of several rankings, best first."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking, 1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])[:limit]


def retrieve(store: Store, text: str, options: TraceOptions) -> list[tuple[str, float]]:
    """Candidate sources, best first: BM25 over the rarest words of the whole text and of each piece.

    Reuse inside a long document is a passage: the whole text's rarest words mostly come from
    the rest of it, so each piece asks its own question, and the rankings are fused. Documents in
    `options.exclude` are never candidates.
    """
    limit = options.candidates + len(options.exclude)
    whole = build_query(store, text, options.query_pool, options.query_terms, options)
    rankings = [store.search(whole, limit, options.since)]
    parts = pieces(text, options.chunk_chars)
    if len(parts) > 1:
        for part in parts:
            query = build_query(store, part, options.chunk_pool, options.chunk_terms, options)
            rankings.append(store.search(query, limit // 2, options.since))
    rankings = [[hit for hit in r if hit[0] not in options.exclude] for r in rankings]
    return fuse(rankings, options.candidates)
