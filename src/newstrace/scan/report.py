"""report.html: one self-contained page on a scan (totals, clusters, who copies whom, plots).

Plots are drawn with matplotlib's object API (no pyplot state) and embedded as PNG data URIs;
the page loads nothing, and every text from the corpus (ids, titles, outlets) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq
from matplotlib.figure import Figure

if TYPE_CHECKING:  # pragma: no cover
    from newstrace.scan.result import ScanResult

TOP_CLUSTERS = 20
TOP_OUTLETS = 15

_CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#fafafa;color:#222}
header{padding:1rem 2rem;background:#1f2937;color:#f9fafb}
header h1{margin:0 0 .4rem 0;font-size:1.3rem}
main{padding:1rem 2rem;max-width:80rem}
section{margin-bottom:2rem}
h2{font-size:1.05rem;color:#374151;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;font-size:.85rem;background:#fff}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.totals span{display:inline-block;margin-right:1.5rem;font-size:.95rem}
.plots{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0;background:#fff;border:1px solid #ddd;padding:.5rem}
figcaption{font-size:.8rem;color:#555}
img{max-width:36rem}
"""


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(title: str, draw) -> str:
    fig = Figure(figsize=(6, 3.6))
    ax = fig.add_subplot()
    draw(ax)
    ax.set_title(title, fontsize=10)
    uri = _png(fig)
    alt = html.escape(title)
    return f'<figure><img alt="{alt}" src="{uri}"><figcaption>{alt}</figcaption></figure>'


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>'
    if isinstance(value, int):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def _table(headers: list[str], rows: list[list[object]], cls: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _days(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    return (date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days


def write_report(graph_folder: Path, path: Path, result: ScanResult) -> None:
    edges = pq.read_table(graph_folder / "edges.parquet").to_pylist()
    clusters = pq.read_table(graph_folder / "clusters.parquet").to_pylist()
    outlets = pq.read_table(graph_folder / "outlets.parquet").to_pylist()
    path.write_text(render(edges, clusters, outlets, result), encoding="utf-8")


def render(edges: list[dict], clusters: list[dict], outlets: list[dict], result: ScanResult) -> str:
    derived = [e for e in edges if e["relation"] == "derived"]
    totals = {
        "documents": result.documents,
        "prepared": result.prepared,
        "candidate pairs": result.candidates,
        "derived edges": len(derived),
        "co-derived edges": len(edges) - len(derived),
        "clusters": len(clusters),
    }
    per_outlet = sorted((o for o in outlets if o["level"] == "outlet"), key=lambda o: (-o["articles"], o["outlet"]))
    pairs = [o for o in outlets if o["level"] == "pair"]
    names = [o["outlet"] for o in per_outlet[:TOP_OUTLETS]]
    matrix = [[0] * len(names) for _ in names]
    index = {n: k for k, n in enumerate(names)}
    for p in pairs:
        if p["outlet"] in index and p["source_outlet"] in index:
            matrix[index[p["source_outlet"]]][index[p["outlet"]]] = p["derived_articles"]
    lags = [d for e in derived if (d := _days(e["source_published"], e["suspect_published"])) is not None]
    sizes = Counter(c["size"] for c in clusters)

    def draw_sizes(ax) -> None:
        xs = sorted(sizes)
        ax.bar([str(x) for x in xs], [sizes[x] for x in xs], color="#2563eb")
        ax.set_xlabel("documents in the cluster")
        ax.set_ylabel("clusters")

    def draw_matrix(ax) -> None:
        if names:
            im = ax.imshow(matrix, cmap="Reds")
            ax.set_xticks(range(len(names)), [n[:18] for n in names], rotation=60, ha="right", fontsize=7)
            ax.set_yticks(range(len(names)), [n[:18] for n in names], fontsize=7)
            ax.figure.colorbar(im, ax=ax, shrink=0.8)
        ax.set_xlabel("outlet that derives (copier)")
        ax.set_ylabel("outlet derived from (source)")

    def draw_shares(ax) -> None:
        shown = per_outlet[:TOP_OUTLETS]
        xs = range(len(shown))
        ax.bar([x - 0.2 for x in xs], [o["derived_share"] for o in shown], 0.4, label="derived from others")
        ax.bar([x + 0.2 for x in xs], [o["sourced_share"] or 0 for o in shown], 0.4, label="others derive from it")
        ax.set_xticks(list(xs), [o["outlet"][:18] for o in shown], rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("share of the outlet's articles")
        ax.legend(fontsize=7)

    def draw_lags(ax) -> None:
        if lags:
            ax.hist(lags, bins=min(30, max(1, len(set(lags)))), color="#059669")
        else:
            ax.text(0.5, 0.5, "no derived pair with both dates", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel("days from source to derived article")
        ax.set_ylabel("edges")

    plots = "".join(
        [
            _figure("Cluster sizes", draw_sizes),
            _figure("Who derives from whom (articles)", draw_matrix),
            _figure("Reuse share per outlet", draw_shares),
            _figure("Time from source to copy", draw_lags),
        ]
    )
    top = [
        [c["cluster_id"], c["size"], c["origin_id"], c["origin_basis"], c["origin_outlet"], c["first_published"],
         c["last_published"], ", ".join(c["members"][:8]) + (" ..." if c["size"] > 8 else "")]
        for c in clusters[:TOP_CLUSTERS]
    ]
    outlet_table = [
        [o["outlet"], o["articles"], o["derived_articles"], o["derived_share"], o["sourced_articles"],
         o["sourced_share"]]
        for o in per_outlet
    ]
    pair_table = [
        [p["source_outlet"], p["outlet"], p["edges"], p["derived_articles"], p["derived_share"]]
        for p in sorted(pairs, key=lambda p: (-p["edges"], p["source_outlet"], p["outlet"]))[:50]
    ]
    timing = ", ".join(f"{html.escape(k)} {v:.1f} s" for k, v in result.timings_s.items())
    totals_html = "".join(f"<span><b>{v:,}</b> {html.escape(k)}</span>" for k, v in totals.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>newstrace scan</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<style>{_CSS}</style></head>
<body><header><h1>newstrace scan: the derivation graph of {result.documents:,} articles</h1>
<div class="totals">{totals_html}</div><div class="timing">{timing}</div></header>
<main>
<section><h2>Plots</h2><div class="plots">{plots}</div></section>
<section id="clusters"><h2>Top clusters (documents connected by derivation)</h2>
{_table(["cluster", "size", "likely origin", "basis", "origin outlet", "first", "last", "members"], top, "clusters")}
</section>
<section id="outlet-pairs"><h2>Who copies whom: outlet pairs</h2>
{_table(["source outlet", "deriving outlet", "edges", "articles derived", "share of its output"], pair_table,
        "outlet-pairs")}
</section>
<section id="outlets"><h2>Reuse per outlet</h2>
{_table(["outlet", "articles", "derived from others", "share", "others derive from it", "share"], outlet_table,
        "outlets")}
</section>
</main></body></html>
"""
