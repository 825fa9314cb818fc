"""Agency credits: the source names the wire service it took the story from; does the rewrite?

Dropping "(Reuters)" or "Yonhap reported" is how a lifted story passes as original reporting,
so every agency the source credits (in its dateline or its text, found by
`newstrace.attribution.find_credits`) that the rewrite never names is a critical finding,
placed on the suspect sentence aligned with the first credit when there is one.
"""

from __future__ import annotations

import re

from newstrace.attribution import find_credits
from newstrace.changes import wording as w
from newstrace.changes.context import Context
from newstrace.findings import Finding
from newstrace.lexical import normalise


def credit_findings(ctx: Context) -> list[Finding]:
    """Each agency the source credits that the suspect's body never names."""
    doc = ctx.source.document
    credits = find_credits(doc.text, doc.body_start)
    agencies: dict[str, list[tuple[int, int]]] = {}
    for c in credits:
        agencies.setdefault(c.agency, []).append((c.start, c.end))
    if doc.dateline_agency:
        agencies.setdefault(doc.dateline_agency, []).append((0, doc.body_start))
    suspect_lower = normalise(ctx.suspect.document.body)
    out = []
    for agency, spans in agencies.items():
        if re.search(rf"\b{re.escape(normalise(agency))}\b", suspect_lower):
            continue
        first = spans[0]
        js = [j for j, s in enumerate(ctx.source.segments) if s.start < first[1] and s.end > first[0]]
        partners = sorted({i for j in js for i in ctx.src_to_sus.get(j, [])})
        suspect_span = (
            (ctx.suspect.segments[partners[0]].start, ctx.suspect.segments[partners[0]].end) if partners else None
        )
        out.append(
            ctx.finding(
                "attribution_removed",
                f"The source credits {agency} {w.times(len(spans))}; the rewrite never does.",
                severity="critical",
                suspect=suspect_span,
                source=first,
                evidence={"source": w.snippet(doc.text[first[0] : first[1]]), "agency": agency},
            )
        )
    return out
