"""The on-disk index and trace, on real text, with a real SQLite index in a temp folder."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newstrace.cli import app
from newstrace.index.ingest import ingest
from newstrace.index.store import IndexedDocument, open_store
from newstrace.options import TraceOptions
from newstrace.textio import load_document, parse_document
from newstrace.trace import trace

from .conftest import DATA, read_jsonl_gz

runner = CliRunner()


@pytest.fixture(scope="module")
def originals() -> list[dict]:
    docs = [d for d in read_jsonl_gz(DATA / "llmfake" / "documents.jsonl.gz") if ":orig:" in d["id"]]
    return [d for d in docs if len(d["text"]) > 1500][:300]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_ingest_every_format(tmp_path, seed_paths, originals):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(originals[0]["text"], encoding="utf-8")
    (folder / "sub" / "b.html").write_text(
        "<html><body><article>"
        + "".join(f"<p>{p}</p>" for p in originals[1]["text"].split(". "))
        + "</article></body></html>",
        encoding="utf-8",
    )
    (folder / "skip.log").write_text("not an article", encoding="utf-8")
    jsonl = write_jsonl(
        tmp_path / "more.jsonl",
        [
            {"id": "j1", "text": originals[2]["text"], "outlet": "Example", "published": "2020-03-01", "title": "T"},
            {"id": "j2", "html": f"<html><body><p>{originals[3]['text']}</p></body></html>"},
            {"id": "bad-date", "text": originals[4]["text"], "published": "March 1st"},
            {"text": "no id here"},
        ],
    )
    (tmp_path / "more.jsonl").write_text(jsonl.read_text() + "{broken json\n", encoding="utf-8")
    with (tmp_path / "rows.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "text", "outlet", "published"])
        w.writeheader()
        w.writerow({"id": "c1", "text": originals[5]["text"], "outlet": "CSV Daily", "published": "2021-01-02"})
        w.writerow({"id": "c2", "text": "", "outlet": "", "published": ""})
    index = tmp_path / "ix"
    res = runner.invoke(
        app,
        ["index", "add", str(folder), str(tmp_path / "more.jsonl"), str(tmp_path / "rows.csv"),
         str(seed_paths[0]), "--index", str(index), "--json"],
    )  # fmt: skip
    assert res.exit_code == 1, res.output  # some records were rejected
    report = json.loads(res.stdout)
    assert report["added"] == 7  # a.txt, sub/b.html, j1, j2, bad-date (without its date), c1, the seed source
    reasons = " | ".join(r["reason"] for r in report["rejections"])
    assert report["rejected"] == 3
    assert "no id" in reasons and "malformed JSON" in reasons and "no text" in reasons
    assert [w["where"].rsplit(":", 1)[1] for w in report["warnings"]] == ["3"]
    assert "ISO date" in report["warnings"][0]["message"]
    store = open_store(index, create=False)
    assert store.get("j1").outlet == "Example" and store.get("j1").published == "2020-03-01"
    assert store.get("seed_source.txt").published == "2023-09-12"  # read off the metadata line
    assert store.get("sub/b.html") is not None
    assert store.get("bad-date").published is None
    assert store.stats()["documents"] == 7 and store.stats()["sentences"] > 50
    assert store.verify() == []
    store.close()


def test_ingest_from_stdin(tmp_path, originals):
    data = "".join(json.dumps({"id": d["id"], "text": d["text"]}) + "\n" for d in originals[:3])
    res = runner.invoke(app, ["index", "add", "-", "--index", str(tmp_path / "ix"), "--json"], input=data)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["added"] == 3


def test_incremental_update_remove_reopen(tmp_path, originals):
    index = tmp_path / "ix"
    store = open_store(index)
    docs = [IndexedDocument(id=d["id"], text=d["text"]) for d in originals[:20]]
    assert ingest(store, docs[:10]).added == 10
    again = ingest(store, docs[:15])
    assert (again.added, again.skipped, again.updated) == (5, 10, 0)
    changed = IndexedDocument(id=docs[0].id, text=docs[0].text + " An added closing sentence.")
    assert ingest(store, [changed]).updated == 1
    assert store.get(docs[0].id).text.endswith("closing sentence.")
    before = store.stats()
    assert store.remove([docs[1].id, "no-such-id"]) == [docs[1].id]
    assert store.stats()["documents"] == before["documents"] - 1
    store.close()
    reopened = open_store(index, create=False)
    assert reopened.stats()["documents"] == 14
    assert reopened.get(docs[1].id) is None
    assert reopened.verify() == []
    # add then remove restores the statistics
    stats = reopened.stats()
    ingest(reopened, [IndexedDocument(id="tmp", text=originals[25]["text"])])
    reopened.remove(["tmp"])
    after = reopened.stats()
    assert {k: after[k] for k in ("documents", "sentences", "characters")} == {
        k: stats[k] for k in ("documents", "sentences", "characters")
    }
    reopened.close()


def test_missing_index_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["index", "stats", "--index", str(tmp_path / "none")])
    assert res.exit_code != 0 and "no newstrace index" in " ".join(res.output.split())


def test_verify_finds_damage(tmp_path, originals):
    import sqlite3

    index = tmp_path / "ix"
    store = open_store(index)
    ingest(store, [IndexedDocument(id=d["id"], text=d["text"]) for d in originals[:5]])
    store.close()
    conn = sqlite3.connect(index / "index.sqlite")
    conn.execute("UPDATE documents SET n_chars = n_chars + 1 WHERE rowid = 1")
    conn.execute("DELETE FROM terms_fts_docsize WHERE id = 2")
    conn.commit()
    conn.close()
    res = runner.invoke(app, ["index", "verify", "--index", str(index)])
    assert res.exit_code == 1
    said = " ".join(res.output.split())
    assert "term rows" in said and "characters stored" in said


def test_compression_dictionary_is_trained_and_texts_survive_it(tmp_path, monkeypatch, originals):
    """Crossing the training threshold recompresses what is stored; every text reads back intact."""
    from newstrace.index import store as store_module

    monkeypatch.setattr(store_module, "DICTIONARY_TRAIN_DOCS", 200)
    docs = [d["text"] for d in originals[:260]]
    store = open_store(tmp_path / "ix")
    ingest(store, [IndexedDocument(id=f"d{k}", text=t) for k, t in enumerate(docs[:150])])
    assert store.conn.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 0
    ingest(store, [IndexedDocument(id=f"d{k}", text=t) for k, t in enumerate(docs)], batch=50)
    assert store.conn.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 1
    assert store.conn.execute("SELECT count(*) FROM documents WHERE dictionary IS NULL").fetchone()[0] == 0
    store.close()
    reopened = open_store(tmp_path / "ix", create=False)
    assert all(reopened.get(f"d{k}").text == t for k, t in enumerate(docs))
    assert reopened.remove(["d3"]) == ["d3"] and reopened.verify() == []
    reopened.close()


def test_an_index_from_an_older_schema_is_refused_with_advice(tmp_path):
    import sqlite3

    (tmp_path / "old").mkdir()
    conn = sqlite3.connect(tmp_path / "old" / "index.sqlite")
    conn.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema', '1')")
    conn.commit()
    conn.close()
    res = runner.invoke(app, ["index", "stats", "--index", str(tmp_path / "old")])
    assert res.exit_code != 0 and "index export" in " ".join(res.output.split())


def test_export_round_trips(tmp_path, originals):
    index = tmp_path / "ix"
    store = open_store(index)
    ingest(store, [IndexedDocument(id=d["id"], text=d["text"], outlet="X") for d in originals[:4]])
    store.close()
    out = tmp_path / "export.jsonl"
    assert runner.invoke(app, ["index", "export", "--index", str(index), "--out", str(out)]).exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["id"] for r in rows} == {d["id"] for d in originals[:4]} and rows[0]["outlet"] == "X"


def test_kill_during_ingest_leaves_a_usable_index(tmp_path, originals):
    big = [{"id": f"{d['id']}#{k}", "text": d["text"]} for k in range(12) for d in originals]
    src = write_jsonl(tmp_path / "big.jsonl", big)
    index = tmp_path / "ix"
    cmd = [sys.executable, "-m", "newstrace.cli", "index", "add", str(src), "--index", str(index)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = index / "index.sqlite"
    deadline = time.time() + 60

    def written() -> int:  # the database and its write-ahead log together
        return sum(p.stat().st_size for p in index.glob("index.sqlite*")) if db.exists() else 0

    while time.time() < deadline and written() < 1_500_000:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = open_store(index, create=False)
    partial = store.stats()["documents"]
    assert store.verify() == []
    store.close()
    assert partial < len(big)  # it really was cut short
    res = runner.invoke(app, ["index", "add", str(src), "--index", str(index), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["skipped"] == partial and report["added"] == len(big) - partial
    store = open_store(index, create=False)
    assert store.stats()["documents"] == len(big) and store.verify() == []
    store.close()


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory, originals, seed_paths):
    """Thousands of real documents (news, summaries' articles, simplified Guardian, web essays)."""
    index = tmp_path_factory.mktemp("corpus") / "ix"
    store = open_store(index)
    docs = [IndexedDocument(id=d["id"], text=d["text"]) for d in originals]
    for name, count in (("frank", 1000), ("onestopenglish", 300), ("pan13", 1000)):
        rows = list(read_jsonl_gz(DATA / name / "documents.jsonl.gz"))[:count]
        docs += [IndexedDocument(id=d["id"], text=d["text"]) for d in rows]
    assert len(docs) > 2000
    seed = load_document(seed_paths[0])
    docs.append(IndexedDocument(id="seed-source", text=seed.text, published="2023-09-12"))
    ingest(store, docs)
    yield store
    store.close()


def test_trace_finds_the_seed_source(corpus_index, seed_paths):
    result = trace(load_document(seed_paths[1]), corpus_index)
    top = result.sources[0]
    assert top.document.id == "seed-source" and top.comparison.derived and top.role == "source"
    assert top.comparison.verdict == "heavy"
    assert len(result.unsourced) <= 3


def test_trace_with_its_second_thread_matches_the_same_steps_run_in_turn(corpus_index, seed_paths):
    from newstrace.options import TraceOptions
    from newstrace.prepared import prepare_many
    from newstrace.trace import _with_metadata

    article = load_document(seed_paths[1])
    options = TraceOptions()
    threaded = trace(article, corpus_index)
    # the same trace with the article prepared first and every source prepared on demand, in turn
    (prepared_article,) = prepare_many([article], options.compare)
    in_turn = trace(
        prepared_article, corpus_index, options, lambda doc: prepare_many([_with_metadata(doc)], options.compare)[0]
    )
    assert threaded.ranking == in_turn.ranking and threaded.unsourced == in_turn.unsourced
    assert [round(s.comparison.probability, 6) for s in threaded.sources] == [
        round(s.comparison.probability, 6) for s in in_turn.sources
    ]


def test_trace_multi_source_article(corpus_index, originals):
    a, b = originals[10]["text"], originals[11]["text"]
    a_part = a[: a.rfind(". ", 0, len(a) // 2) + 1]
    b_part = b[b.find(". ", len(b) // 2) + 2 :]
    article = parse_document(a_part + "\n\n" + b_part)
    result = trace(article, corpus_index)
    by_id = {s.document.id: s for s in result.sources if s.comparison.derived}
    assert originals[10]["id"] in by_id and originals[11]["id"] in by_id
    split = len(a_part)
    assert all(end <= split + 2 for _, end in by_id[originals[10]["id"]].sentences)
    assert all(start >= split for start, _ in by_id[originals[11]["id"]].sentences)


def test_trace_article_with_no_source(corpus_index):
    # an ECB+ article (2008-2013 news); F3 would not do: it shares originals with LLMFake
    other = next(d for d in read_jsonl_gz(DATA / "ecbplus" / "documents.jsonl.gz") if len(d["text"]) > 1500)
    article = parse_document(other["text"])
    result = trace(article, corpus_index)
    assert not any(s.comparison.derived for s in result.sources)
    assert len(result.unsourced) >= 5


def test_trace_cli_json(corpus_index, seed_paths):
    res = runner.invoke(app, ["trace", str(seed_paths[1]), "--index", str(corpus_index.dir), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["schema"] == "newstrace.trace/1"
    first = out["sources"][0]
    assert {"id", "verdict", "probability", "coverage", "derived", "direction", "alignments"} <= first.keys()
    assert first["id"] == "seed-source" and isinstance(out["unsourced"], list)
    assert out["encoder"] == "static"  # trace's default: verification inside the time budget


def test_trace_can_verify_with_the_model(corpus_index, seed_paths):
    args = ["trace", str(seed_paths[1]), "--index", str(corpus_index.dir), "--json", "--encoder", "minilm"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["encoder"] == "minilm"
    assert out["sources"][0]["id"] == "seed-source" and out["sources"][0]["verdict"] == "heavy"


def test_source_published_after_the_article_is_a_possible_copy(tmp_path, seed_paths):
    store = open_store(tmp_path / "ix")
    rewrite = seed_paths[1].read_text(encoding="utf-8")
    ingest(store, [IndexedDocument(id="later-rewrite", text=rewrite, published="2023-10-01")])
    result = trace(load_document(seed_paths[0]), store)  # the dated original, traced against its copy
    assert result.sources[0].role == "possible_copy"
    store.close()


def test_passage_evidence_finds_a_reused_passage_inside_a_long_text(seed_paths):
    """A rewrite scores above a same-topic independent report, which scores above unrelated text."""
    from newstrace.lexical import tokens
    from newstrace.trace import passage_evidence

    source, rewrite = (p.read_text(encoding="utf-8") for p in seed_paths)
    ecb = read_jsonl_gz(DATA / "ecbplus" / "documents.jsonl.gz")
    unrelated = next(d["text"] for d in ecb if "earthquake" in d["text"] and len(d["text"]) > 1500)
    whole = passage_evidence(tokens(rewrite), source)
    assert whole > 0.6 > passage_evidence(tokens(rewrite), unrelated)
    # a third of the rewrite buried in a long unrelated document is still found
    buried = unrelated + "\n\n" + rewrite[: len(rewrite) // 3] + "\n\n" + unrelated
    assert passage_evidence(tokens(buried), source) > 2 * passage_evidence(tokens(unrelated), source)


def test_query_terms_are_the_rarest_in_the_index(corpus_index, seed_paths):
    from newstrace.index.retrieve import build_query
    from newstrace.options import TraceOptions

    rewrite = seed_paths[1].read_text(encoding="utf-8")
    options = TraceOptions()
    chosen = build_query(corpus_index, rewrite, 60, options.query_terms, options)
    counts = corpus_index.document_frequencies(chosen)
    assert len(chosen) == options.query_terms and set(counts) == set(chosen) and all(n >= 1 for n in counts.values())
    # nothing left out of the query is rarer in the index than what went in
    from newstrace.index.terms import query_terms

    left_out = corpus_index.document_frequencies([t for t in query_terms(rewrite, 60) if t not in chosen])
    assert not left_out or min(left_out.values()) >= max(counts.values())


def test_term_counts_agree_with_the_full_text_index(corpus_index):
    """Thousands of real texts (accents, digits, PAN's web essays): our counts are FTS5's."""
    counted = dict(corpus_index.conn.execute("SELECT term, documents FROM term_counts"))
    fts = dict(corpus_index.conn.execute("SELECT term, doc FROM temp.terms_vocab"))
    assert len(fts) > 50_000 and counted == fts


def test_term_counts_follow_fts5_where_python_and_sqlite_split_words_differently(tmp_path, originals):
    # New Tai Lue vowel signs are letters to Python and word breaks to SQLite's unicode61 tables
    odd = originals[0]["text"] + " ᦵᦋᦲᦉᦰ ᦡᦱᦺ Москва заявила"
    store = open_store(tmp_path / "ix")
    ingest(store, [IndexedDocument(id="odd", text=odd), IndexedDocument(id="plain", text=originals[1]["text"])])
    assert store.verify() == []
    ingest(store, [IndexedDocument(id="odd", text=odd + " Ещё ᦺ")])  # an update
    assert store.verify() == []
    store.remove(["odd", "plain"])
    assert store.conn.execute("SELECT count(*) FROM term_counts").fetchone()[0] == 0
    store.close()


def test_index_of_schema_2_is_upgraded_in_place(tmp_path, originals):
    store = open_store(tmp_path / "ix")
    ingest(store, [IndexedDocument(id=d["id"], text=d["text"]) for d in originals[:5]])
    expected = dict(store.conn.execute("SELECT term, documents FROM term_counts"))
    with store.conn:  # what a schema-2 index looked like: no term counts
        store.conn.execute("DROP TABLE term_counts")
        store.conn.execute("UPDATE meta SET value='2' WHERE key='schema'")
    store.close()
    upgraded = open_store(tmp_path / "ix", create=False)
    assert dict(upgraded.conn.execute("SELECT term, documents FROM term_counts")) == expected
    assert upgraded.conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0] == "3"
    assert upgraded.verify() == []
    upgraded.close()


def test_verify_notices_wrong_term_counts(tmp_path, originals):
    store = open_store(tmp_path / "ix")
    ingest(store, [IndexedDocument(id=d["id"], text=d["text"]) for d in originals[:3]])
    store.conn.execute("UPDATE term_counts SET documents = 7 WHERE term = (SELECT min(term) FROM term_counts)")
    store.conn.commit()
    assert any("term counts disagree" in p for p in store.verify())
    store.close()


def test_verify_notices_a_document_missing_from_the_full_text_index(tmp_path, originals):
    from newstrace.index.terms import document_terms

    store = open_store(tmp_path / "ix")
    ingest(store, [IndexedDocument(id=d["id"], text=d["text"]) for d in originals[:3]])
    text = originals[1]["text"]
    # drop document 2's postings the way a half-applied write would, leaving its size row alone
    store.conn.execute(
        "INSERT INTO terms_fts(terms_fts, rowid, terms) VALUES ('delete', 2, ?)", (" ".join(document_terms(text)),)
    )
    store.conn.execute("INSERT INTO terms_fts_docsize(id, sz) VALUES (2, x'01')")
    store.conn.commit()
    problems = store.verify()
    assert any("cannot be found through the full-text index" in p for p in problems)
    store.close()


def test_trace_since_leaves_out_older_documents(corpus_index, seed_paths):
    """--since drops documents published before the date (undated ones stay candidates)."""
    rewrite = load_document(seed_paths[1])
    assert trace(rewrite, corpus_index, TraceOptions(since="2023-09-01")).sources[0].document.id == "seed-source"
    later = trace(rewrite, corpus_index, TraceOptions(since="2024-01-01"))
    assert "seed-source" not in later.ranking and later.candidates > 0


def test_an_indexed_text_too_long_to_align_is_left_unverified_not_fatal(tmp_path, seed_paths):
    """A long indexed text holding the seed source, over the pair limit with the rewrite: trace still
    verifies the seed source itself; with no candidate that fits, the article is refused, limit named."""
    from dataclasses import replace

    from newstrace.errors import InputError
    from newstrace.options import CompareOptions

    seed = load_document(seed_paths[0]).text
    pan = [d["text"] for d in read_jsonl_gz(DATA / "pan13" / "documents.jsonl.gz")[:40] if "Korea" not in d["text"]]
    store = open_store(tmp_path / "ix")
    ingest(
        store,
        [
            IndexedDocument(id="long", text="\n\n".join([*pan[:20], seed, *pan[20:]])),
            IndexedDocument(id="seed-source", text=seed),
        ],
    )
    article = load_document(seed_paths[1])
    options = TraceOptions(compare=CompareOptions(encoder="static", max_sentence_pairs=20_000))
    result = trace(article, store, options)
    assert [s.document.id for s in result.sources][:1] == ["seed-source"] and result.sources[0].comparison.derived
    assert "long" in result.ranking and "long" not in [s.document.id for s in result.sources]
    with pytest.raises(InputError, match="max_sentence_pairs"):
        trace(article, store, replace(options, compare=replace(options.compare, max_sentence_pairs=500)))
    store.close()
