"""Direction: which text came first, on the seed pair and on real DEV pairs whose direction is known."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date

import pytest

from newstrace import compare_documents, load_document
from newstrace.compare import compare_prepared
from newstrace.direction import CONTEXT_FEATURES, DIRECTION_FEATURES, Direction, direction_features
from newstrace.options import CompareOptions
from newstrace.prepared import prepare_many
from newstrace.textio import parse_document
from newstrace.trace import TracedSource
from newstrace.verdict import default_calibration

from .conftest import report_half, stable_sample


def _undated(text: str) -> str:
    return re.sub(r"\A\s*date \d{4}-\d{2}-\d{2}\s*", "", text)


def test_seed_pair_source_first_on_text_evidence(seed_comparison):
    # only the source carries a date line, so the text decides
    assert seed_comparison.derived and seed_comparison.verdict == "heavy"
    d = seed_comparison.direction
    assert d.source_first is True and d.basis == "evidence" and d.confidence >= 0.7


def test_seed_pair_swapped_points_the_other_way(seed_paths, seed_comparison):
    source, rewrite = (p.read_text(encoding="utf-8") for p in seed_paths)
    swapped = compare_documents(parse_document(rewrite), parse_document(source))
    assert swapped.direction.source_first is False
    assert swapped.direction.confidence == pytest.approx(seed_comparison.direction.confidence, abs=1e-6)


def test_seed_pair_dates_decide_when_both_are_known(seed_paths):
    source, rewrite = (p.read_text(encoding="utf-8") for p in seed_paths)
    later = compare_documents(parse_document(source), parse_document(" date 2023-09-14 " + rewrite))
    assert later.direction.source_first is True and later.direction.basis == "dates"
    # a rewrite dated *before* the source is believed too: dates outrank the text
    earlier = compare_documents(parse_document(source), parse_document(" date 2023-09-10 " + rewrite))
    assert earlier.direction.source_first is False and earlier.direction.basis == "dates"


def test_seed_pair_without_any_date_is_still_source_first(seed_paths):
    source, rewrite = (p.read_text(encoding="utf-8") for p in seed_paths)
    undated = compare_documents(parse_document(_undated(source)), parse_document(rewrite))
    assert undated.direction.source_first is True and undated.direction.basis == "evidence"


@pytest.fixture(scope="module")
def report_pairs(llmfake_docs, llmfake_pairs):
    kinds = ("rewrite_generation", "paraphrase_generation", "open_ended_generation")
    chosen = stable_sample([p for p in report_half("llmfake", llmfake_pairs) if p["kind"] in kinds], 24, "dir")
    options = CompareOptions(encoder="static")
    out = []
    for p in chosen:
        src, sus = prepare_many(
            [parse_document(llmfake_docs[p["source_id"]]), parse_document(llmfake_docs[p["suspect_id"]])], options
        )
        out.append((src, sus))
    return out


def test_features_are_sign_symmetric_on_real_pairs(report_pairs):
    for src, sus in report_pairs[:8]:
        forward = compare_prepared(src, sus, CompareOptions(encoder="static"), explain=False)
        backward = compare_prepared(sus, src, CompareOptions(encoder="static"), explain=False)
        a = direction_features(src, sus, forward.alignments)
        b = direction_features(sus, src, backward.alignments)
        for name in DIRECTION_FEATURES:
            assert a[name] == pytest.approx(-b[name], abs=1e-9), name
        for name in CONTEXT_FEATURES:
            assert a[name] == pytest.approx(b[name], abs=1e-9), name
        model = default_calibration("static").direction
        assert model.probability(a) == pytest.approx(1.0 - model.probability(b), abs=1e-9)


def test_llm_rewrites_point_to_their_originals(report_pairs):
    # report half, never seen by the fit; DEV text-only accuracy on these kinds is above 0.9
    directions = [compare_prepared(s, r, CompareOptions(encoder="static")).direction for s, r in report_pairs]
    decided = [d for d in directions if d.source_first is not None]
    assert len(decided) >= 0.75 * len(directions)
    assert sum(d.source_first for d in decided) >= 0.85 * len(decided)


def test_identical_texts_hold_no_evidence_of_direction(seed_paths):
    text = seed_paths[1].read_text(encoding="utf-8")
    same = compare_documents(parse_document(text), parse_document(text))
    assert same.derived and same.verdict == "copy"
    assert same.direction.source_first is None and same.direction.basis == "none"


def test_trace_calls_a_possible_copy_only_on_dates_or_strong_text_evidence(seed_comparison):
    def role(direction: Direction) -> str:
        comparison = replace(seed_comparison, direction=direction)
        return TracedSource(document=None, comparison=comparison, retrieval_score=1.0).role  # type: ignore[arg-type]

    assert role(Direction(False, 0.8, "evidence")) == "source"
    assert role(Direction(False, 0.95, "evidence")) == "possible_copy"
    assert role(Direction(False, 0.99, "dates")) == "possible_copy"
    assert role(Direction(None, 0.6, "none")) == "source"
    assert role(Direction(True, 0.99, "evidence")) == "source"


def _page(text: str, published: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (
        f'<html><head><meta property="article:published_time" content="{published}T09:00:00Z">'
        f"<title>Story</title></head><body><article>{paragraphs}</article></body></html>"
    )


def test_html_pages_are_dated_by_their_own_metadata(tmp_path, seed_paths):
    source, rewrite = (_undated(p.read_text(encoding="utf-8")) for p in seed_paths)
    (tmp_path / "a.html").write_text(_page(rewrite, "2023-09-11"), encoding="utf-8")
    (tmp_path / "b.html").write_text(_page(source, "2023-09-12"), encoding="utf-8")
    a, b = load_document(tmp_path / "a.html"), load_document(tmp_path / "b.html")
    assert a.published == date(2023, 9, 11) and a.source_format == "html"
    # the page dated first is the earlier one, whatever its text says
    result = compare_documents(a, b)
    assert result.derived and result.direction.source_first is True and result.direction.basis == "dates"
