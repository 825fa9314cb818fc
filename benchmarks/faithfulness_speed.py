"""Pairs per second of the shipped faithfulness model at batch sizes 1, 8, 16 and 32.

Real pairs: each sentence of the seed rewrite against the window of three seed-source sentences
around its most similar source sentence (MiniLM cosine), the pairs change analysis will score.

    python benchmarks/faithfulness_speed.py [--shared ../shared] [--threads 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import newstrace.faithfulness as fm
from newstrace.embed import encoder_named
from newstrace.segment import split_sentences


def real_pairs(shared: Path) -> tuple[list[str], list[str]]:
    src = [s.text.strip() for s in split_sentences((shared / "examples" / "seed_source.txt").read_text())]
    rw = [s.text.strip() for s in split_sentences((shared / "examples" / "seed_rewrite.txt").read_text())]
    enc = encoder_named("minilm")
    best = (enc.encode(rw) @ enc.encode(src).T).argmax(axis=1)
    premises = [" ".join(src[max(0, int(i) - 1) : int(i) + 2]) for i in best]
    return premises, rw


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    premises, statements = real_pairs(a.shared)
    premises, statements = premises * 4, statements * 4  # ~120 pairs
    print(f"{fm.MODEL_ID}: {len(premises)} pairs, {a.threads} threads")
    print(f"{'batch':>5} | {'pairs/s':>8} | {'ms/pair':>8}")
    for batch in (1, 8, 16, 32):
        model = fm.Faithfulness(threads=a.threads, batch_size=batch)
        model.support(premises[:batch], statements[:batch])  # warm-up
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            model.support(premises, statements)
            times.append(time.perf_counter() - t0)
        rate = len(premises) / float(np.median(times))
        print(f"{batch:>5} | {rate:>8.1f} | {1000 / rate:>8.1f}")


if __name__ == "__main__":
    main()
