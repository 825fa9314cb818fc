"""Gradient-boosted regression trees stored as plain arrays, so no pickle is ever shipped or loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
        """The log-odds for feature values in the order of `features`."""
        total = self.init
        for feature, threshold, left, right, leaf in self.trees:
            node = 0
            while left[node] != -1:
                node = left[node] if x[feature[node]] <= threshold[node] else right[node]
            total += self.learning_rate * leaf[node]
        return total

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
