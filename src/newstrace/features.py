"""Document-level evidence of derivation, computed from a sentence alignment.

Every feature is symmetric in the two texts (a max and a min of the per-side values), so the
derived probability does not depend on which text the caller named the source; direction is a
separate question (`direction.py`). What separates a rewrite from independent reporting of the
same event is structure, not sentence similarity: how much of a text is covered, in what order,
how densely, and with what wording carried over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from newstrace.align import Alignment, Similarity, longest_monotone_chain
from newstrace.lexical import containment, ngrams
from newstrace.prepared import PreparedText

STRONG = 0.75  # a sentence pair this similar is a paraphrase or closer


@dataclass(frozen=True)
class SideCoverage:
    source: float  # share of the source's sentence characters that were reused
    suspect: float  # share of the suspect's sentence characters supported by the source


def covered_share(lengths: np.ndarray, indices: set[int]) -> float:
    total = float(lengths.sum())
    if total <= 0:
        return 0.0
    return float(sum(lengths[i] for i in indices)) / total


def side_coverage(source: PreparedText, suspect: PreparedText, alignments: list[Alignment]) -> SideCoverage:
    return SideCoverage(
        source=covered_share(source.lengths, {a.source_index for a in alignments}),
        suspect=covered_share(suspect.lengths, {a.suspect_index for a in alignments}),
    )


def _best_run(alignments: list[Alignment], lengths: np.ndarray, side: str) -> float:
    """Characters in the longest stretch of consecutive aligned sentences on one side."""
    idx = sorted({a.suspect_index if side == "suspect" else a.source_index for a in alignments})
    best = run = 0.0
    prev = -10
    for i in idx:
        run = run + lengths[i] if i <= prev + 2 else lengths[i]
        best = max(best, run)
        prev = i
    return float(best)


def _strong_share(best: np.ndarray, lengths: np.ndarray) -> float:
    total = float(lengths.sum())
    return float(lengths[best >= STRONG].sum()) / total if total > 0 else 0.0


def _ngram_containment(source: PreparedText, suspect: PreparedText, n: int) -> tuple[float, float]:
    a = ngrams([t for toks in source.token_lists for t in toks], n)
    b = ngrams([t for toks in suspect.token_lists for t in toks], n)
    return containment(a, b), containment(b, a)


FEATURE_NAMES = (
    "cov_max",
    "cov_min",
    "strong_max",
    "strong_min",
    "mean_best_max",
    "mean_best_min",
    "order",
    "aligned_log",
    "run_max_log",
    "run_share_max",
    "ngram3_max",
    "ngram3_min",
    "ngram1_max",
    "doc_cosine",
    "length_ratio_log",
)


def document_features(
    source: PreparedText, suspect: PreparedText, sim: Similarity, alignments: list[Alignment]
) -> dict[str, float]:
    cov = side_coverage(source, suspect, alignments)
    src_len, sus_len = source.lengths, suspect.lengths
    if sim.score.size:
        best_sus = sim.score.max(axis=1)
        best_src = sim.score.max(axis=0)
    else:
        best_sus, best_src = np.zeros(len(sus_len)), np.zeros(len(src_len))
    strong = (_strong_share(best_sus, sus_len), _strong_share(best_src, src_len))
    mean_best = (
        float(np.average(best_sus, weights=sus_len)) if sus_len.sum() > 0 else 0.0,
        float(np.average(best_src, weights=src_len)) if src_len.sum() > 0 else 0.0,
    )
    chain = longest_monotone_chain(alignments)
    order = chain / len(alignments) if alignments else 0.0
    run = max(_best_run(alignments, sus_len, "suspect"), _best_run(alignments, src_len, "source"))
    run_share = max(
        _best_run(alignments, sus_len, "suspect") / max(sus_len.sum(), 1.0),
        _best_run(alignments, src_len, "source") / max(src_len.sum(), 1.0),
    )
    g3 = _ngram_containment(source, suspect, 3)
    g1 = _ngram_containment(source, suspect, 1)
    if len(source.vectors) and len(suspect.vectors):
        va = np.average(source.vectors, axis=0, weights=src_len)
        vb = np.average(suspect.vectors, axis=0, weights=sus_len)
        doc_cos = float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-9))
    else:
        doc_cos = 0.0
    total_a, total_b = max(src_len.sum(), 1.0), max(sus_len.sum(), 1.0)
    return {
        "cov_max": max(cov.source, cov.suspect),
        "cov_min": min(cov.source, cov.suspect),
        "strong_max": max(strong),
        "strong_min": min(strong),
        "mean_best_max": max(mean_best),
        "mean_best_min": min(mean_best),
        "order": order,
        "aligned_log": math.log1p(chain),
        "run_max_log": math.log1p(run),
        "run_share_max": run_share,
        "ngram3_max": max(g3),
        "ngram3_min": min(g3),
        "ngram1_max": max(g1),
        "doc_cosine": doc_cos,
        "length_ratio_log": abs(math.log(total_a / total_b)),
    }
