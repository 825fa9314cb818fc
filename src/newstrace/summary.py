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


def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return "“" + (text if len(text) <= limit else text[: limit - 1] + "…") + "”"


def summary_sentence(result: Comparison) -> str:
    pct = f"{result.coverage.suspect:.0%}"
    if not result.derived:
        return (
            f"Not derived: {_VERDICT_WORDS[result.verdict]} "
            f"(probability of derivation {result.probability:.0%}; {pct} of the suspect resembles the source)."
        )
    parts = [
        f"Derived from the source: {_VERDICT_WORDS[result.verdict]} "
        f"({pct} of the suspect's text is supported by the source, "
        f"{result.coverage.source:.0%} of the source reused; probability {result.probability:.0%})."
    ]
    if result.direction.source_first is False:
        parts.append("The dates or evidence say the suspect came first: the 'source' may be the copy.")
    by_type: dict[str, list] = {}
    for f in result.findings:
        by_type.setdefault(f.type, []).append(f)
    removed = [f.evidence.get("agency", "") for f in by_type.get("attribution_removed", [])]
    if removed:
        parts.append(f"The {' and '.join(removed)} credit{'s were' if len(removed) > 1 else ' was'} removed.")
    unsupported = [f for f in by_type.get("unsupported_addition", []) if f.evidence.get("kind") != "name"]
    unsupported += by_type.get("quote_fabricated", [])
    if unsupported:
        examples = ", ".join(_quote(result.suspect.text[f.suspect[0] : f.suspect[1]]) for f in unsupported[:3])
        parts.append(f"{len(unsupported)} statement(s) have no support in the source, e.g. {examples}.")
    changed = by_type.get("attribution_changed", [])
    if changed:
        parts.append(f"{len(changed)} claim(s) are credited to a different source than in the original.")
    facts = sum(len(by_type.get(t, [])) for t in ("number_changed", "entity_changed", "quote_altered"))
    if facts:
        parts.append(f"{facts} figure(s), name(s) or quote(s) differ from the source.")
    hedges = by_type.get("hedge_removed", [])
    if hedges:
        parts.append(f"{len(hedges)} hedged or attributed claim(s) are stated as fact.")
    dropped = by_type.get("dropped_content", [])
    if dropped:
        share = sum(float(f.evidence.get("share", 0)) for f in dropped)
        parts.append(f"{len(dropped)} source passage(s) ({share:.0%} of the source) were dropped.")
    return " ".join(parts)
