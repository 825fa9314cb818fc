"""The derivation graph: edges (derived or co-derived), story clusters with their origin, outlets.

Two rewrites of one original share its wording, so they also look derived from each other.
Such a sibling edge is reported as `co_derived` (with the `shared_source`) when a third text S
is linked to both, the direction evidence (dates, else the text) says S came first in both links,
S leads more of its links than either sibling does (one wrong direction is outvoted), and most
of what the two siblings have in common (their aligned sentences, on average over the two sides)
is also aligned with S: the shared source explains their likeness. Two texts whose
order is undecided (an exact copy and its original) cannot be each other's shared source.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from newstrace.options import ScanOptions
from newstrace.scan.verify import VERDICT_COLUMNS

UNKNOWN_OUTLET = "(unknown)"

EDGES = pa.schema(
    [
        ("source_id", pa.string()),
        ("suspect_id", pa.string()),
        ("relation", pa.string()),  # derived | co_derived
        ("shared_source", pa.string()),  # co_derived: the text both derive from
        *VERDICT_COLUMNS,
        ("source_published", pa.string()),
        ("suspect_published", pa.string()),
        ("source_outlet", pa.string()),
        ("suspect_outlet", pa.string()),
        ("findings", pa.map_(pa.string(), pa.int32())),
        ("findings_total", pa.int32()),
    ]
)

CLUSTERS = pa.schema(
    [
        ("cluster_id", pa.int32()),
        ("size", pa.int32()),
        ("origin_id", pa.string()),
        ("origin_basis", pa.string()),  # dates | evidence | none
        ("origin_published", pa.string()),
        ("origin_outlet", pa.string()),
        ("first_published", pa.string()),
        ("last_published", pa.string()),
        ("edges", pa.int32()),
        ("members", pa.list_(pa.string())),
        ("outlets", pa.list_(pa.string())),
    ]
)

OUTLETS = pa.schema(
    [
        ("level", pa.string()),  # pair (source_outlet -> outlet) | outlet (its totals)
        ("outlet", pa.string()),
        ("source_outlet", pa.string()),  # pair rows: the outlet derived from
        ("articles", pa.int32()),  # the outlet's articles in the scan
        ("edges", pa.int32()),  # pair rows: derived edges from source_outlet's articles to outlet's
        ("derived_articles", pa.int32()),  # its articles derived from source_outlet's (outlet rows: another outlet's)
        ("derived_share", pa.float64()),  # derived_articles / articles
        ("sourced_articles", pa.int32()),  # outlet rows: its articles another outlet's article derives from
        ("sourced_share", pa.float64()),
    ]
)


@dataclass(frozen=True)
class DocMeta:
    published: str | None
    outlet: str | None
    title: str | None


def _sentences_of(e: dict, doc: str) -> set[int]:
    return set(e["source_sentences"] if e["source_id"] == doc else e["suspect_sentences"])


def _first_in(e: dict, doc: str) -> bool:
    """Is `doc` the earlier text of edge `e`, on decided evidence (dates or the text)?"""
    return e["source_first"] is not None and e["source_id"] == doc


def _lead(edges: list[dict]) -> dict[str, int]:
    """Per text: decided edges where it is the source minus those where it is the suspect.

    One wrong direction between a rewrite and its original should not make the rewrite their
    shared source: the original leads most of its links, so a shared source must lead more than both.
    """
    lead: dict[str, int] = defaultdict(int)
    for e in edges:
        if e["source_first"] is not None:
            lead[e["source_id"]] += 1
            lead[e["suspect_id"]] -= 1
    return lead


def relations(verified: list[dict], options: ScanOptions) -> list[dict]:
    """The derived pairs (probability >= min_probability), each marked derived or co_derived."""
    edges = [dict(v) for v in verified if v["derived"] and (v["probability"] or 0) >= options.min_probability]
    by_pair: dict[frozenset[str], dict] = {}
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        by_pair[frozenset((e["source_id"], e["suspect_id"]))] = e
        neighbours[e["source_id"]].add(e["suspect_id"])
        neighbours[e["suspect_id"]].add(e["source_id"])
    lead = _lead(edges)
    for e in edges:
        x, y = e["source_id"], e["suspect_id"]
        e["relation"], e["shared_source"] = "derived", None
        shared: list[str] = []
        for s in sorted((neighbours[x] & neighbours[y]) - {x, y}):
            sx, sy = by_pair[frozenset((s, x))], by_pair[frozenset((s, y))]
            if not (_first_in(sx, s) and _first_in(sy, s)) or lead[s] <= max(lead[x], lead[y]):
                continue
            shared_x, shared_y = set(e["source_sentences"]), set(e["suspect_sentences"])
            if not shared_x or not shared_y:
                continue
            ex = len(shared_x & _sentences_of(sx, x)) / len(shared_x)
            ey = len(shared_y & _sentences_of(sy, y)) / len(shared_y)
            if (ex + ey) / 2 >= options.explained_share:
                shared.append(s)
        if shared:
            e["relation"], e["shared_source"] = "co_derived", _earliest(shared, by_pair)
    return edges


def _earliest(sources: list[str], by_pair: dict[frozenset[str], dict]) -> str:
    """Of several shared sources (an original and its copy), one no other came before, on decided evidence."""
    for s in sources:
        links = (by_pair.get(frozenset((s, t))) for t in sources if t != s)
        if not any(link is not None and link["source_first"] is not None and link["suspect_id"] == s for link in links):
            return s
    return sources[0]


def edge_rows(edges: list[dict], meta: dict[str, DocMeta]) -> pa.Table:
    rows = []
    for e in sorted(edges, key=lambda e: (e["source_id"], e["suspect_id"])):
        src, sus = meta[e["source_id"]], meta[e["suspect_id"]]
        row = {name: e.get(name) for name in EDGES.names}
        row.update(
            source_published=src.published,
            suspect_published=sus.published,
            source_outlet=src.outlet,
            suspect_outlet=sus.outlet,
            findings=sorted(json.loads(e["findings"] or "{}").items()),
        )
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=EDGES)


def _components(nodes: set[str], edges: list[dict]) -> list[list[str]]:
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e in edges:
        ra, rb = find(e["source_id"]), find(e["suspect_id"])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        groups[find(n)].append(n)
    return [sorted(g) for g in groups.values()]


def origin(members: list[str], edges: list[dict], meta: dict[str, DocMeta]) -> tuple[str, str]:
    """The likely first text of a cluster, and on what basis: dates, else the direction evidence.

    Evidence: each decided edge counts +1 for its source and -1 for its suspect, each co-derived
    edge +1 for the shared source; the best is the origin if it leads alone.
    """
    dated = [m for m in members if meta[m].published]
    if dated:
        first = min(meta[m].published for m in dated)
        earliest = [m for m in dated if meta[m].published == first]
        if len(earliest) == 1:
            return earliest[0], "dates"
        members = earliest
    score = dict.fromkeys(members, 0)
    for e in edges:
        if e["relation"] == "co_derived":  # two texts made from this one: a vote for it
            if e["shared_source"] in score:
                score[e["shared_source"]] += 1
            continue
        if e["source_first"] is None:
            continue
        if e["source_id"] in score:
            score[e["source_id"]] += 1
        if e["suspect_id"] in score:
            score[e["suspect_id"]] -= 1
    ranked = sorted(members, key=lambda m: (-score[m], m))
    if score[ranked[0]] > 0 and (len(ranked) == 1 or score[ranked[1]] < score[ranked[0]]):
        return ranked[0], "evidence"
    return ranked[0], "none"


def cluster_rows(edges: list[dict], meta: dict[str, DocMeta]) -> pa.Table:
    nodes = {e[k] for e in edges for k in ("source_id", "suspect_id")}
    groups = sorted(_components(nodes, edges), key=lambda g: (-len(g), g[0]))
    edges_of: dict[str, list[dict]] = defaultdict(list)
    for e in edges:
        edges_of[e["source_id"]].append(e)
    rows = []
    for k, members in enumerate(groups):
        inner = [e for m in members for e in edges_of[m]]
        first, basis = origin(members, inner, meta)
        dates = sorted(meta[m].published for m in members if meta[m].published)
        rows.append(
            {
                "cluster_id": k,
                "size": len(members),
                "origin_id": first,
                "origin_basis": basis,
                "origin_published": meta[first].published,
                "origin_outlet": meta[first].outlet,
                "first_published": dates[0] if dates else None,
                "last_published": dates[-1] if dates else None,
                "edges": len(inner),
                "members": members,
                "outlets": sorted({meta[m].outlet or UNKNOWN_OUTLET for m in members}),
            }
        )
    return pa.Table.from_pylist(rows, schema=CLUSTERS)


def outlet_rows(edges: list[dict], articles: dict[str, int], meta: dict[str, DocMeta]) -> pa.Table:
    """Who derives from whom, per pair of outlets, and each outlet's reuse and sourced shares.

    Only `derived` edges count (co-derived siblings copy the shared source, not each other).
    """

    def outlet(doc: str) -> str:
        return meta[doc].outlet or UNKNOWN_OUTLET

    pair_edges: dict[tuple[str, str], int] = defaultdict(int)
    pair_suspects: dict[tuple[str, str], set[str]] = defaultdict(set)
    derived_from_other: dict[str, set[str]] = defaultdict(set)
    sourced_by_other: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if e["relation"] != "derived":
            continue
        so, su = outlet(e["source_id"]), outlet(e["suspect_id"])
        pair_edges[(so, su)] += 1
        pair_suspects[(so, su)].add(e["suspect_id"])
        if so != su:
            derived_from_other[su].add(e["suspect_id"])
            sourced_by_other[so].add(e["source_id"])
    rows = []
    for (so, su), n in sorted(pair_edges.items()):
        k = len(pair_suspects[(so, su)])
        rows.append(
            {
                "level": "pair",
                "outlet": su,
                "source_outlet": so,
                "articles": articles.get(su, 0),
                "edges": n,
                "derived_articles": k,
                "derived_share": round(k / max(articles.get(su, 0), 1), 4),
            }
        )
    for name in sorted(articles):
        d, s, total = len(derived_from_other[name]), len(sourced_by_other[name]), articles[name]
        rows.append(
            {
                "level": "outlet",
                "outlet": name,
                "articles": total,
                "derived_articles": d,
                "derived_share": round(d / max(total, 1), 4),
                "sourced_articles": s,
                "sourced_share": round(s / max(total, 1), 4),
            }
        )
    return pa.Table.from_pylist(rows, schema=OUTLETS)
