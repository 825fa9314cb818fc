"""Sort the core's errors on the DEV report half into causes: docs/error-study.md.

    python scripts/error_study.py ../shared/data [--encoder minilm] [--out docs/error-study.md]

Two kinds of error: ECB+ same-event pairs (independent reports of one event) called derived, and
LLMFake / F3 rewrites called not derived (verbatim copies left out). Each error is put in the
first cause whose stated rule it meets; the rules use only what the comparison shows (alignments,
verbatim runs, quotation marks), never the labels beyond the pair's kind. Nothing is relabelled.
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from rich.progress import track

from newstrace.compare import Comparison, compare_prepared
from newstrace.embed import ENCODERS
from newstrace.evaluation.datasets import load_dataset
from newstrace.evaluation.runner import prepare_documents
from newstrace.lexical import ngrams, tokens
from newstrace.options import CompareOptions

_QUOTED = re.compile(r"[\"“”]([^\"“”]{12,})[\"“”]")
SHARED_RUNS = 3  # distinct verbatim 8-word runs, as the retrieval figures count them

FALSE_ALARM_CAUSES = {
    "partial": "called `partial`: a passage of >= 240 characters kept word for word is named (reuse the "
    "labels missed, or agency copy inside independent reports)",
    "wire": "shared wire text: >= 3 verbatim 8-word runs and half of one side covered (likely unlabelled reuse)",
    "passage": "a shared passage (>= 3 verbatim 8-word runs) inside otherwise different reports (a `partial` case)",
    "none": "no sentence aligned at all, yet called derived (the trees learned it from derived summaries and "
    "tweets that share no sentence with their source)",
    "quotes": "shared quotes: half or more of the aligned pairs are quotations (press conference, statement)",
    "few": "one to three paraphrase-level sentences (shared facts, names, figures)",
    "many": "several paraphrase-level pairs: short same-event items that restate the same few facts, often "
    "headline and timestamp lines alike; some read like rewrites of one another (label noise)",
}
MISS_CAUSES = {
    "none": "no sentence aligned: a new text on the same subject (open-ended writing, fabrication)",
    "thin": "under 30% of the rewrite supported: the rewriter added most of the text",
    "under": "most of it supported, probability under 0.5",
}


def _inside_quotes(span: tuple[int, int], quotes: list[tuple[int, int]]) -> bool:
    return any(min(e, span[1]) - max(s, span[0]) > 0.5 * (span[1] - span[0]) for s, e in quotes)


def false_alarm_cause(c: Comparison) -> str:
    if c.verdict == "partial":
        return "partial"
    runs = len(ngrams(tokens(c.source.text), 8) & ngrams(tokens(c.suspect.text), 8))
    if runs >= SHARED_RUNS:
        return "wire" if max(c.coverage.source, c.coverage.suspect) >= 0.5 else "passage"
    if not c.alignments:
        return "none"
    quotes_a = [m.span() for m in _QUOTED.finditer(c.source.text)]
    quotes_b = [m.span() for m in _QUOTED.finditer(c.suspect.text)]
    quoted = sum(_inside_quotes(a.source, quotes_a) or _inside_quotes(a.suspect, quotes_b) for a in c.alignments)
    if quoted >= 0.5 * len(c.alignments):
        return "quotes"
    return "few" if len(c.alignments) <= 3 else "many"


def miss_cause(c: Comparison) -> str:
    if not c.alignments:
        return "none"
    return "thin" if c.coverage.suspect < 0.3 else "under"


def _compared(data: Path, name: str, options: CompareOptions, keep) -> list[tuple[dict, Comparison]]:
    ds = load_dataset(data / name, "report")
    pairs = [p for p in ds.pairs if keep(p)]
    prepared = prepare_documents(ds, {i for p in pairs for i in (p["source_id"], p["suspect_id"])}, options)
    out = []
    for p in track(pairs, description=f"{name}: comparing"):
        out.append((p, compare_prepared(prepared[p["source_id"]], prepared[p["suspect_id"]], options, explain=False)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--encoder", choices=ENCODERS, default="minilm")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "error-study.md")
    args = parser.parse_args()
    options = CompareOptions(encoder=args.encoder)
    lines = [
        "# Error study: same-event false alarms and missed rewrites",
        "",
        f"Made by `scripts/error_study.py` on {date.today().isoformat()}: the DEV *report* half (split by",
        f"component), the `{args.encoder}` core as `compare` ships. Each error is put in the first cause whose",
        "rule it meets (rules in the script); examples of the two largest causes were read side by side.",
        "Nothing is relabelled.",
        "",
    ]
    same_event = _compared(args.data, "ecbplus", options, lambda p: p["kind"] == "same-event")
    alarms = [(p, c) for p, c in same_event if c.derived]
    by_cause: dict[str, list[tuple[dict, Comparison]]] = defaultdict(list)
    for p, c in alarms:
        by_cause[false_alarm_cause(c)].append((p, c))
    share = len(alarms) / max(1, len(same_event))
    lines += [
        f"## ECB+ same-event pairs called derived: {len(alarms)} of {len(same_event)} ({share:.1%})",
        "",
        "| cause | pairs | median probability |",
        "|---|---|---|",
    ]
    for key, text in FALSE_ALARM_CAUSES.items():
        group = by_cause.get(key, [])
        median = f"{statistics.median(c.probability for _, c in group):.2f}" if group else ""
        lines.append(f"| {text} | {len(group)} | {median} |")
    reuse = sum(len(by_cause.get(k, [])) for k in ("partial", "wire", "passage"))
    rate = (len(alarms) - reuse) / max(1, len(same_event) - reuse)
    lines += ["", f"Without the {reuse} pairs that share verbatim wire text (most likely reuse the labels missed):", ""]
    lines += [f"{rate:.1%} of same-event pairs called derived.", ""]
    for key in FALSE_ALARM_CAUSES:
        if by_cause.get(key):
            lines += [f"### `{key}` pairs", "", ", ".join(f"`{p['id']}`" for p, _ in by_cause[key]), ""]
    for name in ("llmfake", "f3"):
        rewrites = _compared(args.data, name, options, lambda p: p["derived"] and p["kind"] != "verbatim")
        missed = [(p, c) for p, c in rewrites if not c.derived]
        groups: dict[str, list[dict]] = defaultdict(list)
        for p, c in missed:
            groups[miss_cause(c)].append(p)
        lines += [
            f"## {name}: rewrites called not derived: {len(missed)} of {len(rewrites)}",
            "",
            "| cause | pairs | most frequent kinds |",
            "|---|---|---|",
        ]
        for key, text in MISS_CAUSES.items():
            kinds = Counter(p["kind"] for p in groups.get(key, [])).most_common(3)
            lines.append(f"| {text} | {len(groups.get(key, []))} | {', '.join(f'{k} {n}' for k, n in kinds)} |")
        lines.append("")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
