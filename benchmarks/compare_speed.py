"""Speed and peak memory of `compare` on real DEV pairs of three sizes.

    python benchmarks/compare_speed.py [--data ../shared/data] [--pairs 20] [--encoder minilm|static]

Each row compares real pairs end to end (reading, sentence split, embedding, alignment, verdict),
after one warm-up call that loads the model. Prints a table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

from newstrace import compare
from newstrace.embed import ENCODERS
from newstrace.options import CompareOptions

ROOT = Path(__file__).resolve().parents[1]


def _jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def short_pairs(data: Path, n: int) -> list[tuple[str, str]]:
    rows = _jsonl(data / "mrpc" / "sentence_pairs.jsonl.gz")[:n]
    return [(r["a"], r["b"]) for r in rows]


def doc_pairs(data: Path, name: str, n: int, lo: int, hi: int) -> list[tuple[str, str]]:
    docs = {d["id"]: d["text"] for d in _jsonl(data / name / "documents.jsonl.gz")}
    out = []
    for p in _jsonl(data / name / "pairs.jsonl.gz"):
        a, b = docs[p["source_id"]], docs[p["suspect_id"]]
        words = (len(a.split()) + len(b.split())) / 2
        if p["derived"] and lo <= words <= hi:
            out.append((a, b))
        if len(out) == n:
            break
    return out


def measure(pairs: list[tuple[str, str]], options: CompareOptions) -> dict:
    times = []
    tracemalloc.start()
    for a, b in pairs:
        t0 = time.perf_counter()
        compare(a, b, options)
        times.append(time.perf_counter() - t0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    words = statistics.mean((len(a.split()) + len(b.split())) / 2 for a, b in pairs)
    return {
        "pairs": len(pairs),
        "words": words,
        "pairs_per_s": len(pairs) / sum(times),
        "p50_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "py_peak_mb": peak / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--encoder", choices=ENCODERS, default="minilm")
    args = parser.parse_args()
    options = CompareOptions(encoder=args.encoder)
    compare("Warm-up sentence one.", "Warm up sentence one.", options)  # load the model outside the timings
    rows = {
        "short sentences (MRPC)": short_pairs(args.data, args.pairs * 5),
        "~600-word news (LLMFake)": doc_pairs(args.data, "llmfake", args.pairs, 450, 800),
        "~3,000-word documents (PAN13)": doc_pairs(args.data, "pan13", args.pairs, 2500, 3600),
    }
    print(f"encoder: {args.encoder}")
    print(f"{'size':32} {'pairs':>6} {'words':>7} {'pairs/s':>9} {'p50 ms':>8} {'max ms':>8} {'py peak MB':>11}")
    for label, pairs in rows.items():
        m = measure(pairs, options)
        print(
            f"{label:32} {m['pairs']:>6} {m['words']:>7.0f} {m['pairs_per_s']:>9.2f} "
            f"{m['p50_ms']:>8.0f} {m['max_ms']:>8.0f} {m['py_peak_mb']:>11.1f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MB (model and runtime included)")


if __name__ == "__main__":
    main()
