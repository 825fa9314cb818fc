"""Fit the suspect-level consistency threshold of the faithfulness score on the DEV fit halves.

    python scripts/fit_consistency.py ../shared/data [--encoder minilm]

The score is `evaluation.changes.faithfulness_of` (the mean support of a suspect's two least
supported statements by their best source windows). The threshold maximises balanced accuracy averaged over the summary
datasets' fit halves (SummEdits news: `consistent`; FRANK: `Factuality` = 1), as the SummaC
benchmarks are averaged; the report halves are never read. Written to the model's folder, with
the figures it was chosen on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from newstrace.compare import pair_evidence
from newstrace.evaluation.changes import faithfulness_of
from newstrace.evaluation.datasets import load_dataset
from newstrace.evaluation.metrics import balanced_accuracy, roc_auc
from newstrace.evaluation.runner import prepare_documents
from newstrace.options import CompareOptions
from newstrace.support import THRESHOLD_PATH

DATASETS = {"summedits-news": lambda lab: bool(lab["consistent"]), "frank": lambda lab: lab["Factuality"] >= 1.0}


def scores_of(folder: Path, options: CompareOptions) -> tuple[list[bool], list[float]]:
    ds = load_dataset(folder, "fit")
    label = DATASETS[folder.name]
    ids = {i for r in ds.changes for i in (r["source_id"], r["suspect_id"])}
    prepared = prepare_documents(ds, ids, options)
    truth, scores = [], []
    for rec in ds.changes:
        src, sus = prepared[rec["source_id"]], prepared[rec["suspect_id"]]
        alignments, _ = pair_evidence(src, sus, options)
        truth.append(label(rec["labels"]))
        scores.append(faithfulness_of(src, sus, alignments))
    return truth, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--out", type=Path, default=Path(str(THRESHOLD_PATH)))
    args = parser.parse_args()
    options = CompareOptions(encoder=args.encoder)
    found = {name: scores_of(args.data / name, options) for name in DATASETS}
    grid = np.round(np.arange(0.02, 0.99, 0.01), 2)

    def mean_balanced(t: float) -> float:
        return float(np.mean([balanced_accuracy(tr, [s >= t for s in sc]) for tr, sc in found.values()]))

    best = max(grid, key=lambda t: (mean_balanced(t), -abs(t - 0.5)))
    record = {
        "threshold": float(best),
        "fitted_on": "DEV fit halves: " + ", ".join(DATASETS),
        "encoder": args.encoder,
        "fit": {
            name: {
                "n": len(tr),
                "inconsistent": tr.count(False),
                "auc": roc_auc(tr, sc),
                "balanced_accuracy": balanced_accuracy(tr, [s >= best for s in sc]),
            }
            for name, (tr, sc) in found.items()
        },
        "mean_balanced_accuracy": mean_balanced(float(best)),
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
