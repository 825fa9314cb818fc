"""Scoring change analysis against labelled change types (FRANK, F3, ETPC).

The findings are not fitted to these labels; each label family is mapped, once and by meaning,
to the finding types that describe it.
"""

from __future__ import annotations

from collections import Counter

from newstrace.changes import analyse_changes
from newstrace.compare import pair_evidence
from newstrace.evaluation.datasets import Dataset
from newstrace.evaluation.metrics import roc_auc, spearman
from newstrace.features import side_coverage
from newstrace.findings import Finding
from newstrace.options import CompareOptions

# FRANK error families (Pagnoni et al. 2021) and the findings that describe them
FRANK_TYPES = {
    "OutE": {"unsupported_addition", "quote_fabricated", "number_changed", "entity_changed"},
    "EntE": {"entity_changed", "attribution_changed"},
    "CircE": {"date_changed", "number_changed"},
}
# ETPC change types and the findings that should notice them
ETPC_TYPES = {
    "Same Polarity Substitution (named ent.)": {"entity_changed", "unsupported_addition"},
    "Addition/Deletion": {"unsupported_addition", "dropped_content"},
    "Direct/indirect style alternations": {"quote_paraphrased", "quote_altered"},
    "Modal Verb Changes": {"hedge_removed"},
    "Change of format": {"number_changed", "date_changed"},
}
ALTERATION_LEVEL = {"minor": 1, "major": 2, "critical": 3}


# facts named inside unsupported sentences count toward these families as well
FRANK_EVIDENCE = {"OutE": (), "EntE": ("new_names",), "CircE": ("new_figures", "new_times")}


def _count(findings: list[Finding], types: set[str], evidence_keys: tuple[str, ...] = ()) -> int:
    typed = sum(1 for f in findings if f.type in types)
    named = sum(len(f.evidence[k].split(", ")) for f in findings for k in evidence_keys if k in f.evidence)
    return typed + named


def score_changes(ds: Dataset, prepared: dict, options: CompareOptions) -> dict:
    rows = []
    for rec in ds.changes:
        src, sus = prepared[rec["source_id"]], prepared[rec["suspect_id"]]
        alignments, _ = pair_evidence(src, sus, options)
        findings = analyse_changes(src, sus, alignments)
        unsupported_share = 1.0 - side_coverage(src, sus, alignments).suspect
        rows.append((rec["labels"], findings, unsupported_share))
    out: dict = {"n": len(rows)}
    labels0 = rows[0][0] if rows else {}
    if "OutE" in labels0:
        for family, types in FRANK_TYPES.items():
            truth = [lab[family] < 1.0 for lab, _, _ in rows]
            # a small continuous term breaks ties between summaries with equal counts
            scores = [
                _count(f, types, FRANK_EVIDENCE[family]) + (share if family == "OutE" else 0.0) for _, f, share in rows
            ]
            out[family] = {"auc": roc_auc(truth, scores), "positives": int(sum(truth))}
    if "alteration" in labels0:
        levels = [ALTERATION_LEVEL[lab["alteration"]] for lab, _, _ in rows]
        critical = [sum(1 for x in f if x.severity == "critical") for _, f, _ in rows]
        out["alteration_spearman"] = spearman(levels, critical)
        out["alteration_spearman_all_findings"] = spearman(levels, [len(f) for _, f, _ in rows])
    if any(k.startswith("sense_changing:") for k in labels0):
        recall = {}
        for change, types in ETPC_TYPES.items():
            has = [
                (lab.get(f"sense_changing:{change}", 0) + lab.get(f"sense_preserving:{change}", 0)) > 0
                for lab, _, _ in rows
            ]
            hits = [_count(f, types) > 0 for (_, f, _), h in zip(rows, has, strict=True) if h]
            recall[change] = {"recall": sum(hits) / len(hits) if hits else None, "n": len(hits)}
        out["recall"] = {k: v["recall"] for k, v in recall.items()}
        out["support"] = {k: v["n"] for k, v in recall.items()}
        fired = Counter(f.type for _, fs, _ in rows for f in fs)
        out["findings_per_pair"] = {k: round(v / max(len(rows), 1), 3) for k, v in sorted(fired.items())}
    return out
