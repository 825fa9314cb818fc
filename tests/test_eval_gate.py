"""Evaluation gate: a fixed sample of the DEV 'report' half, scored by the real CLI, against pinned floors.

The floors (tests/eval_floors.json) sit a little under the measured figures; the sample is small,
so a drop of a few points is noise, a larger one is a regression to look at.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newstrace.cli import app

from .conftest import sample_dataset

FLOORS = json.loads((Path(__file__).with_name("eval_floors.json")).read_text())


def test_gate_data_is_the_data_the_floors_were_measured_on():
    import hashlib

    from .conftest import DATA

    for name, expected in FLOORS["data_sha256_16"].items():
        h = hashlib.sha256()
        for f in sorted((DATA / name).glob("*.jsonl.gz")):
            h.update(f.read_bytes())
        assert h.hexdigest()[:16] == expected, f"{name} changed: re-measure tests/eval_floors.json"


@pytest.fixture(scope="module")
def gate_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    for name, n in FLOORS["sample"].items():
        sample_dataset(name, root, n)
    return root


@pytest.fixture(scope="module")
def gate_report(gate_root):
    res = CliRunner().invoke(app, ["eval", str(gate_root), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def gate_report_static(gate_root):
    res = CliRunner().invoke(app, ["eval", str(gate_root), "--json", "--encoder", "static", "--no-retrieval"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_eval_json_schema(gate_report):
    assert gate_report["schema"] == "newstrace.eval/1"
    for name in FLOORS["sample"]:
        assert name in gate_report["datasets"]
    pairs = gate_report["datasets"]["llmfake"]["pairs"]
    assert {"f1", "precision", "recall", "accuracy", "auc", "n"} <= pairs.keys()
    assert {"plagdet", "granularity", "precision", "recall"} <= gate_report["datasets"]["pan13"]["spans"].keys()
    assert {"accuracy", "f1"} <= gate_report["datasets"]["mrpc"]["sentence_pairs"].keys()


def _figure(report: dict, path: str) -> float:
    node = report["datasets"]
    for part in path.split("/"):
        node = node[part]
    return node


@pytest.mark.parametrize("path", sorted(FLOORS["floors"]))
def test_figure_stays_above_floor(gate_report, path):
    figure = _figure(gate_report, path)
    assert figure >= FLOORS["floors"][path], f"{path} = {figure}, floor {FLOORS['floors'][path]}"


@pytest.mark.parametrize("path", sorted(FLOORS["ceilings"]))
def test_figure_stays_under_ceiling(gate_report, path):
    figure = _figure(gate_report, path)
    assert figure <= FLOORS["ceilings"][path], f"{path} = {figure}, ceiling {FLOORS['ceilings'][path]}"


@pytest.mark.parametrize("path", sorted(p for p in FLOORS["floors"] if "/retrieval/" not in p))
def test_static_core_stays_above_floor(gate_report_static, path):
    assert gate_report_static["encoder"] == "static"
    figure = _figure(gate_report_static, path)
    assert figure >= FLOORS["floors"][path], f"static {path} = {figure}, floor {FLOORS['floors'][path]}"


def test_eval_reports_the_faithfulness_model_alone_on_perturbed_report_half_articles(gate_report):
    from newstrace.faithfulness import MODEL_ID

    model = gate_report["faithfulness"]
    assert model["model"] == MODEL_ID
    assert model["auc"] >= FLOORS["faithfulness_auc_floor"], model
    assert {"verbatim/original", "negation/original", "number-change/original"} <= model["types"].keys()
    assert set(model["by_dataset"]) == {f"news-{n}" for n in ("llmfake", "f3", "ecbplus", "onestopenglish")}
