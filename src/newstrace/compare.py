"""The core question about two texts: is the suspect derived from the source, and how?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from newstrace.align import Alignment, Similarity, align, check_pair_size, resting_pairs, similarity
from newstrace.bounded import embed_pair
from newstrace.changes import analyse_changes
from newstrace.direction import Direction, estimate_direction
from newstrace.embed import Encoder
from newstrace.features import SideCoverage, document_features, side_coverage
from newstrace.findings import Finding
from newstrace.options import CompareOptions
from newstrace.passages import Passage, reused_passages, within_scope
from newstrace.prepared import PreparedText, segment_document, window_of, without_spans
from newstrace.textio import Document, parse_document
from newstrace.verdict import Calibration, decide, default_calibration

SCHEMA = "newstrace.compare/1"


@dataclass
class Comparison:
    source: PreparedText
    suspect: PreparedText
    verdict: str
    derived: bool
    probability: float
    coverage: SideCoverage
    order: float
    direction: Direction
    alignments: list[Alignment]
    features: dict[str, float]
    findings: list[Finding] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)  # wording kept, long enough to be reuse alone

    def to_json(self) -> dict:
        """The documented `newstrace.compare/1` schema (docs/json-schema.md)."""
        return {
            "schema": SCHEMA,
            "derived": self.derived,
            "verdict": self.verdict,
            "probability": round(self.probability, 4),
            "coverage": round(self.coverage.suspect, 4),
            "source_coverage": round(self.coverage.source, 4),
            "order": round(self.order, 4),
            "encoder": self.source.encoder,
            "direction": self.direction.to_json(),
            "alignments": [
                {
                    "source": list(a.source),
                    "suspect": list(a.suspect),
                    "score": a.score,
                    "kind": a.kind,
                    "cosine": a.cosine,
                    "lexical": a.lexical,
                }
                for a in self.alignments
            ],
            "findings": [f.to_json() for f in self.findings],
            "reused_passages": [
                {"source": list(p.source), "suspect": list(p.suspect), "sentences": len(p.alignments)}
                for p in self.passages
            ],
            "metadata": {
                side: {
                    "published": doc.published.isoformat() if doc.published else None,
                    "dateline": doc.dateline,
                    "body_start": doc.body_start,
                    "format": doc.source_format,
                    "sentences": len(prep.segments),
                }
                for side, doc, prep in (
                    ("source", self.source.document, self.source),
                    ("suspect", self.suspect.document, self.suspect),
                )
            },
        }


@dataclass(frozen=True)
class Evidence:
    """What the verdict is decided from: the texts as judged, their alignment and features.

    `source` and `suspect` are the judged windows (`judged_window`; the whole texts unless one is
    over `options.window_sentences`); `source_first`/`suspect_first` are where each window starts.
    The alignments index the windows' sentences; `whole_alignments` re-indexes them into the texts.
    """

    source: PreparedText
    suspect: PreparedText
    alignments: list[Alignment]
    features: dict[str, float]
    source_first: int = 0
    suspect_first: int = 0

    def whole_alignments(self, alignments: Sequence[Alignment] | None = None) -> list[Alignment]:
        """`alignments` (by default all of them) with sentence indices into the whole texts."""
        chosen = self.alignments if alignments is None else list(alignments)
        if not (self.source_first or self.suspect_first):
            return chosen
        at_source, at_suspect = self.source_first, self.suspect_first
        return [
            replace(a, source_index=a.source_index + at_source, suspect_index=a.suspect_index + at_suspect)
            for a in chosen
        ]


def _best_window(best: np.ndarray, size: int) -> int:
    """Start of the `size` consecutive sentences with the highest sum of best match scores."""
    if len(best) <= size:
        return 0
    sums = np.convolve(best, np.ones(size), mode="valid")
    return int(np.argmax(sums))  # first of equal windows, so the choice is deterministic


def judged_window(sim: Similarity, options: CompareOptions) -> tuple[int, int]:
    """Where the judged windows of source and suspect start (each `options.window_sentences` long).

    A text longer than the window is judged by the stretch most like the other text: reuse is
    local, and across a megabyte of prose a short article's words and names are all found
    somewhere by chance (the seed source against 1 MB of unrelated news had 87% of its words and
    62% of its names "shared"), which no calibration pair taught the verdict to discount. The choice
    reads only the score matrix, which is the same transposed on swap, so it stays symmetric.
    """
    size = options.window_sentences
    if not sim.score.size:
        return 0, 0
    n_suspect, n_source = sim.score.shape
    source_first = _best_window(sim.score.max(axis=0), size) if n_source > size else 0
    suspect_first = _best_window(sim.score.max(axis=1), size) if n_suspect > size else 0
    return source_first, suspect_first


def evidence(source: PreparedText, suspect: PreparedText, options: CompareOptions) -> Evidence:
    """Align the texts (through their judged windows, when one is long) and measure the features."""
    sim: Similarity = similarity(source, suspect)
    size = options.window_sentences
    source_first = suspect_first = 0
    if len(source.segments) > size or len(suspect.segments) > size:
        source_first, suspect_first = judged_window(sim, options)
        del sim  # the whole texts' matrices are not needed past the choice of window
        source = window_of(source, source_first, source_first + size)
        suspect = window_of(suspect, suspect_first, suspect_first + size)
        sim = similarity(source, suspect)
    alignments = align(source, suspect, options, sim)
    feats = document_features(source, suspect, sim, alignments)
    return Evidence(source, suspect, alignments, feats, source_first, suspect_first)


def pair_evidence(
    source: PreparedText, suspect: PreparedText, options: CompareOptions
) -> tuple[list[Alignment], dict[str, float]]:
    """The alignment (indexing the whole texts) and the document features the verdict is decided from."""
    found = evidence(source, suspect, options)
    return found.whole_alignments(), found.features


def explains_changes(derived: bool, verdict: str) -> bool:
    """Whether a verdict gets the change analysis: only a derivation of the whole text does.

    Between independent texts every sentence would "differ", and so would everything around a
    passage reused inside otherwise independent writing (`partial`). `compare` and `scan` share this
    rule, so an edge's findings are the ones `compare` reports for the same pair.
    """
    return derived and verdict != "partial"


def _passage_scope(
    source: PreparedText,
    suspect: PreparedText,
    passages: list[Passage],
    options: CompareOptions,
    calibration: Calibration,
) -> bool:
    """Whether the texts share reused passages and are otherwise independent (`partial`).

    The test is the document model's own: with the passages set aside on both sides, would what
    is left still be called derived? Two reports of one event that each carry the same agency
    paragraph share their facts too; only the paragraph is reuse.
    """
    if not within_scope(float(source.lengths.sum()), float(suspect.lengths.sum()), passages):
        return False
    rest_source = without_spans(source, [p.source for p in passages])
    rest_suspect = without_spans(suspect, [p.suspect for p in passages])
    _, rest = pair_evidence(rest_source, rest_suspect, options)
    return calibration.probability(rest) < options.derived_threshold


def compare_prepared(
    source: PreparedText,
    suspect: PreparedText,
    options: CompareOptions | None = None,
    calibration: Calibration | None = None,
    explain: bool = True,
) -> Comparison:
    """Compare two already prepared texts (the batch entry point: prepare once, compare often).

    `explain=False` skips the change analysis, for callers that only need the verdict.
    """
    options = options or CompareOptions()
    if source.encoder != suspect.encoder:
        raise ValueError(f"texts prepared with different encoders ({source.encoder}, {suspect.encoder})")
    check_pair_size(len(suspect.segments), len(source.segments), options)
    calibration = calibration or default_calibration(source.encoder)
    found = evidence(source, suspect, options)
    feats = found.features
    document_probability = calibration.probability(feats)
    if not found.alignments and document_probability >= options.derived_threshold:
        found = replace(found, alignments=resting_pairs(found.source, found.suspect, options.align_threshold))
    # passages, direction and changes are read on the judged windows (the whole texts when short),
    # their offsets valid in the whole texts; alignments are re-indexed into the whole texts after
    passages = reused_passages(found.source.text, found.suspect.text, found.alignments)
    verdict = decide(
        document_probability,
        found.alignments,
        feats["doc_cosine"],
        options.derived_threshold,
        calibration,
        passage_scope=_passage_scope(found.source, found.suspect, passages, options, calibration),
    )
    probability = verdict.probability
    direction = estimate_direction(
        found.source, found.suspect, found.alignments, calibration.direction, verdict.derived
    )
    findings = (
        analyse_changes(found.source, found.suspect, found.alignments)
        if explain and explains_changes(verdict.derived, verdict.verdict)
        else []
    )
    alignments = found.whole_alignments()
    if alignments is not found.alignments:
        passages = [replace(p, alignments=tuple(found.whole_alignments(p.alignments))) for p in passages]
    coverage = side_coverage(source, suspect, alignments)
    return Comparison(
        source=source,
        suspect=suspect,
        verdict=verdict.verdict,
        derived=verdict.derived,
        probability=probability,
        coverage=coverage,
        order=feats["order"],
        direction=direction,
        alignments=alignments,
        features=feats,
        findings=findings,
        passages=passages,
    )


def compare_documents(
    source: Document,
    suspect: Document,
    options: CompareOptions | None = None,
    encoder: Encoder | None = None,
) -> Comparison:
    options = options or CompareOptions()
    segments = [segment_document(source, options), segment_document(suspect, options)]
    check_pair_size(len(segments[1]), len(segments[0]), options)  # before the model runs
    src, sus = embed_pair(source, suspect, segments, options, encoder)  # bounded model work past exact_sentences
    return compare_prepared(src, sus, options)


def compare(source_text: str, suspect_text: str, options: CompareOptions | None = None) -> Comparison:
    """Compare two article texts (plain text; metadata line and dateline are recognised)."""
    return compare_documents(parse_document(source_text), parse_document(suspect_text), options)
