"""Fuzz the readers (text, HTML, JSONL, CSV) and the comparison core for a bounded time each.

    python benchmarks/fuzz.py [--seconds 600] [--targets text,html,jsonl,csv,compare]

Hypothesis generates the inputs (random bytes, tag soup, broken JSON lines, ragged CSV, and
articles mixing real sentences with odd characters); a target may refuse an input only with
newstrace's own `InputError` (or, for ingest, a rejection in its report). Anything else is a crash:
it is printed with the input that caused it. Prints a table of inputs tried and crashes per target;
exits 1 if any target crashed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newstrace import compare_documents
from newstrace.errors import InputError
from newstrace.index.ingest import iter_inputs
from newstrace.options import CompareOptions
from newstrace.textio import document_from_bytes, html_document, parse_document

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ODD = ["\x00", "\ufeff", "\u202e", "\ud7ff", "\U0001f600", "[/bold]", "<b>", "&amp;", "\r", "\t", "“", "—", "U.S."]


def _real_sentences() -> list[str]:
    with gzip.open(DATA / "llmfake" / "documents.jsonl.gz", "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for _, line in zip(range(60), fh, strict=False)]
    return [s for t in texts for s in t.split(". ") if 20 < len(s) < 300]


SENTENCES = _real_sentences()
article = st.lists(st.one_of(st.sampled_from(SENTENCES), st.sampled_from(ODD), st.text(max_size=40)), max_size=30).map(
    lambda parts: " ".join(parts)
)
tag = st.sampled_from(["<p>", "</p>", "<div>", "<article>", "<script>", "</html>", "<meta content='2023-01-01'>", "<"])
html = st.lists(st.one_of(tag, st.sampled_from(SENTENCES), st.text(max_size=30)), max_size=40).map("".join)
json_line = st.one_of(
    st.dictionaries(
        st.sampled_from(["id", "text", "html", "published", "title", "outlet", "url"]),
        st.one_of(
            st.text(max_size=50),
            st.sampled_from(SENTENCES),
            st.integers(),
            st.none(),
            st.lists(st.integers(), max_size=3),
        ),
    ).map(json.dumps),
    st.text(max_size=80),
    st.sampled_from(["{", "[" * 5000, '{"id": 1e999999}', '{"id": "x", "text": "\\ud800"}']),
)


def _ingest_lines(lines: list[bytes], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(b"\n".join(lines))
        for _ in iter_inputs([str(path)]):
            pass


STATIC = CompareOptions(encoder="static")


def target_text(data: bytes) -> None:
    document_from_bytes(data)


def target_html(page: str) -> None:
    html_document(page)


def target_jsonl(lines: list[str], junk: bytes) -> None:
    _ingest_lines([line.encode("utf-8", "surrogatepass") for line in lines] + [junk], ".jsonl")


def target_csv(rows: list[list[str]]) -> None:
    body = ["id,text,published"] + [",".join(r) for r in rows]
    _ingest_lines([line.encode("utf-8", "surrogatepass") for line in body], ".csv")


def target_compare(a: str, b: str) -> None:
    compare_documents(parse_document(a), parse_document(b), STATIC)


TARGETS: dict[str, tuple[Callable, tuple]] = {
    "text": (target_text, (st.binary(max_size=2000),)),
    "html": (target_html, (html,)),
    "jsonl": (target_jsonl, (st.lists(json_line, max_size=8), st.binary(max_size=60))),
    "csv": (target_csv, (st.lists(st.lists(st.text(max_size=30), max_size=4), max_size=8),)),
    "compare": (target_compare, (article, article)),
}


def fuzz(name: str, seconds: float) -> tuple[int, list[str]]:
    fn, strategies = TARGETS[name]
    tried, crashes = 0, []

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.tuples(*strategies))
    def run(args):
        nonlocal tried
        tried += 1
        try:
            fn(*args)
        except InputError:
            pass
        except Exception as exc:  # a crash: anything but newstrace's own refusal
            crashes.append(f"{type(exc).__name__}: {exc} <- {args!r}"[:500])

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        run()
    return tried, crashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=600.0, help="per target")
    parser.add_argument("--targets", default=",".join(TARGETS))
    args = parser.parse_args()
    names = [t for t in args.targets.split(",") if t]
    print(f"{'target':<8} {'seconds':>8} {'inputs':>9} {'crashes':>8}")
    failed = False
    for name in names:
        tried, crashes = fuzz(name, args.seconds)
        print(f"{name:<8} {args.seconds:>8.0f} {tried:>9,} {len(crashes):>8}", flush=True)
        for c in crashes[:5]:
            print("   ", c)
        failed |= bool(crashes)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
