"""The array forms of the core's hot loops give the answers of the plain forms they replace.

Each fast path (word matrices from per-text arrays, n-gram keys, trees walked together, sentence
readings remembered) is checked against the straightforward computation on real text, so a change
that makes one of them differ fails here, not somewhere in a scan's figures.
"""

from __future__ import annotations

import json
import random
import re
from importlib import resources

import numpy as np

from newstrace.changes.facts import name_mentions, number_mentions, time_mentions
from newstrace.changes.speakers import speakers
from newstrace.features import _ngram_containment
from newstrace.lexical import (
    CACHED_TEXT_CHARS,
    containment,
    content_words,
    indexed_dice_matrix,
    ngrams,
    pair_columns,
    tokens,
    word_index,
)
from newstrace.options import CompareOptions
from newstrace.prepared import prepare
from newstrace.segment import split_sentences
from newstrace.trees import TreeEnsemble

from .conftest import stable_sample

OPTIONS = CompareOptions(encoder="static")


def _dict_dice(sets_a: list[set[str]], sets_b: list[set[str]]) -> np.ndarray:
    """The weighted Dice / overlap mix as it was first written: a vocabulary dict, filled word by word."""
    vocab: dict[str, int] = {}
    for s in (*sets_a, *sets_b):
        for w in s:
            vocab.setdefault(w, len(vocab))
    a = np.zeros((len(sets_a), len(vocab)), dtype=np.float32)
    b = np.zeros((len(sets_b), len(vocab)), dtype=np.float32)
    for i, s in enumerate(sets_a):
        a[i, [vocab[w] for w in s]] = 1.0
    for i, s in enumerate(sets_b):
        b[i, [vocab[w] for w in s]] = 1.0
    idf = np.log1p((len(sets_a) + len(sets_b)) / (a.sum(axis=0) + b.sum(axis=0))).astype(np.float32)
    inter = (a * idf) @ b.T
    size_a, size_b = (a * idf).sum(axis=1, keepdims=True), (b * idf).sum(axis=1, keepdims=True)
    denom, smaller = size_a + size_b.T, np.minimum(size_a, size_b.T)
    dice = np.where(denom > 0, 2 * inter / np.maximum(denom, 1e-9), 0.0)
    overlap = np.where(smaller > 0, inter / np.maximum(smaller, 1e-9), 0.0)
    return (0.5 * dice + 0.5 * overlap).astype(np.float32)


def _sentence_sets(text: str) -> list[set[str]]:
    return [content_words(tokens(s.text)) for s in split_sentences(text)]


def test_word_matrices_from_arrays_equal_the_dict_built_ones(llmfake_docs, llmfake_pairs):
    """Bit for bit: the columns are numbered in the dict's order, so the products sum alike."""
    for p in stable_sample(llmfake_pairs, 12, salt="dice"):
        a, b = _sentence_sets(llmfake_docs[p["suspect_id"]]), _sentence_sets(llmfake_docs[p["source_id"]])
        index_a, index_b = word_index(a), word_index(b)
        cols_a, cols_b, size = pair_columns(index_a, index_b)
        assert size == len(set().union(*a, *b))
        first_seen = {}
        for word, col in zip([w for s in (*a, *b) for w in s], [*cols_a, *cols_b], strict=True):
            assert first_seen.setdefault(word, col) == col  # one column per word
        assert list(first_seen.values()) == list(range(size))  # numbered by first appearance
        assert np.array_equal(indexed_dice_matrix(index_a, index_b), _dict_dice(a, b))
    assert indexed_dice_matrix(word_index([]), word_index([{"x"}])).shape == (0, 1)
    assert not indexed_dice_matrix(word_index([set()]), word_index([set()])).any()


def test_ngram_keys_give_the_containment_of_ngram_sets(llmfake_docs, llmfake_pairs):
    for p in stable_sample(llmfake_pairs, 12, salt="grams"):
        source, suspect = (prepare(llmfake_docs[p[k]], OPTIONS) for k in ("source_id", "suspect_id"))
        words = [[t for toks in x.token_lists for t in toks] for x in (source, suspect)]
        for n in (1, 2, 3):
            a, b = ngrams(words[0], n), ngrams(words[1], n)
            assert _ngram_containment(source, suspect, n) == (containment(a, b), containment(b, a))
    empty = prepare("Hi.", OPTIONS)
    assert _ngram_containment(empty, empty, 3) == (0.0, 0.0)


def test_trees_walked_together_give_the_tree_by_tree_log_odds():
    raw = json.loads(resources.files("newstrace").joinpath("data/calibration-static.json").read_text())
    rng = random.Random(7)
    for model in (TreeEnsemble.from_json(raw["document_model"]), TreeEnsemble.from_json(raw["direction"]["trees"])):
        for _ in range(300):
            x = [rng.choice([rng.random(), rng.gauss(0.0, 3.0), 0.0, 1.0, float("nan")]) for _ in model.features]
            walked = model.init
            for feature, threshold, left, right, leaf in model.trees:
                node = 0
                while left[node] != -1:
                    node = left[node] if x[feature[node]] <= threshold[node] else right[node]
                walked += model.learning_rate * leaf[node]
            assert model.raw_vector(x) == walked


def test_remembered_sentence_readings_equal_fresh_ones(llmfake_docs):
    """Asked twice, or past the cached length, a reading is the one computed from scratch."""
    sentences = [s.text for text in list(llmfake_docs.values())[:40] for s in split_sentences(text)]
    long_text = " ".join(sentences)[: 3 * CACHED_TEXT_CHARS]
    for read in (number_mentions, time_mentions, name_mentions, speakers):
        for text in [*sentences, long_text]:
            assert read(text) == read(text) == read.__wrapped__(text)
    assert any(number_mentions(s) for s in sentences) and any(speakers(s) for s in sentences)


def test_capital_patterns_match_as_their_look_behind_first_forms(llmfake_docs):
    """The name patterns test the context after the capital (so re can skip ahead); same matches."""
    from newstrace.changes import facts
    from newstrace.lexical import _NAME as WORD_NAME

    plain_word = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z'’-]{2,}")
    plain_phrase = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:of\s+|de\s+|al-)?[A-Z][\w'’.-]*)*")
    tricky = ["Abc", ". Abc", "! Abc x.Abc", "x\nAbc", "_Abc", "éAbc", "1Abc Bank of England", "x.\nAbc", "xAbc Def"]
    for text in [*list(llmfake_docs.values())[:300], *tricky]:
        assert WORD_NAME.findall(text) == plain_word.findall(text)
        assert facts._NAME.findall(text) == plain_phrase.findall(text)
