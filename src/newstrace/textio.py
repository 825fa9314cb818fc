"""Reading articles: bytes to text, HTML to main text, and the metadata a news file carries.

Offsets everywhere in newstrace index `Document.text`, which for plain text is exactly the
decoded input (the metadata line and dateline stay in it; only `body_start` moves past them).
For HTML input `Document.text` is the extracted main text, and offsets index that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from charset_normalizer import from_bytes

from newstrace.errors import InputError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_LATIN_LOOKALIKES = {"cp1250", "cp1252", "latin_1", "iso8859_2", "iso8859_15", "iso8859_9", "cp1254", "mac_roman"}
_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|body|article|p|div|head)\b", re.I)
# A leading metadata line as wire archives and scrapers write it: " date 2023-09-12 ..."
_META_FIELD = re.compile(
    r"\A\s*(?P<key>date|published|updated)\s*[:=]?\s*(?P<value>\d{4}-\d{2}-\d{2})(?:[T ][\d:]+Z?)?\s*",
    re.I,
)
# "SEOUL/MOSCOW — ", "WASHINGTON (Reuters) - ", "LONDON, Sept 12 (AP) — "
_DATELINE = re.compile(
    r"\A(?P<place>[A-Z][A-Z .'/-]{1,40}?[A-Z.])(?:,\s*[A-Z][a-z]{2,8}\.? \d{1,2})?"
    r"\s*(?:\((?P<agency>[A-Za-z .&-]{2,30})\))?\s*(?:—|–|--|-)\s+"
)


@dataclass(frozen=True)
class Document:
    """An article ready for comparison: its text and what was read off its head."""

    text: str
    body_start: int = 0
    published: date | None = None
    dateline: str | None = None
    dateline_agency: str | None = None
    source_format: str = "text"
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return self.text[self.body_start :]


def decode_bytes(data: bytes, encoding: str | None = None) -> str:
    """Decode article bytes, refusing binary data with a message that says what to do."""
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot decode input as {encoding}: {exc}") from exc
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"input starts with a {codec} byte-order mark but is not {codec}") from exc
    if _looks_like_utf16(data):
        codec = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise InputError("input looks binary (NUL bytes), not an article; pass a text, HTML, JSONL or CSV file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data[:200_000])
    best = matches.best()
    if best is None:
        raise InputError(
            "input is not text in any encoding newstrace knows; pass --encoding NAME or convert it to UTF-8"
        )
    # Single-byte Latin code pages are often indistinguishable on short text; news in them is
    # overwhelmingly Windows-1252, so prefer it whenever the detector found it plausible.
    if best.encoding in _LATIN_LOOKALIKES and any(m.encoding == "cp1252" for m in matches):
        return data.decode("cp1252", errors="replace")
    text = data.decode(best.encoding, errors="strict")
    if _control_share(text) > 0.05:
        raise InputError("input looks binary (control characters), not an article")
    return text


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: every other byte is NUL in ASCII-heavy text."""
    head = data[:4000]
    if len(head) < 8 or len(head) % 2:
        return False
    zeros_odd = head[1::2].count(0) / (len(head) / 2)
    zeros_even = head[0::2].count(0) / (len(head) / 2)
    return max(zeros_odd, zeros_even) > 0.4 and min(zeros_odd, zeros_even) < 0.05


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:20_000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(sample)


# Control characters become spaces (and the C1-era quote codes quotes), one character for one,
# so the cleaned view has the same offsets as the text it came from.
_CLEAN = {i: " " for i in range(32) if chr(i) not in "\n\r\t"} | {
    0x7F: " ",
    0x18: "'",
    0x19: "'",
    0x1C: '"',
    0x1D: '"',
}


def clean_view(text: str) -> str:
    """`text` with control characters replaced one for one, for segmentation and the model."""
    return text.translate(_CLEAN)


def looks_like_html(data: bytes | str) -> bool:
    head = data[:4096] if isinstance(data, bytes) else data[:4096].encode("utf-8", "ignore")
    return bool(_HTML_HINT.search(head))


def html_to_text(html: str) -> str:
    """Main article text of a web page (boilerplate, menus and comments removed)."""
    import trafilatura  # imported here: it is slow to import and plain text never needs it

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if not text or not text.strip():
        raise InputError("no article text found in the HTML page")
    return text


def html_published(html: str) -> date | None:
    """The page's own publication date (meta tags, `<time>` elements, ...), by htmldate via trafilatura.

    Direction is decided by dates when both texts carry one, so a page's date is worth reading;
    the original date is asked for, not the date of the last update.
    """
    import trafilatura

    try:
        meta = trafilatura.extract_metadata(
            html, extensive=False, date_config={"extensive_search": False, "original_date": True}
        )
        return date.fromisoformat(meta.date[:10]) if meta is not None and meta.date else None
    except (ValueError, TypeError):
        return None


def html_document(html: str) -> Document:
    """An HTML page as a Document: its main text, and its publication date when the text has none."""
    doc = parse_document(html_to_text(html), source_format="html")
    if doc.published is None:
        published = html_published(html)
        if published is not None:
            doc = replace(doc, published=published)
    return doc


def parse_document(text: str, *, source_format: str = "text", meta: dict[str, str] | None = None) -> Document:
    """Read metadata and dateline off the head of an article's text."""
    if not text or not text.strip():
        raise InputError("the article is empty")
    pos = 0
    published: date | None = None
    m = _META_FIELD.match(text)
    if m:
        try:
            published = date.fromisoformat(m.group("value"))
            pos = m.end()
        except ValueError:
            published = None
    dateline = agency = None
    skip = len(text[pos:]) - len(text[pos:].lstrip())
    d = _DATELINE.match(text[pos + skip :])
    if d is not None:
        dateline = d.group("place").strip()
        agency = (d.group("agency") or "").strip() or None
        pos += skip + d.end()
    if not text[pos:].strip():
        raise InputError("the article has metadata but no text")
    return Document(
        text=text,
        body_start=pos,
        published=published,
        dateline=dateline,
        dateline_agency=agency,
        source_format=source_format,
        meta=dict(meta or {}),
    )


def document_from_bytes(data: bytes, *, encoding: str | None = None, max_bytes: int = 20_000_000) -> Document:
    if len(data) > max_bytes:
        raise InputError(
            f"input is {len(data):,} bytes, over the {max_bytes:,}-byte limit; split it or raise the limit"
        )
    if not data.strip():
        raise InputError("the article is empty")
    text = decode_bytes(data, encoding)
    if _control_share(text) > 0.05:
        raise InputError("input looks binary (control characters), not an article")
    if looks_like_html(text):
        return html_document(text)
    return parse_document(text)


def load_document(path: str | Path, *, encoding: str | None = None, max_bytes: int = 20_000_000) -> Document:
    """Read an article file (plain text or HTML, any common encoding)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not an article file")
    size = p.stat().st_size
    if size > max_bytes:
        raise InputError(f"{p}: {size:,} bytes, over the {max_bytes:,}-byte limit; split it or raise the limit")
    try:
        return document_from_bytes(p.read_bytes(), encoding=encoding, max_bytes=max_bytes)
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from exc
