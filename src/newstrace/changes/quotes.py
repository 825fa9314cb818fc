"""Direct quotes: what was said, word for word, inside quotation marks, and how a rewrite treats them.

A quote is the one part of a story a rewriter may not reword, so it gets its own rule beside the
pattern that finds it: a suspect quote matched to a source quote must keep its words; one that
matches none is either the source's own words newly put in marks or words nobody said; a source
quote whose aligned sentence has no quote left was turned into reported speech.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from newstrace.align import wording_ratio
from newstrace.changes import wording as w
from newstrace.changes.context import Context
from newstrace.findings import Finding
from newstrace.lexical import content_words, tokens
from newstrace.prepared import PreparedText

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


def quote_findings(ctx: Context) -> tuple[list[Finding], set[int]]:
    """Altered, fabricated and paraphrased quotes, and the suspect sentences holding fabricated ones."""
    src_quotes = find_quotes(ctx.source.text, ctx.source.document.body_start)
    sus_quotes = find_quotes(ctx.suspect.text, ctx.suspect.document.body_start)
    src_words = content_words(tokens(ctx.source.document.body))
    out: list[Finding] = []
    fabricated_in: set[int] = set()
    matched_src: set[int] = set()
    for q in sus_quotes:
        qt = tokens(q.text)
        best, best_k = 0.0, -1
        for k, s in enumerate(src_quotes):
            r = wording_ratio(qt, tokens(s.text))
            if r > best:
                best, best_k = r, k
        if best >= 0.9:
            matched_src.add(best_k)
            continue
        if best >= 0.5:
            matched_src.add(best_k)
            s = src_quotes[best_k]
            out.append(
                ctx.finding(
                    "quote_altered",
                    f"The rewrite changes the words of a quote: the source has “{w.clean(s.text)}”, "
                    f"the rewrite {w.final_quote(q.text)}",
                    severity="critical",
                    suspect=(q.start, q.end),
                    source=(s.start, s.end),
                    evidence={"source": s.text, "suspect": q.text},
                )
            )
            continue
        words = content_words(qt)
        carried = len(words & src_words) / len(words) if words else 1.0
        if carried >= 0.8:
            out.append(
                ctx.finding(
                    "quote_altered",
                    f"The rewrite puts in quotation marks words the source does not quote: {w.final_quote(q.text)}",
                    severity="warning",
                    suspect=(q.start, q.end),
                    evidence={"suspect": q.text},
                )
            )
            continue
        out.append(
            ctx.finding(
                "quote_fabricated",
                f"The rewrite quotes words found nowhere in the source: {w.final_quote(w.snippet(q.text))}",
                severity="critical",
                suspect=(q.start, q.end),
                evidence={"suspect": q.text},
            )
        )
        fabricated_in |= segments_of(ctx.suspect, q)
    for k, s in enumerate(src_quotes):
        if k in matched_src:
            continue
        js = segments_of(ctx.source, s)
        partners = sorted({i for j in js for i in ctx.src_to_sus.get(j, [])})
        if not partners:
            continue
        seg = ctx.suspect.segments[partners[0]]
        if find_quotes(seg.text):
            continue
        out.append(
            ctx.finding(
                "quote_paraphrased",
                f"The rewrite turns the direct quote “{w.snippet(w.clean(s.text), 100)}” into reported speech.",
                severity="info",
                suspect=(seg.start, seg.end),
                source=(s.start, s.end),
                evidence={"source": s.text, "suspect": seg.text},
            )
        )
    return out, fabricated_in


def segments_of(prep: PreparedText, q: Quote) -> set[int]:
    """The sentences a quote overlaps.

    Found by binary search (segments are in text order and never overlap): a scan of every
    sentence for every quote took hours on a 20 MB text with tens of thousands of quotes.
    """
    segs = prep.segments
    k = bisect_right(segs, q.start, key=lambda seg: seg.end)  # the first sentence ending after the quote starts
    out = set()
    while k < len(segs) and segs[k].start < q.end:
        out.add(k)
        k += 1
    return out
