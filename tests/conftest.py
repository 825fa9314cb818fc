"""Shared fixtures: paths to the real data in ../shared and small real samples from it."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from newstrace.evaluation.datasets import document_sides, split_records

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__import__("os").environ.get("NEWSTRACE_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
EXAMPLES = SHARED / "examples"


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl_gz(path: Path, rows: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, sort_keys=True) + "\n")


def stable_sample(rows: list[dict], n: int, salt: str = "gate") -> list[dict]:
    return sorted(rows, key=lambda r: hashlib.sha256((salt + r["id"]).encode()).hexdigest())[:n]


def report_half(name: str, rows: list[dict]) -> list[dict]:
    """The records of a real DEV dataset that sit in its 'report' half (the split eval uses)."""
    folder = DATA / name
    pairs = read_jsonl_gz(folder / "pairs.jsonl.gz") if (folder / "pairs.jsonl.gz").exists() else []
    changes = read_jsonl_gz(folder / "changes.jsonl.gz") if (folder / "changes.jsonl.gz").exists() else []
    return split_records(name, rows, document_sides(name, pairs, changes), "report")


def sample_dataset(name: str, out_dir: Path, n: int, per_kind: bool = True) -> Path:
    """Copy a stable sample of the 'report' half of a real DEV dataset into out_dir/name."""
    src = DATA / name
    dst = out_dir / name
    dst.mkdir(parents=True, exist_ok=True)
    if (src / "pairs.jsonl.gz").exists():
        pairs = report_half(name, read_jsonl_gz(src / "pairs.jsonl.gz"))
        if per_kind:
            kinds: dict[str, list[dict]] = {}
            for p in pairs:
                kinds.setdefault(p["kind"], []).append(p)
            chosen = [p for group in kinds.values() for p in stable_sample(group, max(1, n // len(kinds)))]
        else:
            chosen = stable_sample(pairs, n)
        ids = {i for p in chosen for i in (p["source_id"], p["suspect_id"])}
        docs = [d for d in read_jsonl_gz(src / "documents.jsonl.gz") if d["id"] in ids]
        write_jsonl_gz(dst / "documents.jsonl.gz", docs)
        write_jsonl_gz(dst / "pairs.jsonl.gz", sorted(chosen, key=lambda r: r["id"]))
        if (src / "changes.jsonl.gz").exists():
            keys = {(p["source_id"], p["suspect_id"]) for p in chosen}
            changes = [c for c in read_jsonl_gz(src / "changes.jsonl.gz") if (c["source_id"], c["suspect_id"]) in keys]
            write_jsonl_gz(dst / "changes.jsonl.gz", changes)
    if (src / "sentence_pairs.jsonl.gz").exists():
        rows = report_half(name, read_jsonl_gz(src / "sentence_pairs.jsonl.gz"))
        rows = stable_sample(rows, n)
        write_jsonl_gz(dst / "sentence_pairs.jsonl.gz", sorted(rows, key=lambda r: r["id"]))
    return dst


@pytest.fixture(scope="session")
def seed_paths() -> tuple[Path, Path]:
    source, rewrite = EXAMPLES / "seed_source.txt", EXAMPLES / "seed_rewrite.txt"
    if not source.exists():
        pytest.fail(f"the shared examples are missing at {EXAMPLES}; set NEWSTRACE_SHARED")
    return source, rewrite


@pytest.fixture(scope="session")
def seed_comparison(seed_paths):
    from newstrace import compare_documents, load_document

    return compare_documents(load_document(seed_paths[0]), load_document(seed_paths[1]))


@pytest.fixture(scope="session")
def llmfake_docs() -> dict[str, str]:
    return {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "llmfake" / "documents.jsonl.gz")}


@pytest.fixture(scope="session")
def llmfake_pairs() -> list[dict]:
    return read_jsonl_gz(DATA / "llmfake" / "pairs.jsonl.gz")


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run (starting one takes ~10-20 s)."""
    from newstrace.scan.spark import session

    spark = session("local[2]")
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()
