"""The one-paragraph plain-language summary at the top of every report."""

from __future__ import annotations

from newstrace.compare import Comparison

_VERDICT_WORDS = {
    "copy": "a copy",
    "light": "a light edit",
    "heavy": "a heavy rewrite",
    "independent": "independent reporting on the same subject",
    "unrelated": "unrelated",
}


def summary_sentence(result: Comparison) -> str:
    pct = f"{result.coverage.suspect:.0%}"
    if result.derived:
        text = (
            f"Derived from the source: {_VERDICT_WORDS[result.verdict]} "
            f"({pct} of the suspect's text is supported by the source, "
            f"{result.coverage.source:.0%} of the source reused; probability {result.probability:.0%})."
        )
        if result.direction.source_first is False:
            text += " The dates or evidence say the suspect came first: the 'source' may be the copy."
    else:
        text = (
            f"Not derived: {_VERDICT_WORDS[result.verdict]} "
            f"(probability of derivation {result.probability:.0%}; {pct} of the suspect resembles the source)."
        )
    kinds = [f for f in result.findings if f.severity in ("critical", "warning")]
    if kinds:
        text += f" {len(kinds)} notable change(s) found; see the findings."
    return text
