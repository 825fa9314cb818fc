"""The local engine: prepare, candidates and verify on one machine, over every core.

Work goes to a process pool (spawned, so no model session is forked; even with one worker, so
the core always runs on single-threaded numerical libraries) a chunk at a time: a row
group of the corpus to prepare, a block of candidate pairs to verify. A verifying worker reads
the documents it needs a small row group at a time and keeps a few in a cache, so no process
holds the corpus.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from newstrace.options import CompareOptions, ScanOptions
from newstrace.scan import candidates as cand
from newstrace.scan import prepare as prep
from newstrace.scan import verify as ver
from newstrace.scan.stagefiles import parts

Tick = Callable[[int], None]
#: Documents per row group of the prepare stage: what a verifying worker reads to get one of them.
PREPARED_ROW_GROUP = 32
#: Candidate pairs per verification task.
PAIRS_PER_TASK = 64
#: Set to 1 in every worker (Spark sets OMP_NUM_THREADS to its task's cores, 1 by default).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _prepare_part(corpus: str, group: int, folder: str, options: CompareOptions) -> tuple[int, list[str]]:
    rows = pq.ParquetFile(corpus).read_row_group(group).to_pylist()
    prepared = prep.prepare_rows(rows, options)
    table = pa.Table.from_pylist(prepared, schema=prep.SCHEMA)
    pq.write_table(table, Path(folder) / f"part-{group:05d}.parquet", row_group_size=PREPARED_ROW_GROUP)
    return len(prepared), [f"{r['id']}: {r['error']}" for r in prepared if r["error"]]


@lru_cache(maxsize=64)
def _group(path: str, group: int) -> tuple[pa.Table, dict[str, int]]:
    """A row group of prepared documents, and where each id sits in it (rows are read one by one)."""
    table = pq.ParquetFile(path).read_row_group(group)
    return table, {doc: i for i, doc in enumerate(table.column("id").to_pylist())}


@lru_cache(maxsize=ver.REBUILT_DOCUMENTS)
def _rebuilt(path: str, group: int, doc: str, encoder: str):
    """A prepared document, kept across blocks: what the core computes once per text stays with it."""
    table, rows = _group(path, group)
    return prep.rebuild(table.slice(rows[doc], 1).to_pylist()[0], encoder)


def _verify_block(
    pairs: list[tuple[str, str]], where: dict[str, tuple[str, int]], options: ScanOptions
) -> list[dict]:
    encoder = options.compare.encoder
    return [
        ver.verify_pair(a, _rebuilt(*where[a], a, encoder), b, _rebuilt(*where[b], b, encoder), options)
        for a, b in pairs
    ]


class LocalEngine:
    name = "local"

    def __init__(self, options: ScanOptions) -> None:
        self.options = options
        self.workers = options.workers or os.cpu_count() or 1

    @contextmanager
    def _pool(self) -> Iterator[ProcessPoolExecutor]:
        """Spawned workers whose numerical libraries run on one thread, as Spark's Python workers do.

        The core's result can depend on how a matrix product is split across threads (seen on one
        PAN13 pair in 17,556: probability 0.7934 with two BLAS threads, 0.7701 with one); every
        engine fixing one thread per worker keeps the edges identical, and with a worker per core
        nothing is lost. Workers start while the pool is used, so the variables are set for the
        pool's lifetime and restored after.
        """
        before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
        os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
        try:
            with ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                yield pool
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def _map(self, fn, calls: Iterable[tuple], window: int) -> Iterator:
        """fn(*call) for every call, in order, at most `window` submitted ahead (bounded memory)."""
        with self._pool() as pool:
            pending = []
            for call in calls:
                pending.append(pool.submit(fn, *call))
                if len(pending) >= window:
                    yield pending.pop(0).result()
            for f in pending:
                yield f.result()

    def prepare(self, corpus: Path, folder: Path, tick: Tick) -> dict:
        groups = pq.ParquetFile(corpus).num_row_groups
        calls = ((str(corpus), g, str(folder), self.options.compare) for g in range(groups))
        count, errors = 0, []
        for n, errs in self._map(_prepare_part, calls, 4 * self.workers):
            count += n
            errors.extend(errs)
            tick(n)
        return {"rows": count, "errors": errors}

    def candidates(self, prepared: Path, folder: Path, against: bool, tick: Tick) -> dict:
        ids, sides, terms, vectors = [], [], [], []
        for f in parts(prepared):
            table = pq.read_table(f, columns=["id", "side", "terms", "doc_vector", "error"])
            for row in table.to_pylist():
                if row["error"] is None:
                    ids.append(row["id"])
                    sides.append(row["side"])
                    terms.append(row["terms"])
                    vectors.append(np.frombuffer(row["doc_vector"], dtype=np.int8))
        doc_vectors = np.stack(vectors) if vectors else np.zeros((0, 384), dtype=np.int8)
        table = cand.candidate_pairs(ids, sides, terms, self.options, against, doc_vectors, tick)
        pq.write_table(table, folder / "part-00000.parquet")
        return {"rows": table.num_rows, "documents": len(ids)}

    def verify(self, prepared: Path, candidates: Path, folder: Path, tick: Tick) -> dict:
        where: dict[str, tuple[str, int]] = {}
        for f in parts(prepared):
            meta = pq.ParquetFile(f)
            offset = 0
            ids = meta.read(columns=["id"])["id"].to_pylist()
            for g in range(meta.num_row_groups):
                n = meta.metadata.row_group(g).num_rows
                for doc in ids[offset : offset + n]:
                    where[doc] = (str(f), g)
                offset += n
        pairs: list[tuple[str, str]] = []
        for f in parts(candidates):
            t = pq.read_table(f, columns=["a", "b"])
            pairs.extend(zip(t["a"].to_pylist(), t["b"].to_pylist(), strict=True))
        pairs.sort(key=lambda p: (where[p[0]], where[p[1]], p))
        blocks = [pairs[i : i + PAIRS_PER_TASK] for i in range(0, len(pairs), PAIRS_PER_TASK)]
        calls = (
            (block, {d: where[d] for pair in block for d in pair}, self.options) for block in blocks
        )
        writer = pq.ParquetWriter(folder / "part-00000.parquet", ver.SCHEMA)
        count = 0
        try:
            for rows in self._map(_verify_block, calls, 4 * self.workers):
                writer.write_table(pa.Table.from_pylist(rows, schema=ver.SCHEMA))
                count += len(rows)
                tick(len(rows))
        finally:
            writer.close()
        return {"rows": count}
