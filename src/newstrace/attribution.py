"""Who a text credits: wire agencies, outlets, "told Reuters", "according to ...".

Used by direction (a credit on one side only marks the original) and, later, by change analysis
(a removed credit). Patterns, not a model: attribution in news follows a handful of formulas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AGENCIES = (
    "Reuters",
    "Associated Press",
    "AP",
    "AFP",
    "Agence France-Presse",
    "Bloomberg",
    "dpa",
    "Xinhua",
    "Kyodo",
    "Yonhap",
    "UPI",
    "Press Association",
    "PA Media",
    "ANSA",
    "EFE",
    "TASS",
    "Interfax",
)
_AGENCY_ALT = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))
_CREDIT = re.compile(
    rf"(?:\((?P<paren>{_AGENCY_ALT})\)"
    rf"|\b(?:told|to|tells|according to|reported by|said to|via|cited by|citing)\s+(?:the\s+)?(?P<verb>{_AGENCY_ALT})\b"
    rf"|^\s*(?P<signoff>{_AGENCY_ALT}|{_AGENCY_ALT.upper()})\s*$"
    rf"|\b(?P<byline>(?:{_AGENCY_ALT}))\s+(?:reported|said|reports|says|news agency)\b)",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Credit:
    agency: str
    start: int
    end: int


def find_credits(text: str, start: int = 0) -> list[Credit]:
    out = []
    for m in _CREDIT.finditer(text, start):
        name = next(g for g in m.groups() if g)
        canonical = next((a for a in AGENCIES if a.casefold() == name.casefold()), name)
        out.append(Credit(canonical, m.start(), m.end()))
    return out
