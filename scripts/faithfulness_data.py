"""Training pairs for the faithfulness cross-encoder: (premise window, statement, supported).

Two origins, every pair tagged with `origin` and `type`:

- NLI: FEVER and MNLI pairs from `data/nli/nli_pairs.jsonl.gz` as they stand. The SummEdits
  domains are left out: their premises are whole documents and their hypotheses multi-sentence
  summaries, so a 1-3 sentence window cut from them would often not hold all the support and the
  "entailed" label would no longer be true of the pair.
- News: made here from the DEV *fit* half only (`load_dataset(folder, split="fit")`) of llmfake,
  f3, ecbplus and onestopenglish, so no document the evaluation reports on is trained on. A
  premise is a window of 1-3 source sentences around sentence i; the statement is
  - supported: sentence i verbatim, sentence i with a clause dropped, or a human/LLM paraphrase of
    it (LLMFake paraphrase/rewrite and OneStopEnglish simplification sentences aligned to it by
    MiniLM cosine, with numbers and capitalised names that the window holds);
  - not supported (FactCC-style): a name swapped, a number changed, a date/weekday/month changed,
    negation added or removed, a quote's speaker swapped, a clause appended from elsewhere, applied
    to the source sentence and to its paraphrase alike; a sentence from another article on the same
    subject (ECB+ topic, TF-IDF hard-negative partner); the statement against a window of the same
    article that does not hold it.

Seeded: the same seed and data give the same file. Validation: ~5% of news source documents and of
NLI premises (by a hash), never trained on.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from newstrace.evaluation.datasets import read_jsonl_gz
from newstrace.evaluation.perturbations import NEWS_DATASETS, make_news, val_side


def make_nli(path: Path, rng: random.Random, per_origin: int) -> list[dict]:
    by_origin: dict[str, list[dict]] = defaultdict(list)
    for r in read_jsonl_gz(path):
        if r["origin"] in ("fever", "mnli"):
            by_origin[r["origin"]].append(r)
    out = []
    for origin in sorted(by_origin):
        rows = by_origin[origin]
        rng.shuffle(rows)
        for r in rows[:per_origin]:
            out.append(
                {
                    "premise": r["premise"],
                    "statement": r["hypothesis"],
                    "label": int(r["entailed"]),
                    "origin": origin,
                    "type": "entailed" if r["entailed"] else "not-entailed",
                    "base": "nli",
                    "doc": r["id"],
                    "val": val_side(origin + ":" + r["premise"]),
                }
            )
    return out


def build(
    root: Path,
    out_dir: Path,
    seed: int,
    n_orig: int,
    nli_per_origin: int,
    val_cap: int,
    encoder: str = "static",
    para_windows: int = 2,
    extra_negative: float = 0.3,
) -> dict:
    rng = random.Random(seed)
    t0 = time.time()
    log = lambda msg: print(f"[data {time.time() - t0:6.0f}s] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    news = make_news(
        [root / n for n in NEWS_DATASETS],
        rng,
        n_orig,
        log,
        encoder,
        out_dir.parent / "cache",
        para_windows,
        extra_negative,
    )
    nli = make_nli(root / "nli" / "nli_pairs.jsonl.gz", rng, nli_per_origin)
    rows = news + nli
    for k, r in enumerate(rows):
        r["id"] = k
    train = [r for r in rows if not r["val"]]
    val = [r for r in rows if r["val"]]
    rng.shuffle(train)
    rng.shuffle(val)
    # keep validation small enough to score in a minute or two, stratified by origin
    val_by = defaultdict(list)
    for r in val:
        val_by[r["origin"].startswith("news")].append(r)
    val = val_by[True][: val_cap // 2] + val_by[False][: val_cap // 2]
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", train), ("val", val)):
        with gzip.open(out_dir / f"{name}.jsonl.gz", "wt", encoding="utf-8", compresslevel=6) as fh:
            for r in part:
                fh.write(json.dumps(r, sort_keys=True) + "\n")
    counts = {
        name: {
            "total": len(part),
            "supported": sum(r["label"] for r in part),
            "by_origin": dict(sorted(Counter(r["origin"] for r in part).items())),
            "by_type": dict(sorted(Counter(f"{r['type']}/{r['base']}" for r in part).items())),
        }
        for name, part in (("train", train), ("val", val))
    }
    (out_dir / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    log(f"train {len(train)}, val {len(val)}")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("artifacts/faithfulness/data"))
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--orig-anchors", type=int, default=11000, help="source sentences used as anchors")
    ap.add_argument("--nli-per-origin", type=int, default=10000, help="FEVER and MNLI pairs taken from each")
    ap.add_argument("--val-cap", type=int, default=3000)
    ap.add_argument("--para-windows", type=int, default=2, help="windows each aligned paraphrase is used with")
    ap.add_argument("--extra-negative", type=float, default=0.3, help="chance of a second negative per anchor")
    ap.add_argument(
        "--encoder",
        default="static",
        help="sentence vectors that align paraphrases and pick same-subject sentences (static: 30,000 in"
        " seconds; minilm: ~6 minutes here)",
    )
    a = ap.parse_args()
    counts = build(
        a.data, a.out, a.seed, a.orig_anchors, a.nli_per_origin, a.val_cap, a.encoder, a.para_windows, a.extra_negative
    )
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
