"""What a scan returns: counts, where the time went, and where its outputs are."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = "newstrace.scan/1"


@dataclass
class ScanResult:
    out: Path
    engine: str
    documents: int = 0
    prepared: int = 0  # documents the core could prepare (the others are listed in `problems`)
    candidates: int = 0
    verified: int = 0
    edges: int = 0
    derived_edges: int = 0
    co_derived_edges: int = 0
    clusters: int = 0
    outlets: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)  # stages skipped because their output was complete
    problems: list[str] = field(default_factory=list)  # rejected inputs, unpreparable texts, refused pairs
    stopped_after: str | None = None

    @property
    def outputs(self) -> dict[str, str]:
        names = ("edges.parquet", "clusters.parquet", "outlets.parquet", "outlets.csv", "report.html")
        return {name: str(self.out / name) for name in names}

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "engine": self.engine,
            "documents": self.documents,
            "prepared": self.prepared,
            "candidates": self.candidates,
            "verified": self.verified,
            "edges": self.edges,
            "derived_edges": self.derived_edges,
            "co_derived_edges": self.co_derived_edges,
            "clusters": self.clusters,
            "outlets": self.outlets,
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
            "reused_stages": self.reused,
            "problems": self.problems[:100],
            "problems_total": len(self.problems),
            "stopped_after": self.stopped_after,
            "outputs": {} if self.stopped_after else self.outputs,
        }
