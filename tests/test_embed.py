"""The two sentence encoders on real sentences: the model, and the static vectors distilled from it."""

from __future__ import annotations

import numpy as np
import pytest

from newstrace import compare_documents, load_document
from newstrace.embed import encoder_named
from newstrace.evaluation.metrics import roc_auc
from newstrace.options import CompareOptions
from newstrace.prepared import prepare_many
from newstrace.textio import parse_document

from .conftest import DATA, read_jsonl_gz, report_half, stable_sample


@pytest.fixture(scope="module")
def mrpc_report() -> list[dict]:
    rows = read_jsonl_gz(DATA / "mrpc" / "sentence_pairs.jsonl.gz")
    return stable_sample(report_half("mrpc", rows), 300, "embed")


@pytest.mark.parametrize("name", ["minilm", "static"])
def test_vectors_are_unit_length_and_separate_paraphrases(name, mrpc_report):
    encoder = encoder_named(name)
    a = encoder.encode([r["a"] for r in mrpc_report])
    b = encoder.encode([r["b"] for r in mrpc_report])
    assert a.shape == (len(mrpc_report), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    # MRPC negatives are themselves near-paraphrases; MiniLM's cosine AUC on them is ~0.74
    assert roc_auc([r["paraphrase"] for r in mrpc_report], (a * b).sum(axis=1)) >= 0.65
    assert encoder.encode([]).shape == (0, 384)


def test_static_cosines_follow_the_model(mrpc_report):
    """The aligner's thresholds assume MiniLM's cosine scale; the distilled vectors must keep it."""
    pairs = [(r["a"], r["b"]) for r in mrpc_report]
    model = encoder_named("minilm")
    static = encoder_named("static")
    cos_model = (model.encode([p[0] for p in pairs]) * model.encode([p[1] for p in pairs])).sum(axis=1)
    cos_static = (static.encode([p[0] for p in pairs]) * static.encode([p[1] for p in pairs])).sum(axis=1)
    assert np.corrcoef(cos_model, cos_static)[0, 1] >= 0.7
    assert abs(float(np.median(cos_model - cos_static))) <= 0.1


def test_seed_pair_is_a_heavy_rewrite_with_static_vectors(seed_paths):
    options = CompareOptions(encoder="static")
    r = compare_documents(load_document(seed_paths[0]), load_document(seed_paths[1]), options)
    assert r.derived and r.verdict == "heavy" and r.coverage.suspect >= 0.8
    assert r.direction.source_first is True


def test_texts_prepared_by_different_encoders_are_not_compared(seed_paths):
    from newstrace.compare import compare_prepared

    docs = [load_document(p) for p in seed_paths]
    (src,) = prepare_many(docs[:1], CompareOptions(encoder="static"))
    (sus,) = prepare_many(docs[1:], CompareOptions(encoder="minilm"))
    with pytest.raises(ValueError, match="different encoders"):
        compare_prepared(src, sus)


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError, match="encoder must be one of"):
        CompareOptions(encoder="bert")


def test_static_rewrites_and_unrelated_pairs(llmfake_docs, llmfake_pairs):
    options = CompareOptions(encoder="static")
    report = report_half("llmfake", llmfake_pairs)
    rewrites = stable_sample([p for p in report if p["kind"] == "rewrite_generation"], 15, "embed")
    negatives = stable_sample([p for p in report if p["kind"] == "hard-negative"], 10, "embed")
    verdicts = {
        p["id"]: compare_documents(
            parse_document(llmfake_docs[p["source_id"]]), parse_document(llmfake_docs[p["suspect_id"]]), options
        ).derived
        for p in rewrites + negatives
    }
    assert sum(verdicts[p["id"]] for p in rewrites) >= 12
    assert sum(verdicts[p["id"]] for p in negatives) <= 1
