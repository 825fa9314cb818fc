"""Bounded model work for long texts: embed with MiniLM only the sentences worth comparing.

MiniLM takes ~9 ms a sentence on 2 cores, so a 1 MB text (about 6,800 sentences) took a minute to
embed whole. Above `CompareOptions.exact_sentences` sentences, a text's sentences are first
retrieved by their word overlap with the other text (the rarity-weighted Dice / overlap mix the
aligner uses): for each sentence of the other text, its `retrieval_top` best matches here, and
every sentence whose best overlap reaches `RETRIEVED_OVERLAP`, at most `retrieval_sentences` in
all (the highest overlaps first). Only those go through the model. A sentence that shares no
content word with the other text cannot be a verbatim or near-verbatim copy, and a paraphrase
keeps enough rare words to come out on top for its counterpart.

The other sentences are not dropped: they get the static vectors, which were distilled so that
their cosines live on MiniLM's scale (`scripts/distill_static.py`). So every sentence still counts
in coverage, the document vector and every other figure, and can still align on static evidence;
only the model's time is bounded. Texts at or under the limit (every DEV document but one, a
518 KB PAN13 source) are embedded exactly as before, and the static encoder needs none of this.
"""

from __future__ import annotations

import numpy as np

from newstrace.align import lexical_overlap
from newstrace.embed import DIMENSIONS, Encoder, encoder_named
from newstrace.lexical import content_words
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText, embed_segmented, sentence_tokens
from newstrace.segment import Segment
from newstrace.textio import Document

#: A sentence whose best word overlap with any sentence of the other text reaches this is always
#: retrieved (within the cap): a near copy, whatever the other text's sentences ranked first.
RETRIEVED_OVERLAP = 0.5


class _MixedEncoder:
    """MiniLM for the chosen sentences, static vectors for the rest; named after the model."""

    def __init__(self, model: Encoder, fallback: Encoder, chosen: np.ndarray) -> None:
        self.name = model.name
        self._model, self._fallback, self._chosen = model, fallback, chosen

    def encode(self, sentences: list[str]) -> np.ndarray:
        if len(sentences) != len(self._chosen):
            raise ValueError(f"expected {len(self._chosen)} sentences, got {len(sentences)}")
        out = self._fallback.encode([s for s, c in zip(sentences, self._chosen, strict=True) if not c])
        vectors = np.zeros((len(sentences), DIMENSIONS), dtype=np.float32)
        vectors[~self._chosen] = out
        picked = [s for s, c in zip(sentences, self._chosen, strict=True) if c]
        if picked:
            vectors[self._chosen] = self._model.encode(picked)
        return vectors


def retrieve(overlap: np.ndarray, top: int, cap: int) -> np.ndarray:
    """Which rows of `overlap` (this text's sentences x the other's) are worth the model: a mask."""
    rows, cols = overlap.shape
    if rows == 0 or cols == 0:
        return np.zeros(rows, dtype=bool)
    best = overlap.max(axis=1)
    wanted = best >= RETRIEVED_OVERLAP
    k = min(top, rows)
    top_rows = np.argpartition(-overlap, k - 1, axis=0)[:k]  # per column, its k best rows
    hit = overlap[top_rows, np.arange(cols)[None, :]] > 0
    wanted[top_rows[hit]] = True
    wanted &= best > 0
    if wanted.sum() > cap:  # keep the highest overlaps
        order = np.argsort(-np.where(wanted, best, -1.0), kind="stable")[:cap]
        wanted = np.zeros(rows, dtype=bool)
        wanted[order] = True
    return wanted


def embed_pair(
    source: Document,
    suspect: Document,
    segments: list[list[Segment]],
    options: CompareOptions,
    encoder: Encoder | None = None,
) -> list[PreparedText]:
    """`embed_segmented` for a pair; a text over `options.exact_sentences` is embedded by retrieval."""
    encoder = encoder or encoder_named(options.encoder)
    long_side = [len(segs) > options.exact_sentences for segs in segments]
    if encoder.name == "static" or not any(long_side):
        return embed_segmented([source, suspect], segments, options, encoder)
    sets = [[content_words(sentence_tokens(s.text)) for s in segs] for segs in segments]
    chosen = []
    for side, other in ((0, 1), (1, 0)):
        if long_side[side]:
            overlap = lexical_overlap(sets[side], sets[other])
            chosen.append(retrieve(overlap, options.retrieval_top, options.retrieval_sentences))
        else:
            chosen.append(np.ones(len(segments[side]), dtype=bool))
    mixed = _MixedEncoder(encoder, encoder_named("static"), np.concatenate(chosen))
    return embed_segmented([source, suspect], segments, options, mixed)
