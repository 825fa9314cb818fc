"""The HTTP API through a real uvicorn server on loopback (a `newstrace serve` subprocess)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newstrace.cli import app as cli
from newstrace.compare import compare_documents
from newstrace.index.store import open_store
from newstrace.options import CompareOptions, TraceOptions
from newstrace.serve import ServeOptions
from newstrace.textio import load_document, parse_document
from newstrace.trace import trace

from .conftest import EXAMPLES
from .serve_server import LiveServer, free_port

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEED_SOURCE = (EXAMPLES / "seed_source.txt").read_text(encoding="utf-8")
SEED_REWRITE = (EXAMPLES / "seed_rewrite.txt").read_text(encoding="utf-8")
ALLOWED = {200, 400, 401, 404, 413, 422, 503}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    index = tmp_path_factory.mktemp("serve-api") / "index"
    with LiveServer(index, "--token", TOKEN, "--max-body", "200000") as live:
        yield live
    assert "Traceback" not in live.output() or "unexpected error" in live.output()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["status"] == status
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body["error"]["message"]


def test_healthz_openapi_and_offline_docs(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["ready"] is True and health["workers"] >= 1
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/api/compare", "post"),
        ("/api/trace", "post"),
        ("/api/documents", "post"),
        ("/api/documents/{doc_id}", "get"),
        ("/api/documents/{doc_id}", "delete"),
        ("/api/stats", "get"),
        ("/healthz", "get"),
    ]:
        assert method in paths[path], (path, method)
    assert "413" in paths["/api/compare"]["post"]["responses"]
    assert "CompareRequest" in spec["components"]["schemas"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text) + re.findall(r"url: '([^']+)'", docs.text)
    assert assets and all(a.startswith("/") for a in assets), assets  # nothing from a CDN
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_compare_is_the_cli_document(client):
    """The API's answer is the library's newstrace.compare/1 document, for text and for HTML input."""
    response = client.post(
        "/api/compare", json={"source": {"text": SEED_SOURCE}, "suspect": {"text": SEED_REWRITE}, "encoder": "static"}
    )
    assert response.status_code == 200, response.text
    expected = compare_documents(
        load_document(EXAMPLES / "seed_source.txt"),
        load_document(EXAMPLES / "seed_rewrite.txt"),
        CompareOptions(encoder="static"),
    ).to_json()
    assert response.json() == json.loads(json.dumps(expected))
    assert response.json()["derived"] is True and response.json()["findings"]

    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in SEED_SOURCE.split("\n") if p.strip())
    page += "</article></body></html>"
    viewed = client.post(
        "/api/compare",
        json={"source": {"html": page}, "suspect": {"text": SEED_REWRITE}, "encoder": "static", "view": True},
    ).json()
    assert viewed["schema"] == "newstrace.compare/1" and viewed["metadata"]["source"]["format"] == "html"
    assert viewed["derived"] is True
    text = viewed["view"]["source_text"]
    assert "<p>" not in text and all(0 <= a["source"][0] < a["source"][1] <= len(text) for a in viewed["alignments"])
    assert viewed["view"]["summary"].startswith("Derived")


def test_documents_auth_crud_and_trace(client, server):
    docs = [
        {"id": "seed-source", "text": SEED_SOURCE, "title": "Kim arrives in Russia", "outlet": "Reuters"},
        {
            "id": "other/one",
            "html": "<html><body><article><p>"
            + "Unrelated text about football. " * 20
            + "</p></article></body></html>",
            "published": "not a date",
        },
    ]
    assert "token" in _error(client.post("/api/documents", json={"documents": docs}), 401)
    wrong = {"Authorization": "Bearer nope"}
    _error(client.post("/api/documents", json={"documents": docs}, headers=wrong), 401)
    report = client.post("/api/documents", json={"documents": docs}, headers=AUTH)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["added"] == 2 and body["rejected"] == 0
    assert body["warnings"] and "not a date" in body["warnings"][0]["message"]
    assert client.post("/api/documents", json={"documents": docs}, headers=AUTH).json()["skipped"] == 2

    got = client.get("/api/documents/seed-source").json()
    assert got["text"] == SEED_SOURCE and got["outlet"] == "Reuters" and got["published"] == "2023-09-12"
    assert "football" in client.get("/api/documents/other/one").json()["text"]
    assert client.get("/api/stats").json()["documents"] == 2
    assert "path" not in client.get("/api/stats").json()

    traced = client.post("/api/trace", json={"article": {"text": SEED_REWRITE}, "top": 2}).json()
    store = open_store(server.index, create=False)  # the library's own answer over the same index
    expected = trace(parse_document(SEED_REWRITE), store, TraceOptions(top=2)).to_json()
    store.close()
    assert {**traced, "timings_ms": None} == json.loads(json.dumps({**expected, "timings_ms": None}))
    assert traced["schema"] == "newstrace.trace/1"
    assert traced["sources"][0]["id"] == "seed-source" and traced["sources"][0]["role"] == "source"
    assert traced["sources"][0]["findings"]
    later = client.post("/api/trace", json={"article": {"text": SEED_REWRITE}, "since": "2024-01-01"}).json()
    assert later["sources"] == []

    _error(client.delete("/api/documents/other/one"), 401)
    assert client.delete("/api/documents/other/one", headers=AUTH).json() == {"removed": ["other/one"]}
    assert "other/one" in _error(client.get("/api/documents/other/one"), 404)
    _error(client.delete("/api/documents/other/one", headers=AUTH), 404)
    nothing = client.post("/api/documents", json={"documents": [{"id": "x", "html": "<html></html>"}]}, headers=AUTH)
    assert "no document was accepted" in _error(nothing, 422)
    assert nothing.json()["error"]["errors"][0]["where"] == "documents[0]"


BAD_BODIES = [
    ("/api/compare", b"{not json", 400, "not valid JSON"),
    ("/api/compare", b"[]", 422, ""),
    ("/api/compare", {"source": {"text": "a"}}, 422, "suspect"),
    ("/api/compare", {"source": {"text": "a", "html": "<p>a</p>"}, "suspect": {"text": "b"}}, 422, "exactly one"),
    ("/api/compare", {"source": {"text": "   "}, "suspect": {"text": "b"}}, 422, "empty"),
    ("/api/compare", {"source": {"text": "a"}, "suspect": {"text": "b"}, "encoder": "bert"}, 422, "encoder"),
    ("/api/compare", {"source": {"text": "a"}, "suspect": {"text": "b"}, "extra": 1}, 422, "extra"),
    ("/api/compare", {"source": {"text": 5}, "suspect": {"text": "b"}}, 422, "source.text"),
    ("/api/compare", json.dumps({"source": {"text": "\ud800"}, "suspect": {"text": "b"}}).encode(), 422, "string"),
    ("/api/compare", {"source": {"html": "<html><body></body></html>"}, "suspect": {"text": "b"}}, 400, "HTML"),
    ("/api/trace", {"article": {"text": "a"}, "top": 0}, 422, "top"),
    ("/api/trace", {"article": {"text": "a"}, "since": "yesterday"}, 422, "ISO date"),
    ("/api/trace", {"article": {"text": " date 2023-09-12 "}}, 400, "no text"),
]


@pytest.mark.parametrize(("path", "body", "status", "needle"), BAD_BODIES)
def test_bad_bodies_get_a_message(client, path, body, status, needle):
    if isinstance(body, bytes):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    else:
        response = client.post(path, json=body)
    assert needle in _error(response, status)


def test_document_batches_are_validated(client):
    one = {"id": "a", "text": "Some text."}
    assert "documents" in _error(client.post("/api/documents", json={"documents": []}, headers=AUTH), 422)
    _error(client.post("/api/documents", json={"documents": [one] * 501}, headers=AUTH), 422)
    _error(client.post("/api/documents", json={"documents": [{"id": "a"}]}, headers=AUTH), 422)
    _error(client.post("/api/documents", json={"documents": [{**one, "id": "x" * 513}]}, headers=AUTH), 422)
    _error(client.post("/api/documents", json={"documents": [{**one, "id": "  "}]}, headers=AUTH), 422)


def test_body_limit_413(client):
    big = {"source": {"text": "word " * 50_000}, "suspect": {"text": "b"}}
    assert "200,000 bytes" in _error(client.post("/api/compare", json=big), 413)

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(30):
            yield b" " * 10_000

    response = client.post("/api/documents", content=chunks(), headers={"Content-Type": "application/json", **AUTH})
    _error(response, 413)
    assert client.get("/healthz").status_code == 200


def _json_values():
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )


_text = st.text(min_size=0, max_size=300)
_article = st.fixed_dictionaries({}, optional={"text": _text | _json_values(), "html": _text, "x": _json_values()})
_bodies = {
    "/api/compare": st.fixed_dictionaries(
        {"source": _article, "suspect": _article},
        optional={"encoder": st.sampled_from(["static", "minilm", "other"]), "view": st.booleans()},
    ),
    "/api/trace": st.fixed_dictionaries(
        {"article": _article},
        optional={
            "top": st.integers(-3, 30),
            "since": st.text(max_size=12) | st.just("2023-09-12"),
            "encoder": st.just("static"),
            "view": st.booleans(),
        },
    ),
    "/api/documents": st.fixed_dictionaries(
        {
            "documents": st.lists(
                st.fixed_dictionaries(
                    {"id": st.text(max_size=20) | st.integers()},
                    optional={
                        "text": _text,
                        "html": _text,
                        "title": _json_values(),
                        "published": st.text(max_size=25),
                        "url": st.text(max_size=30),
                    },
                ),
                max_size=4,
            )
        },
    ),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_body_gets_a_documented_answer(client, data):
    """Whatever JSON arrives, the answer is a documented status with a readable body, never a 500."""
    path = data.draw(st.sampled_from(sorted(_bodies)))
    body = data.draw(_bodies[path])
    if path == "/api/compare":
        body.setdefault("encoder", "static")  # the property is about validation; keep the model time small
    # ASCII-escaped JSON, so lone surrogates reach the server as JSON can carry them
    response = client.post(
        path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json", **AUTH}
    )
    assert response.status_code in ALLOWED, (path, body, response.text)
    payload = response.json()
    if response.status_code == 200:
        assert path == "/api/documents" or payload["schema"] in ("newstrace.compare/1", "newstrace.trace/1")
    else:
        assert payload["error"]["message"] and "Traceback" not in response.text


def test_restart_keeps_documents_and_busy_gets_503(tmp_path):
    index = tmp_path / "index"
    docs = [{"id": f"doc-{i}", "text": f"Document {i} says something new. " + SEED_SOURCE[i * 100 :]} for i in range(5)]
    with LiveServer(index, "--workers", "1", "--queue", "0") as live:
        assert httpx.post(live.url + "/api/documents", json={"documents": docs}).json()["added"] == 5
        before = httpx.get(live.url + "/api/stats").json()
        body = {"source": {"text": SEED_SOURCE}, "suspect": {"text": SEED_REWRITE}, "encoder": "minilm"}
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            answers = list(ex.map(lambda _: httpx.post(live.url + "/api/compare", json=body, timeout=60), range(4)))
        codes = sorted(a.status_code for a in answers)
        assert codes[0] == 200 and 503 in codes and set(codes) <= {200, 503}, codes
        busy = next(a for a in answers if a.status_code == 503)
        assert int(busy.headers["Retry-After"]) >= 1 and "busy" in busy.json()["error"]["message"]
        assert httpx.get(live.url + "/healthz").json()["busy"] == 0
    with LiveServer(index, "--workers", "1") as live:
        assert httpx.get(live.url + "/api/stats").json() == before
        assert httpx.get(live.url + "/api/documents/doc-3").json()["text"] == docs[3]["text"]
    verify = CliRunner().invoke(cli, ["index", "verify", "--index", str(index)])
    assert verify.exit_code == 0 and "index OK" in verify.output


def _worker_pids(pid: int) -> list[int]:
    """The server's pool workers (its `spawn` children that are not the resource tracker)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                out.append(int(child))
    return out


def test_no_path_in_a_request_is_followed(client):
    for path in ("/static/..%2f..%2fapp.py", "/static/../app.py", "/static-docs/..%2fcore.py", "/static/%2e%2e/app.py"):
        response = client.get(path)
        assert response.status_code == 404 and "create_app" not in response.text, path
    assert "../../etc/passwd" in _error(client.get("/api/documents/..%2f..%2fetc%2fpasswd"), 404)


def test_a_dead_worker_is_replaced(tmp_path):
    body = {"source": {"text": SEED_SOURCE}, "suspect": {"text": SEED_REWRITE}, "encoder": "static"}
    with LiveServer(tmp_path / "index", "--workers", "1") as live:
        workers = _worker_pids(live.proc.pid)
        assert len(workers) == 1
        os.kill(workers[0], signal.SIGKILL)
        deadline, codes = time.monotonic() + 90, []
        while time.monotonic() < deadline and 200 not in codes:
            response = httpx.post(live.url + "/api/compare", json=body, timeout=60)
            codes.append(response.status_code)
            assert response.status_code in (200, 503), response.text
            assert httpx.get(live.url + "/healthz").status_code == 200
        assert codes[-1] == 200, codes
        assert _worker_pids(live.proc.pid) != workers


def test_wide_bind_without_token_warns(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newstrace.cli",
            "serve",
            "--index",
            str(tmp_path / "i"),
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, seen = time.monotonic() + 60, ""
        while "http://0.0.0.0" not in seen and time.monotonic() < deadline and proc.poll() is None:
            seen += proc.stdout.readline()
        assert "warning" in seen and "no --token" in seen, seen
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def _in_thread(options: ServeOptions):
    """`create_app` on uvicorn in a thread of this process, as a Python caller would run it."""
    import uvicorn

    from newstrace.serve import create_app

    config = uvicorn.Config(create_app(options), host="127.0.0.1", port=options.port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{options.port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz").json()["ready"]:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        server.should_exit = True
        thread.join(30)
    assert not thread.is_alive()


def _static_only(tmp_path: Path, **kw) -> ServeOptions:
    return ServeOptions(
        index=tmp_path / "index", port=free_port(), workers=1, encoders=("static",), compare_encoder="static",
        trace_encoder="static", **kw,
    )


def test_an_encoder_not_loaded_is_refused(tmp_path):
    """An encoder the workers did not load is refused with 422, not a 500."""
    with _in_thread(_static_only(tmp_path)) as url:
        body = {"source": {"text": SEED_SOURCE}, "suspect": {"text": SEED_REWRITE}}
        assert httpx.post(url + "/api/compare", json=body, timeout=60).json()["encoder"] == "static"
        refused = httpx.post(url + "/api/compare", json={**body, "encoder": "minilm"}, timeout=60)
        assert "loaded only static" in _error(refused, 422)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]  # nothing written beside the index


def test_a_locked_index_gives_503_and_reads_go_on(tmp_path):
    """Another process holding the write lock: the write waits lock_timeout, then 503; reads answer meanwhile."""
    with _in_thread(_static_only(tmp_path, lock_timeout=2.0)) as url:
        doc = {"documents": [{"id": "a", "text": "A short article. It has two sentences."}]}
        holder = sqlite3.connect(tmp_path / "index" / "index.sqlite")
        holder.execute("BEGIN IMMEDIATE")
        try:
            with concurrent.futures.ThreadPoolExecutor(1) as ex:
                write = ex.submit(httpx.post, url + "/api/documents", json=doc, timeout=60)
                time.sleep(0.3)
                t = time.perf_counter()
                assert httpx.get(url + "/api/stats").json()["documents"] == 0
                assert time.perf_counter() - t < 1.5  # not queued behind the waiting write
                locked = write.result()
            assert "locked" in _error(locked, 503) and int(locked.headers["Retry-After"]) >= 1
        finally:
            holder.rollback()
            holder.close()
        assert httpx.post(url + "/api/documents", json=doc).json()["added"] == 1


def test_serve_options_are_checked():
    assert ServeOptions(host="127.0.0.1").warnings() == [] and ServeOptions(host="::1").loopback
    assert "no --token" in ServeOptions(host="0.0.0.0").warnings()[0]
    assert "token" in ServeOptions(host="10.0.0.1", token="t").warnings()[0]
    for bad in ({"port": 70000}, {"max_body": 10}, {"token": " "}, {"workers": 0}, {"compare_encoder": "bert"}):
        with pytest.raises(ValueError):
            ServeOptions(**bad)
    result = CliRunner().invoke(cli, ["serve", "--port", "70000"])
    assert result.exit_code == 2 and "port" in result.output
