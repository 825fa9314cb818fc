from __future__ import annotations

import pytest

from newstrace.errors import InputError
from newstrace.textio import clean_view, decode_bytes, document_from_bytes, load_document, parse_document


def test_seed_source_metadata_and_dateline(seed_paths):
    doc = load_document(seed_paths[0])
    assert doc.published is not None and doc.published.isoformat() == "2023-09-12"
    assert doc.dateline == "SEOUL/MOSCOW"
    assert doc.text[doc.body_start :].startswith("North Korean leader")
    assert doc.text == seed_paths[0].read_text(encoding="utf-8")  # offsets index the input as given


def test_undated_article_has_no_metadata(seed_paths):
    doc = load_document(seed_paths[1])
    assert doc.published is None and doc.body_start == 0


def test_agency_dateline():
    doc = parse_document("WASHINGTON (Reuters) - The Senate voted on Tuesday to pass the bill.")
    assert doc.dateline == "WASHINGTON" and doc.dateline_agency == "Reuters"
    assert doc.body.startswith("The Senate")


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_encodings_round_trip(seed_paths, codec):
    text = seed_paths[1].read_text(encoding="utf-8")
    if codec == "cp1252":
        text = text.replace("’", "'") + " Café société naïve façade."
    data = text.encode(codec)
    assert decode_bytes(data).replace("\ufeff", "") == text


def test_binary_input_is_refused():
    with pytest.raises(InputError, match="binary"):
        document_from_bytes(bytes(range(256)) * 20)


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_input_is_refused(data):
    with pytest.raises(InputError, match="empty"):
        document_from_bytes(data)


def test_metadata_without_text_is_refused():
    with pytest.raises(InputError, match="no text"):
        parse_document(" date 2023-09-12 ")


def test_huge_file_is_refused(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(b"word " * 1000)
    with pytest.raises(InputError, match="limit"):
        load_document(p, max_bytes=1000)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        load_document(tmp_path)


def test_html_main_text_is_extracted(seed_paths):
    body = seed_paths[0].read_text(encoding="utf-8").split("\n\n")
    paragraphs = "".join(f"<p>{p}</p>" for p in body[1:8])
    page = (
        "<!doctype html><html><head><title>Kim in Russia</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Kim arrives in Russia</h1>{paragraphs}</article>"
        "<footer>Copyright 2023 Example Media. All rights reserved.</footer></body></html>"
    )
    doc = document_from_bytes(page.encode("utf-8"))
    assert doc.source_format == "html"
    assert "Mr Kim left Pyongyang" in doc.text
    assert "<p>" not in doc.text and "All rights reserved" not in doc.text


def test_dataset_text_with_control_characters_keeps_offsets():
    from newstrace.prepared import prepare

    from .conftest import DATA, read_jsonl_gz

    # PAN13 holds a few sources with control characters (and \x19 for an apostrophe)
    text = next(
        d["text"] for d in read_jsonl_gz(DATA / "pan13" / "documents.jsonl.gz") if d["id"] == "pan13-train:src:01540"
    )
    prep = prepare(parse_document(text))
    assert prep.segments
    view = clean_view(text)
    assert len(view) == len(text) and "\x19" not in view
    for s in prep.segments:
        assert s.text == view[s.start : s.end]
