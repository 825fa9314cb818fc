"""Stage outputs on disk: a folder of Parquet parts, written under a temporary name and renamed.

A stage is complete when its folder holds a `_manifest.json` whose fingerprint matches the
options (and upstream fingerprints) it would be made with now; anything else (a half-written
temporary folder of a killed run, output made under other options) is discarded and rebuilt.
The rename is atomic on one file system, so a reader never sees a half-written stage.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "_manifest.json"
FORMAT = "newstrace.scan.stage/1"


def fingerprint(*parts: object) -> str:
    """A stable hash of options (dataclasses, dicts, strings) and upstream fingerprints."""

    def plain(x: object) -> object:
        if is_dataclass(x) and not isinstance(x, type):
            return asdict(x)
        return x

    blob = json.dumps([plain(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def stage_dir(out: Path, name: str) -> Path:
    return out / "stages" / name


def read_manifest(out: Path, name: str) -> dict | None:
    path = stage_dir(out, name) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(out: Path, name: str, fp: str) -> bool:
    manifest = read_manifest(out, name)
    return manifest is not None and manifest.get("fingerprint") == fp and manifest.get("format") == FORMAT


def is_complete_any(out: Path, name: str) -> bool:
    """Has the stage finished under some options (whichever)? For watching a running scan."""
    return read_manifest(out, name) is not None


def begin(out: Path, name: str) -> Path:
    """A fresh temporary folder for the stage's parts (any left by a killed run is removed)."""
    stages = out / "stages"
    stages.mkdir(parents=True, exist_ok=True)
    for old in stages.glob(f".{name}.tmp-*"):
        shutil.rmtree(old, ignore_errors=True)
    tmp = stages / f".{name}.tmp-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir()
    return tmp


def commit(out: Path, name: str, tmp: Path, fp: str, info: dict) -> dict:
    """Write the manifest into `tmp`, then swap it in for the stage's folder."""
    manifest = {"format": FORMAT, "stage": name, "fingerprint": fp, **info}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    final = stage_dir(out, name)
    if final.exists():
        trash = final.with_name(f".{name}.old-{time.time_ns()}")
        final.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)
    tmp.rename(final)
    return manifest


def parts(folder: Path) -> list[Path]:
    """The stage's Parquet files, in name order (Spark writes part-*.parquet, the local engine too)."""
    return sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith((".", "_")))


def read_stage(out: Path, name: str, columns: list[str] | None = None) -> pa.Table:
    files = parts(stage_dir(out, name))
    if not files:
        raise FileNotFoundError(f"stage {name} has no parts")
    tables = [pq.read_table(f, columns=columns) for f in files]
    return pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]


def write_atomic_file(path: Path, write) -> None:
    """`write(tmp_path)`, then rename onto `path`: a killed run leaves the old file or none."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    tmp.replace(path)
