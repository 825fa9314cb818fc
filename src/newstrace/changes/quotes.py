"""Direct quotes: what was said, word for word, inside quotation marks."""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE = re.compile(r"[\"“”]([^\"“”]{12,}?)[\"“”]")


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # offsets of the quoted words (inside the marks) in the document text
    end: int
    text: str


def find_quotes(text: str, start: int = 0, end: int | None = None) -> list[Quote]:
    out = []
    for m in _QUOTE.finditer(text, start, len(text) if end is None else end):
        inner = m.group(1)
        if len(inner.split()) >= 3:
            out.append(Quote(m.start(1), m.end(1), inner))
    return out
