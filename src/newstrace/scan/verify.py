"""Verify: each candidate pair compared by the core, oriented by its direction, findings counted.

One function, `verify_pair`, does the per-pair work for both engines. A pair is first compared
with the smaller id as the source, without the change analysis; a derived pair whose direction
says the other text came first is compared again the right way round, so coverage, direction
and findings always read "suspect made from source". Findings are counted where `compare` reports
them (`compare.explains_changes`: not for a `partial` pair, whose text around the reused passages
is its own). Floats are rounded to 4 places, so the engines' outputs compare equal.
"""

from __future__ import annotations

import json
from collections import Counter

import pyarrow as pa

from newstrace.changes import analyse_changes
from newstrace.compare import Comparison, compare_prepared, explains_changes
from newstrace.errors import InputError
from newstrace.options import ScanOptions
from newstrace.prepared import PreparedText
from newstrace.verdict import Calibration, default_calibration

#: Prepared documents a verifying worker keeps built, in either engine (with what the core derived
#: from each text alone, `PreparedText.once`): a few tens of MB, and pairs come sorted, so most of
#: a task's documents are met again soon.
REBUILT_DOCUMENTS = 128

#: The core's answer for a pair, as the verify stage stores it and edges.parquet repeats it.
VERDICT_COLUMNS = [
    ("verdict", pa.string()),
    ("probability", pa.float64()),
    ("coverage", pa.float64()),
    ("source_coverage", pa.float64()),
    ("source_first", pa.bool_()),
    ("direction_basis", pa.string()),
    ("direction_confidence", pa.float64()),
]

SCHEMA = pa.schema(
    [
        ("a", pa.string()),
        ("b", pa.string()),
        ("source_id", pa.string()),
        ("suspect_id", pa.string()),
        ("derived", pa.bool_()),
        *VERDICT_COLUMNS,
        ("findings", pa.string()),  # JSON object: finding type -> count
        ("findings_total", pa.int32()),
        ("source_sentences", pa.list_(pa.int32())),  # aligned sentence pairs (derived pairs only)
        ("suspect_sentences", pa.list_(pa.int32())),
        ("error", pa.string()),
    ]
)


def _row(a: str, b: str, c: Comparison, judge: bool) -> dict:
    explain = explains_changes(c.derived, c.verdict)
    changes = analyse_changes(c.source, c.suspect, c.alignments, judge=judge) if explain else []
    findings = Counter(f.type for f in changes)
    return {
        "a": a,
        "b": b,
        "derived": c.derived,
        "verdict": c.verdict,
        "probability": round(c.probability, 4),
        "coverage": round(c.coverage.suspect, 4),
        "source_coverage": round(c.coverage.source, 4),
        "source_first": c.direction.source_first,
        "direction_basis": c.direction.basis,
        "direction_confidence": round(c.direction.confidence, 4),
        "findings": json.dumps(dict(sorted(findings.items()))),
        "findings_total": sum(findings.values()),
        "source_sentences": [al.source_index for al in c.alignments] if c.derived else [],
        "suspect_sentences": [al.suspect_index for al in c.alignments] if c.derived else [],
        "error": None,
    }


def verify_pair(
    a_id: str,
    a: PreparedText,
    b_id: str,
    b: PreparedText,
    options: ScanOptions,
    calibration: Calibration | None = None,
) -> dict:
    """The verified row of one candidate pair (`SCHEMA`); a pair the core refuses gets `error`."""
    calibration = calibration or default_calibration(a.encoder)
    try:
        first = compare_prepared(a, b, options.compare, calibration, explain=False)
        if first.derived and first.direction.source_first is False:
            again = compare_prepared(b, a, options.compare, calibration, explain=False)
            row = _row(a_id, b_id, again, options.judge_findings)
            row.update(source_id=b_id, suspect_id=a_id)
        else:
            row = _row(a_id, b_id, first, options.judge_findings)
            row.update(source_id=a_id, suspect_id=b_id)
        return row
    except InputError as exc:
        return {
            **{name: None for name in SCHEMA.names},
            "a": a_id,
            "b": b_id,
            "source_id": a_id,
            "suspect_id": b_id,
            "derived": False,
            "findings_total": 0,
            "source_sentences": [],
            "suspect_sentences": [],
            "error": str(exc),
        }
