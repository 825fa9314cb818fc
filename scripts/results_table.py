"""Turn `newstrace eval --json` output into the README's results table (markdown).

newstrace eval ../shared/data --split report --json > eval.json
python scripts/results_table.py eval.json
"""

from __future__ import annotations

import json
import sys

ANCHORS = {
    "pan13": "PAN 2013 text alignment, best systems: plagdet 0.82-0.88",
    "llmfake": "NOTES: MinHash LSH finds ~13% of rewrites",
    "ecbplus": "NOTES: naive sentence coverage calls ~50% of same-event pairs derived",
    "mrpc": "(fine-tuned cross-encoders ~0.85-0.90 accuracy)",
    "frank": "AlignScore-large: AUC 88.6 on SummaC (factual consistency, for reference)",
}


def fmt(v) -> str:
    return "" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        report = json.load(fh)
    print("| dataset | n | F1 | precision | recall | accuracy | ROC AUC | other | published anchor |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, parts in report["datasets"].items():
        other = []
        if "spans" in parts:
            s = parts["spans"]
            other.append(
                f"plagdet {fmt(s['plagdet'])} (P {fmt(s['precision'])}, R {fmt(s['recall'])}, "
                f"gran {fmt(s['granularity'])})"
            )
        if "changes" in parts:
            c = parts["changes"]
            for fam in ("OutE", "EntE", "CircE"):
                if fam in c:
                    other.append(f"{fam} AUC {fmt(c[fam]['auc'])}")
            if "alteration_spearman" in c:
                other.append(f"alteration Spearman {fmt(c['alteration_spearman'])}")
            if "recall" in c:
                other.append("recall " + ", ".join(f"{k}: {fmt(v)}" for k, v in c["recall"].items()))
        main_part = parts.get("pairs") or parts.get("sentence_pairs")
        if main_part is None:
            print(
                f"| {name} | {parts.get('changes', {}).get('n', '')} | | | | | | "
                f"{'; '.join(other)} | {ANCHORS.get(name, '')} |"
            )
            continue
        print(
            f"| {name} | {main_part['n']} | {fmt(main_part['f1'])} | {fmt(main_part['precision'])} | "
            f"{fmt(main_part['recall'])} | {fmt(main_part['accuracy'])} | {fmt(main_part.get('auc'))} | "
            f"{'; '.join(other)} | {ANCHORS.get(name, '')} |"
        )
    print()
    print("Per pair kind (share called derived; AUC of the kind against the dataset's negatives):")
    print()
    print("| dataset | kind | n | share called derived | AUC vs negatives |")
    print("|---|---|---|---|---|")
    for name, parts in report["datasets"].items():
        for kind, k in parts.get("pairs", {}).get("kinds", {}).items():
            called = k["recall"] if k["recall"] or k["precision"] else 1.0 - k["accuracy"]
            print(f"| {name} | {kind} | {k['n']} | {fmt(called)} | {fmt(k.get('auc'))} |")


if __name__ == "__main__":
    main(sys.argv[1])
