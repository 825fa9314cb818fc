"""The Spark engine: prepare, candidates and verify as PySpark DataFrame jobs.

The per-row work is the same Python as the local engine's, run inside `mapInArrow`
(`prepare.prepare_rows`, `verify.verify_pair`); the candidate join is Spark's own (explode the
rare terms, join on term, group by pair, keep each document's best by a window), with the same
integer weights and the same single division, so both engines select the same pairs and write
the same edges. `local[*]` by default; under `spark-submit` the session of the submit is used
(docs/scan.md gives the cluster command and how the package reaches the executors).
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from newstrace.options import ScanOptions
from newstrace.scan import candidates as cand
from newstrace.scan import prepare as prep
from newstrace.scan import verify as ver
from newstrace.scan.stagefiles import parts

Tick = Callable[[int], None]

PREPARED_DDL = (
    "id string, side string, text string, title string, url string, outlet string, published string, "
    "seg_start array<int>, seg_end array<int>, vectors binary, terms array<string>, doc_vector binary, error string"
)
VERIFIED_DDL = (
    "a string, b string, source_id string, suspect_id string, derived boolean, verdict string, "
    "probability double, coverage double, source_coverage double, source_first boolean, "
    "direction_basis string, direction_confidence double, findings string, findings_total int, "
    "source_sentences array<int>, suspect_sentences array<int>, error string"
)
_DOC_COLUMNS = ("id", "text", "published", "seg_start", "seg_end", "vectors")


def _plain(schema: pa.Schema) -> pa.Schema:
    """The schema with 32-bit offsets (string, binary), as Spark's Arrow exchange expects."""
    swap = {pa.large_string(): pa.string(), pa.large_binary(): pa.binary()}
    return pa.schema([pa.field(f.name, swap.get(f.type, f.type)) for f in schema])


def session(master: str | None = None):
    """The active Spark session (spark-submit's), or a new one on `master` (default local[*])."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    # local mode starts its Python workers with PYSPARK_PYTHON (default: python3 on the PATH, which
    # may lack newstrace); a cluster sets its own (docs/scan.md)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master or "local[*]")
        .appName("newstrace-scan")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        # one BLAS thread per Python worker, as the local engine's (scan/local.py): identical edges
        .config("spark.executorEnv.OMP_NUM_THREADS", "1")
        .config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
        .getOrCreate()
    )


class SparkEngine:
    name = "spark"

    def __init__(self, options: ScanOptions, spark=None) -> None:
        self.options = options
        self.spark = spark or session(options.spark_master)

    def _read(self, folder: Path):
        """A stage's parts, whichever engine wrote them."""
        return self.spark.read.parquet(*[str(p) for p in parts(folder)])

    def _partitions(self, rows: int) -> int:
        return max(self.spark.sparkContext.defaultParallelism, -(-rows // self.options.chunk_docs))

    def prepare(self, corpus: Path, folder: Path, tick: Tick) -> dict:
        options = self.options.compare
        schema = _plain(prep.SCHEMA)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                yield pa.RecordBatch.from_pylist(prep.prepare_rows(batch.to_pylist(), options), schema=schema)

        docs = self.spark.read.parquet(str(corpus))
        rows = docs.count()
        docs.repartition(self._partitions(rows)).mapInArrow(run, PREPARED_DDL).write.parquet(str(folder / "data"))
        written = self.spark.read.parquet(str(folder / "data"))
        bad = written.where("error is not null").select("id", "error").collect()
        errors = [f"{r['id']}: {r['error']}" for r in bad]
        tick(rows)
        return {"rows": rows, "errors": errors}

    def candidates(self, prepared: Path, folder: Path, against: bool, tick: Tick) -> dict:
        from pyspark.sql import functions as F
        from pyspark.sql.window import Window

        o = self.options
        docs = self._read(prepared).where("error is null").select(
            "id", "side", "terms", "doc_vector"
        )
        n = docs.count()
        postings = docs.select("id", "side", F.explode(F.array_distinct("terms")).alias("term"))
        limit = cand.max_df(n, o)

        @F.pandas_udf("long")
        def weight(df):  # the same Python function as the local engine's
            return df.map(lambda d: cand.term_weight(int(d), n))

        kept_terms = (
            postings.groupBy("term").agg(F.count("*").alias("df")).where(F.col("df").between(2, limit))
        ).withColumn("w", weight("df"))
        kept = postings.join(kept_terms.select("term", "w"), "term").cache()
        totals = kept.groupBy("id").agg(F.sum("w").alias("total"), F.count("*").alias("nterms"))
        x, y = kept.alias("x"), kept.alias("y")
        cond = (F.col("x.term") == F.col("y.term")) & (F.col("x.id") != F.col("y.id"))
        if against:
            cond &= F.col("x.side") != F.col("y.side")
        shared = x.join(y, cond).groupBy(F.col("x.id").alias("i"), F.col("y.id").alias("j")).agg(
            F.sum("x.w").alias("shared")
        )
        ti, tj = totals.select(F.col("id").alias("i"), F.col("total").alias("ti")), totals.select(
            F.col("id").alias("j"), F.col("total").alias("tj")
        )
        scored = (
            shared.join(ti, "i")
            .join(tj, "j")
            .withColumn("ratio", F.col("shared") / F.greatest(F.least("ti", "tj"), F.lit(1)))
            .where(F.col("ratio") >= F.lit(o.min_shared))
        )
        best = Window.partitionBy("i").orderBy(F.col("ratio").desc(), F.col("j").asc())
        by_terms = (
            scored.withColumn("k", F.row_number().over(best))
            .where(F.col("k") <= o.neighbours)
            .select(F.least("i", "j").alias("a"), F.greatest("i", "j").alias("b"), "ratio")
            .dropDuplicates(["a", "b"])
        )
        by_vectors = self._vector_pairs(docs, totals, against)
        pairs = by_terms.join(by_vectors, ["a", "b"], "full_outer").select(
            "a", "b", F.col("ratio").cast("double"), F.col("vector_score").cast("long")
        )
        pairs.orderBy("a", "b").coalesce(1).write.parquet(str(folder / "data"))
        kept.unpersist()
        rows = self.spark.read.parquet(str(folder / "data")).count()
        tick(n)
        return {"rows": rows, "documents": n}

    def _vector_pairs(self, docs, totals, against: bool):
        """Short documents' nearest neighbours by exact int8 dot product (the local engine's rule)."""
        from pyspark.sql import functions as F
        from pyspark.sql.window import Window

        o = self.options
        short = (
            docs.join(totals.select("id", "nterms"), "id", "left")
            .where(F.coalesce(F.col("nterms"), F.lit(0)) < o.dense_terms)
            .select("id", "side", "doc_vector")
            .collect()
        )
        q_ids = [r["id"] for r in short]
        q_sides = [r["side"] for r in short]
        q_vecs = None
        if short:
            q_vecs = np.stack([np.frombuffer(r["doc_vector"], dtype=np.int8) for r in short]).astype(np.int32)
        shared = self.spark.sparkContext.broadcast((q_ids, q_sides, q_vecs))
        floor = cand.vector_threshold(o)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            ids_q, sides_q, vecs_q = shared.value
            for batch in batches:
                rows = batch.to_pylist()
                out = {"q": [], "d": [], "vector_score": []}
                if vecs_q is not None and rows:
                    mat = np.stack([np.frombuffer(r["doc_vector"], dtype=np.int8) for r in rows]).astype(np.int32)
                    scores = vecs_q @ mat.T
                    for qi, di in zip(*np.nonzero(scores >= floor), strict=True):
                        d = rows[di]
                        if ids_q[qi] == d["id"] or (against and sides_q[qi] == d["side"]):
                            continue
                        out["q"].append(ids_q[qi])
                        out["d"].append(d["id"])
                        out["vector_score"].append(int(scores[qi, di]))
                yield pa.RecordBatch.from_pydict(
                    out, schema=pa.schema([("q", pa.string()), ("d", pa.string()), ("vector_score", pa.int64())])
                )

        near = docs.select("id", "side", "doc_vector").mapInArrow(run, "q string, d string, vector_score long")
        best = Window.partitionBy("q").orderBy(F.col("vector_score").desc(), F.col("d").asc())
        return (
            near.withColumn("k", F.row_number().over(best))
            .where(F.col("k") <= o.neighbours)
            .select(F.least("q", "d").alias("a"), F.greatest("q", "d").alias("b"), "vector_score")
            .dropDuplicates(["a", "b"])
        )

    def verify(self, prepared: Path, candidates: Path, folder: Path, tick: Tick) -> dict:
        from pyspark.sql import functions as F

        options = self.options
        schema = _plain(ver.SCHEMA)
        docs = self._read(prepared).where("error is null").select(*_DOC_COLUMNS)
        a_side = docs.select(*[F.col(c).alias(f"a_{c}") for c in _DOC_COLUMNS])
        b_side = docs.select(*[F.col(c).alias(f"b_{c}") for c in _DOC_COLUMNS])
        pairs = self._read(candidates).select("a", "b")
        n = pairs.count()
        joined = pairs.join(a_side, F.col("a") == F.col("a_id")).join(b_side, F.col("b") == F.col("b_id"))

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            encoder = options.compare.encoder
            built: OrderedDict[str, object] = OrderedDict()  # as the local engine's worker cache

            def get(r: dict, side: str):
                doc = r[f"{side}_id"]
                if doc in built:
                    built.move_to_end(doc)
                else:
                    built[doc] = prep.rebuild({c: r[f"{side}_{c}"] for c in _DOC_COLUMNS}, encoder)
                    if len(built) > ver.REBUILT_DOCUMENTS:
                        built.popitem(last=False)
                return built[doc]

            for batch in batches:
                rows = [ver.verify_pair(r["a"], get(r, "a"), r["b"], get(r, "b"), options) for r in batch.to_pylist()]
                yield pa.RecordBatch.from_pylist(rows, schema=schema)

        partitioned = joined.repartition(self._partitions(n)).sortWithinPartitions("a", "b")
        partitioned.mapInArrow(run, VERIFIED_DDL).write.parquet(str(folder / "data"))
        tick(n)
        return {"rows": n}
