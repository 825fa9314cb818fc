"""Lexical evidence: the words, names and numbers a rewrite carries over from its source.

An LLM paraphrase changes most word n-grams but keeps rare words, names and figures; independent
reporting shares names and figures too, but not the wording around them. These small helpers turn
sentences into the token sets that `align` and `features` compare.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

import numpy as np
from wordfreq import zipf_frequency

_TOKEN = re.compile(r"[^\W_]+(?:[’'.][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# a capital not at a sentence start: the look-behinds come after the capital, so that re can skip
# ahead to the next capital (3x faster than the same conditions put first; same matches on DEV)
_NAME = re.compile(r"[A-Z](?<![.!?]\s[A-Z])(?<!^[A-Z])(?<=\b[A-Z])[a-zA-Z'’-]{2,}")
# combining marks left by NFKD decomposition (accents of Latin, Greek and Cyrillic letters)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# Function words carry no evidence of reuse; a short fixed list is enough for English news.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own s said same says she should so some such t than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves mr mrs ms would told tell
    also one two new
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def normalise(text: str) -> str:
    """Casefolded, accent-folded, quote-normalised text for string comparisons."""
    if not text.isascii():  # plain ASCII needs no accent folding
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').casefold()


#: Sentences whose readings (`sentence_cache`) are kept: the change rules ask about each sentence of
#: a pair dozens of times (each clause, each aligned partner), and a scan again for every pair.
SENTENCE_CACHE = 50_000
#: Longer texts (a whole body, read once per text) are not kept.
CACHED_TEXT_CHARS = 2_000

F = TypeVar("F", bound=Callable[[str], Any])


def sentence_cache(compute: F) -> F:
    """`compute`, remembered for sentence-length texts; callers must not mutate what it returns."""
    cached = lru_cache(maxsize=SENTENCE_CACHE)(compute)

    @wraps(compute)
    def lookup(text: str) -> Any:
        return cached(text) if len(text) <= CACHED_TEXT_CHARS else compute(text)

    return cast(F, lookup)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (keeps "U.S." and "don't" whole)."""
    return [t.replace("'", "").replace(".", "") for t in _TOKEN.findall(normalise(text))]


def content_words(toks: Iterable[str]) -> set[str]:
    return {_stem(t) for t in toks if t not in STOPWORDS and (len(t) > 2 or t.isdigit())}


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """A crude suffix strip so "talks"/"talked"/"talking" meet; enough for overlap counting."""
    if word.isdigit() or len(word) <= 4:
        return word
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=200_000)
def rarity(word: str) -> float:
    """How rare a word is in English (0 for "the", about 6 for a word seen once in a billion).

    From wordfreq's Zipf scale; a shared rare word ("serology", a surname) is strong evidence that
    two texts are connected, a shared common word is none.
    """
    return max(0.0, 6.0 - zipf_frequency(word, "en"))


def weighted_containment(a: set[str], b: set[str], total: float | None = None) -> float:
    """Rarity-weighted share of `a`'s words found in `b`; `total`: `a`'s weight, if known already."""
    if total is None:
        total = sum(rarity(w) for w in a)
    return sum(rarity(w) for w in a & b) / total if total > 0 else 0.0


def rare_words(toks: Iterable[str]) -> set[str]:
    return {t for t in toks if t not in STOPWORDS and len(t) > 2 and not t.isdigit()}


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def names(text: str) -> set[str]:
    """Capitalised words not at a sentence start: a cheap stand-in for named entities."""
    return {key for word in _NAME.findall(text) if (key := _name_key(word))}


@lru_cache(maxsize=200_000)
def _name_key(word: str) -> str:
    """A capitalised word as `names` keeps it ("" for a function word): one normalise per spelling."""
    key = normalise(word)
    return "" if key in STOPWORDS else key


def ngrams(toks: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return set(zip(*(toks[i:] for i in range(n)), strict=False))  # the runs of n, without a slice each


def containment(a: set, b: set) -> float:
    """Share of `a` found in `b`."""
    return len(a & b) / len(a) if a else 0.0


@dataclass(frozen=True)
class WordIndex:
    """The (set, word) entries of a list of word sets as two arrays, in the sets' iteration order.

    A scan compares each text with many others; building the pair's sentence x word matrices from
    these arrays takes a few numpy calls instead of a Python loop over every word of both texts.
    Words are keyed by their hash (a collision between two words of one pair is a 1-in-10^14 event).
    """

    rows: np.ndarray  # which set each entry belongs to
    words: np.ndarray  # the entry's word key
    count: int  # how many sets


def word_index(sets: Sequence[set[str]]) -> WordIndex:
    rows = np.fromiter((i for i, s in enumerate(sets) for _ in s), dtype=np.int64)
    words = np.fromiter((hash(w) for s in sets for w in s), dtype=np.int64)
    return WordIndex(rows, words, len(sets))


def pair_columns(a: WordIndex, b: WordIndex) -> tuple[np.ndarray, np.ndarray, int]:
    """Each entry's column in the pair's vocabulary, numbered by first appearance (`a`'s entries first).

    The numbering is the one a dict built word by word would give, so the matrix products below
    sum in the same order whichever way the entries were gathered.
    """
    keys = np.concatenate([a.words, b.words])
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(unique), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(unique))
    columns = rank[inverse.reshape(-1)]
    return columns[: len(a.words)], columns[len(a.words) :], len(unique)


def dice_matrix(sets_a: Sequence[set[str]], sets_b: Sequence[set[str]]) -> np.ndarray:
    """Weighted Dice overlap of every pair of word sets, weighting words by rarity in the pair.

    A word used in most sentences of both texts (the story's main name) says little about which
    sentence a rewrite took; a rare word shared by two sentences says a lot.
    """
    return indexed_dice_matrix(word_index(sets_a), word_index(sets_b))


def indexed_dice_matrix(
    index_a: WordIndex, index_b: WordIndex, columns: tuple[np.ndarray, np.ndarray, int] | None = None
) -> np.ndarray:
    """`dice_matrix` of the sets behind two `WordIndex`es (`columns`: their `pair_columns`, if known)."""
    cols_a, cols_b, vocab_size = columns if columns is not None else pair_columns(index_a, index_b)
    if not vocab_size or not index_a.count or not index_b.count:
        return np.zeros((index_a.count, index_b.count), dtype=np.float32)
    a = np.zeros((index_a.count, vocab_size), dtype=np.float32)
    b = np.zeros((index_b.count, vocab_size), dtype=np.float32)
    a[index_a.rows, cols_a] = 1.0
    b[index_b.rows, cols_b] = 1.0
    df = a.sum(axis=0) + b.sum(axis=0)
    n = index_a.count + index_b.count
    idf = np.log1p(n / df).astype(np.float32)
    aw = a * idf
    bw = b * idf
    inter = aw @ b.T
    size_a = aw.sum(axis=1, keepdims=True)
    size_b = bw.sum(axis=1, keepdims=True)
    denom = size_a + size_b.T
    dice = np.where(denom > 0, 2 * inter / np.maximum(denom, 1e-9), 0.0)
    # Dice alone punishes a sentence that a rewrite split in two; the overlap coefficient (share
    # of the smaller set found in the larger) does not, so half of each is used.
    smaller = np.minimum(size_a, size_b.T)
    overlap = np.where(smaller > 0, inter / np.maximum(smaller, 1e-9), 0.0)
    return (0.5 * dice + 0.5 * overlap).astype(np.float32)
