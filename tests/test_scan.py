"""`newstrace scan` on a small real corpus: LLMFake originals with their ChatGPT rewrites and
verbatim copies, PAN13 source/suspect pairs with and without reuse (DEV report half)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from newstrace import CompareOptions, ScanOptions, compare_documents, scan
from newstrace.cli import app
from newstrace.scan import stagefiles as sf
from newstrace.scan.prepare import as_document

from .conftest import DATA, read_jsonl_gz, report_half, stable_sample

HOSTILE = "<script>alert('x')</script>"
OPTIONS = ScanOptions(compare=CompareOptions(encoder="static"), workers=2)


def _build_corpus(folder: Path) -> dict:
    """Write originals, rewrites and copies as JSONL (with outlets and dates) and return the truth."""
    docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "llmfake" / "documents.jsonl.gz")}
    pairs = report_half("llmfake", read_jsonl_gz(DATA / "llmfake" / "pairs.jsonl.gz"))
    by_source: dict[str, dict[str, str]] = defaultdict(dict)
    for p in pairs:
        if p["derived"]:
            by_source[p["source_id"]][p["kind"]] = p["suspect_id"]
    wanted = ("paraphrase_generation", "rewrite_generation", "verbatim")
    full = [{"id": s} for s, kinds in by_source.items() if all(k in kinds for k in wanted)]
    originals = [r["id"] for r in stable_sample(full, 5, salt="scan")]
    rows, truth = [], {"derived": [], "verbatim": [], "siblings": [], "unrelated": [], "pan_copy": []}
    for k, o in enumerate(originals):
        rows.append({"id": o, "text": docs[o], "outlet": "wire", "published": "2020-03-01"})
        rewrites = [by_source[o][kind] for kind in wanted[:2]]
        for r in rewrites:
            rows.append({"id": r, "text": docs[r], "outlet": "rewriter", "published": "2020-03-04"})
            truth["derived"].append((o, r))
        truth["siblings"].append(tuple(sorted(rewrites)))
        if k < 2:
            copy_id = HOSTILE if k == 0 else by_source[o]["verbatim"]
            outlet = "<b>mirror</b>" if k == 0 else "mirror"
            rows.append({"id": copy_id, "text": docs[by_source[o]["verbatim"]], "outlet": outlet,
                         "published": "2020-03-02"})
            truth["verbatim"].append((o, copy_id))
    pan_docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "pan13" / "documents.jsonl.gz")}
    pan = report_half("pan13", read_jsonl_gz(DATA / "pan13" / "pairs.jsonl.gz"))
    for kind, key in (("no-obfuscation", "pan_copy"), ("no-plagiarism", "unrelated")):
        short = [p for p in pan if p["kind"] == kind and len(pan_docs[p["source_id"]]) < 6000
                 and len(pan_docs[p["suspect_id"]]) < 6000]
        for p in stable_sample(short, 2, salt="scan"):
            for side in ("source_id", "suspect_id"):
                rows.append({"id": p[side], "text": pan_docs[p[side]], "outlet": f"pan-{side[:-3]}"})
            truth[key].append((p["source_id"], p["suspect_id"]))
    # a pair whose comparison moves with the BLAS thread count (see LocalEngine._pool)
    fragile = next(p for p in pan if p["id"] == "pan13-train:pair:00403-02153")
    for side in ("source_id", "suspect_id"):
        if fragile[side] not in {r["id"] for r in rows}:
            rows.append({"id": fragile[side], "text": pan_docs[fragile[side]], "outlet": f"pan-{side[:-3]}"})
    truth["fragile"] = (fragile["source_id"], fragile["suspect_id"])
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    truth["ids"] = [r["id"] for r in rows]
    return {"path": path, **truth}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    return _build_corpus(tmp_path_factory.mktemp("scan-corpus"))


@pytest.fixture(scope="module")
def scanned(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("scan-local")
    result = scan([str(corpus["path"])], out, options=OPTIONS)
    return result, out, pq.read_table(out / "edges.parquet").to_pylist()


def _pairs(edges: list[dict]) -> dict[frozenset, dict]:
    return {frozenset((e["source_id"], e["suspect_id"])): e for e in edges}


def test_scan_finds_planted_derivations_with_verdicts_and_directions(corpus, scanned):
    result, _, edges = scanned
    assert result.documents == result.prepared == len(corpus["ids"])
    found = _pairs(edges)
    for original, copy in corpus["verbatim"]:
        e = found[frozenset((original, copy))]
        assert e["verdict"] == "copy" and e["relation"] == "derived"
        assert (e["source_id"], e["direction_basis"]) == (original, "dates")
    # the scan finds what the comparison core itself says of each planted pair (compare, same encoder)
    docs = {r["id"]: r for r in map(json.loads, corpus["path"].read_text(encoding="utf-8").splitlines())}
    hits = 0
    for original, rewrite in corpus["derived"]:
        core = compare_documents(
            as_document(docs[original]["text"], docs[original]["published"]),
            as_document(docs[rewrite]["text"], docs[rewrite]["published"]),
            OPTIONS.compare,
        )
        e = found.get(frozenset((original, rewrite)))
        if abs(core.probability - 0.5) > 0.05:  # float16 vectors may move a pair at the threshold
            assert (e is not None) == core.derived, (original, rewrite, core.probability)
        if e is not None:
            hits += 1
            assert e["verdict"] in ("light", "heavy") and e["relation"] == "derived"
            assert (e["source_id"], e["suspect_id"], e["source_first"]) == (original, rewrite, True)
            assert e["source_published"] == "2020-03-01" and e["suspect_outlet"] == "rewriter"
    assert hits >= 0.6 * len(corpus["derived"])
    for source, suspect in corpus["pan_copy"]:
        assert found[frozenset((source, suspect))]["verdict"] in ("copy", "light")
    for pair in corpus["unrelated"]:
        assert frozenset(pair) not in found
    # two rewrites of one original, both found derived from it: co-derived from it, not copies of each other
    siblings = 0
    for (original, _), (r1, r2) in zip(corpus["derived"][::2], corpus["siblings"], strict=True):
        if {frozenset((original, r1)), frozenset((original, r2))} <= set(found) and frozenset((r1, r2)) in found:
            siblings += 1
            e = found[frozenset((r1, r2))]
            assert (e["relation"], e["shared_source"]) == ("co_derived", original)
    assert siblings >= 1


def test_clusters_have_their_dated_origin(corpus, scanned):
    _, out, edges = scanned
    clusters = pq.read_table(out / "clusters.parquet").to_pylist()
    in_edges = {d for e in edges for d in (e["source_id"], e["suspect_id"])}
    assert sorted(m for c in clusters for m in c["members"]) == sorted(in_edges)
    originals = {o for o, _ in corpus["derived"]}
    for c in clusters:
        members = set(c["members"])
        if members & originals:
            assert c["origin_id"] in originals and c["origin_basis"] == "dates"
            assert c["origin_published"] == c["first_published"] == "2020-03-01"


def test_outlet_figures_sum_to_the_edges(scanned):
    _, out, edges = scanned
    rows = pq.read_table(out / "outlets.parquet").to_pylist()
    pairs = [r for r in rows if r["level"] == "pair"]
    derived = [e for e in edges if e["relation"] == "derived"]
    assert sum(r["edges"] for r in pairs) == len(derived)
    for r in pairs:
        mine = [e for e in derived if (e["source_outlet"], e["suspect_outlet"]) == (r["source_outlet"], r["outlet"])]
        assert r["edges"] == len(mine) and r["derived_articles"] == len({e["suspect_id"] for e in mine})
        assert r["derived_share"] == round(r["derived_articles"] / r["articles"], 4)
    for r in (r for r in rows if r["level"] == "outlet"):
        cross = [e for e in derived if e["suspect_outlet"] == r["outlet"] and e["source_outlet"] != r["outlet"]]
        assert r["derived_articles"] == len({e["suspect_id"] for e in cross})
        sourced = [e for e in derived if e["source_outlet"] == r["outlet"] and e["suspect_outlet"] != r["outlet"]]
        assert r["sourced_articles"] == len({e["source_id"] for e in sourced})
    assert {r["outlet"]: r for r in rows if r["level"] == "outlet"}["rewriter"]["derived_share"] > 0.5
    assert pcsv.read_csv(out / "outlets.csv").num_rows == len(rows)


def test_stopped_scan_resumes_to_the_same_edges(corpus, scanned, tmp_path):
    stopped = scan([str(corpus["path"])], tmp_path, options=OPTIONS, stop_after="candidates")
    assert stopped.stopped_after == "candidates" and not (tmp_path / "edges.parquet").exists()
    assert not sf.stage_dir(tmp_path, "verify").exists()
    resumed = scan([str(corpus["path"])], tmp_path, options=OPTIONS)
    assert resumed.reused == ["corpus", "prepare", "candidates"]
    assert pq.read_table(tmp_path / "edges.parquet").to_pylist() == scanned[2]
    # a changed candidate option redoes candidates and what follows, never the preparation
    again = scan([str(corpus["path"])], tmp_path, options=ScanOptions(compare=OPTIONS.compare, workers=2,
                                                                       neighbours=3))
    assert again.reused == ["corpus", "prepare"]


def test_killed_scan_resumes_to_the_same_edges(corpus, scanned, tmp_path):
    """SIGKILL the CLI while it verifies, then resume: same edges, finished stages reused."""
    cmd = [sys.executable, "-m", "newstrace.cli", "scan", str(corpus["path"]), "--out", str(tmp_path),
           "--encoder", "static"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 120
        while not sf.is_complete_any(tmp_path, "candidates") and time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail("the scan ended before it could be killed")
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (tmp_path / "edges.parquet").exists()
    assert not sf.stage_dir(tmp_path, "graph").exists()
    resumed = scan([str(corpus["path"])], tmp_path, options=ScanOptions(compare=OPTIONS.compare))
    assert resumed.reused[:3] == ["corpus", "prepare", "candidates"]
    assert pq.read_table(tmp_path / "edges.parquet").to_pylist() == scanned[2]


def test_against_yields_only_pairs_across_the_two_sets(corpus, scanned, tmp_path):
    rows = [json.loads(line) for line in corpus["path"].read_text(encoding="utf-8").splitlines()]
    originals = {o for o, _ in corpus["derived"]}
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows if r["id"] not in originals))
    (tmp_path / "src.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows if r["id"] in originals))
    result = scan([str(tmp_path / "in.jsonl")], tmp_path / "out", against=[str(tmp_path / "src.jsonl")],
                  options=OPTIONS)
    edges = pq.read_table(tmp_path / "out" / "edges.parquet").to_pylist()
    assert edges and result.edges == len(edges)
    for e in edges:
        assert (e["source_id"] in originals) != (e["suspect_id"] in originals)
    # every pair across the two sets that the full scan found (a candidate there is one here too)
    across = {k for k in _pairs(scanned[2]) if len(k & originals) == 1}
    assert across and across <= set(_pairs(edges))


def test_spark_engine_gives_identical_edges(corpus, scanned, spark, tmp_path, capsys):
    """The spark-submit job script on the shared session: the same candidates and outputs as local."""
    from newstrace.scan import spark_job

    assert spark_job.main([str(corpus["path"]), "--out", str(tmp_path), "--encoder", "static"]) == 0
    summary = json.loads(capsys.readouterr().out)
    local = scanned[0]
    assert summary["engine"] == "spark"
    assert (summary["candidates"], summary["verified"], summary["edges"]) == (local.candidates, local.verified,
                                                                              local.edges)
    for name in ("edges", "clusters", "outlets"):
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(pq.read_table(scanned[1] / f"{name}.parquet")), name
    spark_pairs = sf.read_stage(tmp_path, "candidates").sort_by([("a", "ascending"), ("b", "ascending")])
    assert spark_pairs.to_pylist() == sf.read_stage(scanned[1], "candidates").to_pylist()
    assert frozenset(corpus["fragile"]) in _pairs(scanned[2])  # the thread-sensitive pair was compared


def test_cli_scan_json_summary_and_bad_options(corpus, scanned, tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["scan", str(corpus["path"]), "--out", str(tmp_path), "--encoder", "static", "--json",
                              "--since", "2020-03-02"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["schema"] == "newstrace.scan/1" and set(summary["timings_s"]) >= {"prepare", "verify", "graph"}
    # only the dated articles from 2 March on: the rewrites and copies, not the originals or PAN13
    assert summary["documents"] == sum(1 for _ in corpus["derived"]) + len(corpus["verbatim"])
    for path in summary["outputs"].values():
        assert Path(path).is_file()
    bad = runner.invoke(app, ["scan", str(corpus["path"]), "--out", str(tmp_path), "--since", "March"])
    assert bad.exit_code == 2 and "ISO date" in bad.output
    missing = runner.invoke(app, ["scan", str(tmp_path / "nothing.jsonl"), "--out", str(tmp_path / "o")])
    assert missing.exit_code == 2


def test_report_renders_in_chromium(scanned, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.fail("headless Chromium missing at /usr/bin/chromium (apt-get install chromium)")
    html = (scanned[1] / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in html and "&lt;script&gt;" in html and "<b>mirror</b>" not in html
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=args)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((scanned[1] / "report.html").as_uri())
        widths = page.evaluate("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) == 4 and min(widths) > 100
        assert page.locator("table.clusters tbody tr").count() == scanned[0].clusters
        assert page.locator("table.outlets tbody tr").count() >= 4
        assert page.locator("script").count() == 0
        assert HOSTILE in page.locator("table.clusters").inner_text()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert all(u.startswith(("file:", "data:")) for u in requests)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_judged_findings_only_add_to_the_rules_counts(corpus):
    """`judge_findings` lets the model grade the findings: the verdict and direction stay, and the
    rules' counts stay within the judged ones (grading lowers a finding, it never removes one)."""
    from newstrace.scan.prepare import prepare_rows, rebuild
    from newstrace.scan.verify import verify_pair

    docs = {r["id"]: r for r in map(json.loads, corpus["path"].read_text(encoding="utf-8").splitlines())}
    judged = ScanOptions(compare=OPTIONS.compare, judge_findings=True)
    compared = 0
    for original, rewrite in corpus["derived"]:
        a, b = (rebuild(r, "static") for r in prepare_rows([docs[original], docs[rewrite]], OPTIONS.compare))
        rules, graded = verify_pair(original, a, rewrite, b, OPTIONS), verify_pair(original, a, rewrite, b, judged)
        assert {k: v for k, v in rules.items() if "findings" not in k} == {
            k: v for k, v in graded.items() if "findings" not in k
        }
        if not rules["derived"]:
            continue
        compared += 1
        counted, counted_judged = json.loads(rules["findings"]), json.loads(graded["findings"])
        assert all(counted_judged.get(kind, 0) >= n for kind, n in counted.items()), (counted, counted_judged)
        changed = {k for k in counted_judged if counted_judged[k] != counted.get(k)}
        assert changed <= {"unsupported_addition"}
    assert compared >= 3
