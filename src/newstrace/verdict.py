"""From alignment evidence to a verdict and a calibrated probability of derivation.

The probability comes from small gradient-boosted trees over the symmetric features of
`features.py` (the regimes differ: a passage lifted into a long document, a whole-article LLM
rewrite, a summary; one linear cut cannot serve them all), fitted on the
'fit' half of the DEV data by `scripts/fit_calibration.py` and shipped as `data/calibration.json`
(with the data it saw and its version). The kind of derivation (copy / light / heavy) is read
off the wording of the aligned sentences; the kind of non-derivation (independent / unrelated)
off how close the two texts are in subject.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from newstrace.align import Alignment
from newstrace.direction import DirectionModel
from newstrace.errors import ModelError
from newstrace.trees import TreeEnsemble

VERDICTS = ("copy", "light", "heavy", "partial", "independent", "unrelated")
#: `partial`: a reused passage (agency background, a press release) inside otherwise independent text
DERIVED_VERDICTS = frozenset({"copy", "light", "heavy", "partial"})


@dataclass(frozen=True)
class Calibration:
    version: str
    model: TreeEnsemble
    same_subject_cosine: float
    sentence: dict
    direction: DirectionModel

    def probability(self, values: dict[str, float]) -> float:
        z = self.model.raw(values)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


CALIBRATION_FILES = {"minilm": "calibration.json", "static": "calibration-static.json"}


@cache
def default_calibration(encoder: str = "minilm") -> Calibration:
    """The shipped calibration for texts prepared with `encoder` (cosines differ between them)."""
    try:
        raw = json.loads((resources.files("newstrace") / "data" / CALIBRATION_FILES[encoder]).read_text("utf-8"))
        return Calibration(
            version=raw["version"],
            model=TreeEnsemble.from_json(raw["document_model"]),
            same_subject_cosine=float(raw["same_subject_cosine"]),
            sentence=raw["sentence"],
            direction=DirectionModel.from_json(raw["direction"]),
        )
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"calibration file unusable ({exc}); reinstall newstrace or refit it") from exc


@dataclass(frozen=True)
class Verdict:
    verdict: str
    derived: bool
    probability: float


def derivation_kind(alignments: list[Alignment]) -> str:
    """copy / light / heavy by how much of the reused text kept its wording."""
    chars = {"verbatim": 0, "near-verbatim": 0, "paraphrase": 0}
    seen: set[int] = set()
    for a in sorted(alignments, key=lambda a: -a.score):
        if a.suspect_index in seen:
            continue
        seen.add(a.suspect_index)
        chars[a.kind] += a.suspect[1] - a.suspect[0]
    total = sum(chars.values())
    if total == 0:
        return "heavy"
    if chars["verbatim"] / total >= 0.8:
        return "copy"
    if (chars["verbatim"] + chars["near-verbatim"]) / total >= 0.5:
        return "light"
    return "heavy"


def decide(
    probability: float,
    alignments: list[Alignment],
    doc_cosine: float,
    threshold: float,
    calibration: Calibration,
    passage_scope: bool = False,
) -> Verdict:
    """The verdict from the calibrated probability, the alignments it rests on and the reuse's scope.

    `passage_scope`: the texts share passages taken word for word and little else
    (`passages.confined_to_passages`). That is `partial` whatever the document model says: derived,
    in the scope of the passages. Its probability stays the document model's (whether the text as
    a whole was derived).
    """
    if passage_scope:
        return Verdict("partial", True, probability)
    if probability >= threshold and not alignments:
        # "derived" must point at the sentences it rests on: with none aligned, the document
        # features are outside what the calibration saw (a 1 MB text against an article scored
        # 0.74), so the probability is held just under the threshold
        probability = max(0.0, threshold - 1e-4)
    if probability >= threshold:
        return Verdict(derivation_kind(alignments), True, probability)
    related = doc_cosine >= calibration.same_subject_cosine
    return Verdict("independent" if related else "unrelated", False, probability)
