"""Scoring: classification figures, ROC AUC and PAN's plagdet.

Written here rather than taken from scikit-learn so that `newstrace eval` runs on the runtime
dependencies alone; plagdet follows Potthast et al. (COLING 2010), which no library ships.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def classification(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    tp = int((t & p).sum())
    fp = int((~t & p).sum())
    fn = int((t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float((t == p).mean()) if len(t) else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": accuracy, "n": len(t)}


def balanced_accuracy(truth: Sequence[bool], predicted: Sequence[bool]) -> float | None:
    """Mean of the recall of each class (the SummaC benchmarks' figure); None if one class is absent."""
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    if t.all() or not t.any():
        return None
    return float(((t & p).sum() / t.sum() + (~t & ~p).sum() / (~t).sum()) / 2)


def roc_auc(truth: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve by the rank-sum (Mann-Whitney) identity; None if one class is absent."""
    t = np.asarray(truth, dtype=bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(t.sum()), int((~t).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=float)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[t].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    if len(x) < 3:
        return None
    rx = _ranks(np.asarray(x, dtype=float))
    ry = _ranks(np.asarray(y, dtype=float))
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(len(v), dtype=float)
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


# A passage case or detection: (pair key, source start, source end, suspect start, suspect end).
Passage = tuple[str, int, int, int, int]


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def plagdet(cases: Sequence[Passage], detections: Sequence[Passage]) -> dict[str, float]:
    """PAN character-level precision, recall, granularity and plagdet over a whole corpus.

    A detection r detects a case s when they share characters on both the suspect and the source
    side; characters count on both sides, as in the PAN definition.
    """
    by_pair_cases: dict[str, list[int]] = {}
    for k, c in enumerate(cases):
        by_pair_cases.setdefault(c[0], []).append(k)
    detected_by: dict[int, list[int]] = {k: [] for k in range(len(cases))}
    prec_sum = 0.0
    for r_idx, r in enumerate(detections):
        _, rs0, rs1, rt0, rt1 = r
        r_size = (rs1 - rs0) + (rt1 - rt0)
        matched_src: list[tuple[int, int]] = []
        matched_sus: list[tuple[int, int]] = []
        for k in by_pair_cases.get(r[0], []):
            _, cs0, cs1, ct0, ct1 = cases[k]
            if _overlap(rs0, rs1, cs0, cs1) > 0 and _overlap(rt0, rt1, ct0, ct1) > 0:
                detected_by[k].append(r_idx)
                matched_src.append((max(rs0, cs0), min(rs1, cs1)))
                matched_sus.append((max(rt0, ct0), min(rt1, ct1)))
        if r_size > 0:
            prec_sum += (_union_length(matched_src) + _union_length(matched_sus)) / r_size
    rec_sum = 0.0
    for k, c in enumerate(cases):
        _, cs0, cs1, ct0, ct1 = c
        c_size = (cs1 - cs0) + (ct1 - ct0)
        src_parts = []
        sus_parts = []
        for r_idx in detected_by[k]:
            _, rs0, rs1, rt0, rt1 = detections[r_idx]
            src_parts.append((max(rs0, cs0), min(rs1, cs1)))
            sus_parts.append((max(rt0, ct0), min(rt1, ct1)))
        if c_size > 0:
            rec_sum += (_union_length(src_parts) + _union_length(sus_parts)) / c_size
    precision = prec_sum / len(detections) if detections else 0.0
    recall = rec_sum / len(cases) if cases else 0.0
    detected = [len(v) for v in detected_by.values() if v]
    granularity = sum(detected) / len(detected) if detected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "granularity": granularity,
        "plagdet": f1 / math.log2(1 + granularity),
        "n": len(cases),
        "detections": len(detections),
    }


def _union_length(intervals: list[tuple[int, int]]) -> int:
    total = 0
    end = -1
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if a >= end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total
