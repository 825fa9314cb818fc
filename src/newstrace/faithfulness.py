"""Faithfulness: does a window of source sentences support a statement of the rewrite?

A cross-encoder of our own (all-MiniLM-L6-v2 fine-tuned on NLI pairs and on news pairs made from
the DEV fit half, `scripts/train_faithfulness.py`), shipped as int8 ONNX in this package's data
folder and run with onnxruntime only. Sentence cosine cannot see a changed number, name, date or
negation (the words barely move); a model that reads premise and statement together can. Nothing
is downloaded at run time and torch is not needed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from newstrace.errors import ModelError

MODEL_ID = "newstrace-faithfulness-minilm-l6-int8-v1"
MODEL_DIR = Path(str(resources.files("newstrace") / "data" / "faithfulness"))
#: the MiniLM word-piece tokenizer, the same file the sentence encoder uses (the base model's own
#: tokenizer.json is byte-identical, so it is not shipped twice)
TOKENIZER_PATH = Path(str(resources.files("newstrace") / "data" / "minilm-tokenizer.json"))
MAX_TOKENS = 128  # the length trained at (record.json says, and wins); the premise is cut first
_MIN_PREMISE = 16  # a statement longer than the rest is cut so the premise keeps at least this many
_BATCH = 8  # measured fastest here (benchmarks/faithfulness_speed.py): 206 pairs/s vs 189 at 16, 169 at 32
_TOKENISE_CHUNK = 4096


def load_tokenizer():
    """The MiniLM tokenizer with no truncation or padding: pairs are built by `pair_ids`."""
    try:
        import tokenizers
    except ImportError as exc:  # pragma: no cover - dependency missing is an install error
        raise ModelError(f"the tokenizer library is not installed ({exc}); run `pip install newstrace`") from exc
    tokenizer = tokenizers.Tokenizer.from_str(TOKENIZER_PATH.read_text(encoding="utf-8"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def pair_ids(
    premise: Sequence[int], statement: Sequence[int], cls: int, sep: int, max_tokens: int = MAX_TOKENS
) -> tuple[list[int], list[int]]:
    """`[CLS] premise [SEP] statement [SEP]` ids and segment ids, the premise truncated first.

    Training calls this same function, so the model sees at run time exactly what it learnt on.
    """
    room = max_tokens - 3
    stmt = list(statement[: max(room - _MIN_PREMISE, room - len(premise))])
    prem = list(premise[: room - len(stmt)])
    ids = [cls, *prem, sep, *stmt, sep]
    types = [0] * (len(prem) + 2) + [1] * (len(stmt) + 1)
    return ids, types


def token_ids(tokenizer, texts: Sequence[str]) -> list[list[int]]:
    """Word-piece ids of each text (no special tokens), tokenised a chunk at a time."""
    out: list[list[int]] = []
    for lo in range(0, len(texts), _TOKENISE_CHUNK):
        batch = tokenizer.encode_batch(list(texts[lo : lo + _TOKENISE_CHUNK]), add_special_tokens=False)
        out.extend(e.ids for e in batch)
    return out


def padded_batch(
    encoded: Sequence[tuple[list[int], list[int]]], idx: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """input_ids, attention_mask and token_type_ids of pairs `idx`, padded to the longest.

    Training builds its batches with this same function, so padding is the same at run time.
    """
    width = max(len(encoded[i][0]) for i in idx)
    input_ids = np.zeros((len(idx), width), dtype=np.int64)
    types = np.zeros((len(idx), width), dtype=np.int64)
    mask = np.zeros((len(idx), width), dtype=np.int64)
    for row, i in enumerate(idx):
        e, t = encoded[i]
        input_ids[row, : len(e)] = e
        types[row, : len(t)] = t
        mask[row, : len(e)] = 1
    return input_ids, mask, types


class Faithfulness:
    """P(supported) for (premise, statement) pairs with the shipped int8 cross-encoder."""

    def __init__(self, model_dir: Path = MODEL_DIR, threads: int | None = None, batch_size: int = _BATCH) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - dependency missing is an install error
            raise ModelError(f"onnxruntime is not installed ({exc}); run `pip install newstrace`") from exc
        model_path = model_dir / "model.onnx"
        if not model_path.is_file():
            raise ModelError(f"faithfulness model file missing at {model_path}; reinstall newstrace")
        try:
            self.record = json.loads((model_dir / "record.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"faithfulness model record unusable at {model_dir / 'record.json'} ({exc})") from exc
        self.max_tokens = int(self.record.get("max_length", MAX_TOKENS))
        self._tokenizer = load_tokenizer()
        self._cls = self._tokenizer.token_to_id("[CLS]")
        self._sep = self._tokenizer.token_to_id("[SEP]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors on a corrupt file
            raise ModelError(f"faithfulness model unusable at {model_path} ({exc}); reinstall newstrace") from exc

    @property
    def tokenizer(self):
        """The word-piece tokenizer, for callers that fit windows into the model's input (max_tokens pieces)."""
        return self._tokenizer

    def support(self, premises: Sequence[str], statements: Sequence[str]) -> np.ndarray:
        """P(supported) per pair, float32 in [0, 1].

        Pairs are batched in an order fixed by their length and text, not by their position, so
        the same list in any order gives the same scores. (int8 activations are quantised per
        batch, so a pair scored among different companions can move by about 1e-3.)
        """
        if len(premises) != len(statements):
            raise ValueError(f"premises and statements differ in length ({len(premises)} vs {len(statements)})")
        out = np.zeros(len(premises), dtype=np.float32)
        if not len(premises):
            return out
        unique = sorted(set(premises) | set(statements))
        ids = dict(zip(unique, token_ids(self._tokenizer, unique), strict=True))
        encoded = [
            pair_ids(ids[p], ids[s], self._cls, self._sep, self.max_tokens)
            for p, s in zip(premises, statements, strict=True)
        ]
        order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i][0]), premises[i], statements[i]))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            input_ids, mask, types = padded_batch(encoded, idx)
            logits = self._session.run(
                ["logits"], {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": types}
            )[0].astype(np.float64)
            # softmax over (not supported, supported), written as a logistic of the difference
            out[idx] = 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))
        return out

    def best_support(self, statement: str, windows: Sequence[str]) -> tuple[float, int]:
        """The best-supporting window for a statement and its score (SummaC-style max); (0.0, -1) for none."""
        if not len(windows):
            return 0.0, -1
        scores = self.support(list(windows), [statement] * len(windows))
        best = int(np.argmax(scores))
        return float(scores[best]), best


_THREADS: int | None = None  # the process-wide model's ONNX threads (None: up to 4, one per core)


def use_threads(threads: int) -> None:
    """Set the process-wide model's thread count before its first use.

    A server runs one worker process per core; each worker's model on every core would make them
    fight over the CPU (measured: 3.5 instead of 6 comparisons a second on 2 cores).
    """
    global _THREADS
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    _THREADS = threads
    faithfulness.cache_clear()


@cache
def faithfulness() -> Faithfulness:
    """The process-wide model; loading it takes a fraction of a second, so do it once."""
    return Faithfulness(threads=_THREADS)
