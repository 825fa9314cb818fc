"""Document-level evidence of derivation, computed from a sentence alignment.

Every feature is symmetric in the two texts (a max and a min of the per-side values), so the
derived probability does not depend on which text the caller named the source; direction is a
separate question (`direction.py`). What separates a rewrite from independent reporting of the
same event is structure, not sentence similarity: how much of a text is covered, in what order,
how densely, and with what wording carried over.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import partial

import numpy as np

from newstrace.align import Alignment, Similarity, longest_monotone_chain
from newstrace.lexical import containment, names, numbers, rare_words, rarity, tokens, weighted_containment
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


def _words(text: PreparedText) -> list[str]:
    return [t for toks in text.token_lists for t in toks]


def body_names(text: PreparedText) -> set[str]:
    return names(text.document.body)


def body_numbers(text: PreparedText) -> set[str]:
    return numbers(text.document.body)


def _rare(text: PreparedText) -> set[str]:
    return rare_words(_words(text))


def _rare_weight(text: PreparedText) -> float:
    return sum(rarity(w) for w in text.once(_rare))


def _segment_specifics(text: PreparedText) -> list[set[str]]:
    return [_specifics(text.text[seg.start : seg.end]) for seg in text.segments]


def _stated_words(text: PreparedText) -> set[str]:
    """Every word, figure and name the text states: what an added specific is looked up in."""
    return text.once(body_numbers) | text.once(body_names) | set(_words(text))


#: odd multiplier of the n-gram keys
_GRAM_BASE = np.int64(1_000_003)


def _word_keys(text: PreparedText) -> np.ndarray:
    return np.fromiter((hash(w) for w in _words(text)), dtype=np.int64)


def _gram_keys(text: PreparedText, n: int) -> np.ndarray:
    """The text's distinct word n-grams as sorted 64-bit keys (a polynomial of its words' hashes).

    Kept as sets of tuples they took more memory than the rest of a text's memo; as keys they take
    a twentieth, and are made by a few array operations instead of a tuple per word.
    """
    words = text.once(_word_keys)
    if len(words) < n:
        return np.zeros(0, dtype=np.int64)
    keys = words[: len(words) - n + 1].copy()
    for k in range(1, n):  # wraps around 2^64, as a hash should
        keys = keys * _GRAM_BASE + words[k : len(words) - n + 1 + k]
    return np.unique(keys)


#: one module-level function per n, so that `PreparedText.once` keeps each n's keys
_GRAM_KEYS = {n: partial(_gram_keys, n=n) for n in (1, 2, 3)}


def _ngram_containment(source: PreparedText, suspect: PreparedText, n: int) -> tuple[float, float]:
    """Share of the source's distinct n-grams found in the suspect, and the other way round."""
    a, b = source.once(_GRAM_KEYS[n]), suspect.once(_GRAM_KEYS[n])
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return (shared / len(a) if len(a) else 0.0), (shared / len(b) if len(b) else 0.0)


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


_QUOTE = re.compile(r"[\"“”«»„]")
#: Words this common (wordfreq rarity) are a sentence's grammar; rarer ones carry its content.
_FUNCTION_RARITY = 0.25


def one_to_one(alignments: list[Alignment]) -> list[Alignment]:
    """The best partner of each sentence, greedily by score: what a reader would pair up.

    `align` lets one sentence take several partners (a merged sentence, a split one), which counts
    a single shared fact several times; structure is measured on pairs that each stand for one.
    """
    used_source: set[int] = set()
    used_suspect: set[int] = set()
    out = []
    def rank(a: Alignment) -> tuple[float, int, int]:  # ties broken the same way whichever text is the source
        return (-a.score, a.suspect_index + a.source_index, max(a.suspect_index, a.source_index))

    for a in sorted(alignments, key=rank):
        if a.source_index in used_source or a.suspect_index in used_suspect:
            continue
        used_source.add(a.source_index)
        used_suspect.add(a.suspect_index)
        out.append(a)
    return out


def _span_chars(spans: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in spans)


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def _wording_carried(source_text: str, suspect_text: str) -> tuple[float, float]:
    """How a rewriter's sentence keeps its model's shape, beyond the facts both share.

    Two reporters stating one fact share its words, but seldom their order or the grammar around
    them; a rewriter (a person or a language model) works sentence by sentence and keeps both.
    Returns the order kept among the shared content words (LCS over shared, 1.0 = same order)
    and the overlap of function-word bigrams (the sentence's skeleton).
    """
    toks_a, toks_b = tokens(source_text), tokens(suspect_text)
    content_a = [t[:5] for t in toks_a if len(t) > 2 and rarity(t) > _FUNCTION_RARITY]
    content_b = [t[:5] for t in toks_b if len(t) > 2 and rarity(t) > _FUNCTION_RARITY]
    shared = set(content_a) & set(content_b)
    order = (
        _lcs([t for t in content_a if t in shared], [t for t in content_b if t in shared]) / len(shared)
        if shared
        else 0.0
    )
    func_a = [t for t in toks_a if rarity(t) <= _FUNCTION_RARITY]
    func_b = [t for t in toks_b if rarity(t) <= _FUNCTION_RARITY]
    bigrams_a, bigrams_b = set(itertools.pairwise(func_a)), set(itertools.pairwise(func_b))
    skeleton = len(bigrams_a & bigrams_b) / max(len(bigrams_a | bigrams_b), 1)
    return order, skeleton


def _specifics(text: str) -> set[str]:
    return numbers(text) | names(text)


def _novel_share(text: PreparedText, aligned: set[int], other_words: set[str]) -> float:
    """Share of a text's unaligned sentences that state specifics (figures, names) the other lacks.

    An independent report brings facts of its own; a rewrite adds wording, rarely new names and
    figures (a fabricated one is the change analysis's business, not the verdict's).
    """
    unaligned = [i for i in range(len(text.segments)) if i not in aligned]
    specifics = text.once(_segment_specifics)
    novel = sum(1 for i in unaligned if specifics[i] - other_words)
    return novel / len(unaligned) if unaligned else 0.0


def structure_features(
    source: PreparedText,
    suspect: PreparedText,
    alignments: list[Alignment],
) -> dict[str, float]:
    """What tells a heavy rewrite from independent reporting of the same event (docs/error-study.md).

    Shared quotes (a press conference, a statement) are counted apart from shared narration;
    figures one text states and the other lacks; unaligned sentences that bring specifics of their
    own; and, inside the aligned pairs, whether the wording kept its order and skeleton.
    """
    pairs = one_to_one(alignments)
    src_text, sus_text = source.text, suspect.text
    quoted = [
        a
        for a in pairs
        if _QUOTE.search(src_text[a.source[0] : a.source[1]]) and _QUOTE.search(sus_text[a.suspect[0] : a.suspect[1]])
    ]
    narration = [a for a in pairs if a not in quoted]
    src_total, sus_total = max(float(source.lengths.sum()), 1.0), max(float(suspect.lengths.sum()), 1.0)
    narrated = (
        _span_chars([a.source for a in narration]) / src_total,
        _span_chars([a.suspect for a in narration]) / sus_total,
    )
    aligned_chars = _span_chars([a.suspect for a in pairs]) + _span_chars([a.source for a in pairs])
    figures_a, figures_b = source.once(body_numbers), suspect.once(body_numbers)
    figures = (
        containment(figures_a, figures_b) if figures_a else 1.0,
        containment(figures_b, figures_a) if figures_b else 1.0,
    )
    words_a, words_b = source.once(_stated_words), suspect.once(_stated_words)
    novel = (
        _novel_share(source, {a.source_index for a in pairs}, words_b),
        _novel_share(suspect, {a.suspect_index for a in pairs}, words_a),
    )
    order = skeleton = weight = 0.0
    for a in pairs:
        w = a.suspect[1] - a.suspect[0] + a.source[1] - a.source[0]
        o, k = _wording_carried(src_text[a.source[0] : a.source[1]], sus_text[a.suspect[0] : a.suspect[1]])
        order, skeleton, weight = order + w * o, skeleton + w * k, weight + w
    return {
        "quote_share": (_span_chars([a.suspect for a in quoted]) + _span_chars([a.source for a in quoted]))
        / max(aligned_chars, 1),
        "narration_max": max(narrated),
        "narration_min": min(narrated),
        "figures_max": max(figures),
        "figures_min": min(figures),
        "novel_max": max(novel),
        "novel_min": min(novel),
        "pair_order": order / weight if weight else 0.0,
        "pair_skeleton": skeleton / weight if weight else 0.0,
    }


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
    "quote_share",
    "narration_max",
    "narration_min",
    "figures_max",
    "figures_min",
    "novel_max",
    "novel_min",
    "pair_order",
    "pair_skeleton",
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
    names_a, names_b = source.once(body_names), suspect.once(body_names)
    shared_names = (containment(names_a, names_b), containment(names_b, names_a))
    rare_a, rare_b = source.once(_rare), suspect.once(_rare)
    shared_rare = (
        weighted_containment(rare_a, rare_b, source.once(_rare_weight)),
        weighted_containment(rare_b, rare_a, suspect.once(_rare_weight)),
    )
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
        **structure_features(source, suspect, alignments),
    }
