"""What the core derives from one text alone is computed once and never changes an answer."""

from __future__ import annotations

import pickle
from dataclasses import replace

from newstrace.compare import compare_prepared
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText, prepare, without_spans

from .conftest import stable_sample

OPTIONS = CompareOptions(encoder="static")


def _answer(source: PreparedText, suspect: PreparedText) -> dict:
    return compare_prepared(source, suspect, OPTIONS).to_json()


def _sentence_count(text: PreparedText) -> int:
    return len(text.segments)


def test_a_text_met_before_gives_the_same_answers_as_a_fresh_one(seed_paths, llmfake_docs, llmfake_pairs):
    """A scan compares each text with many others: the second comparison must not see the first's."""
    seed_source, seed_rewrite = (p.read_text(encoding="utf-8") for p in seed_paths)
    pair = next(p for p in stable_sample(llmfake_pairs, 50) if p["derived"] and p["kind"] == "rewrite_generation")
    original, rewrite = llmfake_docs[pair["source_id"]], llmfake_docs[pair["suspect_id"]]
    fresh = {name: prepare(text, OPTIONS) for name, text in (("seed", seed_source), ("original", original))}
    used = {name: prepare(text, OPTIONS) for name, text in (("seed", seed_source), ("original", original))}
    # fill the memos of `used` against other texts, both ways round
    for other in (prepare(seed_rewrite, OPTIONS), prepare(rewrite, OPTIONS)):
        _answer(used["seed"], other)
        _answer(other, used["original"])
    assert used["seed"].memo and used["original"].memo
    for suspect_text in (seed_rewrite, rewrite):
        for name in ("seed", "original"):
            assert _answer(used[name], prepare(suspect_text, OPTIONS)) == _answer(
                fresh[name], prepare(suspect_text, OPTIONS)
            )


def test_memo_is_computed_once_and_not_carried_by_copies_or_pickles(seed_paths):
    text = prepare(seed_paths[0].read_text(encoding="utf-8"), OPTIONS)
    calls = []

    def counted(t: PreparedText) -> int:
        calls.append(1)
        return _sentence_count(t)

    assert text.once(counted) == text.once(counted) == len(text.segments)
    assert len(calls) == 1
    assert replace(text, encoder="static").memo == {}
    reduced = without_spans(text, [(text.segments[0].start, text.segments[0].end)])
    assert reduced.memo == {}
    assert reduced.once(_sentence_count) == len(text.segments) - 1
    text.once(_sentence_count)
    restored = pickle.loads(pickle.dumps(text))
    assert restored.memo == {} and restored.once(_sentence_count) == len(text.segments)
