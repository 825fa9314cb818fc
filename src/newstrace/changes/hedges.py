"""Hedges: the words that mark a claim as uncertain or as somebody's assessment.

Grouped in classes, since a rewrite may trade one modal for another ("could" for "may") without
changing how certain the claim sounds; what matters is a class vanishing.
"""

from __future__ import annotations

import re

_CLASSES = {
    "modal": r"could|may|might|likely|unlikely|possibly|possible|probably|expected to|believed to",
    "reported": r"reportedly|allegedly|apparently|appears? to|seems? to|purported(?:ly)?",
    "assessment": r"(?:analysts?|experts?|critics|observers) (?:said|say|says|believe|believes|think|thinks|expect)",
}
# "could not subscribe" states a fact; a negated modal is no hedge
_PATTERNS = {name: re.compile(rf"\b(?:{pattern})\b(?!\s+not\b|n['’]t)", re.I) for name, pattern in _CLASSES.items()}


def hedges(sentence: str) -> dict[str, str]:
    """Hedge class → the words that expressed it, for each class present in the sentence."""
    out = {}
    for name, pattern in _PATTERNS.items():
        m = pattern.search(sentence)
        if m:
            out[name] = m.group().lower()
    return out
