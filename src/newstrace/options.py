"""One options object per command family, validated once and passed down.

Defaults live here and nowhere else; the CLI, the HTTP API and Python callers all build a
`CompareOptions` (compare), `TraceOptions` (trace) or `EvalOptions` (eval) and hand it to the core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from newstrace.embed import ENCODERS

#: Trace verifies its candidates with the static vectors: MiniLM over the article and the
#: candidates took ~175 ms of a ~290 ms trace at a million documents (README, Index scale).
TRACE_ENCODER = "static"


@dataclass(frozen=True)
class CompareOptions:
    #: A sentence pair whose combined similarity reaches this is an alignment candidate.
    align_threshold: float = 0.55
    #: Longest "sentence" (in words) sent to the model whole; longer ones are cut into windows,
    #: because MiniLM silently truncates at 256 tokens and run-on text would lose its tail.
    max_segment_words: int = 60
    #: Files larger than this are refused rather than read into memory.
    max_input_bytes: int = 20_000_000
    #: A text with more sentences (segments) than this is refused before the model runs: 20 MB of
    #: news prose is about 170,000. The longest DEV document has 7,276.
    max_sentences: int = 200_000
    #: A paragraph (line) longer than this is cut into pieces of about 2,000 characters, at
    #: sentence ends, before sentence splitting, whose time grows with the square of its input.
    #: Above the longest DEV paragraph (72,117 characters), so ordinary articles split unchanged.
    max_paragraph_chars: int = 80_000
    #: Most sentence pairs (suspect sentences x source sentences) compared in one alignment; a
    #: larger pair of texts is refused before the model runs (each of the alignment's matrices
    #: takes 4 bytes a pair). The largest DEV pair has 3.0 million; a 20 MB text against a
    #: 50-sentence article has about 8.5 million.
    max_sentence_pairs: int = 10_000_000
    #: A text with more sentences than this (about 300 KB of news prose) has only the sentences
    #: retrieved by word overlap with the other text embedded by MiniLM, the rest by the static
    #: vectors (`bounded.py`), so the model's time is bounded. Every DEV document but one (a 518 KB
    #: PAN13 source, 7,276 sentences) is under it, so ordinary articles compare exactly as before.
    exact_sentences: int = 2_000
    #: ... for each sentence of the other text, its this many best word-overlap matches are retrieved,
    retrieval_top: int = 3
    #: ... and at most this many sentences of one text in all (~9 s of MiniLM on 2 cores).
    retrieval_sentences: int = 1_000
    #: A derived probability at or above this says "derived".
    derived_threshold: float = 0.5
    #: Sentence vectors: "minilm" (the model) or "static" (distilled from it, ~100x faster).
    #: Each has its own calibration; trace verifies with "static" to stay inside its time budget.
    encoder: str = "minilm"

    def __post_init__(self) -> None:
        if not 0.0 < self.align_threshold < 1.0:
            raise ValueError(f"align_threshold must be in (0, 1), got {self.align_threshold}")
        if not 0.0 < self.derived_threshold < 1.0:
            raise ValueError(f"derived_threshold must be in (0, 1), got {self.derived_threshold}")
        if self.max_segment_words < 8:
            raise ValueError(f"max_segment_words must be at least 8, got {self.max_segment_words}")
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {self.encoder!r}")
        if self.max_input_bytes <= 0:
            raise ValueError("max_input_bytes must be positive")
        for name in ("max_sentences", "max_sentence_pairs", "exact_sentences", "retrieval_top", "retrieval_sentences"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_paragraph_chars < 2_000:
            raise ValueError(f"max_paragraph_chars must be at least 2000, got {self.max_paragraph_chars}")


def _trace_compare_options() -> CompareOptions:
    return CompareOptions(encoder=TRACE_ENCODER)


@dataclass(frozen=True)
class TraceOptions:
    """How `trace` searches the index and what it verifies; every tunable of the cascade lives here."""

    #: The core's options for verifying candidates (by default with the fast static vectors).
    compare: CompareOptions = field(default_factory=_trace_compare_options)
    #: How many sources to show; at least this many candidates are verified.
    top: int = 3
    #: Only sources published on or after this ISO date (YYYY-MM-DD).
    since: str | None = None
    #: Index documents never offered as sources (the article's own id when it is indexed too).
    exclude: frozenset[str] = frozenset()
    #: Candidates retrieved by BM25, then re-ranked by passage evidence.
    candidates: int = 50
    #: Candidates compared with the core (the best always; others only with passage evidence).
    verified: int = 4
    #: A long article is also queried piece by piece, in pieces of about this many characters.
    chunk_chars: int = 2000
    #: Rarest words considered for the whole-text query, and kept by their index frequency.
    query_pool: int = 60
    query_terms: int = 20
    #: The same for each piece of a long article.
    chunk_pool: int = 30
    chunk_terms: int = 16
    #: Per query, stop adding terms past this many postings (BM25 time follows the postings read),
    #: once at least `min_query_terms` are in.
    postings_budget: int = 40_000
    min_query_terms: int = 8
    #: A candidate is verified only if its passage evidence reaches this and this share of the best's.
    evidence_floor: float = 0.2
    evidence_share: float = 0.25
    #: A derived source is called a possible copy of the article (not its source) on date evidence,
    #: or when the text evidence says so with at least this calibrated confidence.
    possible_copy_confidence: float = 0.9
    #: Run the change analysis for the derived sources shown.
    explain: bool = True

    def __post_init__(self) -> None:
        counts = ("top", "candidates", "verified", "chunk_chars", "query_pool", "query_terms")
        for name in (*counts, "chunk_pool", "chunk_terms", "postings_budget", "min_query_terms"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.5 <= self.possible_copy_confidence <= 1.0:
            raise ValueError(f"possible_copy_confidence must be in [0.5, 1], got {self.possible_copy_confidence}")
        if self.evidence_floor < 0.0 or not 0.0 <= self.evidence_share <= 1.0:
            raise ValueError("evidence_floor must be >= 0 and evidence_share in [0, 1]")
        if self.since is not None:
            try:
                date.fromisoformat(self.since)
            except ValueError:
                raise ValueError(f"since must be an ISO date (YYYY-MM-DD), got {self.since!r}") from None
        object.__setattr__(self, "exclude", frozenset(self.exclude))


def _eval_trace_options() -> TraceOptions:
    return TraceOptions(explain=False)  # retrieval figures need the ranking, not the findings


@dataclass(frozen=True)
class EvalOptions:
    """What `newstrace eval` measures, and with which options of the core and of trace."""

    #: The core's options for pair, sentence and change figures (as `compare` ships: MiniLM).
    compare: CompareOptions = field(default_factory=CompareOptions)
    #: Trace's options for the retrieval figures (as `trace` ships: static vectors).
    trace: TraceOptions = field(default_factory=_eval_trace_options)
    #: all, or the half of DEV the calibration was fitted on (fit) or not (report).
    split: str = "all"
    #: Use only the first N records of each file.
    limit: int | None = None
    #: Also index each dataset's sources and trace its suspects.
    retrieval: bool = True

    def __post_init__(self) -> None:
        if self.split not in ("all", "fit", "report"):
            raise ValueError(f"split must be all, fit or report, got {self.split!r}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be at least 1, got {self.limit}")
