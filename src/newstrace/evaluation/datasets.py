"""Loading evaluation datasets: gzip JSON lines of documents, pairs, sentence pairs and changes.

Only a document's `text` is ever handed to the system under test; `meta`, `kind` and labels stay
here, with the scorer.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newstrace.errors import DatasetError

FILES = ("documents.jsonl.gz", "pairs.jsonl.gz", "sentence_pairs.jsonl.gz", "changes.jsonl.gz")


@dataclass
class Dataset:
    name: str
    path: Path
    documents: dict[str, str] = field(default_factory=dict)
    pairs: list[dict] = field(default_factory=list)
    sentence_pairs: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)


def read_jsonl_gz(path: Path) -> Iterator[dict]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}:{lineno}: malformed JSON ({exc.msg})") from exc
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path}: cannot read gzip JSON lines ({exc})") from exc


def find_datasets(path: str | Path) -> list[Path]:
    """The dataset folders at `path`: the folder itself, or its sub-folders that hold data files."""
    root = Path(path)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder; pass a dataset folder or a parent of several")
    if any((root / f).exists() for f in FILES):
        return [root]
    found = sorted(p for p in root.iterdir() if p.is_dir() and any((p / f).exists() for f in FILES))
    if not found:
        raise DatasetError(f"{root}: holds no dataset ({', '.join(FILES)})")
    return found


def split_of(key: str) -> str:
    """A fixed, content-free split: 'fit' or 'report', by a hash of the record id.

    Calibration is fitted on 'fit' only, so figures on 'report' are honest DEV estimates.
    """
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return "fit" if digest[0] % 2 == 0 else "report"


def load_dataset(folder: str | Path, split: str = "all") -> Dataset:
    folder = Path(folder)
    if split not in ("all", "fit", "report"):
        raise DatasetError(f"split must be all, fit or report, got {split!r}")
    ds = Dataset(name=folder.name, path=folder)

    def keep(rec: dict) -> bool:
        return split == "all" or split_of(split_key(ds.name, rec)) == split

    docs = folder / "documents.jsonl.gz"
    if docs.exists():
        ds.documents = {r["id"]: r["text"] for r in read_jsonl_gz(docs)}
    for fname, attr in (
        ("pairs.jsonl.gz", "pairs"),
        ("sentence_pairs.jsonl.gz", "sentence_pairs"),
        ("changes.jsonl.gz", "changes"),
    ):
        p = folder / fname
        if p.exists():
            setattr(ds, attr, [r for r in read_jsonl_gz(p) if keep(r)])
    for pair in ds.pairs + ds.changes:
        for key in ("source_id", "suspect_id"):
            if pair.get(key) not in ds.documents:
                raise DatasetError(f"{folder}: record {pair.get('id')} names unknown document {pair.get(key)}")
    return ds


def split_key(name: str, rec: dict) -> str:
    """Split by source document where there is one, so a source never sits on both sides."""
    return f"{name}:{rec.get('source_id') or rec.get('id')}"
