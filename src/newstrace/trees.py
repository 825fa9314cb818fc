"""Gradient-boosted regression trees stored as plain arrays, so no pickle is ever shipped or loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

Tree = tuple[list[int], list[float], list[int], list[int], list[float]]  # feature, threshold, left, right, leaf


@dataclass(frozen=True)
class TreeEnsemble:
    features: tuple[str, ...]
    init: float
    learning_rate: float
    trees: tuple[Tree, ...]

    def raw(self, values: dict[str, float]) -> float:
        return self.raw_vector([values[name] for name in self.features])

    def raw_vector(self, x: Sequence[float]) -> float:
        """The log-odds for feature values in the order of `features`.

        All trees descend together, one level per numpy step; the leaves are then added one by one
        in tree order, so the sum is the one a tree-by-tree walk gives, to the last bit.
        """
        feature, threshold, left, right, leaf = self._arrays
        values = np.asarray(x, dtype=np.float64)
        rows = np.arange(len(self.trees))
        node = np.zeros(len(self.trees), dtype=np.int64)
        for _ in range(self._depth):
            goes_left = values[feature[rows, node]] <= threshold[rows, node]
            child = np.where(goes_left, left[rows, node], right[rows, node])
            node = np.where(child == -1, node, child)  # a leaf's children are -1: it stays
        total = self.init
        for value in leaf[rows, node].tolist():
            total += self.learning_rate * value
        return total

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, ...]:
        """The trees as (tree x node) arrays, padded with leaves that point nowhere."""
        width = max(len(t[0]) for t in self.trees)
        feature = np.zeros((len(self.trees), width), dtype=np.int64)  # a leaf's feature is never read
        threshold = np.zeros((len(self.trees), width), dtype=np.float64)
        left = np.full((len(self.trees), width), -1, dtype=np.int64)
        right = np.full((len(self.trees), width), -1, dtype=np.int64)
        leaf = np.zeros((len(self.trees), width), dtype=np.float64)
        for i, (f, t, lo, hi, v) in enumerate(self.trees):
            n = len(f)
            feature[i, :n] = np.maximum(f, 0)  # scikit-learn marks leaves with feature -2
            threshold[i, :n], left[i, :n], right[i, :n], leaf[i, :n] = t, lo, hi, v
        return feature, threshold, left, right, leaf

    @cached_property
    def _depth(self) -> int:
        def depth(tree: Tree, node: int) -> int:
            _, _, left, right, _ = tree
            return 0 if left[node] == -1 else 1 + max(depth(tree, left[node]), depth(tree, right[node]))

        return max(depth(t, 0) for t in self.trees)

    @classmethod
    def from_json(cls, raw: dict) -> TreeEnsemble:
        return cls(
            features=tuple(raw["features"]),
            init=float(raw["init"]),
            learning_rate=float(raw["learning_rate"]),
            trees=tuple(tuple(t) for t in raw["trees"]),
        )


def export_trees(model, x, features: Sequence[str]) -> dict:
    """A fitted scikit-learn GradientBoostingClassifier as the JSON `TreeEnsemble.from_json` reads."""
    trees = []
    for (estimator,) in model.estimators_:
        t = estimator.tree_
        trees.append(
            [
                [int(v) for v in t.feature],
                [float(v) for v in t.threshold],
                [int(v) for v in t.children_left],
                [int(v) for v in t.children_right],
                [float(v) for v in t.value[:, 0, 0]],
            ]
        )
    # the prior the ensemble starts from, recovered from one prediction
    summed = sum(model.learning_rate * est[0].predict(x[:1])[0] for est in model.estimators_)
    init = float(model.decision_function(x[:1])[0] - summed)
    return {"features": list(features), "init": init, "learning_rate": model.learning_rate, "trees": trees}
