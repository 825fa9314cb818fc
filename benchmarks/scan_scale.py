"""Scan scale: wall time per stage, peak memory and edge precision/recall of `newstrace scan`.

    python benchmarks/scan_scale.py --docs 10000,100000 [--spark-max 10000] [--encoder static]

Each corpus is built as in `benchmarks/index_scale.py` (real sentences of ../shared/data
sampled into ~600-word documents; none from a planted document) with known pairs planted from
the DEV *report* half: LLMFake originals with their verbatim copies and ChatGPT
paraphrases/rewrites, PAN13 sources with their suspects (no obfuscation: verbatim; random
obfuscation: light), ECB+ articles (same-event pairs, written separately: hard negatives; its
`copy` pairs: verbatim). Each size is scanned by the local engine and (up to --spark-max
documents) by Spark `local[*]` (`local[2]` on a 2-core machine), each in a fresh process, with
the memory of the whole process tree sampled from /proc. In the same run, a MinHash LSH
baseline (datasketch, word 5-shingles, 128 permutations, thresholds 0.3 and 0.5). Prints a
table, with a linear extrapolation to 1M and 10M documents of the measured stage times.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from index_scale import _jsonl  # noqa: E402

from newstrace.evaluation.datasets import document_sides, split_records  # noqa: E402

KINDS = ("verbatim", "light", "paraphrase/rewrite", "same-event (negative)")


def _report(data: Path, name: str) -> tuple[dict[str, str], list[dict]]:
    pairs = _jsonl(data / name / "pairs.jsonl.gz")
    report = split_records(name, pairs, document_sides(name, pairs), "report")
    docs = {d["id"]: d["text"] for d in _jsonl(data / name / "documents.jsonl.gz")}
    return docs, report


def labels(data: Path) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """Every DEV pair of the three datasets labelled derived, and every one labelled not derived.

    A PAN13 suspect holds passages of several sources and LLMFake has originals under several ids:
    an edge between two planted documents that the sample did not plant may still be a labelled
    derivation, and is then right.
    """
    derived, negative = set(), set()
    for name in ("llmfake", "pan13", "ecbplus"):
        for p in _jsonl(data / name / "pairs.jsonl.gz"):
            (derived if p["derived"] else negative).add(frozenset((p["source_id"], p["suspect_id"])))
    return derived, negative


def planted(data: Path, pan_pairs: int) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Real DEV report-half documents and their labelled pairs as (source, suspect, kind)."""
    texts: dict[str, str] = {}
    pairs: list[tuple[str, str, str]] = []
    docs, report = _report(data, "llmfake")
    kinds = {"verbatim": "verbatim", "paraphrase_generation": "paraphrase/rewrite",
             "rewrite_generation": "paraphrase/rewrite"}
    for p in report:
        if p["kind"] in kinds:
            pairs.append((p["source_id"], p["suspect_id"], kinds[p["kind"]]))
    docs_pan, report_pan = _report(data, "pan13")
    rng = random.Random(13)
    for kind, label in (("no-obfuscation", "verbatim"), ("random-obfuscation", "light")):
        chosen = [p for p in report_pan if p["kind"] == kind]
        rng.shuffle(chosen)
        pairs += [(p["source_id"], p["suspect_id"], label) for p in chosen[:pan_pairs]]
    docs_ecb, report_ecb = _report(data, "ecbplus")
    for p in report_ecb:
        if p["kind"] == "same-event":
            pairs.append((p["source_id"], p["suspect_id"], "same-event (negative)"))
        elif p["kind"] == "copy":
            pairs.append((p["source_id"], p["suspect_id"], "verbatim"))
    for table in (docs, docs_pan, docs_ecb):
        for s, t, _ in pairs:
            for i in (s, t):
                if i in table:
                    texts[i] = table[i]
    return texts, pairs


def filler_sentences(data: Path, planted_ids: set[str]) -> list[str]:
    """Real sentences as `index_scale.real_sentences` takes them, but none from a planted document
    (a filler document holding a planted text's sentences would be real reuse of it)."""
    out = []
    for name in ("pan13", "ecbplus", "onestopenglish", "frank"):
        for d in _jsonl(data / name / "documents.jsonl.gz"):
            if d["id"] not in planted_ids:
                text = d["text"].replace("\n", " ")
                out.extend(s.strip() for s in text.split(". ") if 6 <= len(s.split()) <= 40)
    return out


def write_corpus(path: Path, size: int, texts: dict[str, str], sentences: list[str]) -> None:
    rng = random.Random(size)
    with path.open("w", encoding="utf-8") as fh:
        for doc_id, text in sorted(texts.items()):
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")
        for k in range(max(0, size - len(texts))):
            parts, words = [], 0
            while words < 600:
                s = rng.choice(sentences)
                parts.append(s)
                words += len(s.split())
            fh.write(json.dumps({"id": f"syn-{k:08d}", "text": ". ".join(parts) + "."}) + "\n")


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants (from /proc)."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            parent[int(entry)] = int(stat[1])
            rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [c for c, p in parent.items() if p == pid]
    return total


def run_engine(corpus: Path, out: Path, engine: str, encoder: str) -> dict:
    """One scan in a fresh process; the process tree's memory sampled every 0.5 s."""
    cmd = [sys.executable, "-m", "newstrace.cli", "scan", str(corpus), "--out", str(out), "--engine", engine,
           "--encoder", encoder, "--json"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"scan failed ({proc.returncode}): {' '.join(cmd)}")
    summary = json.loads(stdout)
    summary["wall_s"] = time.perf_counter() - start
    summary["peak_gb"] = peak[0] / 1e9
    return summary


def score(
    edges: list[dict], pairs: list[tuple[str, str, str]], texts: dict[str, str], known: tuple[set, set]
) -> dict:
    """Recall by planted kind; precision of the edges between planted documents (filler apart).

    An edge is right when its two documents are linked by derived labels (directly, or through a
    shared source: siblings), wrong when its pair is labelled not derived or the two are in
    different derived groups; `precision` counts every edge between planted documents,
    `precision_labelled` only those whose pair is labelled either way.
    """
    derived_labels, negative_labels = known
    found = {frozenset((e["source_id"], e["suspect_id"])) for e in edges}
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for s, t, kind in pairs:
        recall[kind][1] += 1
        recall[kind][0] += frozenset((s, t)) in found
    for pair in derived_labels:
        a, b = tuple(pair) if len(pair) == 2 else (next(iter(pair)),) * 2
        if a in texts and b in texts:
            parent[find(a)] = find(b)
    planted_edges = [e for e in edges if e["source_id"] in texts and e["suspect_id"] in texts]
    right = [e for e in planted_edges if find(e["source_id"]) == find(e["suspect_id"])]
    labelled_wrong = [e for e in planted_edges if frozenset((e["source_id"], e["suspect_id"])) in negative_labels]
    return {
        "recall": {k: (v[0] / v[1] if v[1] else None, v[1]) for k, v in recall.items()},
        "precision": len(right) / len(planted_edges) if planted_edges else None,
        "precision_labelled": len(right) / (len(right) + len(labelled_wrong)) if right or labelled_wrong else None,
        "planted_edges": len(planted_edges),
        "synthetic_edges": len(edges) - len(planted_edges),
    }


def minhash_baseline(corpus: Path, pairs: list[tuple[str, str, str]], thresholds: tuple[float, ...]) -> list[dict]:
    """MinHash LSH over word 5-shingles: near-duplicate candidates, as most dedup pipelines do."""
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    sketches = {}
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            words = rec["text"].lower().split()
            shingles = {" ".join(words[i : i + 5]).encode("utf-8") for i in range(max(1, len(words) - 4))}
            m = MinHash(num_perm=128)
            m.update_batch(list(shingles))
            sketches[rec["id"]] = m
    sketch_s = time.perf_counter() - start
    out = []
    for threshold in thresholds:
        t0 = time.perf_counter()
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        for doc_id, m in sketches.items():
            lsh.insert(doc_id, m)
        found = set()
        for doc_id, m in sketches.items():
            for other in lsh.query(m):
                if other != doc_id:
                    found.add(frozenset((doc_id, other)))
        recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for s, t, kind in pairs:
            recall[kind][1] += 1
            recall[kind][0] += frozenset((s, t)) in found
        out.append({"threshold": threshold, "seconds": sketch_s + time.perf_counter() - t0, "pairs": len(found),
                    "recall": {k: v[0] / v[1] for k, v in recall.items()}})
        del lsh
    return out


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", default="10000", help="comma-separated corpus sizes")
    parser.add_argument("--spark-max", type=int, default=10000, help="largest size also scanned by Spark local[2]")
    parser.add_argument("--encoder", default="static")
    parser.add_argument("--pan-pairs", type=int, default=150, help="PAN13 pairs planted per kind")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-minhash", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="score the scans already in --workdir again")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newstrace-scan-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    texts, pairs = planted(args.data, args.pan_pairs)
    sentences = filler_sentences(args.data, set(texts))
    known = labels(args.data)
    counts = Counter(k for _, _, k in pairs)
    print(f"planted: {len(texts)} real documents, pairs by kind: {dict(counts)}; encoder {args.encoder}", flush=True)
    rows = []
    for size in (int(x) for x in args.docs.split(",")):
        corpus = workdir / f"corpus-{size}.jsonl"
        if not (args.reuse and corpus.exists()):
            write_corpus(corpus, size, texts, sentences)
        engines = ["local"] + (["spark"] if size <= args.spark_max else [])
        for engine in engines:
            out = workdir / f"scan-{size}-{engine}"
            saved = out / "summary.json"
            if args.reuse and saved.exists():
                summary = json.loads(saved.read_text())
            else:
                summary = run_engine(corpus, out, engine, args.encoder)
                saved.write_text(json.dumps(summary))
            import pyarrow.parquet as pq

            edges = pq.read_table(out / "edges.parquet").to_pylist()
            rows.append({"size": size, "engine": engine, **summary, **score(edges, pairs, texts, known)})
            r = rows[-1]
            t = r["timings_s"]
            print(
                f"{size:>8} {engine:>6}  wall {r['wall_s']:7.1f} s  peak {r['peak_gb']:5.2f} GB  stages: "
                + " / ".join(f"{k} {v:.1f}" for k, v in t.items())
                + f"  candidates {r['candidates']}  edges {r['edges']} (planted {r['planted_edges']}, "
                f"synthetic {r['synthetic_edges']})  precision {_fmt(r['precision'])} "
                f"(labelled pairs only {_fmt(r['precision_labelled'])})  recall "
                + ", ".join(f"{k} {_fmt(v[0])} (n={v[1]})" for k, v in sorted(r["recall"].items())),
                flush=True,
            )
        if not args.no_minhash:
            for b in minhash_baseline(corpus, pairs, (0.3, 0.5)):
                print(
                    f"{size:>8} minhash@{b['threshold']}  {b['seconds']:7.1f} s  pairs {b['pairs']}  recall "
                    + ", ".join(f"{k} {v:.3f}" for k, v in sorted(b["recall"].items())),
                    flush=True,
                )
    local = [r for r in rows if r["engine"] == "local"]
    if local:
        big = max(local, key=lambda r: r["size"])
        print(f"\nextrapolated from the local {big['size']:,}-document run (stage time per document, linear):")
        for n in (1_000_000, 10_000_000):
            per_stage = {k: v * n / big["size"] for k, v in big["timings_s"].items()}
            print(f"{n:>10,} docs: {sum(per_stage.values()) / 3600:6.1f} h on this machine's 2 cores ("
                  + ", ".join(f"{k} {v / 3600:.2f} h" for k, v in per_stage.items()) + ")")
    (workdir / "results.json").write_text(json.dumps(rows, indent=1, default=str))
    print(f"\nresults: {workdir / 'results.json'}")


if __name__ == "__main__":
    main()
