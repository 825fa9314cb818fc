"""Retrieval figures: index a dataset's sources, trace each suspect, see where its true source ranks.

recall@k and MRR are over derived suspects; the false-source rate is the share of suspects with
no derived pair at all (nothing in the index was their source) that trace still calls derived.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from newstrace.evaluation.datasets import Dataset
from newstrace.index.ingest import ingest
from newstrace.index.store import IndexedDocument, open_store
from newstrace.lexical import ngrams, tokens
from newstrace.options import CompareOptions
from newstrace.prepared import PreparedText
from newstrace.trace import CANDIDATES, VERIFIED, rerank, retrieve, trace_prepared

SHARED_RUNS = 3  # distinct verbatim 8-word runs


def score_retrieval(
    ds: Dataset,
    pairs: list[dict],
    prepared: dict[str, PreparedText],
    options: CompareOptions,
    progress: Callable[[str, int], None] | None = None,
) -> dict:
    sources = sorted({p["source_id"] for p in pairs if p["source_id"] in prepared})
    true_sources: dict[str, set[str]] = {}
    for p in pairs:
        if p["suspect_id"] in prepared:
            true_sources.setdefault(p["suspect_id"], set())
            if p["derived"]:
                true_sources[p["suspect_id"]].add(p["source_id"])
    ranks: list[int | None] = []
    false_hits = unsourced = worded = 0
    with tempfile.TemporaryDirectory(prefix="newstrace-eval-") as tmp:
        store = open_store(tmp)
        ingest(store, (IndexedDocument(id=i, text=ds.documents[i]) for i in sources))
        for suspect_id, truth in sorted(true_sources.items()):
            suspect = prepared[suspect_id]
            body = suspect.document.body
            # a suspect indexed as a source is not its own source
            hits = rerank(store, body, [h for h in retrieve(store, body, CANDIDATES) if h[0] != suspect_id])
            result = trace_prepared(suspect, store, prepared.__getitem__, options, VERIFIED, hits, explain=False)
            if truth:
                rank = next((k for k, i in enumerate(result.ranking[:10], 1) if i in truth), None)
                ranks.append(rank)
            else:
                unsourced += 1
                false = [s for s in result.sources if s.comparison.derived]
                if false:
                    false_hits += 1
                    runs = ngrams(tokens(body), 8)
                    worded += any(len(runs & ngrams(tokens(s.document.text), 8)) >= SHARED_RUNS for s in false)
            if progress:
                progress(f"{ds.name}: tracing", 1)
        store.close()
    n = len(ranks)
    return {
        "recall@1": sum(1 for r in ranks if r == 1) / n if n else None,
        "recall@10": sum(1 for r in ranks if r is not None) / n if n else None,
        "mrr": sum(1.0 / r for r in ranks if r) / n if n else None,
        "false_source_rate": false_hits / unsourced if unsourced else None,
        # of the suspects with a false source, how many share verbatim 8-word runs with it: most
        # likely unlabelled reuse (two rewrites of one wire story), not independent reporting
        "false_sources_sharing_wording": worded / false_hits if false_hits else None,
        "n": n,
        "n_unsourced": unsourced,
    }
