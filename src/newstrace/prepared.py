"""A document cut into sentences, with their vectors and token sets: everything compare needs.

Preparing is the expensive half of a comparison (the model runs here), so batch callers
(evaluation, the index, Spark) prepare each document once and compare the prepared forms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newstrace.embed import Encoder, encoder_named
from newstrace.lexical import content_words, tokens
from newstrace.options import CompareOptions
from newstrace.segment import Segment, split_sentences
from newstrace.textio import Document, clean_view, parse_document


@dataclass(frozen=True)
class PreparedText:
    document: Document
    segments: list[Segment]
    vectors: np.ndarray
    token_lists: list[list[str]]
    content_sets: list[set[str]]
    encoder: str = "minilm"  # which vectors: texts prepared by different encoders cannot be compared

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def lengths(self) -> np.ndarray:
        return np.array([s.end - s.start for s in self.segments], dtype=np.float64)


def prepare(
    document: Document | str,
    options: CompareOptions | None = None,
    encoder: Encoder | None = None,
) -> PreparedText:
    if isinstance(document, str):
        document = parse_document(document)
    return prepare_many([document], options, encoder)[0]


def prepare_many(
    documents: list[Document],
    options: CompareOptions | None = None,
    encoder: Encoder | None = None,
) -> list[PreparedText]:
    """Prepare a batch with one model call, which is several times faster than one call each."""
    options = options or CompareOptions()
    encoder = encoder or encoder_named(options.encoder)
    all_segments = [split_sentences(clean_view(d.text), d.body_start, options.max_segment_words) for d in documents]
    flat = [s.text for segs in all_segments for s in segs]
    vectors = encoder.encode(flat)
    out = []
    pos = 0
    for doc, segs in zip(documents, all_segments, strict=True):
        token_lists = [tokens(s.text) for s in segs]
        out.append(
            PreparedText(
                document=doc,
                segments=segs,
                vectors=vectors[pos : pos + len(segs)],
                token_lists=token_lists,
                content_sets=[content_words(t) for t in token_lists],
                encoder=encoder.name,
            )
        )
        pos += len(segs)
    return out
