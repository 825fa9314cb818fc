"""Refit src/newstrace/data/calibration.json on the 'fit' half of the DEV data.

    python scripts/fit_calibration.py ../shared/data [--encoder static] [--max-pairs 1500] [--rows-cache rows.json]

The 'report' half is never seen here; `newstrace eval --split report` gives honest figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.progress import Progress

from newstrace.embed import ENCODERS
from newstrace.evaluation.fit import collect_pair_rows, collect_sentence_rows, fit_calibration, write_calibration
from newstrace.options import CompareOptions
from newstrace.verdict import CALIBRATION_FILES

DATA = Path(__file__).resolve().parents[1] / "src" / "newstrace" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--max-pairs", type=int, default=1500, help="pairs per dataset (stable sample)")
    parser.add_argument("--rows-cache", type=Path, help="reuse/save computed feature rows here")
    parser.add_argument("--prepared-cache", type=Path, help="keep prepared documents here between runs")
    parser.add_argument("--encoder", choices=ENCODERS, default="minilm")
    parser.add_argument("--out", type=Path, help="default: the shipped calibration of that encoder")
    args = parser.parse_args()
    out = args.out or DATA / CALIBRATION_FILES[args.encoder]
    options = CompareOptions(encoder=args.encoder)
    if args.rows_cache and args.rows_cache.exists():
        cached = json.loads(args.rows_cache.read_text())
        if cached.get("encoder", "minilm") != args.encoder:
            parser.error(f"{args.rows_cache} holds rows computed with {cached.get('encoder', 'minilm')} vectors")
        pair_rows, sentence_rows = cached["pairs"], cached["sentences"]
    else:
        with Progress() as bar:
            tasks: dict[str, int] = {}

            def tick(label: str, n: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=None)
                bar.advance(tasks[label], n)

            pair_rows = collect_pair_rows(args.data, options, args.max_pairs, tick, args.prepared_cache)
        sentence_rows = collect_sentence_rows(args.data, encoder=args.encoder)
        if args.rows_cache:
            rows = {"encoder": args.encoder, "pairs": pair_rows, "sentences": sentence_rows}
            args.rows_cache.write_text(json.dumps(rows))
    calibration = fit_calibration(pair_rows, sentence_rows, args.data, args.encoder)
    write_calibration(calibration, out)
    print(f"wrote {out}")
    print(json.dumps({k: calibration[k] for k in ("version", "rows", "same_subject_cosine")}, indent=1))


if __name__ == "__main__":
    main()
