"""Scoring change analysis against labelled change types (FRANK, F3, ETPC).

The findings are not fitted to these labels; each label family is mapped, once and by meaning,
to the finding types that describe it.
"""

from __future__ import annotations

from collections import Counter

from newstrace.align import Alignment
from newstrace.changes import analyse_changes
from newstrace.changes.context import MIN_STATEMENT_WORDS
from newstrace.compare import pair_evidence
from newstrace.evaluation.datasets import Dataset
from newstrace.evaluation.metrics import balanced_accuracy, roc_auc, spearman
from newstrace.features import side_coverage
from newstrace.findings import Finding
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText
from newstrace.support import consistency_threshold, sentence_support, suspect_faithfulness

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


def faithfulness_of(source: PreparedText, suspect: PreparedText, alignments: list[Alignment]) -> float:
    """The suspect-level score: the support of its least supported statements by their best source windows."""
    sus_to_src: dict[int, list[int]] = {}
    for a in alignments:
        sus_to_src.setdefault(a.suspect_index, []).append(a.source_index)
    statements = [i for i, toks in enumerate(suspect.token_lists) if len(toks) >= MIN_STATEMENT_WORDS]
    supports = sentence_support(source, suspect, sus_to_src, statements or range(len(suspect.segments)))
    return suspect_faithfulness(supports)


def _consistency(truth: list[bool], scores: list[float], threshold: float) -> dict:
    """AUC and balanced accuracy of calling a suspect consistent when its faithfulness >= threshold."""
    return {
        "auc": roc_auc(truth, scores),
        "balanced_accuracy": balanced_accuracy(truth, [x >= threshold for x in scores]),
        "n": len(truth),
    }


def score_changes(ds: Dataset, prepared: dict, options: CompareOptions) -> dict:
    rows = []
    faith = []
    for rec in ds.changes:
        src, sus = prepared[rec["source_id"]], prepared[rec["suspect_id"]]
        alignments, _ = pair_evidence(src, sus, options)
        findings = analyse_changes(src, sus, alignments)
        unsupported_share = 1.0 - side_coverage(src, sus, alignments).suspect
        rows.append((rec["labels"], findings, unsupported_share))
        faith.append(faithfulness_of(src, sus, alignments))
    out: dict = {"n": len(rows)}
    labels0 = rows[0][0] if rows else {}
    if "OutE" in labels0:
        for family, types in FRANK_TYPES.items():
            truth = [lab[family] < 1.0 for lab, _, _ in rows]
            # the family's findings rank first; summaries with equal counts are ordered by how little
            # the model finds them supported (and, for OutE, how much of them is unaligned). Measured
            # on the FRANK fit half against the counts and unaligned share alone: OutE 0.723 -> 0.740,
            # EntE 0.525 -> 0.622, CircE 0.564 -> 0.641 (an entity or circumstance error is also a
            # statement the source does not support; the rules see only the changes they can name)
            scores = [
                _count(f, types, FRANK_EVIDENCE[family]) + (share if family == "OutE" else 0.0) + (1.0 - faithful)
                for (_, f, share), faithful in zip(rows, faith, strict=True)
            ]
            out[family] = {"auc": roc_auc(truth, scores), "positives": int(sum(truth))}
        factual = [lab["Factuality"] >= 1.0 for lab, _, _ in rows]
        out["Factuality"] = {**_consistency(factual, faith, consistency_threshold()), "positives": factual.count(False)}
    if "alteration" in labels0:
        levels = [ALTERATION_LEVEL[lab["alteration"]] for lab, _, _ in rows]
        critical = [sum(1 for x in f if x.severity == "critical") for _, f, _ in rows]
        out["alteration_spearman"] = spearman(levels, critical)
        out["alteration_spearman_all_findings"] = spearman(levels, [len(f) for _, f, _ in rows])
    if "veracity" in labels0:  # fake rewrites add or alter facts; real ones keep them
        out["veracity_auc"] = roc_auc([lab["veracity"] == "fake" for lab, _, _ in rows], [1.0 - x for x in faith])
    if "consistent" in labels0:
        threshold = consistency_threshold()
        truth = [bool(lab["consistent"]) for lab, _, _ in rows]
        kinds = {(p["source_id"], p["suspect_id"]): p.get("kind", "") for p in ds.pairs}
        of = [kinds.get((rec["source_id"], rec["suspect_id"]), "") for rec in ds.changes]
        out["consistency"] = {
            **_consistency(truth, faith, threshold),
            "threshold": threshold,
            "kinds": {
                k: _consistency(
                    [t for t, o in zip(truth, of, strict=True) if o == k],
                    [x for x, o in zip(faith, of, strict=True) if o == k],
                    threshold,
                )
                for k in sorted(set(of))
            },
        }
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
