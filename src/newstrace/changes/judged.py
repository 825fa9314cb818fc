"""The faithfulness model's say on what the rules found: the rules name the span, the model the meaning.

A rule sees that a figure, name, date or speaker differs, or that a sentence has no aligned
partner; it cannot see whether the meaning survived ("five" for "5", a name spelt out, a sentence
the aligner missed because it was split and merged). Each rule finding about a suspect sentence
gets the model's `confidence` that the source does not support that sentence (1 - its best
support over the source windows it may rest on, `support.py`). A finding whose sentence the
model reads as supported is kept (the rule saw the figure change, the sentence go unaligned) but
lowered to `info`: dropping the additions it found supported cost FRANK's OutE ranking on the
DEV fit half (AUC 0.728 with the rules' counts, 0.681 with those additions dropped), so the
model grades what the rules find and does not overrule them. Aligned sentences the rules pass but
the model finds unsupported are reported too, where the rewrite kept most of the source's wording
(near-verbatim pairs): the small edit no pattern names, a negation or a reversed claim. Not where
it rewrote the sentence freely: on free paraphrase the model is not reliable enough to flag a
sentence on its own (on the seed rewrite it called 6 paraphrased sentences, most of them faithful,
unsupported). Findings about the source alone (dropped content, stripped credits) stay the
rules' own.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace

from newstrace.changes import wording as w
from newstrace.changes.context import MIN_STATEMENT_WORDS, Context
from newstrace.findings import SEVERITY_RANK, Finding
from newstrace.support import Support, premise, sentence_support

MODEL_DECIDED = {
    "unsupported_addition",
    "entity_changed",
    "number_changed",
    "date_changed",
    "attribution_changed",
    "quote_altered",
}
UNSUPPORTED = 0.2  # P(supported) under which an aligned sentence the rules pass is reported
#: premise windows the model scores per comparison (~200 a second on 2 cores): a bound on its
#: time whatever the texts; a 600-word news pair needs 7 to 29, past the bound findings keep the
#: rules' severity and no confidence
MAX_WINDOWS_JUDGED = 40


def _sentence_at(ctx: Context, starts: list[int], offset: int) -> int | None:
    """The suspect sentence holding `offset` (`starts`: the sentences' start offsets, in order)."""
    i = bisect_right(starts, offset) - 1
    if i < 0 or offset >= ctx.suspect.segments[i].end:
        return None
    return i


def _same_words(ctx: Context, i: int, js: list[int]) -> bool:
    """Suspect sentence i repeats its source sentences word for word: support needs no model."""
    return ctx.suspect.token_lists[i] == [t for j in js for t in ctx.source.token_lists[j]]


def _lowered(finding: Finding, support: Support) -> Finding:
    confidence = round(1.0 - support.score, 3)
    if not support.supported:
        return replace(finding, confidence=confidence)
    return replace(finding, confidence=confidence, severity="info")


def judged_findings(ctx: Context, findings: list[Finding]) -> list[Finding]:
    """The rule findings with the model's confidence, and the aligned sentences it finds unsupported."""
    starts = [seg.start for seg in ctx.suspect.segments]
    about = {
        id(f): i
        for f in findings
        if f.type in MODEL_DECIDED and f.suspect and (i := _sentence_at(ctx, starts, f.suspect[0])) is not None
    }
    flagged = set(about.values())
    aligned = [
        i
        for i, js in ctx.aligned()
        if i not in flagged
        and i in ctx.close_wording
        and len(ctx.suspect.token_lists[i]) >= MIN_STATEMENT_WORDS
        and not _same_words(ctx, i, js)
    ]
    # the most severe findings first, so the bound leaves the model's word on what matters most
    by_severity = sorted(findings, key=lambda f: SEVERITY_RANK[f.severity])
    ranked = [about[id(f)] for f in by_severity if id(f) in about]
    supports = sentence_support(ctx.source, ctx.suspect, ctx.sus_to_src, [*ranked, *aligned], MAX_WINDOWS_JUDGED)
    out = []
    for f in findings:
        i = about.get(id(f))
        support = supports.get(i) if i is not None else None
        out.append(f if support is None else _lowered(f, support))
    for i in aligned:
        support = supports.get(i)
        if support is None or support.score >= UNSUPPORTED:
            continue
        seg = ctx.suspect.segments[i]
        src = premise(ctx.source, support.first, support.last)
        first, last = ctx.source.segments[support.first], ctx.source.segments[support.last - 1]
        out.append(
            ctx.finding(
                "unsupported_addition",
                f"The rewrite says “{w.clean(w.snippet(seg.text, 140))}” where the source says "
                f"“{w.clean(w.snippet(src, 140))}”, which does not support it.",
                severity="warning",
                suspect=(seg.start, seg.end),
                source=(first.start, last.end),
                evidence={"suspect": seg.text, "source": src, "kind": "meaning"},
                confidence=round(1.0 - support.score, 3),
            )
        )
    return out
