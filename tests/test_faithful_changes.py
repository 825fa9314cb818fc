"""The change analysis with the shipped faithfulness model: the rules name the span, the model the meaning.

Each case edits one real sentence of the seed source (the rest of the text kept, so the pair is
the rewrite of a real article) and checks the finding the rules make and the model's confidence
in it; the paraphrase cases check that meaning kept in other words is not flagged. Real LLM
paraphrases from the DEV report half check the same at article scale.
"""

from __future__ import annotations

import pytest

from newstrace import compare
from newstrace.changes import analyse_changes
from newstrace.compare import pair_evidence
from newstrace.options import CompareOptions
from newstrace.prepared import prepare

from .conftest import DATA, read_jsonl_gz, report_half, stable_sample

OPTIONS = CompareOptions()


@pytest.fixture(scope="module")
def seed_source(seed_paths):
    return seed_paths[0].read_text(encoding="utf-8")


def _findings(source_text: str, suspect_text: str, judge: bool = True):
    source, suspect = prepare(source_text, OPTIONS), prepare(suspect_text, OPTIONS)
    alignments, _ = pair_evidence(source, suspect, OPTIONS)
    return suspect, analyse_changes(source, suspect, alignments, judge=judge)


def _about(suspect, findings, sentence: str):
    """The findings whose suspect span lies in the edited sentence."""
    at = suspect.text.index(sentence)
    return [f for f in findings if f.suspect and at <= f.suspect[0] < at + len(sentence)]


EDITS = [  # (finding type the rules name, source words, edited words)
    ("number_changed", "making just seven trips away", "making just three trips away"),
    ("date_changed", "Mr Putin arrived in Vladivostok on Monday", "Mr Putin arrived in Vladivostok on Friday"),
    ("entity_changed", "said Mr Michael Madden, a North Korea", "said Mr John Everard, a North Korea"),
    ("quote_altered", '"It will be a full-fledged visit,"', '"It will be a short, informal visit,"'),
    (
        "attribution_changed",
        '"It will be a full-fledged visit," Kremlin spokesman Dmitry Peskov said.',
        '"It will be a full-fledged visit," Foreign Minister Sergei Lavrov said.',
    ),
]


@pytest.mark.parametrize(("finding_type", "before", "after"), EDITS, ids=[e[0] for e in EDITS])
def test_a_changed_fact_is_found_and_the_model_agrees(seed_source, finding_type, before, after):
    assert before in seed_source
    suspect_text = seed_source.replace(before, after)
    suspect, findings = _findings(seed_source, suspect_text)
    sentence = next(s.text for s in suspect.segments if after.strip('"') in s.text)
    here = _about(suspect, findings, sentence)
    typed = [f for f in here if f.type == finding_type]
    assert typed, [(f.type, f.detail) for f in here]
    assert all(f.confidence is not None and f.confidence >= 0.5 for f in typed), [(f.type, f.confidence) for f in typed]
    assert all(f.severity != "info" for f in typed)


def test_a_reversed_claim_no_rule_names_is_found_by_the_model(seed_source):
    before = "Mr Peskov said Russia's national interests would dictate its policies."
    after = "Mr Peskov said Russia's national interests would not dictate its policies."
    suspect, findings = _findings(seed_source, seed_source.replace(before, after))
    rules_only = _about(suspect, _findings(seed_source, seed_source.replace(before, after), judge=False)[1], after)
    here = _about(suspect, findings, after)
    assert not rules_only  # the rules see nothing: no figure, name, date or speaker moved
    assert [f.evidence.get("kind") for f in here] == ["meaning"] and here[0].confidence >= 0.8


PARAPHRASES = [  # meaning kept in other words: nothing to flag
    (
        "Mr Kim does not travel abroad frequently, making just seven trips away from his country and twice "
        "stepping across the inter-Korean border in his 12 years in power.",
        "In his 12 years in power Mr Kim has rarely gone abroad: seven trips out of the country, and twice a "
        "step across the inter-Korean border.",
    ),
    (
        "Mr Putin arrived in Vladivostok on Monday, Russia's TASS news agency said.",
        "Russia's TASS news agency said Mr Putin had reached Vladivostok on Monday.",
    ),
]


@pytest.mark.parametrize(("before", "after"), PARAPHRASES, ids=["reordered", "reported"])
def test_a_faithful_paraphrase_is_not_flagged(seed_source, before, after):
    assert before in seed_source
    suspect, findings = _findings(seed_source, seed_source.replace(before, after))
    assert [(f.type, f.detail) for f in _about(suspect, findings, after) if f.severity != "info"] == []


def test_an_identical_text_has_no_findings(seed_source):
    assert _findings(seed_source, seed_source)[1] == []


def test_the_seed_rewrite_keeps_every_rule_finding(seed_paths):
    """Every change the rules find on the seed pair is still found once the model has its say."""
    source, rewrite = (p.read_text(encoding="utf-8") for p in seed_paths)
    rules = {(f.type, f.suspect, f.source) for f in _findings(source, rewrite, judge=False)[1]}
    judged = _findings(source, rewrite)[1]
    assert rules <= {(f.type, f.suspect, f.source) for f in judged}
    model_only = [f for f in judged if f.evidence.get("kind") == "meaning"]
    assert len(model_only) <= 3, [f.detail for f in model_only]


def test_real_llm_paraphrases_are_rarely_flagged():
    """LLMFake paraphrases (report half): few of their sentences draw a model-only finding."""
    docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "llmfake" / "documents.jsonl.gz")}
    pairs = report_half("llmfake", read_jsonl_gz(DATA / "llmfake" / "pairs.jsonl.gz"))
    pairs = [p for p in pairs if p["kind"] == "paraphrase_generation"]
    flagged = sentences = 0
    for p in stable_sample(pairs, 6):
        r = compare(docs[p["source_id"]], docs[p["suspect_id"]], OPTIONS)
        sentences += len(r.suspect.segments)
        flagged += sum(1 for f in r.findings if f.evidence.get("kind") == "meaning")
    assert sentences and flagged / sentences <= 0.1
