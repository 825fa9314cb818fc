"""A comparison as rich renderables for the terminal.

Every piece of document text, and every detail quoting it, goes in as a `rich.text.Text`: rich
would read "[bold]" or "[link=...]" in a plain string as markup, and user text is data.
"""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from newstrace.align import defensible
from newstrace.compare import Comparison
from newstrace.summary import direction_sentence, summary_sentence

_KIND_STYLE = {"verbatim": "bold red", "near-verbatim": "yellow", "paraphrase": "cyan"}
_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "dim"}


def _clip(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_comparison(result: Comparison, max_rows: int = 60) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    style = "bold red" if result.derived else "bold green"
    head.add_row("Verdict", Text(f"{result.verdict} ({'derived' if result.derived else 'not derived'})", style=style))
    head.add_row("Probability derived", Text(f"{result.probability:.1%}"))
    head.add_row("Suspect covered by source", Text(f"{result.coverage.suspect:.1%}"))
    head.add_row("Source reused", Text(f"{result.coverage.source:.1%}"))
    head.add_row("Order kept", Text(f"{result.order:.1%}"))
    head.add_row("Direction", Text(direction_sentence(result)))
    parts: list = [Panel(Text(summary_sentence(result)), title="newstrace compare", border_style=style), head]

    table = Table(title="Aligned sentences", show_lines=True, expand=True)
    table.add_column("source", ratio=1)
    table.add_column("suspect", ratio=1)
    table.add_column("kind", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    src, sus = result.source.text, result.suspect.text
    pairs = defensible(result.source, result.suspect, result.alignments)  # the pairs findings stand on
    for a in pairs[:max_rows]:
        table.add_row(
            Text(_clip(src[a.source[0] : a.source[1]])),
            Text(_clip(sus[a.suspect[0] : a.suspect[1]])),
            Text(a.kind, style=_KIND_STYLE.get(a.kind, "")),
            Text(f"{a.score:.2f}"),
        )
    notes = []
    if len(pairs) > max_rows:
        notes.append(f"{len(pairs) - max_rows} more pairs not shown")
    if len(pairs) < len(result.alignments):
        notes.append(f"{len(result.alignments) - len(pairs)} weaker pairs that only coverage counts are in --json")
    if notes:
        table.caption = "; ".join(notes)
    if pairs:
        parts.append(table)
    if result.findings:
        findings = Table(title="Findings", expand=True)
        findings.add_column("severity", no_wrap=True)
        findings.add_column("type", no_wrap=True)
        findings.add_column("detail")
        findings.add_column("model", no_wrap=True, justify="right")
        for f in result.findings:
            model = "" if f.confidence is None else f"{f.confidence:.0%}"
            findings.add_row(
                Text(f.severity, style=_SEVERITY_STYLE.get(f.severity, "")), Text(f.type), Text(f.detail), Text(model)
            )
        findings.caption = "model: the faithfulness model's confidence that the source does not support the sentence"
        parts.append(findings)
    return Group(*parts)
