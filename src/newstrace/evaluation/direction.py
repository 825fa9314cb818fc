"""Direction figures: on derived pairs whose source is known, does newstrace say which came first?

Every derived pair of a dataset is asked, whatever its verdict (direction is its own question),
twice: with the text evidence alone (dates hidden), and as `compare` ships (dates first, where the
texts carry them). Identical texts hold no evidence of direction, so the share decided is also
given over the pairs whose texts differ.
"""

from __future__ import annotations

from collections.abc import Iterable

from newstrace.compare import Comparison
from newstrace.direction import Direction, date_direction, direction_features, text_direction
from newstrace.verdict import default_calibration

#: Confidence bins of the reliability table: [low, high).
BINS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0001))


def _accuracy(directions: list[Direction]) -> dict:
    decided = [d for d in directions if d.source_first is not None]
    return {
        "n": len(directions),
        "n_decided": len(decided),
        "decided": len(decided) / len(directions) if directions else None,
        "accuracy": sum(d.source_first is True for d in decided) / len(decided) if decided else None,
    }


def reliability(probabilities: Iterable[float]) -> list[dict]:
    """Confidence bins against observed accuracy, for pairs whose true answer is 'source first'."""
    rows = []
    values = list(probabilities)
    for low, high in BINS:
        inside = [p for p in values if low <= max(p, 1.0 - p) < high]
        if inside:
            rows.append(
                {
                    "bin": f"{low:.2f}-{min(high, 1.0):.2f}",
                    "n": len(inside),
                    "confidence": sum(max(p, 1.0 - p) for p in inside) / len(inside),
                    "accuracy": sum(p > 0.5 for p in inside) / len(inside),
                }
            )
    return rows


def score_direction(comparisons: list[Comparison]) -> dict:
    """`comparisons` of gold derived pairs, each with the true source given as the source."""
    if not comparisons:
        return {}
    model = default_calibration(comparisons[0].source.encoder).direction
    text_only, shipped, probabilities = [], [], []
    distinct = 0
    for c in comparisons:
        p = model.probability(direction_features(c.source, c.suspect, c.alignments))
        text_only.append(text_direction(p, model))
        shipped.append(date_direction(c.source.document, c.suspect.document) or text_only[-1])
        if c.source.text.strip() != c.suspect.text.strip():
            distinct += 1
            probabilities.append(p)
    text = _accuracy(text_only)
    text["decided_distinct"] = text["n_decided"] / distinct if distinct else None
    text["n_distinct"] = distinct
    text["reliability"] = reliability(probabilities)
    as_shipped = _accuracy(shipped)
    as_shipped["by_basis"] = {
        basis: _accuracy([d for d in shipped if d.basis == basis]) for basis in sorted({d.basis for d in shipped})
    }
    return {"text": text, "shipped": as_shipped}
