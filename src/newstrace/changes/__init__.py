"""Change analysis: what the rewrite did to its source, as typed findings with offsets.

Each check is a rule over the sentence alignment: an unaligned suspect sentence is an unsupported
addition, an unaligned source passage is dropped content, and aligned pairs are compared for
figures, dates, names, quotes, speakers and hedges. The rules reason only from pairs a reader
could defend one by one (`align.defensible`); the looser alignment that coverage counts would tie
dropped passages to unrelated sentences beside their true partners. Each rule lives beside the
extractor it uses (credits, quotes, additions, facts, speakers, hedges, dropped) and makes its
findings through `Context.finding`. The rules name what changed; the trained faithfulness model
then says whether the meaning survived (`judged.py`). This module only runs them in order.

Every `detail` is a sentence that quotes the texts as they stand, in their order.
"""

from __future__ import annotations

from newstrace.align import Alignment
from newstrace.changes.additions import addition_findings, unsupported_clauses
from newstrace.changes.context import Context
from newstrace.changes.credits import credit_findings
from newstrace.changes.dropped import dropped_findings, is_crosshead
from newstrace.changes.facts import fact_findings
from newstrace.changes.hedges import hedge_findings
from newstrace.changes.judged import judged_findings
from newstrace.changes.quotes import quote_findings
from newstrace.changes.speakers import attribution_findings
from newstrace.findings import Finding, ordered
from newstrace.prepared import PreparedText

__all__ = ["analyse_changes", "is_crosshead"]


def analyse_changes(
    source: PreparedText, suspect: PreparedText, alignments: list[Alignment], judge: bool = True
) -> list[Finding]:
    """Typed differences between a suspect and the source it was derived from, critical first.

    `judge=False` leaves out the faithfulness model (`judged.py`): the rules' findings alone.
    """
    ctx = Context(source, suspect, alignments)
    findings = credit_findings(ctx)
    quoted, fabricated_in = quote_findings(ctx)
    findings += quoted
    findings += addition_findings(ctx, fabricated_in)
    for i, js in ctx.aligned():
        findings += fact_findings(ctx, i, js)
        findings += attribution_findings(ctx, i, js)
        findings += unsupported_clauses(ctx, i, js)
    findings += hedge_findings(ctx)
    findings += dropped_findings(ctx)
    return ordered(judged_findings(ctx, findings) if judge else findings)
