"""Scan anchors on DEV data: the LLMFake report half (all pairs) and the ECB+ DEV corpus.

    python benchmarks/scan_anchor.py [--encoder static|minilm] [--workdir DIR] [--data ../shared/data]

LLMFake: every report-half document except the verbatim copies (originals, ChatGPT paraphrases,
rewrites, open-ended generations and information manipulations; 1,000 documents), scanned as one
JSONL file. Prints the recall of the (original, paraphrase/rewrite) pairs among the candidates and
as `derived` edges, how many of those are oriented original -> rewrite, the false edges (a
rewrite with an original not its own; two rewrites of different originals; edges between two
originals are counted apart: CoAID and Gossipcop claims filed under several ids or restated by
several outlets, which the labels do not link), the siblings (`co_derived` / `derived`), and the
wall time per stage. ECB+: all 457 DEV articles, edges between pairs labelled same-event
(written independently), similar-event and copy, for all of DEV and its report half.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from index_scale import _jsonl  # noqa: E402

from newstrace import CompareOptions, ScanOptions, scan  # noqa: E402
from newstrace.evaluation.datasets import document_sides, split_records  # noqa: E402

TARGET_KINDS = ("paraphrase_generation", "rewrite_generation")


def _key(pair: dict) -> frozenset[str]:
    return frozenset((pair["source_id"], pair["suspect_id"]))


def _scan(rows: list[dict], out: Path, encoder: str) -> tuple[list[dict], set[frozenset[str]], dict, float]:
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    start = time.perf_counter()
    result = scan([str(corpus)], out / "scan", options=ScanOptions(compare=CompareOptions(encoder=encoder)))
    wall = time.perf_counter() - start
    edges = pq.read_table(out / "scan" / "edges.parquet").to_pylist()
    found = pq.read_table(next((out / "scan" / "stages" / "candidates").glob("*.parquet")), columns=["a", "b"])
    candidates = {frozenset(p) for p in zip(found["a"].to_pylist(), found["b"].to_pylist(), strict=True)}
    return edges, candidates, result.to_json()["timings_s"], wall


def llmfake(data: Path, out: Path, encoder: str) -> dict:
    docs = {d["id"]: d["text"] for d in _jsonl(data / "llmfake" / "documents.jsonl.gz")}
    all_pairs = _jsonl(data / "llmfake" / "pairs.jsonl.gz")
    pairs = split_records("llmfake", all_pairs, document_sides("llmfake", all_pairs), "report")
    verbatim = {p["suspect_id"] for p in pairs if p["kind"] == "verbatim"}
    ids = sorted({i for p in pairs for i in (p["source_id"], p["suspect_id"])} - verbatim)
    edges, candidates, timings, wall = _scan([{"id": i, "text": docs[i]} for i in ids], out, encoder)
    made = [p for p in pairs if p["derived"] and p["kind"] != "verbatim"]
    origin = {i: i for i in ids} | {p["suspect_id"]: p["source_id"] for p in made}
    target = [p for p in made if p["kind"] in TARGET_KINDS]
    derived = {_key(e): e for e in edges if e["relation"] == "derived"}
    found = [p for p in target if _key(p) in derived]
    oriented = [p for p in found if derived[_key(p)]["source_id"] == p["source_id"]]
    false: Counter[str] = Counter()
    siblings: Counter[str] = Counter()
    for e in edges:
        a, b = e["source_id"], e["suspect_id"]
        kinds = "-".join(sorted("original" if origin[x] == x else "rewrite" for x in (a, b)))
        if origin[a] != origin[b]:
            false[kinds] += 1
        elif kinds == "rewrite-rewrite":
            siblings[e["relation"]] += 1
    other = [p for p in made if p["kind"] not in TARGET_KINDS]
    other_found = Counter(p["kind"].split("_")[0] for p in other if _key(p) in derived)
    return {
        "documents": len(ids),
        "candidates": len(candidates),
        "candidate_recall": (sum(_key(p) in candidates for p in target), len(target)),
        "edges": len(edges),
        "recall": (len(found), len(target)),
        "oriented": len(oriented),
        "false": dict(false),
        "siblings": dict(siblings),
        "other_found": dict(other_found),
        "other_total": dict(Counter(p["kind"].split("_")[0] for p in other)),
        "timings_s": timings,
        "wall_s": round(wall, 1),
    }


def ecbplus(data: Path, out: Path, encoder: str) -> dict:
    docs = _jsonl(data / "ecbplus" / "documents.jsonl.gz")
    pairs = _jsonl(data / "ecbplus" / "pairs.jsonl.gz")
    report = {p["id"] for p in split_records("ecbplus", pairs, document_sides("ecbplus", pairs), "report")}
    edges, _, timings, wall = _scan([{"id": d["id"], "text": d["text"]} for d in docs], out, encoder)
    linked = {_key(e) for e in edges}
    counts: dict[str, list[int]] = {}
    for p in pairs:
        for scope in ("all", "report") if p["id"] in report else ("all",):
            c = counts.setdefault(f"{scope}/{p['kind']}", [0, 0])
            c[0] += _key(p) in linked
            c[1] += 1
    return {"documents": len(docs), "edges": len(edges), "found": counts, "timings_s": timings,
            "wall_s": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="static", choices=("static", "minilm"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scan-anchor-"))
    llm = llmfake(args.data, work / "llmfake", args.encoder)
    ecb = ecbplus(args.data, work / "ecbplus", args.encoder)
    found, total = llm["recall"]
    print(f"LLMFake report half, {llm['documents']:,} documents, encoder {args.encoder}: {llm['wall_s']} s")
    print(f"stages (s): {llm['timings_s']}")
    print("| candidates | candidate recall | edges | recall (original, paraphrase/rewrite) | oriented | "
          "false: rewrite-original / rewrite-rewrite (original-original) | siblings co_derived / derived |")
    print("|---|---|---|---|---|---|---|")
    false = llm["false"]
    print(f"| {llm['candidates']:,} | {llm['candidate_recall'][0]}/{llm['candidate_recall'][1]} | {llm['edges']:,} | "
          f"{found}/{total} ({found / total:.3f}) | {llm['oriented']} of {found} | "
          f"{false.get('original-rewrite', 0)} / {false.get('rewrite-rewrite', 0)} "
          f"({false.get('original-original', 0)}) | {llm['siblings'].get('co_derived', 0)} / "
          f"{llm['siblings'].get('derived', 0)} |")
    print(f"other kinds found as derived: {llm['other_found']} of {llm['other_total']}")
    print(f"\nECB+ DEV, {ecb['documents']} articles: {ecb['edges']} edges, {ecb['wall_s']} s")
    for key, (n, of) in sorted(ecb["found"].items()):
        print(f"  {key}: {n}/{of} ({n / of:.1%})")
    (work / "results.json").write_text(json.dumps({"llmfake": llm, "ecbplus": ecb}, indent=1))
    print(f"\nresults: {work / 'results.json'}")


if __name__ == "__main__":
    main()
