"""Load test of `newstrace serve`: N concurrent clients on /api/compare and /api/trace, on loopback.

Starts its own server (a `newstrace serve` subprocess over a temporary index of the bundled corpus,
the seed source and the OneStopEnglish Advanced articles of the chosen pairs), unless --url names
a running one. The articles are real DEV texts: OneStopEnglish pairs whose Advanced text has 500
to 700 words (a ~600-word source and its teacher rewrite, ~510 words), and the seed pair. Each
scenario runs for --duration seconds; meanwhile a separate process asks /healthz every 50 ms, and
the server's memory (its process and its workers, RSS) is sampled. A client told 503 waits the
Retry-After it was given, as a well-behaved client does. Prints one row per scenario.

    python benchmarks/serve_load.py [--duration 30] [--clients 8,50] [--encoder minilm|static]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.serve_server import LiveServer  # noqa: E402 - the same real server the tests start


def _read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_pairs(shared: Path) -> list[tuple[str, str, str]]:
    """(id of the source, source text, rewrite text): ~600-word OneStopEnglish pairs and the seed pair."""
    folder = shared / "data" / "onestopenglish"
    docs = {d["id"]: d for d in _read_jsonl_gz(folder / "documents.jsonl.gz")}
    pairs = []
    for p in _read_jsonl_gz(folder / "pairs.jsonl.gz"):
        src = docs[p["source_id"]]["text"]
        if p["derived"] and p["kind"] == "simplification-int" and 500 <= len(src.split()) <= 700:
            pairs.append((p["source_id"], src, docs[p["suspect_id"]]["text"]))
    examples = shared / "examples"
    seed = [(examples / name).read_text(encoding="utf-8") for name in ("seed_source.txt", "seed_rewrite.txt")]
    return [*pairs, ("seed", seed[0], seed[1])]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _probe_health(url: str, seconds: float, out: multiprocessing.Queue) -> None:
    """In its own process: /healthz every 50 ms; its latencies (s), and how many failed."""
    latencies, failed = [], 0
    with httpx.Client(timeout=10) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.perf_counter()
            try:
                ok = client.get(url + "/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t)
            failed += not ok
            time.sleep(max(0.0, 0.05 - (time.perf_counter() - t)))
    out.put((latencies, failed))


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (kB)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total


async def _client(client: httpx.AsyncClient, path: str, bodies: list[dict], k: int, end: float, stats: dict) -> None:
    i = k
    while time.monotonic() < end:
        body = bodies[i % len(bodies)]
        i += 1
        t = time.perf_counter()
        try:
            response = await client.post(path, json=body)
        except httpx.HTTPError as exc:
            stats["dropped"].append(type(exc).__name__)
            continue
        elapsed = time.perf_counter() - t
        if response.status_code == 200:
            stats["ok"].append(elapsed)
        elif response.status_code == 503:
            stats["busy"] += 1
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        else:
            stats["errors"].append(response.status_code)


async def _scenario(url: str, path: str, bodies: list[dict], clients: int, seconds: float, pid: int | None) -> dict:
    stats: dict = {"ok": [], "busy": 0, "errors": [], "dropped": []}
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    probe = multiprocessing.get_context("spawn").Process(target=_probe_health, args=(url, seconds, queue))
    probe.start()
    peak = [0]

    async def sample_memory() -> None:
        while pid is not None and time.monotonic() < end:
            peak[0] = max(peak[0], _rss_kb(pid))
            await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        end = time.monotonic() + seconds
        start = time.monotonic()
        await asyncio.gather(sample_memory(), *(_client(client, path, bodies, k, end, stats) for k in range(clients)))
        wall = time.monotonic() - start
    health, health_failed = queue.get(timeout=60)
    probe.join()
    ok = stats["ok"]
    return {
        "endpoint": path,
        "clients": clients,
        "ok": len(ok),
        "throughput": len(ok) / wall,
        "p50": percentile(ok, 50),
        "p95": percentile(ok, 95),
        "p99": percentile(ok, 99),
        "errors": len(stats["errors"]) + health_failed,
        "dropped": len(stats["dropped"]),
        "busy_503": stats["busy"],
        "healthz_p99": percentile(health, 99),
        "healthz_n": len(health),
        "peak_mb": peak[0] / 1024 if pid else float("nan"),
        "load1": os.getloadavg()[0],  # the machine's load meanwhile: the figures are only as quiet as it was
    }


def _build_index(index: Path, pairs: list[tuple[str, str, str]], shared: Path) -> None:
    records = index.parent / "sources.jsonl"
    with records.open("w", encoding="utf-8") as fh:
        for doc_id, text, _ in pairs:
            if doc_id != "seed":
                fh.write(json.dumps({"id": "load:" + doc_id, "text": text}) + "\n")
    cmd = [sys.executable, "-m", "newstrace.cli", "index", "add", str(ROOT / "examples" / "corpus"), str(records),
           str(shared / "examples" / "seed_source.txt"), "--index", str(index)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"index add failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--url", help="a running server to load instead of starting one")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per scenario")
    parser.add_argument("--clients", default="8,50", help="comma-separated client counts")
    parser.add_argument("--endpoints", default="compare,trace")
    parser.add_argument("--encoder", choices=("minilm", "static"), help="for /api/compare (default: the server's)")
    parser.add_argument("--workers", type=int, help="the started server's worker processes (default: one per core)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()

    pairs = load_pairs(args.shared)
    compare_bodies = [{"source": {"text": s}, "suspect": {"text": r}} for _, s, r in pairs]
    if args.encoder:
        for body in compare_bodies:
            body["encoder"] = args.encoder
    trace_bodies = [{"article": {"text": r}} for _, _, r in pairs]
    words = statistics.mean(len(s.split()) for _, s, _ in pairs), statistics.mean(len(r.split()) for _, _, r in pairs)
    print(f"{len(pairs)} real pairs: sources {words[0]:.0f} words, rewrites {words[1]:.0f} words on average; "
          f"{os.cpu_count()} cores; compare encoder {args.encoder or 'server default (minilm)'}", flush=True)

    with tempfile.TemporaryDirectory(prefix="newstrace-load-") as tmp:
        server = None
        url, pid = args.url, None
        if url is None:
            index = Path(tmp) / "index"
            _build_index(index, pairs, args.shared)
            extra = ["--workers", str(args.workers)] if args.workers else []
            server = LiveServer(index, *extra, log=Path(tmp) / "server.log").start()
            url, pid = server.url, server.proc.pid
        rows = []
        try:
            for endpoint in args.endpoints.split(","):
                bodies = compare_bodies if endpoint == "compare" else trace_bodies
                for clients in (int(c) for c in args.clients.split(",")):
                    row = asyncio.run(_scenario(url, f"/api/{endpoint}", bodies, clients, args.duration, pid))
                    row["encoder"] = (args.encoder or "minilm") if endpoint == "compare" else "static"
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
        finally:
            if server is not None:
                server.stop()
                if "Traceback" in server.output():
                    print("the server logged a traceback:\n" + server.output(), file=sys.stderr)
    header = ("endpoint", "encoder", "clients", "ok", "req/s", "p50 s", "p95 s", "p99 s", "errors", "dropped",
              "503s", "healthz p99 ms", "peak MB", "load")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        cells = (r["endpoint"], r["encoder"], r["clients"], r["ok"], f"{r['throughput']:.2f}", f"{r['p50']:.2f}",
                 f"{r['p95']:.2f}", f"{r['p99']:.2f}", r["errors"], r["dropped"], r["busy_503"],
                 f"{1000 * r['healthz_p99']:.0f}", f"{r['peak_mb']:.0f}", f"{r['load1']:.1f}")
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
