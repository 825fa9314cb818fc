"""Who a sentence says the information came from: "X said", "told Reuters", "according to X".

Attribution in news follows a few formulas; these patterns find the phrase naming the source of a
claim so that two aligned sentences can be checked for the same speaker or outlet. A speaker
phrase is a run of capitalised words and attribution nouns ("Kremlin spokesman Dmitry Peskov",
"the North's state media", "an unnamed Russian source") next to a reporting verb.
"""

from __future__ import annotations

import re

from newstrace.lexical import normalise

_VERBS = re.compile(
    r"\b(?:said|says|told|tells|reported|reports|stated|states|mentioned|asserted|announced|confirmed|"
    r"revealed|added|noted|warned|claimed|wrote|commented|explained|emphasi[sz]ed|stressed|indicated|"
    r"insisted|argued|quoted)\b"
)
_LEADS = re.compile(
    r"\b(?:according to|citing|quoted by|reported by|confirmed by|cited by|quoting|told|report from|"
    r"reports from)\s+",
    re.I,
)
_ATTRIBUTION_NOUN_TEXT = """
    unnamed anonymous state news agency media official officials source sources spokesman spokeswoman
    spokesperson ministry government police analyst analysts expert experts senior local military
    department office newspaper television agency's report diplomat diplomats minister
"""
ATTRIBUTION_NOUNS = frozenset(_ATTRIBUTION_NOUN_TEXT.split())
_GENERIC = frozenset(
    {"source", "sources", "official", "officials", "report", "unnamed", "anonymous", "senior", "local"}
)
_HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "president", "prime"})
_WORD = re.compile(r"[\w'’.-]+")


_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "this", "that", "there"})


def _speaker_word(word: str) -> bool:
    w = word.strip(".,")
    if not w or normalise(w) in _PRONOUNS:
        return False
    return w[0].isupper() or normalise(w) in ATTRIBUTION_NOUNS


def _phrase(words: list[str]) -> set[str]:
    out = set()
    for w in words:
        n = normalise(w.strip(".,")).replace("'s", "").replace("’s", "")
        if len(n) > 1 and n not in {"the", "a", "an", "mr", "mrs", "ms", "dr"}:
            out.add(n.replace(".", ""))
    return out


def speakers(sentence: str) -> list[set[str]]:
    """The attribution phrases of a sentence, each as a set of lower-cased words."""
    found = []
    for m in _VERBS.finditer(sentence):
        before = _WORD.findall(sentence[max(0, m.start() - 120) : m.start()])
        if before and before[-1].lower() in ("was", "were", "has", "have", "had"):
            before = before[:-1]
        run: list[str] = []
        for w in reversed(before):
            if not _speaker_word(w) or len(run) == 6:
                break
            run.insert(0, w)
        if run:
            found.append(_phrase(run))
    for m in _LEADS.finditer(sentence):
        after = _WORD.findall(sentence[m.end() : m.end() + 120])
        run = []
        for w in after:
            if w.lower() in ("the", "a", "an") and not run:
                continue
            if not _speaker_word(w) or len(run) == 6 or (run and w.rstrip(".").lower() in _HONORIFICS):
                break
            run.append(w)
            if w.endswith((",", ".")):
                break
        if run:
            found.append(_phrase(run))
    return [s for s in found if s]


def same_speaker(a: set[str], b: set[str]) -> bool:
    """Two attribution phrases name the same source when they share a specific (non-generic) word."""
    shared = a & b
    return bool(shared - _GENERIC) or (bool(shared) and not (a - _GENERIC) and not (b - _GENERIC))
