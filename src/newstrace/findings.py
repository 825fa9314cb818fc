"""A finding: one typed, evidenced difference between a suspect and its source."""

from __future__ import annotations

from dataclasses import dataclass, field

FINDING_TYPES = (
    "attribution_removed",
    "unsupported_addition",
    "dropped_content",
    "number_changed",
    "date_changed",
    "entity_changed",
    "quote_altered",
    "quote_fabricated",
    "quote_paraphrased",
    "attribution_changed",
    "hedge_removed",
)
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}


@dataclass
class Finding:
    type: str
    detail: str
    suspect: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    severity: str = "info"
    evidence: dict[str, str] = field(default_factory=dict)
    #: how sure the faithfulness model is that the source does not support the suspect's words
    #: here (1 - P(supported)); None for findings the rules decide alone (dropped content, credits)
    confidence: float | None = None

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "suspect": list(self.suspect) if self.suspect else None,
            "source": list(self.source) if self.source else None,
            "detail": self.detail,
            "severity": self.severity,
            "evidence": self.evidence,
            "confidence": self.confidence,
        }


def ordered(findings: list[Finding]) -> list[Finding]:
    """Critical first, then by position in the suspect (source-only findings last)."""
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_RANK[f.severity],
            f.suspect[0] if f.suspect else 10**12,
            f.source[0] if f.source else 0,
        ),
    )
