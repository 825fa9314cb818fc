"""A self-contained side-by-side HTML page: both texts, aligned sentences and findings marked.

The findings are a numbered list at the top of the page; each one is marked, with its number, in
both texts where it has a span there, so the page reads without hovering. Hovering a mark lights
up its counterparts; clicking a finding in the list lights up its marks. All document text is
HTML-escaped (user text is data, never markup) and the page loads nothing from the network.
"""

from __future__ import annotations

import html
import itertools
import json

from newstrace.align import defensible
from newstrace.compare import Comparison
from newstrace.summary import direction_sentence, summary_sentence

_CSS = """
body{font-family:Georgia,serif;margin:0;background:#fafafa;color:#222}
header{padding:1rem 2rem;background:#1f2937;color:#f9fafb}
header h1{margin:0 0 .4rem 0;font-size:1.3rem}
.summary{font-size:1rem;max-width:70rem}
.figures span{margin-right:1.5rem;font-family:sans-serif;font-size:.9rem}
.direction{font-family:sans-serif;font-size:.9rem}
main{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem;padding:1.5rem 2rem}
section h2{font-family:sans-serif;font-size:1rem;color:#555}
.text{white-space:pre-wrap;line-height:1.55;background:#fff;padding:1rem;border:1px solid #ddd;border-radius:6px}
mark{background:none;border-radius:3px;padding:0 1px;cursor:pointer}
mark.verbatim{background:#fca5a5}
mark.near-verbatim{background:#fde68a}
mark.paraphrase{background:#bae6fd}
mark.finding{border-bottom:3px solid #f59e0b}
mark.finding.critical{border-bottom:3px solid #dc2626}
mark.finding.info{border-bottom:2px dotted #6b7280}
mark.finding.unaligned{background:#fee2e2}
mark.active{outline:2px solid #111}
sup.fn{font-family:sans-serif;font-size:.7rem;color:#b91c1c;font-weight:bold}
.legend mark{padding:0 .4rem;color:#222}
section.findings{padding:1rem 2rem 0 2rem}
section.findings h2{font-family:sans-serif;font-size:1rem}
ol.findings{font-family:sans-serif;font-size:.9rem;padding-left:2rem}
ol.findings li{margin-bottom:.5rem;cursor:pointer}
ol.findings .type{font-family:monospace}
q.snippet{color:#555;display:block;margin-left:1rem}
li.critical b.severity{color:#b91c1c}li.warning b.severity{color:#b45309}li.info b.severity{color:#6b7280}
"""

_JS = """
function light(sel){
  document.querySelectorAll('mark.active').forEach(function(x){x.classList.remove('active')});
  document.querySelectorAll(sel).forEach(function(x){x.classList.add('active')});
}
document.querySelectorAll('mark').forEach(function(m){
  m.addEventListener('mouseenter',function(){
    var ids=(m.dataset.a||'').split(' ').concat((m.dataset.f||'').split(' ')).filter(Boolean);
    light(ids.map(function(id){return 'mark[data-a~="'+id+'"],mark[data-f~="'+id+'"]'}).join(',')||'none');
  });
  m.addEventListener('mouseleave',function(){light('none')});
});
document.querySelectorAll('ol.findings li').forEach(function(li){
  li.addEventListener('click',function(){
    light('mark[data-f~="'+li.dataset.f+'"]');
    var first=document.querySelector('mark[data-f~="'+li.dataset.f+'"]');
    if(first){first.scrollIntoView({block:'center'})}
  });
});
"""

_RANK = {"verbatim": 0, "near-verbatim": 1, "paraphrase": 2}
_SEVERITY = {"critical": 0, "warning": 1, "info": 2}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


class _Span:
    def __init__(self, start: int, end: int, kind: str = "", aid: str = "", fid: str = "", severity: str = "") -> None:
        self.start, self.end, self.kind, self.aid, self.fid, self.severity = start, end, kind, aid, fid, severity


def _highlight(text: str, spans: list[_Span], notes: dict[str, str]) -> str:
    """Escape `text` and mark every stretch that alignments or findings cover (spans may overlap).

    The text is cut at every span boundary; each piece is one <mark> carrying the alignments and
    findings that cover it, and a finding's number is written where its span begins.
    """
    spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    starts: dict[int, list[str]] = {}
    for s in sorted(spans, key=lambda s: (s.start, s.fid)):
        if s.fid:
            starts.setdefault(s.start, []).append(s.fid)
    out = []
    for a, b in itertools.pairwise(cuts):
        for fid in starts.get(a, []):
            out.append(f'<sup class="fn">[{_e(fid[1:])}]</sup>')
        covering = [s for s in spans if s.start <= a and b <= s.end]
        piece = _e(text[a:b])
        if not covering:
            out.append(piece)
            continue
        kinds = sorted({s.kind for s in covering if s.kind}, key=lambda k: _RANK.get(k, 9))
        found = [s for s in covering if s.fid]
        classes = kinds[:1]
        if found:
            worst = min((s.severity for s in found), key=lambda v: _SEVERITY.get(v, 9))
            classes += ["finding", worst] + ([] if kinds else ["unaligned"])
        aids = " ".join(dict.fromkeys(s.aid for s in covering if s.aid))
        fids = " ".join(dict.fromkeys(s.fid for s in found))
        title = "\n".join(notes[s.fid] for s in found)
        attrs = f'class="{_e(" ".join(classes))}"'
        if aids:
            attrs += f' data-a="{_e(aids)}"'
        if fids:
            attrs += f' data-f="{_e(fids)}" title="{_e(title)}"'
        out.append(f"<mark {attrs}>{piece}</mark>")
    return "".join(out)


def _spans(result: Comparison, side: str) -> list[_Span]:
    """Marks for the pairs the findings reason from (weak pairs only coverage counts are left out)."""
    spans = []
    shown = set(defensible(result.source, result.suspect, result.alignments))
    for i, a in enumerate(result.alignments):
        if a not in shown:
            continue
        start, end = a.source if side == "source" else a.suspect
        spans.append(_Span(start, end, kind=a.kind, aid=f"a{i}"))
    for n, f in enumerate(result.findings, 1):
        where = f.source if side == "source" else f.suspect
        if where:
            spans.append(_Span(where[0], where[1], fid=f"f{n}", severity=f.severity))
    return spans


def _direction(result: Comparison) -> str:
    return f"Direction: {direction_sentence(result)}; basis: {result.direction.basis}"


def _findings_list(result: Comparison) -> str:
    items = []
    for n, f in enumerate(result.findings, 1):
        quotes = ""
        if f.suspect:
            quotes += f'<q class="snippet">rewrite: {_e(result.suspect.text[f.suspect[0] : f.suspect[1]])}</q>'
        if f.source:
            quotes += f'<q class="snippet">source: {_e(result.source.text[f.source[0] : f.source[1]])}</q>'
        items.append(
            f'<li class="{_e(f.severity)}" data-f="f{n}" id="finding-{n}">'
            f'<b class="severity">{_e(f.severity)}</b> <span class="type">{_e(f.type)}</span>: '
            f"{_e(f.detail)}{_confidence(f.confidence)}{quotes}</li>"
        )
    return "".join(items)


def _confidence(confidence: float | None) -> str:
    """The faithfulness model's confidence that the sentence is unsupported, when it judged one."""
    if confidence is None:
        return ""
    return f' <span class="confidence">(model: {confidence:.0%} unsupported)</span>'


def render_html(result: Comparison, source_name: str = "source", suspect_name: str = "suspect") -> str:
    figures = (
        f"<span>verdict <b>{_e(result.verdict)}</b></span>"
        f"<span>probability derived <b>{result.probability:.0%}</b></span>"
        f"<span>suspect covered <b>{result.coverage.suspect:.0%}</b></span>"
        f"<span>source reused <b>{result.coverage.source:.0%}</b></span>"
    )
    notes = {f"f{n}": f"[{n}] {f.type}: {f.detail}" for n, f in enumerate(result.findings, 1)}
    # "<" escaped so article text can never close the script element
    data = json.dumps(result.to_json()).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newstrace: {_e(suspect_name)}</title>
<style>{_CSS}</style></head>
<body>
<header><h1>newstrace compare</h1>
<p class="summary">{_e(summary_sentence(result))}</p>
<div class="figures">{figures}</div>
<p class="direction">{_e(_direction(result))}</p>
<p class="legend"><mark class="verbatim">verbatim</mark> <mark class="near-verbatim">near-verbatim</mark>
<mark class="paraphrase">paraphrase</mark>
<mark class="finding critical unaligned"><sup class="fn">[n]</sup>finding n</mark></p>
</header>
<section class="findings"><h2>Findings ({len(result.findings)})</h2>
<ol class="findings">{_findings_list(result)}</ol></section>
<main>
<section><h2>Source: {_e(source_name)}</h2>
<div class="text" id="source">{_highlight(result.source.text, _spans(result, "source"), notes)}</div></section>
<section><h2>Suspect: {_e(suspect_name)}</h2>
<div class="text" id="suspect">{_highlight(result.suspect.text, _spans(result, "suspect"), notes)}</div></section>
</main>
<script type="application/json" id="newstrace-data">{data}</script>
<script>{_JS}</script>
</body></html>
"""
