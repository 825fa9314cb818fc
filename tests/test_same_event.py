"""Independent reporting of one event is not derivation: the evidence for each error cause, on real pairs.

The causes are those of docs/error-study.md: shared quotations, figures and names alone, and a
reused wire passage inside otherwise independent reports (the `partial` verdict).
"""

from __future__ import annotations

import statistics

import pytest

from newstrace.compare import compare_prepared
from newstrace.features import FEATURE_NAMES, one_to_one
from newstrace.options import CompareOptions, ScanOptions
from newstrace.passages import REUSED_PASSAGE_CHARS
from newstrace.prepared import prepare_many
from newstrace.scan.verify import verify_pair
from newstrace.textio import parse_document

from .conftest import DATA, read_jsonl_gz, report_half, stable_sample

STATIC = CompareOptions(encoder="static")


@pytest.fixture(scope="module")
def ecbplus() -> tuple[dict[str, str], list[dict]]:
    docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "ecbplus" / "documents.jsonl.gz")}
    return docs, report_half("ecbplus", read_jsonl_gz(DATA / "ecbplus" / "pairs.jsonl.gz"))


@pytest.fixture(scope="module")
def llmfake() -> tuple[dict[str, str], list[dict]]:
    docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "llmfake" / "documents.jsonl.gz")}
    return docs, report_half("llmfake", read_jsonl_gz(DATA / "llmfake" / "pairs.jsonl.gz"))


def _compare(source: str, suspect: str, options: CompareOptions = STATIC):
    src, sus = prepare_many([parse_document(source), parse_document(suspect)], options)
    return compare_prepared(src, sus, options)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def test_structure_evidence_is_the_same_whichever_text_is_named_source(ecbplus):
    docs, pairs = ecbplus
    for p in stable_sample([p for p in pairs if p["kind"] == "same-event"], 6, "sym"):
        forward = _compare(docs[p["source_id"]], docs[p["suspect_id"]])
        backward = _compare(docs[p["suspect_id"]], docs[p["source_id"]])
        for name in FEATURE_NAMES:
            assert forward.features[name] == pytest.approx(backward.features[name], abs=1e-6), (p["id"], name)
        assert forward.verdict == backward.verdict


def test_independent_reports_bring_specifics_of_their_own(ecbplus, llmfake):
    # a rewrite adds wording, rarely names and figures; an independent report brings its own facts
    ecb_docs, ecb_pairs = ecbplus
    fake_docs, fake_pairs = llmfake
    same_event = stable_sample([p for p in ecb_pairs if p["kind"] == "same-event"], 25, "novel")
    rewrites = stable_sample([p for p in fake_pairs if p["kind"] == "paraphrase_generation"], 25, "novel")
    novel_same = [
        _compare(ecb_docs[p["source_id"]], ecb_docs[p["suspect_id"]]).features["novel_min"] for p in same_event
    ]
    novel_rewrite = [
        _compare(fake_docs[p["source_id"]], fake_docs[p["suspect_id"]]).features["novel_min"] for p in rewrites
    ]
    assert statistics.median(novel_same) > statistics.median(novel_rewrite) + 0.2


def test_shared_quotations_are_counted_apart_from_narration(ecbplus):
    # ECB+ topic 14: reports of one fire, which quote the same officials (a `quotes` case of the error study)
    docs, _ = ecbplus
    result = _compare(docs["ecb:14_10ecb"], docs["ecb:14_3ecb"])
    pairs = one_to_one(result.alignments)
    quoted = [a for a in pairs if '"' in result.suspect.text[a.suspect[0] : a.suspect[1]].replace("“", '"')]
    assert quoted, "the pair shares quotations"
    assert result.features["quote_share"] > 0.3
    assert result.features["narration_max"] < result.features["cov_max"]


def _topic(doc_id: str) -> str:
    return doc_id.split(":")[1].split("_")[0]


def _wire_passage(docs: dict[str, str], avoid: str) -> str:
    """Real consecutive sentences, long enough to be reuse on their own, from an article of another topic.

    ECB+ keeps one sentence per line (its paragraph breaks are lost), so a passage is a run of lines.
    """
    for doc_id in sorted(docs):
        if _topic(doc_id) == avoid:
            continue
        lines = [line for line in _paragraphs(docs[doc_id]) if len(line.split()) >= 8]
        for start in range(len(lines)):
            run = lines[start : start + 4]
            text = "\n".join(run)
            if len(run) == 4 and REUSED_PASSAGE_CHARS + 60 <= len(text) <= 900 and not any(q in text for q in "\"“”"):
                return text
    raise AssertionError("no passage found in ECB+")


def _splice(text: str, paragraph: str) -> str:
    lines = text.split("\n")
    middle = len(lines) // 2
    return "\n".join([*lines[:middle], paragraph, *lines[middle:]])


@pytest.fixture(scope="module")
def independent_pair(ecbplus) -> tuple[str, str, str]:
    """Two real same-event reports that the core finds independent, and their topic."""
    docs, pairs = ecbplus
    for p in stable_sample([p for p in pairs if p["kind"] == "same-event"], 40, "partial"):
        source, suspect = docs[p["source_id"]], docs[p["suspect_id"]]
        long_enough = len(_paragraphs(source)) >= 6 and len(_paragraphs(suspect)) >= 6
        if long_enough and not _compare(source, suspect).derived:
            return source, suspect, _topic(p["source_id"])
    raise AssertionError("no independent same-event pair among 40")


def test_a_reused_wire_paragraph_makes_independent_reports_partial(ecbplus, independent_pair):
    docs, _ = ecbplus
    source, suspect, topic = independent_pair
    paragraph = _wire_passage(docs, avoid=topic)
    spliced_source, spliced_suspect = _splice(source, paragraph), _splice(suspect, paragraph)
    result = _compare(spliced_source, spliced_suspect)
    assert result.verdict == "partial" and result.derived
    assert result.findings == []  # the rest is independent writing: nothing there was "changed"
    assert len(result.passages) == 1
    p = result.passages[0]
    at_suspect, at_source = spliced_suspect.index(paragraph), spliced_source.index(paragraph)
    # the named passage is the spliced one, on both sides (sentence ends may differ by a character)
    assert abs(p.suspect[0] - at_suspect) <= 2 and abs(p.suspect[1] - (at_suspect + len(paragraph))) <= 2
    assert abs(p.source[0] - at_source) <= 2 and abs(p.source[1] - (at_source + len(paragraph))) <= 2
    out = result.to_json()
    assert out["verdict"] == "partial" and out["reused_passages"][0]["suspect"] == list(p.suspect)
    swapped = _compare(spliced_suspect, spliced_source)
    assert swapped.verdict == "partial" and swapped.passages[0].suspect == p.source


def test_a_scan_counts_a_partial_edge_findings_as_compare_reports_them(ecbplus, independent_pair):
    """A scan edge carries the findings `compare` reports for its pair: none for a `partial` pair."""
    docs, _ = ecbplus
    source, suspect, topic = independent_pair
    paragraph = _wire_passage(docs, avoid=topic)
    result = _compare(_splice(source, paragraph), _splice(suspect, paragraph))
    assert result.verdict == "partial" and result.findings == []
    row = verify_pair("a", result.source, "b", result.suspect, ScanOptions(compare=STATIC))
    assert row["verdict"] == "partial" and row["derived"]
    assert row["findings_total"] == 0 and row["findings"] == "{}"


def test_a_shared_quotation_is_not_a_reused_passage(ecbplus, independent_pair):
    docs, _ = ecbplus
    source, suspect, topic = independent_pair
    quotation = "\n".join(f"“{line}”, the spokesman said." for line in _wire_passage(docs, avoid=topic).split("\n"))
    result = _compare(_splice(source, quotation), _splice(suspect, quotation))
    assert result.passages == []
    assert result.verdict != "partial"


def test_a_short_rewrite_rests_on_its_most_similar_sentence_pair(llmfake):
    """Rewrites of one- or two-sentence claims (LLMFake's CoAID items) often restate every sentence
    just under the alignment threshold; when the document model calls them derived, the verdict
    rests on the texts' most similar pair (within `SUPPORTED_DROP` of the threshold) instead of
    being held "not derived". The pair is mirrored on swap, and coverage follows from it."""
    from newstrace.align import SUPPORTED_DROP

    docs, pairs = llmfake
    short = [
        p for p in pairs
        if p["kind"] in ("paraphrase_generation", "rewrite_generation")
        and len(docs[p["source_id"]]) < 300 and len(docs[p["suspect_id"]]) < 400
    ]
    sample = stable_sample(short, 24, salt="resting")
    assert len(sample) >= 12
    found = rested = 0
    for p in sample:
        r = _compare(docs[p["source_id"]], docs[p["suspect_id"]])
        if not r.derived:
            continue
        found += 1
        assert r.alignments and r.coverage.suspect > 0 and r.coverage.source > 0
        floor = STATIC.align_threshold - SUPPORTED_DROP
        assert all(a.score >= floor - 1e-4 for a in r.alignments)
        rested += max(a.score for a in r.alignments) < STATIC.align_threshold
        back = _compare(docs[p["suspect_id"]], docs[p["source_id"]])
        assert back.derived
        assert sorted((a.suspect_index, a.source_index) for a in back.alignments) == sorted(
            (a.source_index, a.suspect_index) for a in r.alignments
        )
    assert rested >= 3  # some of them rest on a pair under the threshold: the rule is exercised
    assert found >= 0.6 * len(sample), (found, rested)
