"""Prepare: each article split into sentences, embedded, and its rare terms listed, once.

The same function turns a batch of corpus rows into prepared rows for both engines (the local
process pool and Spark's `mapInPandas`), and `rebuild` turns a prepared row back into the
`PreparedText` the comparison core takes. Each document is embedded on its own, so its vectors
never depend on which other documents shared its batch (MiniLM pads a batch to its longest
sentence): the two engines then hand the core bit-identical inputs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pyarrow as pa

from newstrace.embed import DIMENSIONS, encoder_named
from newstrace.errors import InputError
from newstrace.index.terms import document_terms
from newstrace.lexical import content_words
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText, segment_document, sentence_tokens
from newstrace.scan.candidates import quantise
from newstrace.scan.corpus import SCHEMA as CORPUS_SCHEMA
from newstrace.segment import Segment
from newstrace.textio import Document, clean_view, parse_document

#: Vectors are stored as float16: half the disk and I/O; a cosine moves by under 1e-3.
VECTOR_DTYPE = np.float16

SCHEMA = pa.schema(
    [
        *CORPUS_SCHEMA,  # the corpus stage's columns, then what preparing adds
        ("seg_start", pa.list_(pa.int32())),
        ("seg_end", pa.list_(pa.int32())),
        ("vectors", pa.large_binary()),
        ("terms", pa.list_(pa.string())),
        ("doc_vector", pa.binary()),  # int8 mean of the sentence vectors (`candidates.quantise`)
        ("error", pa.string()),  # why the document could not be prepared (it is then left out)
    ]
)


def as_document(text: str, published: str | None) -> Document:
    """The document as the core sees it (metadata line, dateline), with the record's own date."""
    doc = parse_document(text)
    if published:
        doc = replace(doc, published=date.fromisoformat(published[:10]))
    return doc


def prepare_rows(rows: list[dict], options: CompareOptions) -> list[dict]:
    """Corpus rows -> prepared rows (sentences, vectors, rare terms). Never raises for one bad text."""
    encoder = encoder_named(options.encoder)
    out = []
    for row in rows:
        prepared = dict(row, seg_start=[], seg_end=[], vectors=b"", terms=[], doc_vector=b"", error=None)
        try:
            doc = as_document(row["text"], row.get("published"))
            segments = segment_document(doc, options)
            if not segments:
                raise InputError("no sentence in the text")
            vectors = encoder.encode([s.text for s in segments]).astype(VECTOR_DTYPE)
            prepared.update(
                seg_start=[s.start for s in segments],
                seg_end=[s.end for s in segments],
                vectors=vectors.tobytes(),
                terms=document_terms(doc.body),
                doc_vector=quantise(vectors).tobytes(),
            )
        except (InputError, ValueError) as exc:
            prepared["error"] = str(exc)
        out.append(prepared)
    return out


def rebuild(row: dict, encoder: str) -> PreparedText:
    """A prepared row back as the core's `PreparedText` (tokens recomputed: cheap next to the split)."""
    doc = as_document(row["text"], row.get("published"))
    view = clean_view(doc.text)
    segments = [Segment(int(s), int(e), view[s:e]) for s, e in zip(row["seg_start"], row["seg_end"], strict=True)]
    vectors = np.frombuffer(row["vectors"], dtype=VECTOR_DTYPE).reshape(-1, DIMENSIONS).astype(np.float32)
    token_lists = [sentence_tokens(s.text) for s in segments]
    return PreparedText(
        document=doc,
        segments=segments,
        vectors=vectors,
        token_lists=token_lists,
        content_sets=[content_words(t) for t in token_lists],
        encoder=encoder,
    )
