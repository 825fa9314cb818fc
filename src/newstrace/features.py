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
from newstrace.lexical import containment, names, ngrams, rare_words, weighted_containment
from newstrace.prepared import PreparedText

STRONG = 0.75  # a sentence pair this similar is a paraphrase or closer
MID = 0.65  # ... and this similar, a loose paraphrase or a shared fact


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


def _strong_share(best: np.ndarray, lengths: np.ndarray, level: float = STRONG) -> float:
    total = float(lengths.sum())
    return float(lengths[best >= level].sum()) / total if total > 0 else 0.0


def _ngram_containment(source: PreparedText, suspect: PreparedText, n: int) -> tuple[float, float]:
    a = ngrams([t for toks in source.token_lists for t in toks], n)
    b = ngrams([t for toks in suspect.token_lists for t in toks], n)
    return containment(a, b), containment(b, a)


def _peakedness(score: np.ndarray, lengths: np.ndarray) -> float:
    """How far each sentence's best match stands above its typical match (length-weighted).

    A rewrite has one clear counterpart per sentence; independent reports of one event share
    names and figures everywhere, so their similarity is high but diffuse.
    """
    if score.shape[1] < 2 or lengths.sum() <= 0:
        return 0.0
    peak = score.max(axis=1) - np.median(score, axis=1)
    return float(np.average(peak, weights=lengths))


def _diagonal_share(alignments: list[Alignment]) -> float:
    """Share of aligned sentences followed by an aligned one that continues the other side's order.

    Taken from both sides and the larger kept, so the feature is symmetric.
    """
    forward = _diagonal_one_side([(a.suspect_index, a.source_index) for a in alignments])
    backward = _diagonal_one_side([(a.source_index, a.suspect_index) for a in alignments])
    return max(forward, backward)


def _diagonal_one_side(pairs: list[tuple[int, int]]) -> float:
    by_suspect: dict[int, set[int]] = {}
    for i, j in pairs:
        by_suspect.setdefault(i, set()).add(j)
    if len(by_suspect) < 2:
        return 0.0
    keys = sorted(by_suspect)
    hits = 0
    for i, k in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if nxt - k <= 2 and any(0 <= j2 - j1 <= 3 for j1 in by_suspect[k] for j2 in by_suspect[nxt]):
            hits += 1
    return hits / (len(keys) - 1)


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
    "mid_max",
    "mid_min",
    "peak_max",
    "peak_min",
    "diagonal",
    "ngram2_max",
    "names_max",
    "names_min",
    "rare_max",
    "rare_min",
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
    mid = (_strong_share(best_sus, sus_len, MID), _strong_share(best_src, src_len, MID))
    peak = (_peakedness(sim.score, sus_len), _peakedness(sim.score.T, src_len)) if sim.score.size else (0.0, 0.0)
    mean_best = (
        float(np.average(best_sus, weights=sus_len)) if sus_len.sum() > 0 else 0.0,
        float(np.average(best_src, weights=src_len)) if src_len.sum() > 0 else 0.0,
    )
    chain = longest_monotone_chain(alignments)
    order = chain / len(alignments) if alignments else 0.0
    run_sus, run_src = _best_run(alignments, sus_len, "suspect"), _best_run(alignments, src_len, "source")
    run = max(run_sus, run_src)
    run_share = max(run_sus / max(sus_len.sum(), 1.0), run_src / max(src_len.sum(), 1.0))
    g3 = _ngram_containment(source, suspect, 3)
    g1 = _ngram_containment(source, suspect, 1)
    g2 = _ngram_containment(source, suspect, 2)
    if len(source.vectors) and len(suspect.vectors):
        va = np.average(source.vectors, axis=0, weights=src_len)
        vb = np.average(suspect.vectors, axis=0, weights=sus_len)
        doc_cos = float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-9))
    else:
        doc_cos = 0.0
    total_a, total_b = max(src_len.sum(), 1.0), max(sus_len.sum(), 1.0)
    names_a, names_b = names(source.document.body), names(suspect.document.body)
    shared_names = (containment(names_a, names_b), containment(names_b, names_a))
    rare_a = rare_words(t for toks in source.token_lists for t in toks)
    rare_b = rare_words(t for toks in suspect.token_lists for t in toks)
    shared_rare = (weighted_containment(rare_a, rare_b), weighted_containment(rare_b, rare_a))
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
        "mid_max": max(mid),
        "mid_min": min(mid),
        "peak_max": max(peak),
        "peak_min": min(peak),
        "diagonal": _diagonal_share(alignments),
        "ngram2_max": max(g2),
        "names_max": max(shared_names),
        "names_min": min(shared_names),
        "rare_max": max(shared_rare),
        "rare_min": min(shared_rare),
    }
