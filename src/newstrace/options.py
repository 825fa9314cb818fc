"""One options object for a comparison, validated once and passed down.

Defaults live here and nowhere else; the CLI, the HTTP API and Python callers all build a
`CompareOptions` and hand it to the core.
"""

from __future__ import annotations

from dataclasses import dataclass

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
