"""`index add` on bad input: one bad line is rejected with file:line, every other line is kept.

Real article text from the shared LLMFake documents, a real on-disk index in tmp_path, the CLI
through typer's CliRunner (and, for the concurrency test, real processes).
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
import subprocess
import sys
import threading
import time
from itertools import islice
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newstrace.cli import app
from newstrace.errors import IndexLocked
from newstrace.index.ingest import MAX_TEXT_BYTES
from newstrace.index.store import IndexedDocument, open_store

from .conftest import DATA

runner = CliRunner()


@pytest.fixture(scope="module")
def articles() -> list[dict]:
    """Up to 300 real articles (the long originals of LLMFake: 289), read without loading the whole file."""
    with gzip.open(DATA / "llmfake" / "documents.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = (json.loads(line) for line in fh)
        return list(islice((r for r in rows if ":orig:" in r["id"] and len(r["text"]) > 1500), 300))


def line(rec: dict) -> bytes:
    return (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")


def add(index: Path, *args: str, input: bytes | None = None):
    res = runner.invoke(app, ["index", "add", *args, "--index", str(index), "--json"], input=input)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res, json.loads(res.stdout)


def cp1252_line(rec: dict) -> bytes:
    """A record whose text carries one cp1252 byte (é as \\xe9), as a mis-encoded crawl writes it."""
    return (json.dumps({**rec, "text": rec["text"] + " Café."}, ensure_ascii=False) + "\n").encode("cp1252")


@pytest.mark.parametrize("kind", ["jsonl", "jsonl.gz", "stdin"])
def test_one_non_utf8_byte_rejects_only_its_line(tmp_path, articles, kind):
    data = b"".join(cp1252_line(r) if k == 4 else line(r) for k, r in enumerate(articles[:8]))
    if kind == "stdin":
        res, report = add(tmp_path / "ix", "-", input=data)
        where = "stdin"
    else:
        path = tmp_path / f"crawl.{kind}"
        path.write_bytes(gzip.compress(data) if kind.endswith(".gz") else data)
        res, report = add(tmp_path / "ix", str(path))
        where = str(path)
    assert res.exit_code == 1, res.output  # some records rejected
    assert report["added"] == 7
    assert [r["where"] for r in report["rejections"]] == [f"{where}:5"]
    assert "not valid utf-8" in report["rejections"][0]["reason"] and "--encoding" in report["rejections"][0]["reason"]
    store = open_store(tmp_path / "ix", create=False)
    assert store.get(articles[4]["id"]) is None and store.get(articles[5]["id"]) is not None
    store.close()


def test_encoding_option_reads_a_cp1252_jsonl(tmp_path, articles):
    path = tmp_path / "legacy.jsonl"
    path.write_bytes(b"".join(cp1252_line(r) for r in articles[:3]))
    res, report = add(tmp_path / "ix", str(path), "--encoding", "cp1252")
    assert res.exit_code == 0, res.output
    assert report["added"] == 3, report["rejections"]
    store = open_store(tmp_path / "ix", create=False)
    assert store.get(articles[0]["id"]).text.endswith("Café.")
    store.close()
    res = runner.invoke(app, ["index", "add", str(path), "--index", str(tmp_path / "ix"), "--encoding", "klingon"])
    assert res.exit_code == 2 and "unknown encoding" in res.stderr


def test_malformed_lines_are_rejected_alone(tmp_path, articles):
    good = articles[:6]
    bad = [
        b'{"id": "huge-number", "text": "x", "n": ' + b"9" * 5000 + b"}\n",
        b"[" * 100_000 + b"]" * 100_000 + b"\n",
        b'{"id": "surrogate", "text": "lone \\ud800 surrogate in an otherwise fine record"}\n',
        b'{"id": "cut", "text": "half a rec\n',
        b'["an", "array"]\n',
        b'{"id": {"nested": 1}, "text": "an id that is an object"}\n',
    ]
    lines = [line(good[0]), bad[0], line(good[1]), bad[1], line(good[2]), bad[2], line(good[3]), bad[3], bad[4]]
    lines += [bad[5], line(good[4]), line(good[5])]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(lines))
    res, report = add(tmp_path / "ix", str(path))
    assert res.exit_code == 1, res.output
    assert report["added"] == 6  # every good record, around and after the bad ones
    rejected = {r["where"].rsplit(":", 1)[1]: r["reason"] for r in report["rejections"]}
    assert sorted(rejected, key=int) == ["2", "4", "6", "8", "9", "10"]
    assert "digits" in rejected["2"]
    assert "nested too deep" in rejected["4"]
    assert "not valid Unicode" in rejected["6"]
    assert "malformed JSON" in rejected["8"]
    assert "not a JSON object" in rejected["9"]
    assert "id must be" in rejected["10"]
    store = open_store(tmp_path / "ix", create=False)
    assert store.verify() == [] and store.stats()["documents"] == 6
    store.close()


def test_on_error_stop_keeps_what_came_before(tmp_path, articles):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join([*map(line, articles[:3]), b"{broken\n", *map(line, articles[3:6])]))
    res, report = add(tmp_path / "ix", str(path), "--on-error", "stop")
    assert res.exit_code == 1
    assert report["stopped"] is True and report["added"] == 3 and report["rejected"] == 1
    res, report = add(tmp_path / "ix", str(path))  # skip (the default) goes on past it
    assert (report["added"], report["skipped"], report["stopped"]) == (3, 3, False)
    res = runner.invoke(app, ["index", "add", str(path), "--index", str(tmp_path / "ix"), "--on-error", "maybe"])
    assert res.exit_code == 2


def test_truncated_gzip_keeps_the_lines_before(tmp_path, articles):
    data = gzip.compress(b"".join(map(line, articles[:20])))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 3 // 4])
    res, report = add(tmp_path / "ix", str(path))
    assert res.exit_code == 1
    assert 5 <= report["added"] < 20
    assert report["rejections"][-1]["where"] == f"{path}:{report['added'] + 1}"
    assert "truncated" in report["rejections"][-1]["reason"]


def test_csv_fields_up_to_the_document_limit(tmp_path, articles):
    long_text = " ".join(a["text"] for a in articles)  # real text, well over the csv module's 128 KiB
    assert 131_072 < len(long_text) < MAX_TEXT_BYTES
    path = tmp_path / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerow(["first", articles[0]["text"]])
        w.writerow(["long", long_text])
        w.writerow(["oversize", "x" * (MAX_TEXT_BYTES + 10)])
        w.writerow(["after", articles[1]["text"]])
    res, report = add(tmp_path / "ix", str(path))
    assert res.exit_code == 1, res.output
    assert report["added"] == 3  # first, long, after
    assert [r["where"] for r in report["rejections"]] == [f"{path}:4"]
    store = open_store(tmp_path / "ix", create=False)
    assert len(store.get("long").text) == len(long_text) and store.get("after") is not None
    store.close()


def test_exit_codes_and_rejections_on_stderr(tmp_path, articles):
    index = str(tmp_path / "ix")
    res = runner.invoke(app, ["index", "add", str(tmp_path / "nonexistent.txt"), "--index", index])
    assert res.exit_code == 2  # nothing accepted
    assert "no such file" in res.stderr and "no such file" not in res.stdout
    (tmp_path / "empty").mkdir()
    assert runner.invoke(app, ["index", "add", str(tmp_path / "empty"), "--index", index]).exit_code == 2
    path = tmp_path / "ok.jsonl"
    path.write_bytes(b"".join(map(line, articles[:2])))
    res = runner.invoke(app, ["index", "add", str(path), "--index", index])
    assert res.exit_code == 0 and "added 2" in res.stdout
    res = runner.invoke(app, ["index", "add", str(path), "--index", index])  # unchanged: skipped is accepted
    assert res.exit_code == 0 and "skipped 2" in res.stdout
    res = runner.invoke(app, ["index", "add", str(path), str(tmp_path / "gone.jsonl"), "--index", index])
    assert res.exit_code == 1 and "gone.jsonl" in res.stderr and "gone.jsonl" not in res.stdout


def test_reingesting_a_file_that_repeats_an_id_skips_it(tmp_path, articles):
    a, b = articles[0], articles[1]
    path = tmp_path / "dupes.jsonl"
    path.write_bytes(line(a) + line({"id": a["id"], "text": b["text"]}) + line(b) + line(a))
    res, first = add(tmp_path / "ix", str(path))
    assert res.exit_code == 1  # the id given again with other content is rejected
    assert (first["added"], first["updated"], first["skipped"], first["rejected"]) == (2, 0, 1, 1)
    assert first["rejections"][0]["where"] == f"{path}:2" and f"{path}:1" in first["rejections"][0]["reason"]
    db = tmp_path / "ix" / "index.sqlite"
    rows_before = sqlite3.connect(db).execute("SELECT rowid, id, content_hash FROM documents").fetchall()
    _, again = add(tmp_path / "ix", str(path))
    assert (again["added"], again["updated"], again["skipped"]) == (0, 0, 3)
    assert sqlite3.connect(db).execute("SELECT rowid, id, content_hash FROM documents").fetchall() == rows_before
    store = open_store(tmp_path / "ix", create=False)
    assert store.get(a["id"]).text == a["text"]  # the first record of an id is the one kept
    store.close()


def test_published_is_parsed_strictly_and_a_bad_one_only_drops_the_date(tmp_path, articles):
    dates = [" 2023-09-12 ", "2023-09-12T10:30:00+02:00", "2023-09-12garbage", "12/09/2023", ""]
    path = tmp_path / "dated.jsonl"
    path.write_bytes(b"".join(line({**r, "published": d}) for r, d in zip(articles, dates, strict=False)))
    res, report = add(tmp_path / "ix", str(path))
    assert res.exit_code == 0, res.output  # every document accepted, two without their date
    assert report["added"] == 5
    assert [w["where"] for w in report["warnings"]] == [f"{path}:3", f"{path}:4"]
    assert "2023-09-12garbage" in report["warnings"][0]["message"]
    store = open_store(tmp_path / "ix", create=False)
    got = [store.get(r["id"]).published for r in articles[:5]]
    store.close()
    assert got == ["2023-09-12", "2023-09-12", None, None, None]
    res = runner.invoke(app, ["index", "add", str(path), "--index", str(tmp_path / "ix2")])
    assert "warning" in res.stderr and "2023-09-12garbage" in res.stderr


def test_a_writer_waits_a_bounded_time_then_says_the_index_is_locked(tmp_path, articles):
    store = open_store(tmp_path / "ix", lock_timeout=0.3)
    store.upsert([IndexedDocument(id="a", text=articles[0]["text"])])
    other = sqlite3.connect(tmp_path / "ix" / "index.sqlite")
    other.execute("BEGIN IMMEDIATE")  # another process's write transaction
    start = time.monotonic()
    with pytest.raises(IndexLocked, match="another process"):
        store.upsert([IndexedDocument(id="b", text=articles[1]["text"])])
    assert time.monotonic() - start < 5
    assert store.get("a") is not None  # reading goes on while the other writes
    other.rollback()
    assert store.upsert([IndexedDocument(id="b", text=articles[1]["text"])]) == {"b": "added"}
    store.close()


def test_two_writers_with_overlapping_ids_and_a_reader(tmp_path, articles):
    index = tmp_path / "ix"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(b"".join(map(line, articles[:150])))
    second.write_bytes(b"".join(map(line, articles[100:250])))  # ids 100..149 in both
    open_store(index).close()  # the index exists before the reader starts
    stop = threading.Event()
    reads: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        store = open_store(index, create=False)
        try:
            while not stop.is_set():
                store.search(["president", "minister", "police"], 10)
                store.get(articles[150]["id"])
                reads.append(store.stats()["documents"])
        except BaseException as exc:  # any failure of a reader is the finding
            errors.append(exc)
        finally:
            store.close()

    thread = threading.Thread(target=reader)
    thread.start()
    cmd = [sys.executable, "-m", "newstrace.cli", "index", "add", "--index", str(index), "--json"]
    writers = [
        subprocess.Popen([*cmd, str(p)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in (first, second)
    ]
    outs = [w.communicate(timeout=120) for w in writers]
    stop.set()
    thread.join(timeout=30)
    for w, (_, err) in zip(writers, outs, strict=True):
        assert w.returncode == 0, err.decode()
    reports = [json.loads(out) for out, _ in outs]
    assert sum(r["added"] for r in reports) == 250 and sum(r["skipped"] for r in reports) == 50
    assert not errors and len(reads) > 1 and reads[-1] <= 250
    res = runner.invoke(app, ["index", "verify", "--index", str(index)])
    assert res.exit_code == 0 and "index OK" in res.stdout
    store = open_store(index, create=False)
    assert store.stats()["documents"] == 250
    store.close()


def test_a_document_over_the_compare_limits_is_rejected_alone(tmp_path, articles):
    """A text `trace` could never verify (over max_sentences; over the size limit) is refused with
    file:line, in JSONL and as a file, and every other record is kept."""
    from newstrace.options import CompareOptions

    limit = CompareOptions().max_sentences
    names = sorted({w for a in articles for w in a["text"].split() if w.isalpha() and w.istitle() and len(w) > 3})
    many = " ".join(f"{names[k % len(names)]} went home." for k in range(limit + 10))  # short real sentences
    too_long = {"id": "too-many-sentences", "text": many}
    too_big = {"id": "too-big", "text": articles[0]["text"] * (MAX_TEXT_BYTES // len(articles[0]["text"]) + 1)}
    path = tmp_path / "limits.jsonl"
    path.write_bytes(line(articles[0]) + line(too_long) + line(articles[1]) + line(too_big) + line(articles[2]))
    long_file = tmp_path / "long.txt"
    long_file.write_text(many, encoding="utf-8")
    res, report = add(tmp_path / "ix", str(path), str(long_file))
    assert res.exit_code == 1, res.output
    assert report["added"] == 3, report["rejections"]
    reasons = {r["where"]: r["reason"] for r in report["rejections"]}
    assert "max_sentences" in reasons[f"{path}:2"] and f"{limit:,} sentences" in reasons[f"{path}:2"]
    assert "over" in reasons[f"{path}:4"] and f"{MAX_TEXT_BYTES:,}" in reasons[f"{path}:4"]
    assert "max_sentences" in reasons[str(long_file)]
