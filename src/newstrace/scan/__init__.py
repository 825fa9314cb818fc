"""Scan a whole corpus: which articles derive from which, story clusters, who copies whom.

`scan()` runs resumable stages that write Parquet under `DIR/stages/`, on the local engine (a
process pool) or on Spark, and writes edges, clusters, outlets and a report to DIR (docs/scan.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newstrace.scan.result import ScanResult

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from newstrace.options import ScanOptions


def scan(
    inputs: list[str],
    out: str | Path,
    against: list[str] | None = None,
    options: ScanOptions | None = None,
    progress=None,
    stop_after: str | None = None,
    spark_session=None,
) -> ScanResult:
    """Scan INPUT (against SOURCES) into `out` (see `newstrace.scan.pipeline.scan`)."""
    from newstrace.scan.pipeline import scan as run  # imported here: pyarrow and scipy load on first use

    return run(inputs, out, against, options, progress, stop_after, spark_session)


__all__ = ["ScanResult", "scan"]
