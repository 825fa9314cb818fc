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
    #: A text with more sentences than this is judged by its window of this many consecutive
    #: sentences most like the other text (`compare.judged_window`): reuse is local, and over a
    #: whole megabyte of prose a short article's words and names are all found somewhere by chance,
    #: which no calibration pair taught the verdict to discount.
    window_sentences: int = 2_000
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
        for name in ("max_sentences", "max_sentence_pairs", "exact_sentences", "retrieval_top", "retrieval_sentences",
                     "window_sentences"):
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


ENGINES = ("local", "spark")


@dataclass(frozen=True)
class ScanOptions:
    """What `scan` compares and how: candidate generation, verification, the date window, the engine.

    Every field that changes a stage's output is part of that stage's fingerprint, so a resumed
    scan never reuses output made under other options (see `newstrace.scan.stagefiles`).
    """

    #: The core's options for verifying candidate pairs (the encoder is the scan's encoder).
    compare: CompareOptions = field(default_factory=CompareOptions)
    #: "local" (a process pool over every core) or "spark" (PySpark DataFrame jobs).
    engine: str = "local"
    #: Spark master for the spark engine when no session is given (`local[*]`, or set by spark-submit).
    spark_master: str | None = None
    #: Only documents published in [since, until] (ISO dates); undated documents are left out
    #: when either bound is given, since they cannot be placed in the window.
    since: str | None = None
    until: str | None = None
    #: An edge needs the derived verdict and at least this probability.
    min_probability: float = 0.5
    #: A rare term found in more than this share of the documents (and more than `max_df_floor`
    #: documents) links too many pairs to be evidence of reuse; it is not used for candidates.
    max_df_share: float = 0.01
    max_df_floor: int = 50
    #: A pair is a candidate when the idf weight of the rare terms it shares reaches this share of
    #: the smaller document's total (a rewrite keeps its names, figures and rare words).
    min_shared: float = 0.12
    #: At most this many candidates per document and channel, best first.
    neighbours: int = 12
    #: A document with fewer kept rare terms than this also gets neighbours by document vector,
    #: those whose cosine (of the int8-quantised vectors) reaches `min_vector_cosine`.
    dense_terms: int = 25
    min_vector_cosine: float = 0.4
    #: A sibling edge (two texts both derived from one source) is co-derived when at least this share
    #: of its aligned sentences (the mean over its two sides) is aligned with the shared source too.
    explained_share: float = 0.5
    #: Let the faithfulness model grade each derived pair's findings (as `compare` does). Off by
    #: default: the counts in edges.parquet are the rules' (grading lowers a finding's severity but
    #: keeps it; only the near-verbatim sentences the model alone finds unsupported are added), and
    #: the model costs about 60 ms per derived 600-word pair, most of the verify stage's time.
    judge_findings: bool = False
    #: Worker processes of the local engine (None: every core).
    workers: int | None = None
    #: Documents per chunk (a Parquet row group, a worker's task): bounds the memory of every stage.
    chunk_docs: int = 256

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise ValueError(f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        if not 0.0 < self.min_probability < 1.0:
            raise ValueError(f"min_probability must be in (0, 1), got {self.min_probability}")
        if not 0.0 < self.max_df_share <= 1.0 or self.max_df_floor < 2:
            raise ValueError("max_df_share must be in (0, 1] and max_df_floor at least 2")
        if not 0.0 < self.min_shared <= 1.0:
            raise ValueError(f"min_shared must be in (0, 1], got {self.min_shared}")
        if not 0.0 <= self.explained_share <= 1.0:
            raise ValueError(f"explained_share must be in [0, 1], got {self.explained_share}")
        if not 0.0 < self.min_vector_cosine < 1.0:
            raise ValueError(f"min_vector_cosine must be in (0, 1), got {self.min_vector_cosine}")
        for name in ("neighbours", "chunk_docs", "dense_terms"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
