"""Dropped content: runs of source sentences that no suspect sentence defensibly carries.

What a rewrite leaves out matters less than what it invents, so these findings are only "info",
one per run of consecutive unaligned source sentences with its share of the source. Headings
inside a story (an all-capitals crosshead) and runs of fragments too short to be statements
(a sign-off, a dateline) are structure, not content, and are not reported.
"""

from __future__ import annotations

from newstrace.changes import wording as w
from newstrace.changes.context import MIN_STATEMENT_WORDS, Context
from newstrace.findings import Finding

CROSSHEAD_WORDS = 10  # an all-capitals line this short is a heading, not content


def is_crosshead(text: str) -> bool:
    """An all-capitals short line ("DELEGATION OF DEFENCE OFFICIALS"): a heading inside the story."""
    letters = [c for c in text if c.isalpha()]
    return (
        len(letters) >= 3
        and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
        and len(text.split()) <= CROSSHEAD_WORDS
        and not text.rstrip().endswith((".", "!", "?", "”", '"'))
    )


def dropped_findings(ctx: Context) -> list[Finding]:
    """One finding per run of consecutive source sentences left unaligned."""
    total = float(ctx.source.lengths.sum()) or 1.0
    groups: list[list[int]] = []
    for j, seg in enumerate(ctx.source.segments):
        if j in ctx.src_to_sus or is_crosshead(seg.text):
            continue
        if groups and groups[-1][-1] == j - 1:
            groups[-1].append(j)
        else:
            groups.append([j])
    out = []
    for g in groups:
        if all(len(ctx.source.token_lists[j]) < MIN_STATEMENT_WORDS for j in g):
            continue  # a sign-off or a dateline alone is not content
        span = ctx.src_span(g)
        share = sum(ctx.source.lengths[j] for j in g) / total
        verb = "is" if len(g) == 1 else "are"
        passage = ctx.source.text[span[0] : span[1]]
        out.append(
            ctx.finding(
                "dropped_content",
                w.capitalise(
                    f"{w.count(len(g), 'source sentence')} ({share:.0%} of the source) {verb} not carried over: "
                    f"{w.final_quote(w.snippet(passage, 100))}"
                ),
                severity="info",
                source=span,
                evidence={"source": w.snippet(passage, 400), "share": f"{share:.3f}"},
            )
        )
    return out
