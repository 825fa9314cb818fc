"""A document cut into sentences, with their vectors and token sets: everything compare needs.

Preparing is the expensive half of a comparison (the model runs here), so batch callers
(evaluation, the index, Spark) prepare each document once and compare the prepared forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from newstrace.embed import Encoder, encoder_named
from newstrace.errors import InputError
from newstrace.lexical import content_words, tokens
from newstrace.options import CompareOptions
from newstrace.segment import Segment, TooManySentences, language_of, split_sentences
from newstrace.textio import Document, clean_view, parse_document

# Chinese and Japanese write no spaces between words, so a whole clause would be one "word"; each
# of their characters is taken as a word instead (as character-level BLEU does)
_UNSPACED = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")

T = TypeVar("T")


@dataclass(frozen=True)
class PreparedText:
    document: Document
    segments: list[Segment]
    vectors: np.ndarray
    token_lists: list[list[str]]
    content_sets: list[set[str]]
    encoder: str = "minilm"  # which vectors: texts prepared by different encoders cannot be compared
    #: values computed from this text alone, by `once`; never compared, copied or pickled
    memo: dict[Callable[..., Any], Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def once(self, compute: Callable[[PreparedText], T]) -> T:
        """`compute(self)`, computed on the first call only.

        A scan or a trace compares each text with many others; what depends on one text alone (its
        names, figures, n-grams, style) need not be redone for every pair. `compute` must be a
        module-level function of the text only, and callers must not mutate what it returns.
        """
        try:
            return self.memo[compute]
        except KeyError:
            value = self.memo[compute] = compute(self)
            return value

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "memo"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, memo={})

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
    return embed_segmented(documents, [segment_document(d, options) for d in documents], options, encoder)


def segment_document(document: Document, options: CompareOptions) -> list[Segment]:
    """The document's sentences, refused (`InputError`) past `options.max_sentences`."""
    try:
        return split_sentences(
            clean_view(document.text),
            document.body_start,
            options.max_segment_words,
            options.max_paragraph_chars,
            options.max_sentences,
        )
    except TooManySentences:
        raise InputError(
            f"the article has more than {options.max_sentences:,} sentences (the limit, "
            "CompareOptions.max_sentences); split it into smaller documents"
        ) from None


def sentence_tokens(sentence: str) -> list[str]:
    """The sentence's word tokens (`lexical.tokens`); in Chinese or Japanese, each character a word.

    Only a sentence mostly in those scripts: a stray character in English text (two PAN13 documents
    quote a few) leaves its tokens as they were.
    """
    if not sentence.isascii() and language_of(sentence) in ("zh", "ja"):
        sentence = _UNSPACED.sub(r" \1 ", sentence)
    return tokens(sentence)


def embed_segmented(
    documents: list[Document],
    all_segments: list[list[Segment]],
    options: CompareOptions | None = None,
    encoder: Encoder | None = None,
) -> list[PreparedText]:
    """`prepare_many` for documents already cut into sentences (`segment_document`)."""
    options = options or CompareOptions()
    encoder = encoder or encoder_named(options.encoder)
    flat = [s.text for segs in all_segments for s in segs]
    vectors = encoder.encode(flat)
    out = []
    pos = 0
    for doc, segs in zip(documents, all_segments, strict=True):
        token_lists = [sentence_tokens(s.text) for s in segs]
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


def without_spans(text: PreparedText, spans: list[tuple[int, int]]) -> PreparedText:
    """The prepared text with the sentences inside `spans` taken out and their characters blanked.

    Offsets stay valid (the blanks keep every character's place), so what is left can be compared
    as it is: what two texts share once a reused passage is set aside.
    """
    keep = [i for i, seg in enumerate(text.segments) if not any(a <= seg.start and seg.end <= b for a, b in spans)]
    return replace(
        text,
        document=replace(text.document, text=_blanked(text.document.text, spans)),
        segments=[text.segments[i] for i in keep],
        vectors=text.vectors[keep],
        token_lists=[text.token_lists[i] for i in keep],
        content_sets=[text.content_sets[i] for i in keep],
    )


def _blanked(whole: str, spans: list[tuple[int, int]]) -> str:
    """`whole` with the characters inside `spans` replaced by spaces, built from slices (no
    per-character list: a 20 MB text would take 160 MB as one)."""
    parts: list[str] = []
    at = 0
    for a, b in sorted((max(a, 0), min(b, len(whole))) for a, b in spans):
        if b <= at:
            continue
        a = max(a, at)
        parts += [whole[at:a], " " * (b - a)]
        at = b
    parts.append(whole[at:])
    return "".join(parts)


def window_of(text: PreparedText, first: int, last: int) -> PreparedText:
    """The prepared text cut to its sentences `first` to `last` (exclusive), offsets kept.

    Characters outside the window are blanked, not removed, so every offset (and every finding
    made on the window) still points into the whole text.
    """
    segments = text.segments[first:last]
    if not segments:
        return without_spans(text, [(0, len(text.text))])
    whole = text.document.text
    kept = _blanked(whole, [(0, segments[0].start), (segments[-1].end, len(whole))])
    return replace(
        text,
        document=replace(text.document, text=kept),
        segments=segments,
        vectors=text.vectors[first:last],
        token_lists=text.token_lists[first:last],
        content_sets=text.content_sets[first:last],
    )
