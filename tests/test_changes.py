"""Change analysis on real text: the seed pair and small real sentence pairs from ../shared/data."""

from __future__ import annotations

import pytest

from newstrace.align import align, defensible
from newstrace.changes import analyse_changes, is_crosshead
from newstrace.changes.context import Context
from newstrace.changes.speakers import describe, speakers
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


def _dropped_texts(comparison, src: str) -> list[str]:
    return [src[f.source[0] : f.source[1]] for f in comparison.findings if f.type == "dropped_content"]


def test_seed_weakly_tied_passages_are_dropped(seed_comparison, seed_paths):
    # align() ties these to neighbouring sentences they do not match; change analysis must not
    src = seed_paths[0].read_text(encoding="utf-8")
    dropped = " | ".join(_dropped_texts(seed_comparison, src))
    assert "humanitarian aid" in dropped and "UN Security Council resolutions" in dropped
    assert "no confirmation of the location" in dropped
    assert "Rossiya 1" in dropped
    assert not any(f.type == "hedge_removed" and "purported" in f.detail for f in seed_comparison.findings)


def test_seed_crosshead_is_not_dropped_content(seed_comparison, seed_paths):
    src = seed_paths[0].read_text(encoding="utf-8")
    assert "DELEGATION OF DEFENCE OFFICIALS" in src
    assert not any("DELEGATION" in t for t in _dropped_texts(seed_comparison, src))


def test_seed_invented_statement_is_an_unsupported_addition(seed_comparison, seed_paths):
    text = seed_paths[1].read_text(encoding="utf-8")
    at = [f for f in seed_comparison.findings if f.suspect and "Defence Ministry" in text[f.suspect[0] : f.suspect[1]]]
    assert [(f.type, f.severity) for f in at] == [("unsupported_addition", "critical")]
    assert "South Korea’s Defence Ministry spokesperson" in at[0].detail


def test_seed_attribution_detail_reads_as_a_sentence(seed_comparison):
    changed = [f for f in seed_comparison.findings if f.type == "attribution_changed"]
    assert [f.detail for f in changed] == [
        "The source attributes this to a Russian source speaking to Reuters; the rewrite to Japan’s news agency."
    ]


def test_seed_details_quote_the_text_as_it_stands(seed_comparison):
    details = [f.detail for f in seed_comparison.findings]
    assert all(d[0].isupper() and d.endswith((".", "”")) for d in details)
    assert "The source credits Reuters twice; the rewrite never does." in details
    assert "The rewrite drops the time “Sept 12”." in details  # original casing, not "sept 12"
    assert not any("(s)" in d for d in details)
    assert any(d.startswith("Two source sentences (") for d in details)


def test_seed_defensible_alignments(seed_comparison):
    src, sus = seed_comparison.source, seed_comparison.suspect
    loose = seed_comparison.alignments
    kept = defensible(src, sus, loose)
    assert set(kept) < set(loose)
    kept_sources = {src.segments[a.source_index].text[:30] for a in kept}
    assert not any(
        t.startswith(("Discussions could also", "There has been no", "Mr Kim's arrival")) for t in kept_sources
    )
    # both halves of a sentence the rewrite split stay: the Kremlin's "comprehensive discussion"
    lead = [a for a in kept if a.source_index == 0]
    assert len(lead) == 2


def test_defensible_keeps_a_copy_whole(seed_paths):
    text = seed_paths[0].read_text(encoding="utf-8")
    src, sus = prepare_many([parse_document(text), parse_document(text)])
    loose = align(src, sus)
    assert defensible(src, sus, loose) == loose


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("DELEGATION OF DEFENCE OFFICIALS", True),
        ("REUTERS", True),
        ("THE U.S. SAID NO.", False),  # a sentence, stop and all
        ("Mr Kim left Pyongyang for Russia on Sunday.", False),
        ("NATO AND THE EU WARNED THAT THE TALKS COULD COLLAPSE WITHIN DAYS IF NOTHING CHANGES", False),
    ],
)
def test_crosshead(line, heading):
    assert is_crosshead(line) is heading


def test_speakers_in_text_order_with_their_own_words():
    s = "A Russian source with knowledge of the trip told Reuters Mr Kim arrived, before the Kremlin said so."
    found = speakers(s)
    assert [sp.text for sp in found] == ["A Russian source", "Reuters", "the Kremlin"]
    assert describe(found) == "a Russian source speaking to Reuters and the Kremlin"
    s = "US officials, who first said the visit was imminent, said that arms talks were advancing."
    assert [sp.text for sp in speakers(s)] == ["US officials"]


def test_rewrite_pair_from_llmfake(llmfake_docs):
    # a real ChatGPT rewrite: its dropped passages share no defensible pair, each detail is a sentence
    src_id = "llmfake:orig:gossipcop:gossipcop-1220474761"
    sus_id = "llmfake:rw:gossipcop:gossipcop-1220474761:rewrite_generation"
    src_text, sus_text = llmfake_docs[src_id], llmfake_docs[sus_id]
    src, sus = prepare_many([parse_document(src_text), parse_document(sus_text)])
    alignments, _ = pair_evidence(src, sus, CompareOptions())
    found = analyse_changes(src, sus, alignments)
    kept = {a.source for a in defensible(src, sus, alignments)}
    for f in found:
        assert f.detail[0].isupper() and f.detail.endswith((".", "”"))
        if f.type == "dropped_content":
            assert not any(f.source[0] <= s[0] < f.source[1] for s in kept)
    assert any(f.type == "dropped_content" for f in found)
    # the outlet renamed ("told Radar" / "as reported by RadarOnline.com") is not a new attribution
    assert not any(f.type == "attribution_changed" for f in found)


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
    assert found and "the Institute" in found[0].detail  # quoted with its own capital


@pytest.mark.parametrize("pair_id", ["mrpc:0003", "mrpc:0006", "mrpc:0001"])
def test_faithful_paraphrase_raises_no_fact_findings(mrpc, pair_id):
    r = mrpc[pair_id]
    found = types_of(findings_for(r["a"], r["b"]))
    assert not found & {"number_changed", "date_changed", "entity_changed", "quote_altered", "quote_fabricated"}


def test_identical_text_raises_nothing(seed_paths):
    text = seed_paths[0].read_text(encoding="utf-8")
    assert findings_for(text, text) == []


def test_findings_are_made_with_a_known_type_and_severity(seed_comparison):
    ctx = Context(seed_comparison.source, seed_comparison.suspect, seed_comparison.alignments)
    made = ctx.finding("hedge_removed", "d", severity="warning", suspect=(0, 4), evidence={"suspect": "text"})
    assert made.to_json()["source"] is None and made.evidence == {"suspect": "text"}
    with pytest.raises(ValueError, match="finding type must be one of"):
        ctx.finding("hedge_dropped", "d", severity="warning", evidence={})
    with pytest.raises(ValueError, match="severity must be one of critical, warning, info, got 'major'"):
        ctx.finding("hedge_removed", "d", severity="major", evidence={})


def test_segments_of_a_quote_by_binary_search_match_a_scan(seed_paths):
    """`segments_of` (bisect) returns exactly the sentences a quote overlaps, on the seed texts' quotes."""
    from newstrace.changes.quotes import find_quotes, segments_of
    from newstrace.prepared import prepare

    for path in seed_paths:
        prep = prepare(path.read_text(encoding="utf-8"), CompareOptions(encoder="static"))
        quotes = find_quotes(prep.text)
        assert len(quotes) >= 3
        for q in quotes:
            scan = {k for k, s in enumerate(prep.segments) if s.start < q.end and s.end > q.start}
            assert segments_of(prep, q) == scan and scan
