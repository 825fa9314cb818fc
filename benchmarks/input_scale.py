"""Time and peak memory of `compare` against input size: is every stage linear in the input?

The seed source is compared with a suspect of N bytes made of real DEV articles (llmfake and
PAN13, in file order, repeated when they run out), in two shapes: "paragraphs" (the articles'
own line breaks) and "line" (the same text with every line break replaced by a space, the case
that used to hang sentence splitting). Each run is a fresh subprocess that reports its own peak
RSS (`resource.getrusage`), so one size's memory never leaks into the next figure, and its CPU
time next to the wall time: on a shared machine the CPU time is the steadier figure.

    .venv/bin/python benchmarks/input_scale.py            # static vectors up to 20 MB, MiniLM up to 1 MB
    .venv/bin/python benchmarks/input_scale.py --sizes 100000 1000000 --encoders minilm
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSTRACE_SHARED", ROOT.parent / "shared"))
DATASETS = ("llmfake", "pan13")

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from newstrace import compare_documents, parse_document
from newstrace.options import CompareOptions
from newstrace.embed import encoder_named
source_path, suspect_path, encoder = sys.argv[1:4]
options = CompareOptions(encoder=encoder)
encoder_named(encoder)  # model load is not part of the figure
source = parse_document(Path(source_path).read_text(encoding="utf-8"))
suspect = parse_document(Path(suspect_path).read_text(encoding="utf-8"))
t, cpu = time.perf_counter(), time.process_time()
r = compare_documents(source, suspect, options)
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "sentences": len(r.suspect.segments),
                  "verdict": r.verdict, "probability": r.probability, "aligned": len(r.alignments)}))
"""


def real_text(size: int) -> str:
    """At least `size` bytes of real DEV article text, articles separated by blank lines."""
    parts: list[str] = []
    total = 0
    while total < size:
        for name in DATASETS:
            with gzip.open(SHARED / "data" / name / "documents.jsonl.gz", "rt", encoding="utf-8") as fh:
                for line in fh:
                    text = json.loads(line)["text"].strip()
                    parts.append(text)
                    total += len(text.encode("utf-8")) + 2
                    if total >= size:
                        break
            if total >= size:
                break
    data = "\n\n".join(parts).encode("utf-8")[:size]
    return data.decode("utf-8", "ignore")


def run_one(source: Path, suspect: Path, encoder: str, timeout: float) -> dict:
    cmd = [sys.executable, "-c", CHILD, str(source), str(suspect), encoder]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 250_000, 1_000_000, 4_000_000, 20_000_000])
    parser.add_argument("--encoders", nargs="+", default=["static", "minilm"])
    parser.add_argument("--minilm-max", type=int, default=1_000_000, help="largest size run with MiniLM")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    source = SHARED / "examples" / "seed_source.txt"
    print("| encoder | shape | input | sentences | time (s) | CPU (s) | CPU s per MB | peak RSS (MB) | verdict |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for encoder in args.encoders:
            for shape in ("paragraphs", "line"):
                for size in args.sizes:
                    if encoder == "minilm" and size > args.minilm_max:
                        continue
                    text = real_text(size)
                    if shape == "line":
                        text = " ".join(text.split("\n"))
                    path = Path(tmp) / f"{shape}-{size}.txt"
                    path.write_text(text, encoding="utf-8")
                    r = run_one(source, path, encoder, args.timeout)
                    label = f"{size / 1e6:g} MB"
                    if "error" in r:
                        print(f"| {encoder} | {shape} | {label} | | {r['error']} | | | | |", flush=True)
                        continue
                    per_mb = r["cpu"] / (size / 1e6)
                    verdict = f"{r['verdict']} {r['probability']:.2f}, {r['aligned']} aligned"
                    print(
                        f"| {encoder} | {shape} | {label} | {r['sentences']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} "
                        f"| {per_mb:.1f} "
                        f"| {r['peak_mb']:.0f} | {verdict} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
