"""Candidate pairs for the whole corpus at once: an inverted-index join on rare terms.

A rewrite changes the wording of every sentence but keeps the names, figures and rare words
(what `trace` queries the index with). Every document's rare terms (`index.terms.document_terms`)
are weighted by their idf in this corpus; a pair is a candidate when the weight of the terms it
shares reaches `min_shared` of the smaller document's total, and each document keeps its
`neighbours` best. Terms in too many documents are dropped: they cost most of the join and
link documents on subject alone. Weights are integers and the ratio a single IEEE division, so
the local (sparse matrix product) and Spark (join, group by) versions select exactly the same pairs.

A short text (a post, a two-sentence item) has too few rare terms for that; a document with
fewer than `dense_terms` of them also gets its nearest neighbours by document vector (the mean
of its sentence vectors, quantised to int8, so dot products are exact integers on any engine:
products of at most 127 x 127 over 384 dimensions stay below 2**24, exact even in float32).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
import pyarrow as pa
from scipy import sparse

from newstrace.options import ScanOptions

SCHEMA = pa.schema(
    [
        ("a", pa.string()),  # the smaller id of the pair
        ("b", pa.string()),
        ("ratio", pa.float64()),  # rare-term channel: shared idf weight / the smaller total (null: not found so)
        ("vector_score", pa.int64()),  # vector channel: int8 dot product of the document vectors (null: not found so)
    ]
)

QUANT = 127


def max_df(n_docs: int, options: ScanOptions) -> int:
    return max(options.max_df_floor, int(options.max_df_share * n_docs))


def term_weight(df: int, n_docs: int) -> int:
    """A term's integer idf weight (integers add up exactly, in any order, on any engine)."""
    return max(1, round(100 * math.log(n_docs / df)))


def pairable(side_a: str, side_b: str, against: bool) -> bool:
    """Without --against every pair is compared; with it only an input with a source."""
    return side_a != side_b if against else True


def candidate_pairs(
    ids: list[str],
    sides: list[str],
    terms: list[list[str]],
    options: ScanOptions,
    against: bool,
    doc_vectors: np.ndarray | None = None,
    progress: Callable[[int], None] | None = None,
) -> pa.Table:
    """The candidate pairs of the corpus (`SCHEMA`), sorted by (a, b).

    Memory: the term lists and one sparse matrix of (document, kept term) weights; the product
    is taken a block of rows at a time, so it never holds more than a block's scores.
    """
    n = len(ids)
    df = Counter(t for ts in terms for t in set(ts))
    limit = max_df(n, options)
    vocab = {t: k for k, t in enumerate(sorted(t for t, c in df.items() if 2 <= c <= limit))}
    weights = np.array([term_weight(df[t], n) for t in sorted(vocab, key=vocab.get)], dtype=np.float64)
    rows, cols = [], []
    for i, ts in enumerate(terms):
        kept = sorted({vocab[t] for t in ts if t in vocab})
        rows.extend([i] * len(kept))
        cols.extend(kept)
    binary = sparse.csr_matrix(
        (np.ones(len(rows)), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))), shape=(n, len(vocab))
    )
    weighted = binary.multiply(weights[None, :]).tocsr()
    totals = np.asarray(weighted.sum(axis=1)).ravel().astype(np.int64)
    side_arr = np.array(sides)
    order = np.argsort(np.array(ids, dtype=object), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)  # position in id order: ties between candidates go to the smaller id
    chosen: dict[tuple[int, int], int] = {}
    block = 2048
    bt = binary.T.tocsc()
    for lo in range(0, n, block):
        scores = (weighted[lo : lo + block] @ bt).tocsr()
        for r in range(scores.shape[0]):
            i = lo + r
            start, end = scores.indptr[r], scores.indptr[r + 1]
            js = scores.indices[start:end]
            shared = np.rint(scores.data[start:end]).astype(np.int64)
            keep = js != i
            if against:
                keep &= side_arr[js] != side_arr[i]
            js, shared = js[keep], shared[keep]
            if not len(js):
                continue
            smaller = np.minimum(totals[i], totals[js])
            ratio = shared / np.maximum(smaller, 1)
            ok = ratio >= options.min_shared
            js, ratio, shared = js[ok], ratio[ok], shared[ok]
            if len(js) > options.neighbours:
                best = np.lexsort((rank[js], -ratio))[: options.neighbours]
                js, shared = js[best], shared[best]
            for j, s in zip(js.tolist(), shared.tolist(), strict=True):
                chosen[(i, j) if rank[i] < rank[j] else (j, i)] = s
        if progress:
            progress(min(block, n - lo))
    by_terms = {(i, j): s / max(int(min(totals[i], totals[j])), 1) for (i, j), s in chosen.items()}
    by_vectors: dict[tuple[int, int], int] = {}
    if doc_vectors is not None:
        counts = np.diff(binary.indptr)
        queries = np.flatnonzero(counts < options.dense_terms)
        by_vectors = _vector_pairs(doc_vectors, queries, side_arr, rank, options, against)
    out = sorted(
        (ids[i], ids[j], by_terms.get((i, j)), by_vectors.get((i, j))) for i, j in set(by_terms) | set(by_vectors)
    )
    return pa.table(
        {
            "a": [o[0] for o in out],
            "b": [o[1] for o in out],
            "ratio": pa.array([o[2] for o in out], pa.float64()),
            "vector_score": pa.array([o[3] for o in out], pa.int64()),
        },
        schema=SCHEMA,
    )


def quantise(vectors: np.ndarray) -> np.ndarray:
    """A document vector: the unit mean of its sentence vectors, as int8 (see the module docstring)."""
    mean = vectors.astype(np.float32).mean(axis=0)
    mean /= max(float(np.linalg.norm(mean)), 1e-9)
    return np.rint(mean * QUANT).astype(np.int8)


def vector_threshold(options: ScanOptions) -> int:
    return int(options.min_vector_cosine * QUANT * QUANT)


def _vector_pairs(
    doc_vectors: np.ndarray,
    queries: np.ndarray,
    side_arr: np.ndarray,
    rank: np.ndarray,
    options: ScanOptions,
    against: bool,
) -> dict[tuple[int, int], int]:
    """The `neighbours` nearest documents of each query document, by exact integer dot product."""
    full = doc_vectors.astype(np.float32)
    floor = vector_threshold(options)
    found: dict[tuple[int, int], int] = {}
    for lo in range(0, len(queries), 1024):
        q = queries[lo : lo + 1024]
        scores = np.rint(full[q] @ full.T).astype(np.int64)
        for r, i in enumerate(q.tolist()):
            row = scores[r]
            js = np.flatnonzero(row >= floor)
            js = js[js != i]
            if against:
                js = js[side_arr[js] != side_arr[i]]
            if len(js) > options.neighbours:
                js = js[np.lexsort((rank[js], -row[js]))[: options.neighbours]]
            for j in js.tolist():
                found[(i, j) if rank[i] < rank[j] else (j, i)] = int(row[j])
    return found
