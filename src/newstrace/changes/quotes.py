"""Direct quotes: what was said, word for word, inside quotation marks."""

from __future__ import annotations

import re
from dataclasses import dataclass

# curly marks pair only as opening then closing; a stray mark cannot swallow the text between quotes
_QUOTE = re.compile(r"“([^“”]{12,}?)”|\"([^\"“”]{12,}?)\"")


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # offsets of the quoted words (inside the marks) in the document text
    end: int
    text: str


def find_quotes(text: str, start: int = 0, end: int | None = None) -> list[Quote]:
    out = []
    for m in _QUOTE.finditer(text, start, len(text) if end is None else end):
        group = 1 if m.group(1) is not None else 2
        inner = m.group(group)
        if len(inner.split()) >= 3:
            out.append(Quote(m.start(group), m.end(group), inner))
    return out
