"""A self-contained side-by-side HTML page: both texts, aligned sentences highlighted.

All article text is HTML-escaped; the page loads nothing from the network. Hovering a
highlighted sentence lights up its counterpart on the other side.
"""

from __future__ import annotations

import html
import json

from newstrace.compare import Comparison
from newstrace.summary import summary_sentence

_CSS = """
body{font-family:Georgia,serif;margin:0;background:#fafafa;color:#222}
header{padding:1rem 2rem;background:#1f2937;color:#f9fafb}
header h1{margin:0 0 .4rem 0;font-size:1.3rem}
.summary{font-size:1rem;max-width:70rem}
.figures span{margin-right:1.5rem;font-family:sans-serif;font-size:.9rem}
main{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem;padding:1.5rem 2rem}
section h2{font-family:sans-serif;font-size:1rem;color:#555}
.text{white-space:pre-wrap;line-height:1.55;background:#fff;padding:1rem;border:1px solid #ddd;border-radius:6px}
mark{border-radius:3px;padding:0 1px;cursor:pointer}
mark.verbatim{background:#fca5a5}
mark.near-verbatim{background:#fde68a}
mark.paraphrase{background:#bae6fd}
mark.finding{border-bottom:3px solid #f59e0b}
mark[class^="finding"]{background:#fee2e2}
mark.finding.critical{border-bottom:3px solid #dc2626}
mark.finding.info{border-bottom:2px dotted #6b7280}
mark.active{outline:2px solid #111}
.legend mark{padding:0 .4rem}
ul.findings{font-family:sans-serif;font-size:.9rem;padding:0 2rem 2rem 3rem}
ul.findings li{margin-bottom:.5rem}
h2.findings-title{font-family:sans-serif;font-size:1rem;padding:0 2rem}
q.snippet{color:#555}
li.critical{color:#b91c1c}li.warning{color:#b45309}
"""

_JS = """
document.querySelectorAll('mark[data-a]').forEach(function(m){
  m.addEventListener('mouseenter',function(){
    m.dataset.a.split(' ').forEach(function(id){
      document.querySelectorAll('mark[data-a~="'+id+'"]').forEach(function(x){x.classList.add('active')});
    });
  });
  m.addEventListener('mouseleave',function(){
    document.querySelectorAll('mark.active').forEach(function(x){x.classList.remove('active')});
  });
});
"""


def _highlight(text: str, spans: dict[tuple[int, int], tuple[str, list[int], str]]) -> str:
    """Escape `text` and wrap each span (non-overlapping, as sentences are) in a <mark>."""
    out = []
    pos = 0
    for (start, end), (kind, ids, note) in sorted(spans.items()):
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        attrs = f'class="{kind}" data-a="{" ".join(f"a{i}" for i in ids)}"'
        if note:
            attrs += f' title="{html.escape(note)}"'
        out.append(f"<mark {attrs}>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


_RANK = {"verbatim": 0, "near-verbatim": 1, "paraphrase": 2}


def _spans(result: Comparison, side: str) -> dict[tuple[int, int], tuple[str, list[int], str]]:
    """Aligned sentences by kind; on the suspect side, sentences with findings are flagged too."""
    spans: dict[tuple[int, int], tuple[str, list[int], str]] = {}
    for i, a in enumerate(result.alignments):
        key = a.source if side == "source" else a.suspect
        kind, ids, _ = spans.get(key, (a.kind, [], ""))
        if _RANK[a.kind] < _RANK[kind]:
            kind = a.kind
        spans[key] = (kind, [*ids, i], "")
    if side != "suspect":
        return spans
    for f in result.findings:
        if not f.suspect:
            continue
        key = next((k for k in spans if k[0] <= f.suspect[0] < k[1]), None)
        if key is None:  # a sentence the source does not support at all
            spans[tuple(f.suspect)] = (f"finding {f.severity}", [], f"{f.type}: {f.detail}")
            continue
        kind, ids, note = spans[key]
        severity = "critical" if "critical" in kind or f.severity == "critical" else f.severity
        base = kind.split(" finding")[0]
        spans[key] = (f"{base} finding {severity}", ids, (note + "\n" if note else "") + f"{f.type}: {f.detail}")
    return spans


def render_html(result: Comparison, source_name: str = "source", suspect_name: str = "suspect") -> str:
    figures = (
        f"<span>verdict <b>{html.escape(result.verdict)}</b></span>"
        f"<span>probability derived <b>{result.probability:.0%}</b></span>"
        f"<span>suspect covered <b>{result.coverage.suspect:.0%}</b></span>"
        f"<span>source reused <b>{result.coverage.source:.0%}</b></span>"
    )
    findings = "".join(
        f'<li class="{html.escape(f.severity)}" data-suspect="{f.suspect[0] if f.suspect else ""}">'
        f"<b>{html.escape(f.severity)}</b> {html.escape(f.type)}: {html.escape(f.detail)}"
        + (
            f'<br><q class="snippet">{html.escape(result.suspect.text[f.suspect[0] : f.suspect[1]])}</q>'
            if f.suspect
            else ""
        )
        + "</li>"
        for f in result.findings
    )
    # "<" escaped so article text can never close the script element
    data = json.dumps(result.to_json()).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newstrace: {html.escape(suspect_name)}</title>
<style>{_CSS}</style></head>
<body>
<header><h1>newstrace compare</h1>
<p class="summary">{html.escape(summary_sentence(result))}</p>
<div class="figures">{figures}</div>
<p class="legend"><mark class="verbatim">verbatim</mark> <mark class="near-verbatim">near-verbatim</mark>
<mark class="paraphrase">paraphrase</mark> <mark class="finding critical">finding (hover for details)</mark></p>
</header>
<main>
<section><h2>Source: {html.escape(source_name)}</h2>
<div class="text" id="source">{_highlight(result.source.text, _spans(result, "source"))}</div></section>
<section><h2>Suspect: {html.escape(suspect_name)}</h2>
<div class="text" id="suspect">{_highlight(result.suspect.text, _spans(result, "suspect"))}</div></section>
</main>
<h2 class="findings-title">Findings ({len(result.findings)})</h2>
<ul class="findings">{findings}</ul>
<script type="application/json" id="newstrace-data">{data}</script>
<script>{_JS}</script>
</body></html>
"""
