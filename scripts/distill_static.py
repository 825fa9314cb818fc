"""Distil the bundled MiniLM into static word-piece vectors: src/newstrace/data/static-minilm.npz.

    python scripts/distill_static.py ../shared/data [--sentences 60000] [--cache DIR]

Two steps, both on MiniLM itself, so nothing is downloaded:
1. every word piece alone through MiniLM ([CLS] piece [SEP], mean-pooled), as model2vec does;
2. those vectors refined by ridge regression so that the mean of a sentence's piece vectors comes
   close to MiniLM's own vector for that sentence (as tokenlearn does), on sentences of the 'fit'
   half of the DEV data only. The ridge pulls each piece towards its step-1 vector, so pieces
   that the sentences never show keep their step-1 meaning.
Step 2 makes the static cosines live on MiniLM's scale, which the aligner's thresholds assume.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rich.progress import track

from newstrace.embed import DIMENSIONS, STATIC_PATH, SentenceEncoder, StaticEncoder
from newstrace.evaluation.datasets import find_datasets, load_dataset
from newstrace.evaluation.metrics import roc_auc
from newstrace.segment import split_sentences
from newstrace.textio import clean_view, parse_document

RIDGE = 0.3  # pull towards the step-1 vector, in units of "sentences that use the piece"
CG_STEPS = 60


def piece_vectors(encoder: SentenceEncoder) -> np.ndarray:
    vocab = encoder.tokenizer.get_vocab_size()
    cls, sep = encoder.tokenizer.token_to_id("[CLS]"), encoder.tokenizer.token_to_id("[SEP]")
    out = np.zeros((vocab, DIMENSIONS), dtype=np.float32)
    for lo in track(range(0, vocab, 512), description="word pieces through MiniLM"):
        ids = np.array([[cls, i, sep] for i in range(lo, min(vocab, lo + 512))], dtype=np.int64)
        out[lo : lo + len(ids)] = encoder.pooled(ids, np.ones_like(ids))
    return out


def fit_sentences(data: Path, limit: int) -> tuple[list[str], dict[str, list[tuple[str, str, bool]]]]:
    """Sentences of fit-half documents, and the report-half sentence pairs for the check."""
    sentences: set[str] = set()
    checks: dict[str, list[tuple[str, str, bool]]] = {}
    folders = find_datasets(data)
    for folder in folders:
        fit = load_dataset(folder, "fit")
        ids = sorted({i for p in fit.pairs for i in (p["source_id"], p["suspect_id"])}, key=_hash)
        found: set[str] = set()
        for doc_id in ids:  # a stable sample of documents, an equal share of sentences per dataset
            if len(found) >= limit // len(folders):
                break
            doc = parse_document(fit.documents[doc_id])
            found.update(s.text for s in split_sentences(clean_view(doc.text), doc.body_start, 60))
        sentences |= found
        for r in fit.sentence_pairs:
            sentences.update((r["a"], r["b"]))
        if folder.name in ("mrpc", "paws-wiki"):
            report = load_dataset(folder, "report").sentence_pairs
            checks[folder.name] = [(r["a"], r["b"], bool(r["paraphrase"])) for r in report]
    return sorted(sentences, key=_hash)[:limit], checks


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def refine(encoder: SentenceEncoder, start: np.ndarray, sentences: list[str], targets: np.ndarray) -> np.ndarray:
    """Ridge regression by conjugate gradients, all 384 columns at once."""
    rows, cols, vals = [], [], []
    for r, enc in enumerate(encoder.tokenizer.encode_batch(sentences, add_special_tokens=False)):
        if enc.ids:
            for i in enc.ids:
                rows.append(r)
                cols.append(i)
                vals.append(1.0 / len(enc.ids))
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(sentences), start.shape[0]), dtype=np.float64)
    xt = x.T.tocsr()

    def apply(w: np.ndarray) -> np.ndarray:
        return xt @ (x @ w) + RIDGE * w

    b = xt @ targets.astype(np.float64) + RIDGE * start
    w = start.astype(np.float64).copy()
    r = b - apply(w)
    p = r.copy()
    rs = (r * r).sum(axis=0)
    for _ in track(range(CG_STEPS), description="ridge regression"):
        ap = apply(p)
        alpha = rs / np.maximum((p * ap).sum(axis=0), 1e-30)
        w += alpha * p
        r -= alpha * ap
        rs_new = (r * r).sum(axis=0)
        p = r + (rs_new / np.maximum(rs, 1e-30)) * p
        rs = rs_new
    return w.astype(np.float32)


def check(encoder: SentenceEncoder, checks: dict, steps: dict[str, np.ndarray]) -> None:
    """Report-half paraphrase AUC of the cosine, and how closely each step's cosines follow MiniLM's."""
    for dataset, pairs in checks.items():
        truth = [p[2] for p in pairs]
        model = (encoder.encode([p[0] for p in pairs]) * encoder.encode([p[1] for p in pairs])).sum(axis=1)
        print(f"{dataset}: MiniLM AUC {roc_auc(truth, model):.3f}, mean cosine {model.mean():.3f}")
        for name, vectors in steps.items():
            static = StaticEncoder(vectors=vectors)
            a, b = static.encode([p[0] for p in pairs]), static.encode([p[1] for p in pairs])
            cos = (a * b).sum(axis=1)
            print(
                f"  {name}: AUC {roc_auc(truth, cos):.3f}, mean cosine {cos.mean():.3f},"
                f" correlation with MiniLM {np.corrcoef(cos, model)[0, 1]:.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--sentences", type=int, default=60_000)
    parser.add_argument("--cache", type=Path, help="keep MiniLM's sentence vectors here between runs")
    parser.add_argument("--out", type=Path, default=STATIC_PATH)
    args = parser.parse_args()
    encoder = SentenceEncoder()
    start = piece_vectors(encoder)
    sentences, checks = fit_sentences(args.data, args.sentences)
    digest = hashlib.sha256("\n".join(sentences).encode()).hexdigest()[:16]
    cached = args.cache / f"minilm-{digest}.npy" if args.cache else None
    if cached and cached.exists():
        targets = np.load(cached)
    else:
        targets = np.concatenate(
            [encoder.encode(sentences[i : i + 2000]) for i in track(range(0, len(sentences), 2000), "MiniLM")]
        )
        if cached:
            np.save(cached, targets)
    # the pieces-alone vectors share one large common direction (their cosines average 0.97);
    # centred, a piece the sentences never show adds its own meaning rather than that direction
    start -= start.mean(axis=0)
    vectors = refine(encoder, start, sentences, targets)
    check(encoder, checks, {"step 1 (pieces alone)": start, "step 2 (refined)": vectors})
    # int8 with a scale per piece: half the size of float16, cosines within ~0.001 of float32
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-9) / 127.0
    quantised = np.round(vectors / scale[:, None]).astype(np.int8)
    np.savez_compressed(args.out, vectors=quantised, scale=scale.astype(np.float32))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, {len(sentences)} sentences)")


if __name__ == "__main__":
    main()
