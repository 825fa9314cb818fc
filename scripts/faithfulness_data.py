"""Training pairs for the faithfulness cross-encoder: (premise window, statement, supported).

Three origins, every pair tagged with `origin` and `type`:

- NLI: FEVER and MNLI pairs from `data/nli/nli_pairs.jsonl.gz` as they stand.
- SummEdits edits (`make_summedits`, only with `--summedits-copies N`: the shipped model was
  trained without them, see docs/faithfulness.md): the non-news SummEdits domains of the file, cut to
  sentences. Their premises are whole documents and their hypotheses multi-sentence summaries, so
  taken whole they do not fit the model's 128 word pieces; an edited summary is read against its
  seed summary instead, and each sentence the edit changed is paired with the document window the
  seed's sentence was drawn from. These are the subtle edits (a word swapped for a synonym or for
  a wrong fact) that the perturbations below do not make. The news domain is never read: it is
  the evaluation set `summedits-news`.
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

Seeded: the same seed and data give the same file. Validation: ~5% of news source documents, of
NLI premises and of SummEdits seed summaries (by a hash), never trained on.
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

import numpy as np

from newstrace.embed import encoder_named
from newstrace.evaluation.datasets import read_jsonl_gz
from newstrace.evaluation.perturbations import NEWS_DATASETS, make_news, val_side
from newstrace.segment import split_sentences


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


SUMMEDITS_BUDGET = 560  # premise and statement characters: about the model's 128 word pieces (support.py)


def _window(sentences: list[str], j: int, budget: int) -> tuple[int, int]:
    """Sentence j with a neighbour either side while the window fits `budget` characters (as at run time)."""
    lo, hi, length = j, j + 1, len(sentences[j])
    for k in (j - 1, j + 1):
        if 0 <= k < len(sentences) and length + len(sentences[k]) <= budget:
            length += len(sentences[k]) + 1
            lo, hi = min(lo, k), max(hi, k + 1)
    return lo, hi


def make_summedits(path: Path, encoder: str, copies: int) -> list[dict]:
    """Sentence pairs from the non-news SummEdits domains in `nli/` (news is the evaluation set).

    Each edited summary is read against its seed summary (`<seed>_og`): the sentences the edit
    changed carry the summary's label (a consistent edit is a paraphrase, an inconsistent one
    changes a fact), and the premise is the window of the document around the sentence most like
    the seed's version of that sentence, so the window is where the seed drew it from. An
    inconsistent edit that changed more than one sentence is left out: which of them is wrong is
    not known. Negatives are also read against the second most similar window (at run time a
    statement's support is its best window, so every window of a wrong statement must refuse it).
    """
    seeds: dict[str, list[dict]] = defaultdict(list)
    for r in read_jsonl_gz(path):
        if r["origin"].startswith("summedits-"):
            seeds[r["id"].rsplit("_", 1)[0]].append(r)
    enc = encoder_named(encoder)
    out: list[dict] = []
    for seed_id in sorted(seeds):
        group = seeds[seed_id]
        og = next((r for r in group if r["id"].endswith("_og")), None)
        if og is None:
            continue
        doc = [x.text.strip() for x in split_sentences(og["premise"]) if len(x.text.split()) >= 3]
        seed_sents = [x.text.strip() for x in split_sentences(og["hypothesis"])]
        if not doc or not seed_sents:
            continue
        doc_vecs = enc.encode(doc)
        seed_vecs = enc.encode(seed_sents)
        rank = np.argsort(-(seed_vecs @ doc_vecs.T), axis=1, kind="stable")
        jobs: list[tuple[str, int, bool]] = []  # (statement, its seed sentence, supported)
        for r in sorted(group, key=lambda r: r["id"]):
            if r is og:
                continue
            sents = [x.text.strip() for x in split_sentences(r["hypothesis"])]
            if len(sents) != len(seed_sents):
                continue  # a merged or split sentence: which seed sentence it stands for is unclear
            changed = [k for k, (a, b) in enumerate(zip(sents, seed_sents, strict=True)) if a != b]
            if not changed or (not r["entailed"] and len(changed) > 1):
                continue
            jobs += [(sents[k], k, bool(r["entailed"])) for k in changed]
        for statement, k, supported in jobs:
            budget = max(SUMMEDITS_BUDGET - len(statement), 200)
            windows = {_window(doc, int(rank[k, w]), budget) for w in range(min(1 if supported else 2, len(doc)))}
            for lo, hi in sorted(windows):
                row = {
                    "premise": " ".join(doc[lo:hi]),
                    "statement": statement,
                    "label": int(supported),
                    "origin": og["origin"],
                    "type": "edit-consistent" if supported else "edit-inconsistent",
                    "base": "summedits",
                    "doc": seed_id,
                    "val": val_side(seed_id),
                }
                out += [dict(row) for _ in range(copies)]
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
    summedits_copies: int = 0,
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
    edits = make_summedits(root / "nli" / "nli_pairs.jsonl.gz", encoder, summedits_copies) if summedits_copies else []
    if edits:
        log(f"summedits edit pairs: {len(edits)} ({Counter(r['type'] for r in edits)})")
    rows = news + nli + edits
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
        "--summedits-copies",
        type=int,
        default=0,
        help="times each SummEdits edit pair is used (0, the shipped model: none; see docs/faithfulness.md)",
    )
    ap.add_argument(
        "--encoder",
        default="static",
        help="sentence vectors that align paraphrases and pick same-subject sentences (static: 30,000 in"
        " seconds; minilm: ~6 minutes here)",
    )
    a = ap.parse_args()
    counts = build(
        a.data,
        a.out,
        a.seed,
        a.orig_anchors,
        a.nli_per_origin,
        a.val_cap,
        a.encoder,
        a.para_windows,
        a.extra_negative,
        a.summedits_copies,
    )
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
