"""Who a sentence says the information came from: "X said", "told Reuters", "according to X".

Attribution in news follows a few formulas; these patterns find the phrase naming the source of a
claim so that two aligned sentences can be checked for the same speaker or outlet. A speaker
phrase is a run of capitalised words and attribution nouns ("Kremlin spokesman Dmitry Peskov",
"the North's state media", "an unnamed Russian source") next to a reporting verb. The rule that
compares the speakers of an aligned pair lives here too, since deciding that "Peskov" replaced
"the Kremlin" depends on the same idea of a speaker as finding either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newstrace.changes.context import Context
from newstrace.findings import Finding
from newstrace.lexical import normalise, sentence_cache

_VERBS = re.compile(
    r"\b(?:said|says|told|tells|reported|reports|stated|states|mentioned|asserted|announced|confirmed|"
    r"revealed|added|noted|warned|claimed|wrote|commented|explained|emphasi[sz]ed|stressed|indicated|"
    r"insisted|argued|quoted|declined|refrained)\b"
)
_LEADS = re.compile(
    r"\b(?:according to|citing|quoted by|reported by|confirmed by|cited by|quoting|told|report from|"
    r"reports from)\s+",
    re.I,
)
# "a source with knowledge of the trip told ...": the modifier between a speaker and its verb
# or "US officials, who first said the visit was imminent, said ...": a relative clause
_MODIFIER = re.compile(
    r"\s+(?:with (?:direct )?knowledge of|familiar with|close to|briefed on)(?:\s+[\w'’-]+){1,4}\s*,?\s*$"
    r"|\s*,\s+(?:who|which)\s[^,]{1,100},\s*$"
)
_ATTRIBUTION_NOUN_TEXT = """
    unnamed anonymous state news agency media official officials source sources spokesman spokeswoman
    spokesperson ministry government police analyst analysts expert experts senior local military
    department office newspaper television agency's report diplomat diplomats minister administration
"""
ATTRIBUTION_NOUNS = frozenset(_ATTRIBUTION_NOUN_TEXT.split())
_GENERIC = frozenset(
    {"source", "sources", "official", "officials", "report", "unnamed", "anonymous", "senior", "local"}
)
_HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "president", "prime"})
_WORD = re.compile(r"[\w'’.-]+")
_ARTICLE = re.compile(r"\b(?:the|a|an)\s+$", re.I)


_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "this", "that", "there"})


@dataclass(frozen=True, slots=True)
class Speaker:
    """An attribution phrase: its words as written, where it starts, and its words for matching."""

    text: str
    start: int
    words: frozenset[str]
    told: str = ""  # for "X told Reuters": the teller X (this speaker is the outlet)
    channel: bool = False  # named after "according to", "citing", "told": who relayed the claim


def _speaker_word(word: str) -> bool:
    w = word.strip(".,")
    if not w or normalise(w) in _PRONOUNS:
        return False
    return w[0].isupper() or normalise(w) in ATTRIBUTION_NOUNS


def _phrase(words: list[str]) -> frozenset[str]:
    out = set()
    for w in words:
        n = normalise(w.strip(".,")).replace("'s", "").replace("’s", "")
        if len(n) > 1 and n not in {"the", "a", "an", "mr", "mrs", "ms", "dr"}:
            out.add(n.replace(".", ""))
    return frozenset(out)


def _surface(sentence: str, start: int, end: int) -> tuple[str, int]:
    """The phrase as written, with an article just before it ("an unnamed Russian source")."""
    article = _ARTICLE.search(sentence, 0, start)
    if article and article.end() == start:
        start = article.start()
    return " ".join(sentence[start:end].rstrip(".,").split()), start


def _backward_run(sentence: str, end: int) -> tuple[list[str], int, int]:
    """The speaker words just before `end` (a reporting verb), and the span they take."""
    window_start = max(0, end - 200)
    window = sentence[window_start:end]
    modifier = _MODIFIER.search(window)
    if modifier:
        window = window[: modifier.start()]
    found = list(_WORD.finditer(window))
    if found and found[-1].group().lower() in ("was", "were", "has", "have", "had"):
        found = found[:-1]
    run: list[re.Match] = []
    for m in reversed(found):
        if not _speaker_word(m.group()) or len(run) == 6:
            break
        run.insert(0, m)
    if not run:
        return [], end, end
    return [m.group() for m in run], window_start + run[0].start(), window_start + run[-1].end()


@sentence_cache
def speakers(sentence: str) -> tuple[Speaker, ...]:
    """The attribution phrases of a sentence, in text order, each once."""
    found: list[Speaker] = []
    subjects: dict[int, str] = {}  # verb position -> the speaker before it
    for m in _VERBS.finditer(sentence):
        words, start, end = _backward_run(sentence, m.start())
        if words:
            text, start = _surface(sentence, start, end)
            found.append(Speaker(text, start, _phrase(words)))
            subjects[m.start()] = text
    for m in _LEADS.finditer(sentence):
        run: list[re.Match] = []
        for w in _WORD.finditer(sentence, m.end(), min(len(sentence), m.end() + 120)):
            if w.group().lower() in ("the", "a", "an") and not run:
                continue
            if not _speaker_word(w.group()) or len(run) == 6 or (run and w.group().rstrip(".").lower() in _HONORIFICS):
                break
            run.append(w)
            if sentence[w.end() : w.end() + 1] in (",", ".") or w.group().endswith("."):
                break
        if run:
            text, start = _surface(sentence, run[0].start(), run[-1].end())
            told = subjects.get(m.start(), "") if m.group().lower().startswith("told") else ""
            found.append(Speaker(text, start, _phrase([w.group() for w in run]), told, channel=True))
    out: list[Speaker] = []
    for sp in sorted(found, key=lambda sp: sp.start):
        if sp.words and all(sp.words != o.words for o in out):
            out.append(sp)
    return tuple(out)


def describe(found: Sequence[Speaker]) -> str:
    """Speakers as a reader would list them: "a Russian source speaking to Reuters and the Kremlin"."""
    told_by = {sp.told for sp in found if sp.told}
    parts = [f"{sp.told} speaking to {sp.text}" if sp.told else sp.text for sp in found if sp.text not in told_by]
    parts = [p[0].lower() + p[1:] if re.match(r"(?:A|An|The)\s", p) else p for p in parts]
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def same_speaker(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> bool:
    """Two attribution phrases name the same source when they share a specific (non-generic) word.

    A word that begins another counts as shared ("Radar" and "RadarOnline.com").
    """
    shared = a & b
    shared |= {x for x in a for y in b if len(x) >= 4 and len(y) >= 4 and (x.startswith(y) or y.startswith(x))}
    return bool(shared - _GENERIC) or (bool(shared) and not (a - _GENERIC) and not (b - _GENERIC))


def attribution_findings(ctx: Context, i: int, js: list[int]) -> list[Finding]:
    """Who the claim is credited to: a change when a speaker of the source is gone and another stands in.

    A speaker is compared with speakers, an outlet a claim was relayed through ("told Reuters",
    "according to Kyodo") with outlets and speakers alike; an outlet the source names is no
    speaker the rewrite can replace ("she told Mail Online" / "Ninaki revealed").
    """
    sp_s, sp_t = speakers(ctx.src_text(js)), speakers(ctx.suspect.segments[i].text)
    unmatched = [t for t in sp_t if not any(same_speaker(s.words, t.words) for s in sp_s)]
    gone = [s for s in sp_s if not any(same_speaker(s.words, t.words) for t in sp_t)]
    replaced = [t for t in unmatched if any(t.channel or not s.channel for s in gone)]
    if replaced and gone:
        detail = f"The source attributes this to {describe(sp_s)}; the rewrite to {describe(replaced)}."
        return [ctx.pair_finding(i, js, "attribution_changed", detail, "critical")]
    if unmatched and not sp_s:
        known = ctx.source_tokens - {"source", "official", "officials"}
        strangers = [t for t in unmatched if not {p for x in t.words for p in re.split(r"[-.]", x) if p} & known]
        if strangers:
            detail = f"The rewrite credits this to {describe(strangers)}, whom the source never names."
            return [ctx.pair_finding(i, js, "attribution_changed", detail, "warning")]
    return []
