"""Sentence splitting from several threads at once gives each the sentences it gives alone.

pysbd's Segmenter keeps the text it is splitting on itself; one shared by threads mixed their
sentences up (trace splits the article in a second thread while it splits the candidates), and
trace's answer for the same article and index changed from run to run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from newstrace.index.ingest import ingest, iter_inputs
from newstrace.index.store import open_store
from newstrace.options import TraceOptions
from newstrace.prepared import prepare_many
from newstrace.segment import split_sentences
from newstrace.textio import parse_document
from newstrace.trace import trace

from .conftest import EXAMPLES


def _spans(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_sentences(text)]


def test_threads_split_as_one_thread_does(seed_paths):
    texts = [p.read_text(encoding="utf-8") for p in seed_paths]
    alone = {t: _spans(t) for t in texts}
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            batch = texts * 4
            assert list(pool.map(_spans, batch)) == [alone[t] for t in batch]


def test_trace_is_the_same_every_time(tmp_path):
    store = open_store(tmp_path / "index")
    ingest(store, iter_inputs([str(EXAMPLES / "seed_source.txt")]))
    rewrite = parse_document((EXAMPLES / "seed_rewrite.txt").read_text(encoding="utf-8"))
    options = TraceOptions(top=1)

    def answer(article) -> dict:
        return {**trace(article, store, options).to_json(), "timings_ms": None}

    prepared = answer(prepare_many([rewrite], options.compare)[0])  # no second thread: the reference
    for _ in range(4):
        assert answer(rewrite) == prepared
    store.close()
