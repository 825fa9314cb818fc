"""Unsupported additions: what the rewrite says that the source does not, the likeliest sign of fabrication.

An unaligned suspect sentence is an addition, graded by what it claims: a quote or a statement
credited to a speaker is critical, a plain statement a warning, and the names, figures and times
in it that the source never mentions are listed. A sentence split off a nearby source sentence
reports only the clause or words it adds, and so does an aligned sentence with a leading or
trailing clause ("... and the foreign minister") that nothing nearby in the source supports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newstrace.changes import wording as w
from newstrace.changes.context import MIN_STATEMENT_WORDS, Context
from newstrace.changes.facts import facts_sentence, new_facts
from newstrace.changes.quotes import find_quotes
from newstrace.changes.speakers import Speaker, describe, same_speaker, speakers
from newstrace.findings import Finding
from newstrace.lexical import content_words, rarity, tokens, weighted_containment

RESTATED = 0.6  # rarity-weighted share of a sentence's words found in one nearby source sentence
_CLAUSE = re.compile(r",\s+(?:and\s+)?|\s+and\s+|;\s+")
_WORD = re.compile(r"[^\W_]+(?:[’'.-][^\W_]+)*")


def _kind(text: str) -> tuple[str, str, Sequence[Speaker]]:
    """What a sentence or clause claims, its severity, and the speakers it credits."""
    if find_quotes(text):
        return "quote", "critical", ()
    found = speakers(text)
    if found:
        return "attributed statement", "critical", found
    return "statement", "warning", ()


def _restated_by(ctx: Context, i: int) -> int | None:
    """A source sentence near where the neighbours align that carries most of sentence i's words."""
    words = ctx.suspect.content_sets[i]
    near = {j2 for i2 in (i - 1, i + 1) for j in ctx.sus_to_src.get(i2, []) for j2 in (j - 1, j, j + 1)}
    best, best_j = 0.0, None
    for j in sorted(j for j in near if 0 <= j < len(ctx.source.segments)):
        share = weighted_containment(words, ctx.source.content_sets[j])
        if share > best:
            best, best_j = share, j
    return best_j if best >= RESTATED else None


def addition_findings(ctx: Context, fabricated_quote_sentences: set[int]) -> list[Finding]:
    """Unaligned suspect sentences long enough to be statements (fabricated quotes are reported already)."""
    out = []
    for i, seg in enumerate(ctx.suspect.segments):
        if i in ctx.sus_to_src or i in fabricated_quote_sentences:
            continue
        if len(ctx.suspect.token_lists[i]) < MIN_STATEMENT_WORDS:
            continue
        restated = _restated_by(ctx, i)
        if restated is not None:  # a sentence split off its source: only what it adds is new
            out += _restated_additions(ctx, i, restated)
            continue
        kind, severity, found = _kind(seg.text)
        facts = new_facts(ctx, seg.text)
        if found:
            lead = f"The rewrite credits a statement to {describe(found)} that the source does not contain"
        else:
            lead = f"The rewrite adds a {kind} that the source does not support"
        out.append(
            ctx.finding(
                "unsupported_addition",
                f"{lead}: {w.final_quote(w.snippet(seg.text, 140))}" + facts_sentence(facts),
                severity=severity,
                suspect=(seg.start, seg.end),
                evidence={"suspect": seg.text, "kind": kind, **facts},
            )
        )
    return out


def _restated_additions(ctx: Context, i: int, j: int) -> list[Finding]:
    """What an unaligned sentence adds to the nearby source sentence that carries most of its words."""
    clauses = unsupported_clauses(ctx, i, [j], min_rarity=0.0)
    if clauses:
        return clauses
    seg, src = ctx.suspect.segments[i], ctx.source.segments[j]
    support = ctx.source.content_sets[j]
    added = w.ordered_unique(
        [m.group() for m in _WORD.finditer(seg.text) if (content_words(tokens(m.group())) - support)]
    )
    if not added:
        return []
    return [
        ctx.finding(
            "unsupported_addition",
            f"The rewrite restates part of “{w.snippet(src.text, 100)}” and adds words the source does not "
            f"have there: {w.quoted(added[:8])}.",
            severity="warning",
            suspect=(seg.start, seg.end),
            source=(src.start, src.end),
            evidence={"suspect": seg.text, "source": src.text, "kind": "detail"},
        )
    ]


def unsupported_clauses(ctx: Context, i: int, js: list[int], min_rarity: float = 2.5) -> list[Finding]:
    """Leading or trailing clauses whose words appear nowhere near the aligned source sentences.

    Rewriters append details ("... and the foreign minister") or prefix claims ("While an official
    declined to comment, ...") to sentences that are otherwise supported.
    """
    seg = ctx.suspect.segments[i]
    cuts = list(_CLAUSE.finditer(seg.text))
    if not cuts:
        return []
    near = [j2 for j in js for j2 in (j - 1, j, j + 1) if 0 <= j2 < len(ctx.source.segments)]
    support = set().union(*(ctx.source.content_sets[j] for j in near))
    out = []
    clauses = [(0, cuts[0].start(), "leading"), (cuts[-1].end(), len(seg.text), "trailing")]
    for start, end, where in clauses:
        clause = seg.text[start:end].rstrip(" .")
        words = content_words(tokens(clause))
        if len(words) < 2 or len(words) > 12:
            continue
        unsupported = words - support
        if len(unsupported) / len(words) < 0.75 or max(rarity(x) for x in unsupported) < min_rarity:
            continue
        _, severity, found = _kind(clause)
        credited = [sp for j in near for sp in speakers(ctx.source.segments[j].text)]
        if found and all(any(same_speaker(f.words, c.words) for c in credited) for f in found):
            continue  # "as reported by RadarOnline.com" where the source says "told Radar"
        if found:
            detail = (
                f"The rewrite adds a clause crediting {describe(found)} with something the source "
                f"does not report: {w.final_quote(clause)}"
            )
        else:
            severity = "warning"
            detail = f"The rewrite adds a {where} clause the source does not support: {w.final_quote(clause)}"
        span = (seg.start + start, seg.start + start + len(clause))
        out.append(
            ctx.finding(
                "unsupported_addition",
                detail,
                severity=severity,
                suspect=span,
                source=ctx.src_span(js),
                evidence={"suspect": clause, "source": ctx.src_text(js), "kind": "detail"},
            )
        )
    return out
