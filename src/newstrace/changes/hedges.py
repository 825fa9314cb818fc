"""Hedges: the words that mark a claim as uncertain or as somebody's assessment, and their loss.

Grouped in classes, since a rewrite may trade one modal for another ("could" for "may") without
changing how certain the claim sounds; what matters is a class vanishing, so the rule beside the
patterns reports a source sentence's class that no suspect sentence carrying it still has.
"""

from __future__ import annotations

import re

from newstrace.changes.context import Context
from newstrace.findings import Finding

_CLASSES = {
    "modal": r"could|may|might|likely|unlikely|possibly|possible|probably|expected to|believed to",
    "reported": r"reportedly|allegedly|apparently|appears? to|seems? to|purported(?:ly)?",
    "assessment": r"(?:analysts?|experts?|critics|observers) (?:said|say|says|believe|believes|think|thinks|expect)",
}
# "could not subscribe" states a fact; a negated modal is no hedge
_PATTERNS = {name: re.compile(rf"\b(?:{pattern})\b(?!\s+not\b|n['’]t)", re.I) for name, pattern in _CLASSES.items()}
_HEDGE_WORDS = {
    "modal": "The source hedges this ({}); the rewrite states it as fact.",
    "reported": "The source marks this as unconfirmed ({}); the rewrite states it as fact.",
    "assessment": "The source gives this as others' view ({}); the rewrite states it as fact.",
}


def hedges(sentence: str) -> dict[str, str]:
    """Hedge class → the words that expressed it, for each class present in the sentence."""
    out = {}
    for name, pattern in _PATTERNS.items():
        m = pattern.search(sentence)
        if m:
            out[name] = m.group().lower()
    return out


def hedge_findings(ctx: Context) -> list[Finding]:
    """A source sentence's hedge class missing from every suspect sentence that carries it."""
    out = []
    for j, partners in sorted(ctx.src_to_sus.items()):
        hs = hedges(ctx.source.segments[j].text)
        if not hs:
            continue
        near = {i2 for i in partners for i2 in (i - 1, i, i + 1) if 0 <= i2 < len(ctx.suspect.segments)}
        kept = set()
        for i in near:
            kept |= set(hedges(ctx.suspect.segments[i].text))
        src = ctx.source.segments[j]
        seg = ctx.suspect.segments[min(partners)]
        for cls, words in hs.items():
            if cls in kept:
                continue
            phrase = re.search(re.escape(words), src.text, re.I)
            out.append(
                ctx.finding(
                    "hedge_removed",
                    _HEDGE_WORDS[cls].format(f"“{phrase.group() if phrase else words}”"),
                    severity="warning",
                    suspect=(seg.start, seg.end),
                    source=(src.start, src.end),
                    evidence={"source": src.text, "suspect": seg.text},
                )
            )
    return out
