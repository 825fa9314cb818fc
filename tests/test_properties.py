"""Invariants of the core and the index, checked on texts hypothesis builds from real sentences.

Offsets map back to the text; a text compared with itself is a full copy; line endings and
spacing do not change the answer; what goes into the index comes back out of it.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newstrace import compare_documents
from newstrace.index.ingest import ingest
from newstrace.index.store import IndexedDocument, open_store
from newstrace.options import CompareOptions
from newstrace.textio import parse_document

from .conftest import DATA, EXAMPLES, read_jsonl_gz

STATIC = CompareOptions(encoder="static")
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _sentences() -> list[str]:
    seed = (EXAMPLES / "seed_source.txt").read_text(encoding="utf-8")
    docs = [d["text"] for d in read_jsonl_gz(DATA / "llmfake" / "documents.jsonl.gz")[:40]]
    out = []
    for text in [seed, *docs]:
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 30 <= len(s.strip()) <= 300]
    return out


SENTENCES = _sentences()


def _found(prefix: str) -> str:
    return next(s for s in SENTENCES if s.startswith(prefix))


# found by hypothesis: the repeated last line's vectors differ in the last bit (batched arithmetic),
# and the diagonal pair lost a rounding "tie" to its neighbours (align.TIE)
REPEATS = " ".join(
    [_found("date 2023-09-12")] * 6 + [_found("at a time when many are rightly concerned")] + [_found("visit our")] * 3
)
HOSTILE = ["[/bold]", "<script>x</script>", "“", "\u00a0", "\t", "U.S.", "—", "\u200b", "é"]


@st.composite
def articles(draw) -> str:
    picked = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=12))
    extras = draw(st.lists(st.sampled_from(HOSTILE), max_size=3))
    paragraphs, current = [], []
    for s in picked:
        current.append(s + (f" {extras.pop()}" if extras and draw(st.booleans()) else ""))
        if draw(st.booleans()):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _check_offsets(result) -> None:
    for prep in (result.source, result.suspect):
        for seg in prep.segments:
            assert prep.text[seg.start : seg.end] == seg.text
    for a in result.alignments:
        assert result.source.text[a.source[0] : a.source[1]].strip()
        assert result.suspect.text[a.suspect[0] : a.suspect[1]].strip()
    for f in result.findings:
        if f.suspect:
            assert 0 <= f.suspect[0] < f.suspect[1] <= len(result.suspect.text)
        if f.source:
            assert 0 <= f.source[0] < f.source[1] <= len(result.source.text)


@SLOW
@given(source=articles(), suspect=articles())
def test_every_offset_maps_back_to_the_text(source, suspect):
    result = compare_documents(parse_document(source), parse_document(suspect), STATIC)
    _check_offsets(result)


@SLOW
@given(text=articles())
@example(text=REPEATS)
def test_a_text_against_itself_is_a_full_copy(text):
    result = compare_documents(parse_document(text), parse_document(text), STATIC)
    _check_offsets(result)
    assert result.derived and result.verdict == "copy"
    # every sentence of four words or more is aligned with itself (shorter scraps, such as a lone
    # quote mark or letter the sentence splitter leaves, need word overlap the aligner's rule for
    # short segments does not find in them)
    aligned = {a.suspect_index for a in result.alignments if a.source_index == a.suspect_index}
    sentences = {i for i, seg in enumerate(result.suspect.segments) if len(re.findall(r"\w+", seg.text)) >= 4}
    assert sentences <= aligned
    assert result.direction.source_first is None  # identical texts hold no evidence of direction


@SLOW
@given(source=articles(), suspect=articles())
def test_line_endings_and_spacing_do_not_change_the_answer(source, suspect):
    plain = compare_documents(parse_document(source), parse_document(suspect), STATIC)
    windows = suspect.replace("\n", "\r\n")
    spaced = re.sub(r"\n\n", "\n  \n\n", windows) + "  \n"
    other = compare_documents(parse_document(source), parse_document(spaced), STATIC)
    assert other.verdict == plain.verdict
    assert other.probability == pytest.approx(plain.probability, abs=1e-6)
    assert other.coverage.suspect == pytest.approx(plain.coverage.suspect, abs=1e-9)
    assert len(other.alignments) == len(plain.alignments)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(articles(), min_size=1, max_size=6),
    outlet=st.one_of(st.none(), st.sampled_from(["Reuters", "[/bold] Outlet", "Le Monde"])),
    published=st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
)
def test_ingest_then_export_round_trips(tmp_path_factory, texts, outlet, published):
    store = open_store(tmp_path_factory.mktemp("ix"))
    docs = [
        IndexedDocument(id=f"doc-{k}", text=t, outlet=outlet, published=published, title=f"Title {k}")
        for k, t in enumerate(texts)
    ]
    ingest(store, docs)
    back = {d.id: d for d in store.iter_documents()}
    assert set(back) == {d.id for d in docs}
    for d in docs:
        got = back[d.id]
        assert (got.text, got.outlet, got.published, got.title) == (d.text, d.outlet, d.published, d.title)
    assert store.verify() == []
    # a second ingest of the same documents changes nothing
    again = ingest(store, docs)
    assert again.added == 0 and again.updated == 0 and again.skipped == len(docs)
    store.close()
