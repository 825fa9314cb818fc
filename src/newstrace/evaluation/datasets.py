"""Loading evaluation datasets: gzip JSON lines of documents, pairs, sentence pairs and changes.

Only a document's `text` is ever handed to the system under test; `meta`, `kind` and labels stay
here, with the scorer.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
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
    """A fixed, content-free half, 'fit' or 'report', by a hash of a key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return "fit" if digest[0] % 2 == 0 else "report"


#: Non-derived links (hard negatives, same-event pairs) join two groups only while the joined group
#: stays this small: TF-IDF hard negatives chain most of F3 and LLMFake into one component, which
#: would put nearly the whole dataset in one half. A non-derived pair left between two halves is
#: dropped from both (see `document_sides`).
MAX_GROUP = 40


def document_sides(name: str, pairs: Iterable[dict], changes: Iterable[dict] = ()) -> dict[str, str]:
    """Each document's half ('fit' or 'report'), by connected component of the pair graph.

    Derived pairs and change records always join their two documents; other pairs join them
    while the group stays under `MAX_GROUP`. A group's half is a hash of its smallest document id,
    so every document sits on exactly one side and no figure is measured on a document the fit saw.
    """
    parent: dict[str, str] = {}
    size: dict[str, int] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        size.setdefault(x, 1)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: str, b: str, limit: int | None) -> None:
        ra, rb = find(a), find(b)
        if ra == rb or (limit is not None and size[ra] + size[rb] > limit):
            return
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]

    pairs = list(pairs)
    strong = sorted([p for p in pairs if p.get("derived")] + list(changes), key=lambda r: str(r["id"]))
    weak = sorted((p for p in pairs if not p.get("derived")), key=lambda r: str(r["id"]))
    for rec in strong:
        join(rec["source_id"], rec["suspect_id"], None)
    for rec in weak:
        join(rec["source_id"], rec["suspect_id"], MAX_GROUP)
    smallest: dict[str, str] = {}
    for doc in list(parent):
        root = find(doc)
        smallest[root] = min(smallest.get(root, doc), doc)
    return {doc: split_of(f"{name}:{smallest[find(doc)]}") for doc in parent}


def record_split(name: str, rec: dict, sides: dict[str, str]) -> str | None:
    """The half of a pair or change record (None: its documents sit in different halves).

    Records that name no documents (sentence pairs) are split by a hash of their own id.
    """
    if "source_id" not in rec:
        return split_of(f"{name}:{rec['id']}")
    a, b = sides.get(rec["source_id"]), sides.get(rec["suspect_id"])
    return a if a == b else None


def split_records(name: str, records: Iterable[dict], sides: dict[str, str], split: str) -> list[dict]:
    return [r for r in records if split == "all" or record_split(name, r, sides) == split]


def load_dataset(folder: str | Path, split: str = "all") -> Dataset:
    folder = Path(folder)
    if split not in ("all", "fit", "report"):
        raise DatasetError(f"split must be all, fit or report, got {split!r}")
    ds = Dataset(name=folder.name, path=folder)

    docs = folder / "documents.jsonl.gz"
    if docs.exists():
        ds.documents = {r["id"]: r["text"] for r in read_jsonl_gz(docs)}
    records = {}
    for fname, attr in (
        ("pairs.jsonl.gz", "pairs"),
        ("sentence_pairs.jsonl.gz", "sentence_pairs"),
        ("changes.jsonl.gz", "changes"),
    ):
        p = folder / fname
        records[attr] = list(read_jsonl_gz(p)) if p.exists() else []
    sides = document_sides(ds.name, records["pairs"], records["changes"])
    for attr, rows in records.items():
        setattr(ds, attr, split_records(ds.name, rows, sides, split))
    for pair in ds.pairs + ds.changes:
        for key in ("source_id", "suspect_id"):
            if pair.get(key) not in ds.documents:
                raise DatasetError(f"{folder}: record {pair.get('id')} names unknown document {pair.get(key)}")
    return ds
