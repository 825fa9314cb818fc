"""Sentence alignment: which source sentences support each suspect sentence.

The scoring mixes a semantic signal (MiniLM cosine) with a lexical one (rarity-weighted word
overlap), so both a paraphrase and a near copy score high. Selection is symmetric on purpose:
a pair is kept when it is the best match for its suspect sentence *or* for its source sentence.
That admits splits (one source sentence, two suspect sentences) and merges (two into one) with
no extra pass, and aligning B with A gives the mirror image of aligning A with B.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from newstrace.errors import InputError
from newstrace.lexical import WordIndex, indexed_dice_matrix, pair_columns, word_index
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText

COSINE_WEIGHT = 0.7  # semantic share of the pair score; the rest is lexical overlap
STANDALONE = 0.7  # a pair this similar needs no neighbour to be believed
SHORT_SEGMENT = 4  # words; shorter segments need word overlap to align
SUPPORTED_DROP = 0.1  # next to a believed pair, a pair this much under the threshold still counts
GROWTH_STEPS = 3
#: `lexical.dice_matrix` builds two dense (sentences x vocabulary) matrices: fine for articles, but a
#: 1 MB text made them take gigabytes. Past this many cells the same overlap is computed from an
#: inverted index instead (equal up to float rounding). The largest DEV pair has 69.5 million, so
#: every DEV pair keeps the dense path and its exact figures.
DENSE_LEXICAL_CELLS = 75_000_000


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


def check_pair_size(n_suspect: int, n_source: int, options: CompareOptions) -> None:
    """Refuse (`InputError`) a pair of texts whose alignment would exceed `options.max_sentence_pairs`."""
    if n_suspect * n_source > options.max_sentence_pairs:
        raise InputError(
            f"the two texts have {n_suspect:,} x {n_source:,} sentence pairs, more than the limit of "
            f"{options.max_sentence_pairs:,} (CompareOptions.max_sentence_pairs); compare shorter texts, "
            "or find the passages worth comparing with `trace` first"
        )


def similarity(source: PreparedText, suspect: PreparedText) -> Similarity:
    if not source.segments or not suspect.segments:
        empty = np.zeros((len(suspect.segments), len(source.segments)), dtype=np.float32)
        return Similarity(empty, empty, empty)
    cosine = np.clip(suspect.vectors @ source.vectors.T, -1.0, 1.0)
    lexical = lexical_overlap(
        suspect.content_sets, source.content_sets, suspect.once(content_index), source.once(content_index)
    )
    score = COSINE_WEIGHT * cosine + (1 - COSINE_WEIGHT) * lexical
    return Similarity(score.astype(np.float32), cosine.astype(np.float32), lexical)


def content_index(text: PreparedText) -> WordIndex:
    """The text's sentence word sets as arrays, built once per text (`PreparedText.once`)."""
    return word_index(text.content_sets)


def lexical_overlap(
    sets_a: Sequence[set[str]],
    sets_b: Sequence[set[str]],
    index_a: WordIndex | None = None,
    index_b: WordIndex | None = None,
) -> np.ndarray:
    """`lexical.dice_matrix`, with memory linear in the texts' words for long texts.

    `index_a` / `index_b`: the sets' `word_index`, when the caller keeps it.
    """
    index_a = index_a if index_a is not None else word_index(sets_a)
    index_b = index_b if index_b is not None else word_index(sets_b)
    columns = pair_columns(index_a, index_b)
    if (len(sets_a) + len(sets_b)) * columns[2] <= DENSE_LEXICAL_CELLS:
        return indexed_dice_matrix(index_a, index_b, columns)
    return _indexed_dice(sets_a, sets_b)


def _indexed_dice(sets_a: Sequence[set[str]], sets_b: Sequence[set[str]]) -> np.ndarray:
    """The weighted Dice / overlap mix of `dice_matrix`, summed word by word over an inverted index."""
    df = Counter(w for s in (*sets_a, *sets_b) for w in s)
    n = len(sets_a) + len(sets_b)
    idf = {w: float(np.log1p(n / c)) for w, c in df.items()}
    size_a = np.array([sum(idf[w] for w in s) for s in sets_a], dtype=np.float64)[:, None]
    size_b = np.array([sum(idf[w] for w in s) for s in sets_b], dtype=np.float64)[None, :]
    rows_a: dict[str, list[int]] = {}
    for i, s in enumerate(sets_a):
        for w in s:
            rows_a.setdefault(w, []).append(i)
    cols_b: dict[str, list[int]] = {}
    for j, s in enumerate(sets_b):
        for w in s:
            if w in rows_a:
                cols_b.setdefault(w, []).append(j)
    inter = np.zeros((len(sets_a), len(sets_b)), dtype=np.float32)
    for w, cols in cols_b.items():
        inter[np.ix_(rows_a[w], cols)] += idf[w]
    for lo in range(0, len(sets_a), 4096):  # in row blocks, so the float64 temporaries stay small
        block, rows = inter[lo : lo + 4096], size_a[lo : lo + 4096]
        denom, smaller = rows + size_b, np.minimum(rows, size_b)
        dice = np.where(denom > 0, 2 * block / np.maximum(denom, 1e-9), 0.0)
        overlap = np.where(smaller > 0, block / np.maximum(smaller, 1e-9), 0.0)
        block[:] = 0.5 * dice + 0.5 * overlap
    return inter


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


def _dilate(mask: np.ndarray, reach: int) -> np.ndarray:
    """True where a True of `mask` lies within `reach` rows and columns."""
    out = np.zeros_like(mask)
    rows, cols = mask.shape
    for di in range(-reach, reach + 1):
        for dj in range(-reach, reach + 1):
            src = mask[max(0, -di) : rows - max(0, di), max(0, -dj) : cols - max(0, dj)]
            out[max(0, di) : rows - max(0, -di), max(0, dj) : cols - max(0, -dj)] |= src
    return out


TIE = 1e-6


def _short_pairs(suspect: PreparedText, source: PreparedText) -> np.ndarray:
    """Pairs (suspect rows, source columns) where either sentence is under `SHORT_SEGMENT` words."""
    short_sus = np.array([len(t) < SHORT_SEGMENT for t in suspect.token_lists])
    short_src = np.array([len(t) < SHORT_SEGMENT for t in source.token_lists])
    return short_sus[:, None] | short_src[None, :]


def select_pairs(
    score: np.ndarray, lexical: np.ndarray, suspect: PreparedText, source: PreparedText, threshold: float
) -> np.ndarray:
    """The aligned pairs, as a boolean matrix; every rule here is symmetric in the two texts.

    A pair must pass the threshold and be the best match of one of its sentences. It stands on its
    own when it is the best match of both, or clearly strong; otherwise it needs a believed pair
    next to it (the second half of a split sentence, say), because a lone weak match between two
    long documents is usually chance. Next to a believed pair a slightly weaker match is taken
    too: heavily obfuscated passages score just under the threshold, sentence after sentence.
    Very short segments (headings, numbers) match too easily on meaning alone, so they need word
    overlap and never stand alone.
    """
    # a tie is a tie to within float rounding: two identical sentences' vectors can differ in the
    # last bit (batched arithmetic), which must not cost a repeated sentence its own partner
    row_best = score.max(axis=1, keepdims=True) - TIE
    col_best = score.max(axis=0, keepdims=True) - TIE
    best_of_one = (score >= row_best) | (score >= col_best)
    short = _short_pairs(suspect, source)
    candidate = (score >= threshold) & best_of_one & (~short | (lexical >= 0.7))
    supported = (score >= threshold - SUPPORTED_DROP) & best_of_one & ~short
    mutual = (score >= row_best) & (score >= col_best)
    kept = candidate & ~short & (mutual | (score >= STANDALONE))
    for _ in range(GROWTH_STEPS):  # grow runs outward from the pairs that stand on their own
        grown = kept | ((candidate | supported) & _dilate(kept, 2))
        if (grown == kept).all():
            break
        kept = grown
    return kept


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
    keep = select_pairs(score, sim.lexical, suspect, source, options.align_threshold)
    return _alignments(source, suspect, sim, keep)


def resting_pairs(
    source: PreparedText, suspect: PreparedText, threshold: float, sim: Similarity | None = None
) -> list[Alignment]:
    """The pair(s) a derived verdict rests on when no sentence pair reached `threshold`.

    A rewrite of a one- or two-sentence claim, or a free LLM rewrite, can restate every sentence
    just under the threshold while the names, figures and rare words it carries tell the document
    model it was derived. Holding such pairs "not derived" because no sentence aligned cost 154
    derived pairs of the DEV fit half (static core) for 3 negatives. The texts' most similar pair
    is then what the verdict points at, if it is within `SUPPORTED_DROP` of the threshold (the
    margin the aligner already grants a pair beside a believed one) and neither sentence is a
    fragment: 102 of those 154 pairs, 2 of the 3 negatives. Ties are all kept, so swapping the
    texts mirrors the answer.
    """
    sim = sim or similarity(source, suspect)
    if not sim.score.size:
        return []
    score = np.where(_short_pairs(suspect, source), -np.inf, sim.score)
    top = float(score.max())
    if top < threshold - SUPPORTED_DROP:
        return []
    return _alignments(source, suspect, sim, score >= top - TIE)


def _alignments(source: PreparedText, suspect: PreparedText, sim: Similarity, keep: np.ndarray) -> list[Alignment]:
    """The pairs marked in `keep` (suspect rows, source columns) as alignments, in suspect order."""
    score = sim.score
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


#: Share of a sentence's weighted words a weak pair must explain on its own. Read off the seed pair,
#: then checked on 200 PAN13 *fit*-half pairs with gold passages (static vectors, 2026-12-01): the
#: share of kept pairs inside a gold passage rises from 0.748 (all pairs) to 0.787 at 0.1, 0.795 at
#: 0.18 and 0.797 at 0.22, then falls (0.796 at 0.3, 0.778 keeping mutual best and standalone pairs
#: only); the pairs 0.18 drops are two thirds outside any gold passage.
DEFENSIBLE_SHARE = 0.18


def defensible(
    source: PreparedText, suspect: PreparedText, alignments: list[Alignment], sim: Similarity | None = None
) -> list[Alignment]:
    """The alignments a reader could defend one by one: what change analysis reasons from.

    `align` grows runs of pairs outward from trusted ones and takes weak pairs beside them; that
    suits coverage, but a weak pair can tie a dropped source passage to an unrelated sentence next
    to its true partner. Here a pair is trusted when it is the mutual best match of its sentences
    or scores `STANDALONE` on its own. Any other pair must earn its place: the words it shares
    that no trusted partner of either sentence already accounts for must carry at least
    `DEFENSIBLE_SHARE` of the suspect sentence's words (weighted by how rare each word is in
    the pair of texts). The second half of a split sentence, or a merged-in source sentence,
    brings words of its own; a neighbour that matched on the story's common names does not.
    """
    if not alignments:
        return []
    sim = sim or similarity(source, suspect)
    score = sim.score
    row_best, col_best = score.max(axis=1), score.max(axis=0)
    trusted = [
        a
        for a in alignments
        if a.score >= STANDALONE
        or (
            score[a.suspect_index, a.source_index] >= row_best[a.suspect_index]
            and score[a.suspect_index, a.source_index] >= col_best[a.source_index]
        )
    ]
    kept = {(a.suspect_index, a.source_index) for a in trusted}
    df: dict[str, int] = {}
    for words in (*source.content_sets, *suspect.content_sets):
        for w in words:
            df[w] = df.get(w, 0) + 1
    n = len(source.content_sets) + len(suspect.content_sets)

    def weight(words: set[str]) -> float:
        return sum(float(np.log1p(n / df[w])) for w in words)

    for a in sorted((a for a in alignments if (a.suspect_index, a.source_index) not in kept), key=lambda a: -a.score):
        i, j = a.suspect_index, a.source_index
        words = suspect.content_sets[i]
        explained = set().union(*(source.content_sets[j2] for i2, j2 in kept if i2 == i))
        own = (words & source.content_sets[j]) - explained
        total = weight(words)
        if total > 0 and weight(own) / total >= DEFENSIBLE_SHARE:
            kept.add((i, j))
    return [a for a in alignments if (a.suspect_index, a.source_index) in kept]
