"""Index scale: ingest speed, size on disk, memory, trace latency and recall as the corpus grows.

    python benchmarks/index_scale.py --docs 10000,100000,1000000 [--suspects 200]

Each corpus is built from real sentences of ../shared/data (sampled into news-like documents of
about 600 words), mixed with the true sources of real DEV suspects (LLMFake originals, whose
ChatGPT rewrites are traced), so recall is measured at scale too. Prints a table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from newstrace.embed import ENCODERS
from newstrace.index.ingest import ingest
from newstrace.index.store import IndexedDocument, open_store
from newstrace.options import TRACE_ENCODER, CompareOptions, TraceOptions
from newstrace.textio import parse_document
from newstrace.trace import trace

ROOT = Path(__file__).resolve().parents[1]


def _jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def real_sentences(data: Path) -> list[str]:
    out = []
    for name in ("pan13", "ecbplus", "onestopenglish", "frank"):
        for d in _jsonl(data / name / "documents.jsonl.gz"):
            out.extend(s.strip() for s in d["text"].replace("\n", " ").split(". ") if 6 <= len(s.split()) <= 40)
    return out


def suspects_and_sources(data: Path, n: int) -> tuple[list[tuple[str, str]], dict[str, str]]:
    docs = {d["id"]: d["text"] for d in _jsonl(data / "llmfake" / "documents.jsonl.gz")}
    pairs = [
        p
        for p in _jsonl(data / "llmfake" / "pairs.jsonl.gz")
        if p["kind"] in ("rewrite_generation", "paraphrase_generation")
    ]
    random.Random(7).shuffle(pairs)
    chosen = pairs[:n]
    sources = {p["source_id"]: docs[p["source_id"]] for p in chosen}
    return [(docs[p["suspect_id"]], p["source_id"]) for p in chosen], sources


def synthetic_docs(sentences: list[str], count: int, seed: int):
    rng = random.Random(seed)
    for k in range(count):
        words = 0
        parts = []
        while words < 600:
            s = rng.choice(sentences)
            parts.append(s)
            words += len(s.split())
        yield IndexedDocument(id=f"syn-{seed}-{k}", text=". ".join(parts) + ".")


def run(size: int, sentences: list[str], suspects, sources, workdir: Path, options: TraceOptions) -> dict:
    path = workdir / f"ix-{size}"
    store = open_store(path)
    docs = [IndexedDocument(id=i, text=t) for i, t in sources.items()]
    t0 = time.perf_counter()
    ingest(store, docs)
    ingest(store, synthetic_docs(sentences, size - len(docs), size))
    ingest_s = time.perf_counter() - t0
    stats = store.stats()
    latencies, hits, stages = [], 0, {}
    trace(parse_document(suspects[0][0]), store, options)  # warm-up: loads the model
    for text, true_id in suspects:
        t1 = time.perf_counter()
        result = trace(parse_document(text), store, options)
        latencies.append(time.perf_counter() - t1)
        hits += true_id in result.ranking[:10]
        for stage, ms in result.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    store.close()
    shutil.rmtree(path, ignore_errors=True)
    latencies.sort()
    return {
        "docs": stats["documents"],
        "ingest_docs_per_s": stats["documents"] / ingest_s,
        "gb_on_disk": stats["bytes_on_disk"] / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "trace_p50_ms": statistics.median(latencies) * 1000,
        "trace_p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "recall_at_10": hits / len(suspects),
        **{f"{stage}_p50_ms": statistics.median(ms) for stage, ms in stages.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", default="10000", help="comma-separated corpus sizes")
    parser.add_argument("--suspects", type=int, default=200)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--encoder", choices=ENCODERS, default=TRACE_ENCODER, help="trace's sentence vectors")
    args = parser.parse_args()
    options = TraceOptions(compare=CompareOptions(encoder=args.encoder))
    sentences = real_sentences(args.data)
    suspects, sources = suspects_and_sources(args.data, args.suspects)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newstrace-bench-"))
    print(
        f"{'docs':>9} {'ingest/s':>9} {'GB':>7} {'peak MB':>8} {'p50 ms':>7} {'p95 ms':>7} {'R@10':>6}"
        f"   p50 ms by stage: retrieve / rerank / embed / compare   (encoder: {args.encoder})"
    )
    for size in (int(x) for x in args.docs.split(",")):
        r = run(size, sentences, suspects, sources, workdir, options)
        print(
            f"{r['docs']:>9} {r['ingest_docs_per_s']:>9.0f} {r['gb_on_disk']:>7.3f} {r['peak_rss_mb']:>8.0f} "
            f"{r['trace_p50_ms']:>7.0f} {r['trace_p95_ms']:>7.0f} {r['recall_at_10']:>6.3f}   "
            + " / ".join(f"{r[f'{stage}_p50_ms']:.0f}" for stage in ("retrieve", "rerank", "embed", "compare")),
            flush=True,
        )


if __name__ == "__main__":
    main()
