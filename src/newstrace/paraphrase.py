"""Is one sentence a paraphrase of another? (MRPC / PAWS style questions.)

Cosine similarity alone calls "A bit B" a paraphrase of "B bit A" and misses changed figures; so
a small logistic model combines it with word-order and figure evidence. Its weights are fitted
with the document model (`scripts/fit_calibration.py`) and stored in the same calibration file.
"""

from __future__ import annotations

import math

import numpy as np

from newstrace.align import wording_ratio
from newstrace.embed import encoder_named
from newstrace.lexical import content_words, ngrams, numbers, tokens

SENTENCE_FEATURES = ("cosine", "content_dice", "wording", "bigram_dice", "number_mismatch", "length_ratio_log")


def _dice(a: set, b: set) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def sentence_features(a: str, b: str, cosine: float) -> dict[str, float]:
    ta, tb = tokens(a), tokens(b)
    na, nb = numbers(a), numbers(b)
    return {
        "cosine": cosine,
        "content_dice": _dice(content_words(ta), content_words(tb)),
        "wording": wording_ratio(ta, tb),
        "bigram_dice": _dice(ngrams(ta, 2), ngrams(tb, 2)),
        "number_mismatch": float(len(na ^ nb) > 0),
        "length_ratio_log": abs(math.log((len(ta) + 1) / (len(tb) + 1))),
    }


def pair_cosines(a: list[str], b: list[str], encoder: str = "minilm") -> np.ndarray:
    enc = encoder_named(encoder)
    va, vb = enc.encode(a), enc.encode(b)
    return (va * vb).sum(axis=1)


def paraphrase_probabilities(a: list[str], b: list[str], encoder: str = "minilm") -> list[float]:
    from newstrace.verdict import default_calibration

    model = default_calibration(encoder).sentence
    cos = pair_cosines(a, b, encoder)
    out = []
    for x, y, c in zip(a, b, cos, strict=True):
        f = sentence_features(x, y, float(c))
        z = model["intercept"] + sum(
            w * (f[n] - m) / s
            for n, m, s, w in zip(model["features"], model["mean"], model["scale"], model["coef"], strict=True)
        )
        out.append(1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z)))))
    return out
