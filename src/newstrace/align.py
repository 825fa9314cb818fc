"""Sentence alignment: which source sentences support each suspect sentence.

The scoring mixes a semantic signal (MiniLM cosine) with a lexical one (rarity-weighted word
overlap), so both a paraphrase and a near copy score high. Selection is symmetric on purpose:
a pair is kept when it is the best match for its suspect sentence *or* for its source sentence.
That admits splits (one source sentence, two suspect sentences) and merges (two into one) with
no extra pass, and aligning B with A gives the mirror image of aligning A with B.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from newstrace.lexical import dice_matrix
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText

COSINE_WEIGHT = 0.7  # semantic share of the pair score; the rest is lexical overlap


@dataclass(frozen=True, slots=True)
class Alignment:
    source_index: int
    suspect_index: int
    source: tuple[int, int]
    suspect: tuple[int, int]
    score: float
    cosine: float
    lexical: float
    kind: str  # verbatim | near-verbatim | paraphrase


@dataclass(frozen=True)
class Similarity:
    """Score matrices, suspect sentences in rows, source sentences in columns."""

    score: np.ndarray
    cosine: np.ndarray
    lexical: np.ndarray


def similarity(source: PreparedText, suspect: PreparedText) -> Similarity:
    if not source.segments or not suspect.segments:
        empty = np.zeros((len(suspect.segments), len(source.segments)), dtype=np.float32)
        return Similarity(empty, empty, empty)
    cosine = np.clip(suspect.vectors @ source.vectors.T, -1.0, 1.0)
    lexical = dice_matrix(suspect.content_sets, source.content_sets)
    score = COSINE_WEIGHT * cosine + (1 - COSINE_WEIGHT) * lexical
    return Similarity(score.astype(np.float32), cosine.astype(np.float32), lexical)


def wording_ratio(a_tokens: list[str], b_tokens: list[str]) -> float:
    """How much of the word sequence two sentences share (1.0 = same words, same order)."""
    if not a_tokens and not b_tokens:
        return 1.0
    return SequenceMatcher(None, a_tokens, b_tokens, autojunk=False).ratio()


def kind_of(ratio: float) -> str:
    if ratio >= 0.95:
        return "verbatim"
    if ratio >= 0.6:
        return "near-verbatim"
    return "paraphrase"


def align(
    source: PreparedText,
    suspect: PreparedText,
    options: CompareOptions | None = None,
    sim: Similarity | None = None,
) -> list[Alignment]:
    options = options or CompareOptions()
    sim = sim or similarity(source, suspect)
    score = sim.score
    if score.size == 0:
        return []
    row_best = score.max(axis=1, keepdims=True)
    col_best = score.max(axis=0, keepdims=True)
    keep = (score >= options.align_threshold) & ((score >= row_best) | (score >= col_best))
    out = []
    for i, j in zip(*np.nonzero(keep), strict=True):
        ratio = wording_ratio(suspect.token_lists[i], source.token_lists[j])
        s_seg, t_seg = source.segments[j], suspect.segments[i]
        out.append(
            Alignment(
                source_index=int(j),
                suspect_index=int(i),
                source=(s_seg.start, s_seg.end),
                suspect=(t_seg.start, t_seg.end),
                score=round(float(score[i, j]), 4),
                cosine=round(float(sim.cosine[i, j]), 4),
                lexical=round(float(sim.lexical[i, j]), 4),
                kind=kind_of(ratio),
            )
        )
    out.sort(key=lambda a: (a.suspect_index, a.source_index))
    return out


def longest_monotone_chain(alignments: list[Alignment]) -> int:
    """Size of the largest subset of alignments in the same order on both sides (LIS).

    A rewrite mostly keeps the source's order; independent reports of one event rarely do.
    """
    pairs = sorted((a.suspect_index, a.source_index) for a in alignments)
    tails: list[int] = []
    for _, j in pairs:
        k = bisect.bisect_right(tails, j)
        if k == len(tails):
            tails.append(j)
        else:
            tails[k] = j
    return len(tails)
