"""The one-paragraph plain-language summary at the top of every report."""

from __future__ import annotations

from newstrace.changes.wording import count
from newstrace.compare import Comparison

_VERDICT_WORDS = {
    "copy": "a copy",
    "light": "a light edit",
    "heavy": "a heavy rewrite",
    "partial": "a passage reused inside otherwise independent text",
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
    if result.verdict == "partial":
        words = sum(len(result.suspect.text[p.suspect[0] : p.suspect[1]].split()) for p in result.passages)
        return (
            f"Partly derived: {len(result.passages)} passage(s) of the suspect ({words} words) keep the source's "
            f"wording, inside text that is otherwise written independently "
            f"(probability that the whole was derived {result.probability:.0%})."
        )
    parts = [
        f"Derived from the source: {_VERDICT_WORDS[result.verdict]} "
        f"({pct} of the suspect's text is supported by the source, "
        f"{result.coverage.source:.0%} of the source reused; probability {result.probability:.0%})."
    ]
    if result.direction.source_first is False:
        parts.append("The dates or evidence say the suspect came first: the 'source' may be the copy.")
    by_type: dict[str, list] = {}
    graded = 0  # rule findings the faithfulness model reads as supported (lowered to info)
    for f in result.findings:
        if f.severity == "info" and f.confidence is not None:
            graded += 1
            continue
        by_type.setdefault(f.type, []).append(f)
    removed = [f.evidence.get("agency", "") for f in by_type.get("attribution_removed", [])]
    if removed:
        parts.append(f"The {' and '.join(removed)} credit{'s were' if len(removed) > 1 else ' was'} removed.")
    unsupported = [f for f in by_type.get("unsupported_addition", []) if f.evidence.get("kind") != "name"]
    unsupported += by_type.get("quote_fabricated", [])
    if unsupported:
        examples = ", ".join(_quote(result.suspect.text[f.suspect[0] : f.suspect[1]]) for f in unsupported[:3])
        have = "has" if len(unsupported) == 1 else "have"
        lead = count(len(unsupported), "statement").capitalize()
        parts.append(f"{lead} {have} no support in the source, e.g. {examples}.")
    changed = by_type.get("attribution_changed", [])
    if changed:
        verb = "is" if len(changed) == 1 else "are"
        parts.append(
            f"{count(len(changed), 'claim').capitalize()} {verb} credited to another source than in the original."
        )
    facts = sum(len(by_type.get(t, [])) for t in ("number_changed", "entity_changed", "quote_altered"))
    if facts:
        parts.append(
            f"{count(facts, 'figure, name or quote', 'figures, names or quotes').capitalize()} "
            f"{'differs' if facts == 1 else 'differ'} from the source."
        )
    hedges = by_type.get("hedge_removed", [])
    if hedges:
        verb = "is" if len(hedges) == 1 else "are"
        parts.append(f"{count(len(hedges), 'hedged or attributed claim').capitalize()} {verb} stated as fact.")
    dropped = by_type.get("dropped_content", [])
    if dropped:
        share = sum(float(f.evidence.get("share", 0)) for f in dropped)
        verb = "was" if len(dropped) == 1 else "were"
        parts.append(
            f"{count(len(dropped), 'source passage').capitalize()} ({share:.0%} of the source) {verb} dropped."
        )
    if graded:
        parts.append(
            f"{count(graded, 'other difference').capitalize()} the rules found "
            f"{'reads' if graded == 1 else 'read'} as supported by the source to the faithfulness model "
            "(listed as info)."
        )
    return " ".join(parts)


def direction_sentence(result: Comparison) -> str:
    """Which text came first, in words, with the basis a reader can check."""
    d = result.direction
    if d.source_first is None:
        if not result.derived:
            return "not asked (the texts are not derived from one another)"
        return f"undecided: the text evidence is too weak ({d.confidence:.0%} for the likelier order)"
    said = "the source came first" if d.source_first else "the suspect came first (the “source” may be the copy)"
    if d.basis == "dates":
        return f"{said}, by the publication dates ({d.confidence:.0%})"
    return f"{said}, by the text evidence ({d.confidence:.0%} confident)"

