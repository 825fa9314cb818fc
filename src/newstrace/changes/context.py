"""What every change rule reads: the two texts, their defensible alignment and the one way to make a finding.

The rules live beside the extractors they use (quotes, facts, speakers, hedges, ...), yet they
all stand on the same pairs and the same document-wide facts; building those once here, in a
module that imports no rule, lets each rule module take a `Context` without an import cycle and
keeps one constructor, `Context.finding`, that checks a finding's type and severity.
"""

from __future__ import annotations

from newstrace.align import Alignment, defensible
from newstrace.changes.facts import is_cased, name_phrases, name_tokens, number_values, time_expressions
from newstrace.findings import FINDING_TYPES, SEVERITY_RANK, Finding
from newstrace.lexical import tokens
from newstrace.prepared import PreparedText

MIN_STATEMENT_WORDS = 4  # a shorter sentence (a sign-off, a dateline) is no statement to add or drop


# what the rules read off one whole text, computed once per text (`PreparedText.once`)
def _numbers(text: PreparedText):
    return number_values(text.document.body)


def _times(text: PreparedText):
    return time_expressions(text.document.body)


def _tokens(text: PreparedText) -> set[str]:
    return set(tokens(text.document.body))


def _name_tokens(text: PreparedText) -> set[str]:
    return name_tokens(name_phrases(text.document.body))


def _cased(text: PreparedText) -> bool:
    return is_cased(text.document.body)


class Context:
    """The two texts and their defensible alignment, indexed both ways."""

    def __init__(self, source: PreparedText, suspect: PreparedText, alignments: list[Alignment]) -> None:
        self.source, self.suspect = source, suspect
        self.sus_to_src: dict[int, list[int]] = {}
        self.src_to_sus: dict[int, list[int]] = {}
        #: suspect sentences that keep most of their source's wording (every pair near-verbatim)
        self.close_wording: set[int] = set()
        reworded: set[int] = set()
        for a in defensible(source, suspect, alignments):
            self.sus_to_src.setdefault(a.suspect_index, []).append(a.source_index)
            self.src_to_sus.setdefault(a.source_index, []).append(a.suspect_index)
            (reworded if a.kind == "paraphrase" else self.close_wording).add(a.suspect_index)
        self.close_wording -= reworded
        self.source_numbers = source.once(_numbers)
        self.source_times = source.once(_times)
        self.source_tokens = source.once(_tokens)
        self.source_name_tokens_only = source.once(_name_tokens)
        self.source_name_tokens = self.source_name_tokens_only | self.source_tokens
        self.suspect_name_tokens = suspect.once(_name_tokens)
        self.suspect_tokens = suspect.once(_tokens)
        self.suspect_times = suspect.once(_times)
        self.reported_times: set[tuple[tuple[int, int], str]] = set()
        self.source_cased, self.suspect_cased = source.once(_cased), suspect.once(_cased)

    def aligned(self) -> list[tuple[int, list[int]]]:
        """Each aligned suspect sentence with its source sentences, both in text order."""
        return [(i, sorted(set(js))) for i, js in sorted(self.sus_to_src.items())]

    def src_span(self, js: list[int]) -> tuple[int, int]:
        segs = [self.source.segments[j] for j in js]
        return (min(s.start for s in segs), max(s.end for s in segs))

    def src_text(self, js: list[int]) -> str:
        return " ".join(self.source.segments[j].text for j in sorted(set(js)))

    def finding(
        self,
        type: str,
        detail: str,
        *,
        severity: str,
        suspect: tuple[int, int] | None = None,
        source: tuple[int, int] | None = None,
        evidence: dict[str, str],
        confidence: float | None = None,
    ) -> Finding:
        """The one way a rule makes a finding: a known type and severity, spans and evidence by name."""
        if type not in FINDING_TYPES:
            raise ValueError(f"finding type must be one of {', '.join(FINDING_TYPES)}, got {type!r}")
        if severity not in SEVERITY_RANK:
            raise ValueError(f"severity must be one of {', '.join(SEVERITY_RANK)}, got {severity!r}")
        return Finding(
            type, detail, suspect=suspect, source=source, severity=severity, evidence=evidence, confidence=confidence
        )

    def pair_finding(self, i: int, js: list[int], type: str, detail: str, severity: str, **extra: str) -> Finding:
        """A finding about suspect sentence i and its source sentences js, quoting both as evidence."""
        seg = self.suspect.segments[i]
        return self.finding(
            type,
            detail,
            severity=severity,
            suspect=(seg.start, seg.end),
            source=self.src_span(js),
            evidence={"source": self.src_text(js), "suspect": seg.text, **extra},
        )
