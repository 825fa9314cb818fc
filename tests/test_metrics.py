from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from newstrace.evaluation.metrics import classification, plagdet, roc_auc, spearman
from newstrace.lexical import content_words, tokens, weighted_containment

from .conftest import DATA, read_jsonl_gz


def test_plagdet_perfect_detection():
    cases = [("p", 0, 100, 50, 150)]
    r = plagdet(cases, cases)
    assert r["precision"] == r["recall"] == r["granularity"] == r["plagdet"] == 1.0


def test_plagdet_split_detection_pays_granularity():
    cases = [("p", 0, 100, 0, 100)]
    dets = [("p", 0, 50, 0, 50), ("p", 50, 100, 50, 100)]
    r = plagdet(cases, dets)
    assert r["precision"] == 1.0 and r["recall"] == 1.0 and r["granularity"] == 2.0
    assert r["plagdet"] == pytest.approx(1.0 / math.log2(3))


def test_plagdet_false_detection_costs_precision():
    cases = [("p", 0, 100, 0, 100)]
    dets = [("p", 0, 100, 0, 100), ("q", 0, 100, 0, 100)]
    r = plagdet(cases, dets)
    assert r["precision"] == 0.5 and r["recall"] == 1.0


def test_plagdet_needs_overlap_on_both_sides():
    cases = [("p", 0, 100, 0, 100)]
    r = plagdet(cases, [("p", 0, 100, 500, 600)])
    assert r["recall"] == 0.0 and r["precision"] == 0.0


def test_plagdet_partial_overlap():
    r = plagdet([("p", 0, 100, 0, 100)], [("p", 50, 150, 50, 150)])
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(0.5)


def test_auc_and_classification():
    assert roc_auc([True, True, False, False], [0.9, 0.8, 0.1, 0.2]) == 1.0
    assert roc_auc([True, False], [0.5, 0.5]) == 0.5
    assert roc_auc([True, True], [0.1, 0.2]) is None
    c = classification([True, False, True, False], [True, True, False, False])
    assert c["precision"] == 0.5 and c["recall"] == 0.5 and c["accuracy"] == 0.5


def test_spearman_direction():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 45]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


# --- the hand-written AUC and Spearman against scikit-learn and SciPy ---------------------

_TIED = st.lists(st.integers(0, 6).map(float), min_size=3, max_size=60)  # few values: many ties


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_roc_auc_matches_sklearn_with_ties(data):
    scores = data.draw(_TIED)
    truth = data.draw(st.lists(st.booleans(), min_size=len(scores), max_size=len(scores)))
    if all(truth) or not any(truth):
        assert roc_auc(truth, scores) is None
    else:
        assert roc_auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_spearman_matches_scipy_with_ties(data):
    x = data.draw(_TIED)
    y = data.draw(st.lists(st.floats(-1e6, 1e6) | st.sampled_from([0.0, 1.0]), min_size=len(x), max_size=len(x)))
    ours = spearman(x, y)
    if len(set(x)) == 1 or len(set(y)) == 1:
        assert ours is None  # SciPy answers nan, with a warning
    else:
        assert ours == pytest.approx(spearmanr(x, y).statistic, abs=1e-9)


@pytest.fixture(scope="module")
def mrpc_scores() -> tuple[list[bool], list[float], list[float]]:
    """200 real MRPC pairs: the paraphrase label, the cosine of the two sentences' content-word sets,
    and the rarity-weighted share of the first sentence's words found in the second."""
    rows = read_jsonl_gz(DATA / "mrpc" / "sentence_pairs.jsonl.gz")[:200]
    truth, cosines, shares = [], [], []
    for r in rows:
        a, b = content_words(tokens(r["a"])), content_words(tokens(r["b"]))
        truth.append(bool(r["paraphrase"]))
        cosines.append(len(a & b) / math.sqrt(len(a) * len(b)))
        shares.append(weighted_containment(a, b))
    return truth, cosines, shares


def test_roc_auc_matches_sklearn_on_mrpc(mrpc_scores):
    truth, cosines, shares = mrpc_scores
    assert len(set(cosines)) < len(cosines)  # the real list has ties
    for scores in (cosines, shares):
        assert roc_auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)


def test_spearman_matches_scipy_on_mrpc(mrpc_scores):
    truth, cosines, shares = mrpc_scores
    assert spearman(cosines, shares) == pytest.approx(spearmanr(cosines, shares).statistic, abs=1e-12)
    labels = [float(t) for t in truth]
    assert spearman(labels, cosines) == pytest.approx(spearmanr(labels, cosines).statistic, abs=1e-12)
