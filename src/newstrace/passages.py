"""Grouping sentence alignments into reused passages.

Reuse inside a long document is a passage, not scattered sentences (PAN's cases are passages).
Consecutive aligned suspect sentences whose sources lie close together in the source form one
passage; small gaps (a sentence the rewrite added or reworded beyond recognition) are bridged.
"""

from __future__ import annotations

from dataclasses import dataclass

from newstrace.align import Alignment

MAX_SUSPECT_GAP = 2  # sentences
MAX_SOURCE_JUMP = 4  # sentences


@dataclass(frozen=True)
class Passage:
    source: tuple[int, int]
    suspect: tuple[int, int]
    alignments: tuple[Alignment, ...]

    @property
    def score(self) -> float:
        return sum(a.score for a in self.alignments) / len(self.alignments)


def group_passages(alignments: list[Alignment]) -> list[Passage]:
    groups: list[list[Alignment]] = []
    for a in sorted(alignments, key=lambda a: (a.suspect_index, a.source_index)):
        for group in reversed(groups[-3:]):
            last_sus = max(x.suspect_index for x in group)
            near_source = any(abs(a.source_index - x.source_index) <= MAX_SOURCE_JUMP for x in group)
            if a.suspect_index - last_sus <= MAX_SUSPECT_GAP and near_source:
                group.append(a)
                break
        else:
            groups.append([a])
    out = []
    for g in groups:
        out.append(
            Passage(
                source=(min(x.source[0] for x in g), max(x.source[1] for x in g)),
                suspect=(min(x.suspect[0] for x in g), max(x.suspect[1] for x in g)),
                alignments=tuple(g),
            )
        )
    return out
