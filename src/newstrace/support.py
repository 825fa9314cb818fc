"""Whether the source supports each sentence of the suspect: the faithfulness model over source windows.

The aligner says which source sentences a suspect sentence stands on; it cannot say whether the
meaning survived (a changed figure, a swapped name or an added "not" barely moves a sentence
vector). The trained cross-encoder (`faithfulness.py`) reads a window of source sentences and the
statement together. As in SummaC, a statement's support is its best window: the source sentences
it is aligned to, or, for an unaligned one, those its neighbours are aligned to and those most
like it by cosine, each with a neighbour either side as far as the model's 128 word pieces
allow (a rewrite merges and splits sentences).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from newstrace.faithfulness import faithfulness
from newstrace.prepared import PreparedText

SUPPORTED = 0.5  # P(supported) from here on: the model was trained on balanced classes
RETRIEVED = 2  # source sentences retrieved by cosine for each statement
NEIGHBOURS = 1  # source sentences either side of each candidate joined into its window, if they fit
PREMISE_CHARS = 560  # premise and statement together: about the model's 128 word pieces
MIN_PREMISE_CHARS = 200
MAX_WINDOWS = 3  # windows scored per statement, best candidates first


@dataclass(frozen=True)
class Support:
    """A statement's best support: P(supported) and the source sentences [first, last) it read."""

    score: float
    first: int
    last: int

    @property
    def supported(self) -> bool:
        return self.score >= SUPPORTED


def _grown(source: PreparedText, lo: int, hi: int, budget: int) -> tuple[int, int]:
    """Sentences [lo, hi) with up to NEIGHBOURS neighbours either side, as far as `budget` characters allow.

    The model reads 128 word pieces and cuts the premise's end first, so a long neighbour placed
    before the candidate would push the candidate itself out of view; neighbours are added only
    while the window fits.
    """
    length = sum(len(s.text) for s in source.segments[lo:hi])
    for _ in range(NEIGHBOURS):
        for side in (-1, 1):
            j = lo - 1 if side < 0 else hi
            if 0 <= j < len(source.segments) and length + len(source.segments[j].text) <= budget:
                length += len(source.segments[j].text) + 1
                lo, hi = (j, hi) if side < 0 else (lo, j + 1)
    return lo, hi


def _windows(source: PreparedText, candidates: Iterable[int], budget: int) -> list[tuple[int, int]]:
    """A window around each candidate (duplicates dropped), in the candidates' order."""
    out: list[tuple[int, int]] = []
    for j in candidates:
        if any(a <= j < b for a, b in out):
            continue
        out.append(_grown(source, j, j + 1, budget))
        if len(out) == MAX_WINDOWS:
            break
    return out


def candidate_windows(
    source: PreparedText, suspect: PreparedText, i: int, sus_to_src: Mapping[int, Sequence[int]]
) -> list[tuple[int, int]]:
    """The source windows statement i may rest on: where it is aligned, else near and like it."""
    n = len(source.segments)
    if not n:
        return []
    budget = max(PREMISE_CHARS - len(suspect.segments[i].text), MIN_PREMISE_CHARS)
    aligned = sorted(set(sus_to_src.get(i, ())))
    like = np.argsort(-(source.vectors @ suspect.vectors[i]), kind="stable")[:RETRIEVED].tolist()
    if aligned:
        # the window spanning every aligned sentence (a merge of several), then windows around the
        # sentences most like it (a tighter premise, or the place the aligner missed). Measured on
        # the DEV fit halves against the aligned window alone, suspect-level AUC: FRANK 0.788 ->
        # 0.810, SummEdits news 0.540 -> 0.550, F3 0.933 -> 0.941.
        first = _grown(source, aligned[0], aligned[-1] + 1, budget)
        return [first, *(w for w in _windows(source, like, budget) if w != first)][:MAX_WINDOWS]
    near = [j for i2 in (i - 1, i + 1) for j in sus_to_src.get(i2, ())]
    return _windows(source, [*like, *near], budget)


def premise(source: PreparedText, first: int, last: int) -> str:
    return " ".join(s.text for s in source.segments[first:last])


def sentence_support(
    source: PreparedText,
    suspect: PreparedText,
    sus_to_src: Mapping[int, Sequence[int]],
    sentences: Iterable[int],
    max_pairs: int | None = None,
) -> dict[int, Support]:
    """The best support of each of `sentences` (suspect indices), all scored in one model call.

    `max_pairs` bounds the model's work (premise windows scored): sentences are taken in the order
    given, each with all its windows, until the next would pass the bound; the rest get none.
    """
    jobs: list[tuple[int, int, int]] = []
    seen: set[int] = set()
    for i in sentences:
        if i in seen:
            continue
        seen.add(i)
        windows = candidate_windows(source, suspect, i, sus_to_src)
        if max_pairs is not None and len(jobs) + len(windows) > max_pairs:
            break
        jobs += [(i, a, b) for a, b in windows]
    if not jobs:
        return {}
    scores = faithfulness().support(
        [premise(source, a, b) for _, a, b in jobs], [suspect.segments[i].text for i, _, _ in jobs]
    )
    best: dict[int, Support] = {}
    for (i, a, b), score in zip(jobs, scores.tolist(), strict=True):
        if i not in best or score > best[i].score:
            best[i] = Support(float(score), a, b)
    return best


WEAKEST = 2  # statements averaged into the suspect-level score


def suspect_faithfulness(supports: Mapping[int, Support]) -> float:
    """A suspect-level score: the mean support of its two least supported statements (1.0 with none).

    A rewrite is as faithful as its weakest claims: one invented sentence among ten faithful ones
    is what a fact-checker needs to see, and a mean over all of them would dilute it; two rather
    than one, so a single misread window does not decide alone. Chosen on the DEV fit halves over
    the mean, the length-weighted mean and the minimum (FRANK, SummEdits news and F3 averaged:
    0.754 against 0.737, 0.723 and 0.749 for the geometric mean).
    """
    weakest = sorted(s.score for s in supports.values())[:WEAKEST]
    return sum(weakest) / len(weakest) if weakest else 1.0


THRESHOLD_PATH = resources.files("newstrace") / "data" / "faithfulness" / "consistency.json"


@cache
def consistency_threshold() -> float:
    """The suspect-level faithfulness at or above which a suspect is called consistent.

    Fitted on the DEV fit halves of the summary datasets (`scripts/fit_consistency.py`); before a
    fit exists, the model's own sentence-level boundary.
    """
    try:
        return float(json.loads(THRESHOLD_PATH.read_text(encoding="utf-8"))["threshold"])
    except (OSError, ValueError, KeyError):
        return SUPPORTED
