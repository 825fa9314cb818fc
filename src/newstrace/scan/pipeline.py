"""`scan`: the stages in order, each skipped when its output is complete, then the outputs.

corpus (read the inputs) -> prepare (sentences, vectors, terms) -> candidates (rare-term join
and short texts' vector neighbours) -> verify (the comparison core) -> graph (edges, clusters,
outlets). The engine does prepare, candidates and verify; reading the inputs and the graph are
the same code for both engines (the graph's input, the verified pairs, is small).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from newstrace import __version__
from newstrace.errors import InputError, OutputNotWritable
from newstrace.options import ScanOptions
from newstrace.scan import graph
from newstrace.scan import stagefiles as sf
from newstrace.scan.corpus import input_signature, write_corpus
from newstrace.scan.report import write_report
from newstrace.scan.result import ScanResult

STAGES = ("corpus", "prepare", "candidates", "verify", "graph")
Progress = Callable[[str, int], None]


def _fingerprints(inputs: list[str], against: list[str], options: ScanOptions) -> dict[str, str]:
    corpus = sf.fingerprint(
        "corpus", __version__, inputs, against, input_signature(inputs), input_signature(against),
        options.since, options.until,
    )
    prepare = sf.fingerprint("prepare", corpus, options.compare)
    candidates = sf.fingerprint(
        "candidates", prepare, bool(against), options.max_df_share, options.max_df_floor, options.min_shared,
        options.neighbours, options.dense_terms, options.min_vector_cosine,
    )
    verify = sf.fingerprint("verify", candidates, options.compare, options.judge_findings)
    graph_fp = sf.fingerprint("graph", verify, options.min_probability, options.explained_share)
    return dict(zip(STAGES, (corpus, prepare, candidates, verify, graph_fp), strict=True))


def _engine(options: ScanOptions, spark_session=None):
    if options.engine == "spark":
        from newstrace.scan.spark import SparkEngine  # imported here: pyspark is an optional extra

        return SparkEngine(options, spark_session)
    from newstrace.scan.local import LocalEngine

    return LocalEngine(options)


def _meta(out: Path) -> tuple[dict[str, graph.DocMeta], dict[str, int]]:
    meta: dict[str, graph.DocMeta] = {}
    articles: Counter[str] = Counter()
    for f in sf.parts(sf.stage_dir(out, "prepare")):
        table = pq.read_table(f, columns=["id", "published", "outlet", "title", "error"])
        for row in table.to_pylist():
            if row["error"] is None:
                meta[row["id"]] = graph.DocMeta(row["published"], row["outlet"], row["title"])
                articles[row["outlet"] or graph.UNKNOWN_OUTLET] += 1
    return meta, dict(articles)


def _graph_stage(out: Path, folder: Path, options: ScanOptions) -> dict:
    verified = sf.read_stage(out, "verify").to_pylist()
    meta, articles = _meta(out)
    edges = graph.relations(verified, options)
    tables = {
        "edges": graph.edge_rows(edges, meta),
        "clusters": graph.cluster_rows(edges, meta),
        "outlets": graph.outlet_rows(edges, articles, meta),
    }
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    kinds = Counter(e["relation"] for e in edges)
    return {
        "rows": len(edges),
        "derived": kinds["derived"],
        "co_derived": kinds["co_derived"],
        "clusters": tables["clusters"].num_rows,
        "outlets": sum(1 for level in tables["outlets"]["level"].to_pylist() if level == "outlet"),
        "errors": [f"{v['a']} / {v['b']}: {v['error']}" for v in verified if v["error"]],
    }


def _publish(out: Path, result: ScanResult) -> None:
    """Copy the graph stage's tables to DIR, add the CSV and the report (each file renamed into place)."""
    folder = sf.stage_dir(out, "graph")
    for name in ("edges", "clusters", "outlets"):
        table = pq.read_table(folder / f"{name}.parquet")
        sf.write_atomic_file(out / f"{name}.parquet", lambda p, t=table: pq.write_table(t, p))
    outlets = pq.read_table(folder / "outlets.parquet")
    sf.write_atomic_file(out / "outlets.csv", lambda p: pcsv.write_csv(outlets, p))
    sf.write_atomic_file(out / "report.html", lambda p: write_report(folder, p, result))


def scan(
    inputs: list[str],
    out: str | Path,
    against: list[str] | None = None,
    options: ScanOptions | None = None,
    progress: Progress | None = None,
    stop_after: str | None = None,
    spark_session=None,
) -> ScanResult:
    """Scan a corpus for derived articles; write edges, clusters, outlets and a report under `out`.

    Without `against`, every pair of INPUT articles is a possible derivation; with it, only an
    INPUT article with a SOURCES article. Stages whose output under `out/stages/` is complete
    (same inputs, same options) are reused, so a killed scan resumes where it stopped;
    `stop_after` names a stage to stop after (the outputs are then not written).
    """
    options = options or ScanOptions()
    against = list(against or [])
    inputs = list(inputs)
    if not inputs:
        raise InputError("give at least one INPUT (files, folders, JSONL/CSV or an index folder)")
    if stop_after is not None and stop_after not in STAGES:
        raise ValueError(f"stop_after must be one of {', '.join(STAGES)}, got {stop_after!r}")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "stages").mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(f"cannot write to {out} ({exc.strerror or exc}); choose another --out") from exc
    tick = progress or (lambda label, n: None)
    fps = _fingerprints(inputs, against, options)
    result = ScanResult(out=out, engine=options.engine)
    engine = None
    for name in STAGES:
        start = time.perf_counter()
        if sf.is_complete(out, name, fps[name]):
            result.reused.append(name)
        else:
            tmp = sf.begin(out, name)

            def step(n: int, label: str = name) -> None:
                tick(label, n)

            if name == "corpus":
                report = write_corpus(tmp, inputs, against, options.since, options.until, options.chunk_docs, step)
                info = {"rows": report.documents, "errors": report.rejected, "duplicates": report.duplicates,
                        "outside_dates": report.outside_dates}
            elif name == "graph":
                info = _graph_stage(out, tmp, options)
            else:
                engine = engine or _engine(options, spark_session)
                if name == "prepare":
                    info = engine.prepare(sf.stage_dir(out, "corpus") / "corpus.parquet", tmp, step)
                elif name == "candidates":
                    info = engine.candidates(sf.stage_dir(out, "prepare"), tmp, bool(against), step)
                else:
                    info = engine.verify(sf.stage_dir(out, "prepare"), sf.stage_dir(out, "candidates"), tmp, step)
            sf.commit(out, name, tmp, fps[name], info)
        result.timings_s[name] = time.perf_counter() - start
        _record(result, name, sf.read_manifest(out, name) or {})
        if name == stop_after:
            result.stopped_after = name
            return result
    start = time.perf_counter()
    _publish(out, result)
    result.timings_s["outputs"] = time.perf_counter() - start
    return result


def _record(result: ScanResult, name: str, manifest: dict) -> None:
    rows = int(manifest.get("rows", 0))
    result.problems.extend(manifest.get("errors", []))
    if name == "corpus":
        result.documents = rows
    elif name == "prepare":
        result.prepared = rows - len(manifest.get("errors", []))
    elif name == "candidates":
        result.candidates = rows
    elif name == "verify":
        result.verified = rows
    elif name == "graph":
        result.edges = rows
        result.derived_edges = int(manifest.get("derived", 0))
        result.co_derived_edges = int(manifest.get("co_derived", 0))
        result.clusters = int(manifest.get("clusters", 0))
        result.outlets = int(manifest.get("outlets", 0))
