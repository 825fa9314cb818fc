"""Kill `newstrace index add` with SIGKILL at many moments of a real ingest; every index must survive.

    python benchmarks/kill_ingest.py [--kills 20] [--copies 60] [--data ../shared/data]

Each round ingests the same JSONL of real LLMFake and ECB+ articles (repeated under new ids to make
the ingest long), kills the process once it has written a round-specific share of the expected
bytes, then checks that the index opens, that `index verify` finds nothing wrong, and that
re-running the same ingest completes it with the right totals (everything written before the kill
skipped, the rest added). Prints one row per kill and a summary line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newstrace.index.store import open_store


def corpus(data: Path, copies: int) -> list[dict]:
    rows = []
    for name in ("llmfake", "ecbplus"):
        with gzip.open(data / name / "documents.jsonl.gz", "rt", encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh]
    texts = [r for r in rows if len(r["text"]) > 500][:400]
    return [{"id": f"{r['id']}#{k}", "text": r["text"]} for k in range(copies) for r in texts]


def _written(index: Path) -> int:
    return sum(p.stat().st_size for p in index.glob("index.sqlite*"))


def one_round(src: Path, index: Path, stop_at: int, total: int) -> dict:
    cmd = [sys.executable, "-m", "newstrace.cli", "index", "add", str(src), "--index", str(index)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and _written(index) < stop_at:
        time.sleep(0.01)
    finished_first = proc.poll() is not None
    if not finished_first:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = open_store(index, create=False)
    partial = store.stats()["documents"]
    problems = store.verify()
    store.close()
    rerun = subprocess.run([*cmd, "--json"], capture_output=True, text=True, check=False)
    report = json.loads(rerun.stdout) if rerun.returncode == 0 else {}
    store = open_store(index, create=False)
    final = store.stats()["documents"]
    final_problems = store.verify()
    store.close()
    ok = (
        not problems
        and not final_problems
        and final == total
        and report.get("skipped") == partial
        and report.get("added") == total - partial
    )
    return {"killed_at_bytes": stop_at, "killed": not finished_first, "partial": partial, "final": final, "ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--copies", type=int, default=60, help="copies of each article under new ids")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    rows = corpus(args.data, args.copies)
    with tempfile.TemporaryDirectory(prefix="newstrace-kill-") as tmp:
        src = Path(tmp) / "corpus.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        # the bytes a whole ingest writes, measured once, to spread the kills over it
        full = Path(tmp) / "full"
        subprocess.run(
            [sys.executable, "-m", "newstrace.cli", "index", "add", str(src), "--index", str(full)],
            capture_output=True,
            check=True,
        )
        expected = _written(full)
        print(f"{len(rows):,} documents, a whole ingest writes {expected / 1e6:.1f} MB")
        print(f"{'kill':>4} {'at MB':>7} {'killed':>6} {'kept':>7} {'final':>7}  survived")
        results = []
        for k in range(args.kills):
            stop_at = int(expected * (k + 1) / (args.kills + 1))
            r = one_round(src, Path(tmp) / f"ix-{k}", stop_at, len(rows))
            results.append(r)
            print(
                f"{k + 1:>4} {stop_at / 1e6:>7.1f} {r['killed']!s:>6} {r['partial']:>7,} {r['final']:>7,}  "
                f"{'yes' if r['ok'] else 'NO'}"
            )
    killed = sum(r["killed"] for r in results)
    survived = sum(r["ok"] for r in results)
    print(f"{survived} of {len(results)} survived ({killed} killed mid-ingest), each with a clean verify and re-run")
    sys.exit(0 if survived == len(results) else 1)


if __name__ == "__main__":
    main()
