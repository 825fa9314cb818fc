"""Change analysis on real text: the seed pair and small real sentence pairs from ../shared/data."""

from __future__ import annotations

import pytest

from newstrace.changes import analyse_changes
from newstrace.compare import pair_evidence
from newstrace.options import CompareOptions
from newstrace.prepared import prepare_many
from newstrace.textio import parse_document

from .conftest import DATA, read_jsonl_gz


@pytest.fixture(scope="module")
def mrpc() -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl_gz(DATA / "mrpc" / "sentence_pairs.jsonl.gz")}


@pytest.fixture(scope="module")
def etpc() -> tuple[dict[str, str], dict[str, dict]]:
    docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "etpc" / "documents.jsonl.gz")}
    changes = {r["id"]: r for r in read_jsonl_gz(DATA / "etpc" / "changes.jsonl.gz")}
    return docs, changes


def findings_for(source: str, suspect: str):
    src, sus = prepare_many([parse_document(source), parse_document(suspect)])
    alignments, _ = pair_evidence(src, sus, CompareOptions())
    return analyse_changes(src, sus, alignments)


def types_of(findings) -> set[str]:
    return {f.type for f in findings}


# --- the seed pair -------------------------------------------------------------------------


def test_seed_credit_removed(seed_comparison, seed_paths):
    removed = [f for f in seed_comparison.findings if f.type == "attribution_removed"]
    assert any(f.evidence["agency"] == "Reuters" and f.severity == "critical" for f in removed)
    src = seed_paths[0].read_text(encoding="utf-8")
    for f in removed:
        assert f.evidence["agency"].casefold() in src[f.source[0] : f.source[1]].casefold()


def test_seed_unsupported_statements_and_quote(seed_comparison, seed_paths):
    text = seed_paths[1].read_text(encoding="utf-8")
    flagged = [
        text[f.suspect[0] : f.suspect[1]]
        for f in seed_comparison.findings
        if f.type in {"unsupported_addition", "quote_fabricated", "attribution_changed"} and f.suspect
    ]
    joined = " | ".join(flagged)
    assert "aggressively enforced our sanctions" in joined  # a quote the source never had
    assert "foreign minister" in joined  # a detail added to a supported sentence
    assert "Khasan administration" in joined  # a claim attributed to an official
    assert "Defence Ministry spokesperson" in joined  # a statement the source does not contain
    assert sum(f.type == "quote_fabricated" for f in seed_comparison.findings) >= 1


def test_seed_khasan_attribution_changed(seed_comparison, seed_paths):
    text = seed_paths[1].read_text(encoding="utf-8")
    changed = [f for f in seed_comparison.findings if f.type == "attribution_changed"]
    assert any("Japan’s news agency" in text[f.suspect[0] : f.suspect[1]] for f in changed)


def test_seed_dropped_passages(seed_comparison, seed_paths):
    src = seed_paths[0].read_text(encoding="utf-8")
    dropped = [f for f in seed_comparison.findings if f.type == "dropped_content"]
    assert dropped
    assert any("Amur region" in src[f.source[0] : f.source[1]] for f in dropped)


def test_seed_findings_are_ordered_and_have_evidence(seed_comparison):
    ranks = {"critical": 0, "warning": 1, "info": 2}
    severities = [ranks[f.severity] for f in seed_comparison.findings]
    assert severities == sorted(severities)
    assert all(f.detail and f.evidence for f in seed_comparison.findings)


def test_seed_hedge_and_time_changes(seed_comparison):
    types = types_of(seed_comparison.findings)
    assert "hedge_removed" in types  # "..., analysts said" became a plain statement
    assert any(f.type == "date_changed" and "recently" in f.detail for f in seed_comparison.findings)
    assert "quote_paraphrased" in types  # Peskov's direct quote became reported speech


# --- real sentence pairs -----------------------------------------------------------------


def test_number_changed(etpc):
    docs, changes = etpc
    rec = changes["etpc:0055"]  # "dropped by 75 percent" / "fallen by as much as 76 percent"
    found = findings_for(docs[rec["source_id"]], docs[rec["suspect_id"]])
    numbers = [f for f in found if f.type == "number_changed"]
    assert numbers and "75" in numbers[0].detail and "76" in numbers[0].detail


def test_entity_changed(etpc):
    docs, changes = etpc
    rec = changes["etpc:0589"]  # traded on Instinet / on the Nasdaq Stock Market
    found = findings_for(docs[rec["source_id"]], docs[rec["suspect_id"]])
    entity = [f for f in found if f.type == "entity_changed"]
    assert entity and "instinet" in entity[0].detail.lower()


@pytest.mark.parametrize("pair_id", ["mrpc:0068", "mrpc:0079"])
def test_date_changed(mrpc, pair_id):
    # "On July 3" -> "his July 30 sentencing"; "yesterday" -> "on Friday"
    r = mrpc[pair_id]
    assert "date_changed" in types_of(findings_for(r["a"], r["b"]))


def test_quote_altered(mrpc):
    r = mrpc["mrpc:0162"]  # "he's stable, he's comfortable" -> "he is stable"
    found = [f for f in findings_for(r["a"], r["b"]) if f.type == "quote_altered"]
    assert found and found[0].severity == "critical"
    assert r["b"][found[0].suspect[0] : found[0].suspect[1]].startswith("His progress is steady")


def test_same_quote_is_not_flagged(mrpc):
    r = mrpc["mrpc:0021"]
    assert not types_of(findings_for(r["a"], r["b"])) & {"quote_altered", "quote_fabricated"}


def test_attribution_added_to_unattributed_claim(mrpc):
    r = mrpc["mrpc:0055"]  # "..., said Caswell" / "The Institute said ..."
    found = [f for f in findings_for(r["a"], r["b"]) if f.type == "attribution_changed"]
    assert found and "institute" in found[0].detail


@pytest.mark.parametrize("pair_id", ["mrpc:0003", "mrpc:0006", "mrpc:0001"])
def test_faithful_paraphrase_raises_no_fact_findings(mrpc, pair_id):
    r = mrpc[pair_id]
    found = types_of(findings_for(r["a"], r["b"]))
    assert not found & {"number_changed", "date_changed", "entity_changed", "quote_altered", "quote_fabricated"}


def test_identical_text_raises_nothing(seed_paths):
    text = seed_paths[0].read_text(encoding="utf-8")
    assert findings_for(text, text) == []
