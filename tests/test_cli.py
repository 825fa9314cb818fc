from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from newstrace.cli import app

runner = CliRunner()
REQUIRED = {
    "schema",
    "derived",
    "verdict",
    "probability",
    "coverage",
    "source_coverage",
    "direction",
    "alignments",
    "findings",
}


def test_compare_json_schema(seed_paths):
    res = runner.invoke(app, ["compare", str(seed_paths[0]), str(seed_paths[1]), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out.keys() >= REQUIRED
    assert out["schema"] == "newstrace.compare/1"
    assert out["derived"] is True and out["verdict"] == "heavy" and out["coverage"] >= 0.8
    assert out["direction"]["source_first"] is True
    assert out["encoder"] == "minilm"
    assert set(out["direction"]) >= {"source_first", "confidence"}
    a = out["alignments"][0]
    assert set(a) >= {"source", "suspect", "score", "kind"}
    assert isinstance(out["findings"], list)


def test_compare_reads_stdin(seed_paths):
    data = seed_paths[1].read_bytes()
    res = runner.invoke(app, ["compare", str(seed_paths[0]), "-", "--json"], input=data)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    text = seed_paths[1].read_text(encoding="utf-8")
    s, e = out["alignments"][0]["suspect"]
    assert text[s:e].strip()


def test_compare_terminal_report(seed_paths):
    res = runner.invoke(app, ["compare", str(seed_paths[0]), str(seed_paths[1])])
    assert res.exit_code == 0, res.output
    assert "heavy" in res.stdout and "Aligned sentences" in res.stdout


def test_compare_html_is_escaped_and_self_contained(seed_paths, tmp_path):
    hostile = tmp_path / "hostile.txt"
    body = seed_paths[1].read_text(encoding="utf-8")
    hostile.write_text(body + "\n<script>alert('x')</script> </script><b>bold</b>\n", encoding="utf-8")
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["compare", str(seed_paths[0]), str(hostile), "--html", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b>bold</b>" not in page
    assert "http://" not in page and "https://" not in page  # nothing loaded from the network
    assert page.count("<mark") >= 10


def test_bad_input_gives_clear_error(tmp_path, seed_paths):
    binary = tmp_path / "x.bin"
    binary.write_bytes(bytes(range(256)) * 10)
    res = runner.invoke(app, ["compare", str(seed_paths[0]), str(binary)])
    assert res.exit_code == 2
    assert "binary" in res.output
    res = runner.invoke(app, ["compare", str(seed_paths[0]), str(tmp_path / "missing.txt")])
    assert res.exit_code == 2 and "no such file" in res.output
    res = runner.invoke(app, ["compare", "-", "-"])
    assert res.exit_code == 2


def test_eval_rejects_a_folder_without_data(tmp_path):
    res = runner.invoke(app, ["eval", str(tmp_path), "--json"])
    assert res.exit_code == 3 and "no dataset" in res.output


def test_eval_reports_malformed_json(tmp_path):
    import gzip

    d = tmp_path / "broken"
    d.mkdir()
    with gzip.open(d / "sentence_pairs.jsonl.gz", "wt") as fh:
        fh.write('{"id": "x", "a": "one", "b": "two", "paraphrase": true}\n{not json\n')
    res = runner.invoke(app, ["eval", str(d)])
    assert res.exit_code == 3 and "malformed JSON" in res.output


def test_every_command_has_help_and_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert command.callback.__doc__, name
        assert f"newstrace {name}" in readme, name


def test_eval_table_shows_direction_and_the_faithfulness_model(tmp_path):
    import io

    from rich.console import Console

    from newstrace.cli import _eval_table

    from .conftest import sample_dataset

    sample_dataset("onestopenglish", tmp_path, 6)
    res = runner.invoke(app, ["eval", str(tmp_path), "--no-retrieval", "--encoder", "static", "--json"])
    assert res.exit_code == 0, res.output
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    console.print(_eval_table(json.loads(res.stdout)))
    lines = console.export_text().splitlines()
    row = next(line for line in lines if "direction (text)" in line)
    assert len(re.findall(r"\d\.\d{3}", row)) >= 2  # an accuracy and a decided share, not an empty row
    model = next(line for line in lines if "faithfulness model" in line)
    assert re.search(r"\d\.\d{3}", model)  # the model alone on the sample's perturbed sentences


def test_eval_rejects_a_bad_split(tmp_path):
    res = runner.invoke(app, ["eval", str(tmp_path), "--split", "half"])
    assert res.exit_code == 2 and "split must be all, fit or report" in res.output
