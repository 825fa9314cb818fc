from __future__ import annotations

import math

import pytest

from newstrace.evaluation.metrics import classification, plagdet, roc_auc, spearman


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
