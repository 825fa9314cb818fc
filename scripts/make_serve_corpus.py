"""Write examples/corpus/: the small real corpus `make serve` indexes (re-run to rebuild it exactly).

Thirty Advanced-level OneStopEnglish articles (Guardian news adapted by onestopenglish.com,
CC BY-SA 4.0), chosen by a salted hash of their id so the choice is stable and not hand-picked.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="the DEV data folder (../shared/data)")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "corpus" / "onestopenglish-adv.jsonl")
    args = parser.parse_args()
    with gzip.open(args.data / "onestopenglish" / "documents.jsonl.gz", "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]
    advanced = [d for d in docs if d["meta"].get("level") == "advanced"]
    chosen = sorted(advanced, key=lambda d: hashlib.sha256(("serve" + d["id"]).encode()).hexdigest())[: args.n]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for d in sorted(chosen, key=lambda d: d["id"]):
            rec = {"id": d["id"], "title": d["meta"].get("title"), "outlet": "onestopenglish.com", "text": d["text"]}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} articles to {args.out}")


if __name__ == "__main__":
    main()
