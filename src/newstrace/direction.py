"""Which of two related texts came first.

Publication dates decide when both texts carry one. Otherwise two kinds of evidence are weighed:
containment asymmetry (a derived text is mostly covered by its source, while the source keeps
material the copy dropped) and credit asymmetry (an agency credit on one side only marks the
original, since content farms strip credits rather than add them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from newstrace.attribution import find_credits
from newstrace.features import SideCoverage
from newstrace.textio import Document


@dataclass(frozen=True)
class Direction:
    source_first: bool | None
    confidence: float
    basis: str  # dates | evidence | none

    def to_json(self) -> dict:
        return {"source_first": self.source_first, "confidence": round(self.confidence, 4), "basis": self.basis}


def estimate_direction(source: Document, suspect: Document, coverage: SideCoverage, related: bool) -> Direction:
    """`source_first` is True when the text given as source is the earlier one."""
    if not related:
        return Direction(None, 0.0, "none")
    if source.published and suspect.published and source.published != suspect.published:
        return Direction(source.published < suspect.published, 0.97, "dates")
    evidence = 4.0 * (coverage.suspect - coverage.source)
    src_credit = bool(find_credits(source.text, source.body_start)) or bool(source.dateline_agency)
    sus_credit = bool(find_credits(suspect.text, suspect.body_start)) or bool(suspect.dateline_agency)
    evidence += 1.5 * (int(src_credit) - int(sus_credit))
    if source.published and not suspect.published:
        evidence += 0.5  # a dated original and an undated copy is the usual content-farm shape
    elif suspect.published and not source.published:
        evidence -= 0.5
    if abs(evidence) < 0.05:
        return Direction(None, 0.5, "evidence")
    confidence = 1.0 / (1.0 + math.exp(-abs(evidence)))
    return Direction(evidence > 0, confidence, "evidence")
