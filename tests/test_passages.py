"""Reported passages on real PAN13 plagiarism cases (DEV report half), scored as PAN scores them.

Character precision and recall of the reported passages against the gold cases: a verbatim copy
must not grow by chance paraphrase pairs of the same subject around it, and a summary (suspect
sentences side by side, their sources far apart in order) must be one passage, not scattered
sentences. The bounds sit between the figures on this sample before the two rules (verbatim
precision 0.657, summary recall 0.253) and after them (0.801, 0.504).
"""

from __future__ import annotations

import pytest

from newstrace import compare
from newstrace.evaluation.metrics import plagdet
from newstrace.passages import reported_passages
from tests.conftest import DATA, read_jsonl_gz, report_half, stable_sample


@pytest.fixture(scope="module")
def pan13():
    pairs = report_half("pan13", read_jsonl_gz(DATA / "pan13" / "pairs.jsonl.gz"))
    docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "pan13" / "documents.jsonl.gz")}
    return pairs, docs


def scored(pan13, kind: str) -> dict:
    pairs, docs = pan13
    chosen = stable_sample([p for p in pairs if p["kind"] == kind], 6, salt="passages")
    cases, detections = [], []
    for p in chosen:
        comparison = compare(docs[p["source_id"]], docs[p["suspect_id"]])
        assert comparison.derived, p["id"]
        cases += [(p["id"], s0, s0 + sl, t0, t0 + tl) for s0, sl, t0, tl in p["spans"]]
        detections += [(p["id"], *q.source, *q.suspect) for q in reported_passages(comparison.alignments)]
    return plagdet(cases, detections)


def test_a_verbatim_copy_is_reported_without_the_chance_paraphrases_around_it(pan13):
    figures = scored(pan13, "no-obfuscation")
    assert figures["recall"] >= 0.95, figures
    assert figures["precision"] >= 0.75, figures


def test_a_summary_of_a_long_source_passage_is_reported_as_one_passage(pan13):
    figures = scored(pan13, "summary-obfuscation")
    assert figures["recall"] >= 0.4, figures
    assert figures["precision"] >= 0.9 and figures["granularity"] <= 1.2, figures
